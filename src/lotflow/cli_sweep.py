"""``lotflow sweep``: a grid of scenario variants run into a resumable store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lotflow.cli_common import (
    HorizonOpt,
    PrecisionOpt,
    ReplicationsOpt,
    ScenarioArg,
    SeedOpt,
    WarmupOpt,
    WorkersOpt,
    check_run_options,
    console,
    input_errors,
    load_or_exit,
    parse_precision,
    parse_warmup,
)
from lotflow.cli_progress import Bar
from lotflow.cli_tables import MetricOpt, pivot_table, select_metrics
from lotflow.scenario import ScenarioError


@input_errors()
def sweep_command(
    scenario: ScenarioArg,
    store: Annotated[Path, typer.Option(help="Store directory (created if new).")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="PATH=V1,V2,... (repeatable).")
    ] = None,
    file: Annotated[Path | None, typer.Option(help="Sweep file (YAML) with a set: block.")] = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    horizon: HorizonOpt = None,
    warmup: WarmupOpt = None,
    precision: PrecisionOpt = None,
    max_replications: Annotated[
        int | None, typer.Option(help="Cap for --precision.", min=2, max=1_000_000)
    ] = None,
    backend: Annotated[str, typer.Option(help="local or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
    workers: WorkersOpt = None,
    metric: MetricOpt = None,
) -> None:
    """Run a grid of scenario variants into a resumable store (shared safely by
    sweeps started at once on it); print one row per point."""
    loaded = load_or_exit(scenario)
    overrides = {
        "replications": replications, "seed": seed, "horizon": horizon,
        "max_replications": max_replications, "warmup": parse_warmup(warmup),
        "precision": parse_precision(precision),
    }  # fmt: skip
    loaded = check_run_options(loaded, **overrides, workers=workers)
    execute_sweep(
        loaded, set_ or [], file, overrides, store, (backend, scheduler, workers), metric,
        console,
    )  # fmt: skip


def execute_sweep(
    scenario, sets, sweep_file, overrides: dict, store_dir, backend_args, metrics, console: Console
):  # fmt: skip
    """Validate the whole grid, open the store, run what is missing, print the pivot.

    ``overrides`` replace the sweep file's (or the scenario's) run options when
    not None; ``backend_args`` is ``(name, scheduler, workers)``.
    """
    from lotflow.experiment.backends import make_backend
    from lotflow.experiment.store import Store
    from lotflow.experiment.sweep import (
        SweepOptions,
        build_points,
        load_sweep_file,
        parse_sets,
        run_sweep,
        store_summary,
    )

    options = load_sweep_file(sweep_file) if sweep_file else SweepOptions()
    options.sets += parse_sets(sets)
    for key, value in overrides.items():
        if value is not None:
            setattr(options, key, value)
    points = build_points(scenario, options)
    Store.check(store_dir, scenario)  # a bad store fails before a cluster is started
    backend = _backend(make_backend, *backend_args)
    with backend, Store.open(store_dir, scenario) as store:  # no store if it fails to connect
        with Bar(console, f"{scenario.name} sweep") as bar:
            runs = run_sweep(points, store, backend, options, bar.plan, bar.done)
        added = sum(run.ran for run in runs)
        keys = {run.key[:12] for run in runs}
        rows = [row for row in store_summary(store) if row["key"] in keys]
        paths = [path for path, _ in points[0].assignments] if points else []
        title = f"{scenario.name}: sweep"
        console.print(pivot_table(select_metrics(rows, metrics), paths, title, scenario.time_unit))
        console.print(
            f"{len(points)} points; {added} records run now, {store.count()} in the store "
            f"{store_dir}",
            markup=False,
            highlight=False,
        )


def _backend(make_backend, name, scheduler, workers):
    try:
        return make_backend(name, scheduler, workers)
    except (OSError, TimeoutError) as exc:
        raise ScenarioError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
