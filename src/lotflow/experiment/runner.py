"""Running the replications of a scenario, in this process or on worker processes."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor, as_completed
from typing import TYPE_CHECKING

from lotflow import __version__
from lotflow.engine.precompile import load_engine
from lotflow.experiment.aggregate import aggregate, mean_series
from lotflow.experiment.replication import (
    ReplicationResult,
    RunSpec,
    has_plant_flow,
    run_replication,
)
from lotflow.results import Results

if TYPE_CHECKING:
    from lotflow.scenario.models import Scenario

ENGINE_NAME = "lotflow-numba-maxplus"


def resolve_options(
    scenario: Scenario,
    seed: int | None = None,
    replications: int | None = None,
    horizon: float | None = None,
    warmup: float | str | None = None,
) -> tuple[int, int, float, float]:
    """(seed, replications, horizon, warm-up): the scenario's ``run`` block with
    command-line style overrides, checked by the scenario's own rules
    (:func:`lotflow.scenario.apply_run_options`: one set of rules for the file,
    the CLI and the Python API). ``warmup="auto"`` keeps the scenario's."""
    from lotflow.scenario import apply_run_options

    options = (seed, replications, horizon, warmup)
    if any(value is not None for value in options):
        scenario = apply_run_options(
            scenario, seed=seed, replications=replications, horizon=horizon, warmup=warmup
        )
    run = scenario.run
    return int(run.seed), int(run.replications), float(run.horizon), float(run.warmup)


def run_replications(
    spec: RunSpec,
    indices: list[int],
    workers: int = 1,
    on_done: Callable[[ReplicationResult], None] | None = None,
) -> list[ReplicationResult]:
    """Run the given replications; results come back sorted by index.

    With one worker the lines of a replication run on threads (the kernel
    releases the GIL); with several, each worker runs whole replications
    (:func:`replication_pool`).
    """
    results: list[ReplicationResult] = []
    if workers <= 1 or len(indices) <= 1:
        for index in indices:
            result = run_replication(spec, index, line_threads=max(workers, 2))
            results.append(result)
            if on_done:
                on_done(result)
    else:
        with replication_pool(spec, workers) as pool:
            futures = [pool.submit(run_replication, spec, index) for index in indices]
            try:
                for future in as_completed(futures):
                    result = future.result()
                    results.append(result)
                    if on_done:
                        on_done(result)
            except BaseException:  # Ctrl-C, or a replication failed: start no more
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    return sorted(results, key=lambda r: r.index)


def replication_pool(spec: RunSpec, workers: int) -> Executor:
    """Where ``workers`` replications of ``spec`` run at once.

    Threads when a replication is its lines' kernel runs and a little
    analysis (no plant flow): the kernel releases the GIL, and threads start
    at once and share the compiled scenario; on two cores, 4 x 4,000 h of the
    reference line took about 4 % less than on processes (docs/performance.md).
    Processes, forked once the kernel is loaded, when the plant's event
    logic (Python, holding the GIL) runs beside the lines. On Ctrl-C no
    replication starts any more; a thread ends the one it is running (the
    kernel cannot be interrupted), a process is interrupted with it.
    """
    if has_plant_flow(spec.scenario):
        # (imported here: multiprocessing costs a line's run some 5 ms of start-up)
        from concurrent.futures import ProcessPoolExecutor

        load_engine()  # forked workers inherit the loaded kernel, none loads it again
        return ProcessPoolExecutor(max_workers=workers)
    return ThreadPoolExecutor(max_workers=workers)


def run_fixed(
    scenario,
    seed: int | None = None,
    replications: int | None = None,
    horizon: float | None = None,
    warmup: float | str | None = None,
    workers: int = 1,
    on_done: Callable[[ReplicationResult], None] | None = None,
) -> Results:
    """Simulate ``scenario`` with a fixed warm-up and replication count (options
    override its ``run`` block); :func:`lotflow.run` also runs adaptive ones."""
    seed, replications, horizon, warmup = resolve_options(
        scenario, seed, replications, horizon, warmup
    )
    spec = RunSpec(scenario, horizon, warmup, seed)
    started = time.perf_counter()
    reps = run_replications(spec, list(range(replications)), workers, on_done)
    wall = time.perf_counter() - started
    return build_results(spec, reps, wall)


def build_results(spec: RunSpec, reps: list[ReplicationResult], wall_s: float) -> Results:
    """Assemble the results document from finished replications."""
    tree = aggregate(reps)
    scenario = spec.scenario
    data = {
        "scenario": scenario.name,
        "seed": spec.seed,
        "replications": len(reps),
        "time_unit": scenario.time_unit,
        "horizon": spec.horizon,
        "warmup": spec.warmup,
        "lines": tree.get("lines", {}),
    }
    if "plant" in tree:
        data["plant"] = tree["plant"]
    data["engine"] = {"name": ENGINE_NAME, "version": __version__, "wall_s": round(wall_s, 4)}
    lots = [dict(lot, replication=r.index) for r in reps for lot in r.lots]
    if not lots:
        lots = [
            dict(lot, replication=r.index)
            for r in reps
            for rows in r.series.get("line_lots", {}).values()
            for lot in rows
        ]
    window = spec.window()
    series = {"bin_width": window.bin_width, "output": mean_series(reps, "output")}
    series["wip_hist"] = mean_series(reps, "wip_hist")
    if reps and "plant" in reps[0].series:
        series["plant"] = reps[0].series["plant"]
    return Results(data, lots, series)
