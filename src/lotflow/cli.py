"""The ``lotflow`` command line (Typer). It parses options and calls the library.

Exit codes: 0 success, 2 invalid input (scenario, option, file), 1 anything else.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lotflow.scenario import ScenarioError, load_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Lot-based plant simulation.")
console = Console()
errors = Console(stderr=True)

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.")]


def fail_input(error: ScenarioError) -> None:
    """Print one clear message for invalid input and exit with code 2."""
    errors.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def load_or_exit(path: Path):
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        fail_input(exc)


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario and say what is wrong."""
    loaded = load_or_exit(scenario)
    console.print(f"{scenario}: ok ({len(loaded.lines)} lines, time unit {loaded.time_unit})")


@app.command()
def schema() -> None:
    """Print the scenario JSON Schema."""
    from lotflow.scenario.models import Scenario

    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2) + "\n")


@app.command("run")
def run_command(
    scenario: ScenarioArg,
    seed: Annotated[int | None, typer.Option(help="Master seed.")] = None,
    replications: Annotated[int | None, typer.Option(help="Number of replications.")] = None,
    horizon: Annotated[float | None, typer.Option(help="Simulated time, warm-up included.")] = None,
    warmup: Annotated[str | None, typer.Option(help="Warm-up time discarded, or auto.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Write results JSON here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report here.")] = None,
    precision: Annotated[str | None, typer.Option(help="Throughput CI target, e.g. 1%.")] = None,
    max_replications: Annotated[int, typer.Option(help="Cap for --precision.")] = 200,
    plan: Annotated[
        Path | None, typer.Option(help="Simulate this plan (from lotflow plan): on time?")
    ] = None,
) -> None:
    """Simulate a scenario with replications and print a summary."""
    from lotflow.cli_run import execute_run
    from lotflow.cli_sweep import parse_precision, parse_warmup

    loaded = load_or_exit(scenario)
    if workers < 1:
        fail_input(ScenarioError("--workers must be >= 1"))
    if plan is not None:
        from lotflow.cli_plan import execute_plan_run

        if horizon is not None or warmup is not None or precision is not None:
            fail_input(ScenarioError("--horizon, --warmup and --precision do not apply to --plan"))
        try:
            execute_plan_run(loaded, plan, seed, replications, workers, out, report, console)
        except ScenarioError as exc:
            fail_input(exc)
        return
    try:
        execute_run(
            loaded, seed, replications, horizon, parse_warmup(warmup), workers,
            parse_precision(precision), max_replications, out, report, console,
        )  # fmt: skip
    except ScenarioError as exc:
        fail_input(exc.in_file(str(scenario)) if exc.file is None and exc.path else exc)


@app.command()
def capacity(
    scenario: ScenarioArg,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the capacity as JSON here.")
    ] = None,
    results: Annotated[
        Path | None, typer.Option(help="A results JSON of this scenario to compare with.")
    ] = None,
    claim: Annotated[float, typer.Option(help="Claimed good parts a year to check.", min=0)] = 70e6,
) -> None:
    """Analytic capacity of each line (no simulation), and the claim check."""
    from lotflow.cli_capacity import execute_capacity

    loaded = load_or_exit(scenario)
    try:
        execute_capacity(loaded, json_out, results, claim, console)
    except ScenarioError as exc:
        fail_input(exc)


@app.command()
def sweep(
    scenario: ScenarioArg,
    store: Annotated[Path, typer.Option(help="Store directory (created if new).")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="PATH=V1,V2,... (repeatable).")
    ] = None,
    file: Annotated[Path | None, typer.Option(help="Sweep file (YAML) with a set: block.")] = None,
    replications: Annotated[int | None, typer.Option(help="Replications per point.")] = None,
    seed: Annotated[int | None, typer.Option(help="Master seed.")] = None,
    horizon: Annotated[float | None, typer.Option(help="Simulated time, warm-up included.")] = None,
    warmup: Annotated[str | None, typer.Option(help="Warm-up time discarded, or auto.")] = None,
    precision: Annotated[str | None, typer.Option(help="Throughput CI target, e.g. 1%.")] = None,
    max_replications: Annotated[int | None, typer.Option(help="Cap for --precision.")] = None,
    backend: Annotated[str, typer.Option(help="local or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
    workers: Annotated[int | None, typer.Option(help="Workers (default: all cores).")] = None,
) -> None:
    """Run a grid of scenario variants into a resumable store."""
    from lotflow.cli_sweep import execute_sweep

    loaded = load_or_exit(scenario)
    try:
        execute_sweep(
            loaded, set_ or [], file, replications, seed, horizon, warmup, precision,
            max_replications, store, backend, scheduler, workers, console,
        )  # fmt: skip
    except ScenarioError as exc:
        fail_input(exc.in_file(str(scenario)) if exc.file is None and exc.path else exc)


@app.command()
def results(
    store: Annotated[Path, typer.Argument(help="Store directory of a sweep.")],
    format_: Annotated[str, typer.Option("--format", help="table, csv or parquet.")] = "table",
    out: Annotated[Path | None, typer.Option(help="Write here instead of the screen.")] = None,
    all_metrics: Annotated[
        bool, typer.Option("--all", help="Every metric, not headlines.")
    ] = False,
) -> None:
    """Mean and 95 % CI of every point and headline metric of a store."""
    from lotflow.cli_sweep import execute_results

    try:
        execute_results(store, format_, out, all_metrics, console)
    except ScenarioError as exc:
        fail_input(exc)


@app.command()
def compare(
    first: Annotated[str, typer.Argument(help="Scenario A (or a point of --store).")],
    second: Annotated[str, typer.Argument(help="Scenario B (or a point of --store).")],
    store: Annotated[Path | None, typer.Option(help="Compare two points of this store.")] = None,
    replications: Annotated[int | None, typer.Option(help="Paired replications.")] = None,
    seed: Annotated[int | None, typer.Option(help="Master seed (both sides).")] = None,
    horizon: Annotated[float | None, typer.Option(help="Simulated time, warm-up included.")] = None,
    warmup: Annotated[str | None, typer.Option(help="Warm-up time discarded, or auto.")] = None,
    precision: Annotated[str | None, typer.Option(help="Throughput CI target, e.g. 1%.")] = None,
    max_replications: Annotated[int, typer.Option(help="Cap for --precision.")] = 200,
    workers: Annotated[int | None, typer.Option(help="Workers (default: all cores).")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write JSON here (- = stdout).")
    ] = None,
) -> None:
    """Paired differences B - A with CIs for every headline metric."""
    from lotflow.cli_sweep import execute_compare, parse_precision, parse_warmup

    try:
        options = {
            "seed": seed, "replications": replications, "horizon": horizon,
            "warmup": parse_warmup(warmup), "precision": parse_precision(precision),
            "max_replications": max_replications, "workers": workers,
        }  # fmt: skip
        execute_compare(first, second, store, options, json_out, console)
    except ScenarioError as exc:
        fail_input(exc)


@app.command()
def plan(
    scenario: ScenarioArg,
    orders: Annotated[Path, typer.Option(help="Order book: CSV or Parquet.")],
    out: Annotated[Path, typer.Option(help="Write the plan JSON here.")],
    time_limit: Annotated[float, typer.Option(help="Solver time limit, seconds.")] = 60.0,
    rate: Annotated[str, typer.Option(help="Planning rate: nameplate or expected.")] = "expected",
    workers: Annotated[int, typer.Option(help="CP-SAT workers (1 is deterministic).")] = 1,
    seed: Annotated[int, typer.Option(help="CP-SAT random seed.")] = 1,
) -> None:
    """Plan an order book on the lines (CP-SAT): least weighted tardiness, then changeovers."""
    from lotflow.cli_plan import execute_plan

    loaded = load_or_exit(scenario)
    try:
        execute_plan(loaded, orders, out, time_limit, rate, workers, seed, console)
    except ScenarioError as exc:
        fail_input(exc)


def main() -> None:  # pragma: no cover - console entry point
    app()
