"""Two scenarios run side by side for ``lotflow compare``: common random numbers,
and the warm-up (``auto``: MSER-5) and replication count (``precision``) of a run.

Replication ``r`` of A and of B use the same master seed and index. With
``warmup="auto"`` each side gets its MSER-5 warm-up from its own pilot
replications (:mod:`lotflow.experiment.warmup`) and both sides use the larger
one: a paired difference needs one observation window. With ``precision``
paired replications are added until the throughput of both sides meets the
target (:mod:`lotflow.experiment.precision`); the count depends only on the
results, never on the number of workers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lotflow.experiment import precision as prec
from lotflow.experiment.backends import LocalBackend, Task
from lotflow.experiment.replication import ReplicationResult, RunSpec
from lotflow.experiment.runner import resolve_options
from lotflow.experiment.warmup import (
    PILOT_REPLICATIONS,
    check_auto_warmup,
    choose_warmup,
    pilot_spec,
)
from lotflow.scenario.errors import ScenarioError

SIDES = ("a", "b")


@dataclass
class PairedRuns:
    """The replications of both sides, and how warm-up and count were chosen."""

    a: list[ReplicationResult]
    b: list[ReplicationResult]
    info: dict = field(default_factory=dict)


def run_pair(
    scenarios: dict,
    files: dict,
    *,
    seed: int | None,
    replications: int | None,
    horizon: float | None,
    warmup: float | str | None,
    precision: float | None,
    max_replications: int,
    workers: int | None,
    on_done: Callable[[], None],
    on_plan: Callable[[int, str], None],
) -> PairedRuns:
    """Run ``scenarios["a"]`` and ``scenarios["b"]`` paired; ``files`` name them in errors."""
    auto = warmup == "auto"
    seed, replications, _, _ = resolve_options(scenarios["a"], seed, replications)
    windows = _windows(scenarios, files, seed, replications, horizon, warmup)
    if precision is not None:
        prec.check_cap(replications, max_replications)
        replications = max(replications, prec.MIN_REPLICATIONS)
    if replications < 2:
        raise ScenarioError("--replications must be >= 2 for a confidence interval")
    backend = LocalBackend(workers)
    info: dict = {}
    if auto:
        windows, info["warmup"] = _common_warmup(
            scenarios, windows, seed, backend, on_done, on_plan
        )
    specs = {side: RunSpec(scenarios[side], *windows[side], seed) for side in SIDES}
    reps = _paired_replications(
        specs, replications, precision, max_replications, backend, on_done, on_plan
    )
    if precision is not None:
        info["precision"] = {
            side: prec.report(reps[side], precision, max_replications) for side in SIDES
        }
    return PairedRuns(reps["a"], reps["b"], info)


def _windows(
    scenarios, files, seed, replications, horizon, warmup
) -> dict[str, tuple[float, float]]:
    """Each side's (horizon, warm-up); with ``auto`` the warm-up is chosen later."""
    auto = warmup == "auto"
    windows = {}
    for side in SIDES:
        try:
            _, _, h, w = resolve_options(
                scenarios[side], seed, replications, horizon, None if auto else warmup
            )
            if auto:
                check_auto_warmup(scenarios[side], h)
        except ScenarioError as exc:
            raise exc.in_file(files[side]) from None
        windows[side] = (h, w)
    return windows


def _common_warmup(scenarios, windows, seed, backend, on_done, on_plan) -> tuple[dict, dict]:
    """MSER-5 on each side's pilot replications; both sides get the larger warm-up.
    Returns the new windows and the ``warmup`` block of the run's info."""
    chosen = {}
    for side in SIDES:
        pilot = pilot_spec(scenarios[side], windows[side][0], seed)
        on_plan(PILOT_REPLICATIONS, f"pilot replications of {side.upper()} (warm-up)")
        tasks = [Task(pilot, i, series=True) for i in range(PILOT_REPLICATIONS)]
        pilots = _run(backend, tasks, on_done)
        chosen[side] = choose_warmup(pilot, pilots)
    common = max(choice.warmup for choice in chosen.values())
    block = {
        "value": common,
        "method": chosen["a"].method,
        "by_side": {side: choice.warmup for side, choice in chosen.items()},
    }
    return {side: (h, common) for side, (h, _) in windows.items()}, block


def _paired_replications(
    specs, replications, precision, max_replications, backend, on_done, on_plan
) -> dict[str, list[ReplicationResult]]:
    """Replications 0, 1, ... of both sides; with ``precision``, more until both
    sides meet the target (or the cap)."""
    done: dict[str, dict[int, ReplicationResult]] = {side: {} for side in SIDES}
    target = replications
    while True:
        missing = [i for i in range(target) if i not in done["a"]]
        if missing:
            on_plan(2 * len(missing), "paired replications")
            tasks = [Task(specs[side], i, tag=side) for i in missing for side in SIDES]
            for task, result in _run_tagged(backend, tasks, on_done):
                done[task.tag][result.index] = result
        reps = {side: [done[side][i] for i in range(target)] for side in SIDES}
        if precision is None:
            return reps
        wanted = max(prec.next_count(reps[side], precision, max_replications) for side in SIDES)
        if wanted == target:
            return reps
        target = wanted


def _run(backend, tasks: list[Task], on_done) -> list[ReplicationResult]:
    return sorted((r for _, r in _run_tagged(backend, tasks, on_done)), key=lambda r: r.index)


def _run_tagged(backend, tasks: list[Task], on_done) -> list[tuple[Task, ReplicationResult]]:
    out: list[tuple[Task, ReplicationResult]] = []

    def collect(task: Task, result: ReplicationResult) -> None:
        out.append((task, result))
        on_done()

    backend.run(tasks, collect)
    return out
