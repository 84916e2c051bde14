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
    warmup: Annotated[float | None, typer.Option(help="Warm-up time discarded.")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Write results JSON here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report here.")] = None,
) -> None:
    """Simulate a scenario with replications and print a summary."""
    from lotflow.cli_run import execute_run

    loaded = load_or_exit(scenario)
    if workers < 1:
        fail_input(ScenarioError("--workers must be >= 1"))
    try:
        execute_run(loaded, seed, replications, horizon, warmup, workers, out, report, console)
    except ScenarioError as exc:
        fail_input(exc.in_file(str(scenario)) if exc.file is None and exc.path else exc)


def main() -> None:  # pragma: no cover - console entry point
    app()
