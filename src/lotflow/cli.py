"""The ``lotflow`` command line: builds the Typer app and registers the commands.

Each command lives in its own ``cli_*`` module (siblings, sharing only
:mod:`lotflow.cli_common`); registering a new one is one line below.
Exit codes: 0 success, 2 invalid input (scenario, option, output target),
1 anything else. Command modules import the simulation libraries inside their
functions, so ``lotflow --version``, ``-h`` and ``validate`` start fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from lotflow import (
    __version__,
    cli_capacity,
    cli_compare,
    cli_plan,
    cli_results,
    cli_run,
    cli_scenario,
    cli_sweep,
)
from lotflow.cli_common import fail_input, load_or_exit
from lotflow.cli_optimize import register as register_optimize

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Lot-based plant simulation.",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lotflow {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Lot-based plant simulation."""


app.command("validate")(cli_scenario.validate)
app.command("schema")(cli_scenario.schema)
app.command("run")(cli_run.run_command)
app.command("capacity")(cli_capacity.capacity_command)
app.command("sweep")(cli_sweep.sweep_command)
app.command("results")(cli_results.results_command)
app.command("compare")(cli_compare.compare_command)
app.command("plan")(cli_plan.plan_command)
register_optimize(app, load_or_exit, fail_input)


if __name__ == "__main__":  # pragma: no cover - python -m lotflow.cli
    from lotflow.__main__ import main

    main()
