"""``lotflow optimize``: options, the results store, the backend, a live status line,
and the outputs (``best.json``, optional HTML report) around :mod:`lotflow.optimize`."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lotflow.cli_progress import Bar
from lotflow.scenario import ScenarioError


def register(app: typer.Typer, load_or_exit, fail_input) -> None:
    """Add the ``optimize`` command to ``app`` (with the CLI's scenario loader and
    its exit-2 handler for invalid input)."""

    @app.command()
    def optimize(
        scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
        spec: Annotated[Path, typer.Option(help="Optimization spec (YAML).")],
        out: Annotated[Path, typer.Option(help="Write the answer (best.json) here.")],
        store: Annotated[Path | None, typer.Option(help="Store directory (resumable).")] = None,
        seed: Annotated[int | None, typer.Option(help="Master seed.")] = None,
        report: Annotated[Path | None, typer.Option(help="Write an HTML page here.")] = None,
        backend: Annotated[str, typer.Option(help="local or dask.")] = "local",
        scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
        workers: Annotated[int | None, typer.Option(help="Workers (default: all cores).")] = None,
    ) -> None:
        """Search scenario levers for the best (or cheapest sufficient) configuration."""
        loaded = load_or_exit(scenario)
        try:
            execute_optimize(
                loaded, spec, out, store, seed, report, backend, scheduler, workers,
                Console(), str(scenario),
            )  # fmt: skip
        except ScenarioError as exc:
            fail_input(exc.in_file(str(scenario)) if exc.file is None and exc.path else exc)


def execute_optimize(
    scenario, spec_file, out, store_dir, seed, report, backend_name, scheduler, workers,
    console: Console, scenario_file: str,
):  # fmt: skip
    """Validate the spec against the scenario, then optimize into the store and write
    the answer. Without ``--store`` the records live in a temporary directory."""
    from lotflow.experiment.backends import make_backend
    from lotflow.experiment.store import Store
    from lotflow.io import write_atomic
    from lotflow.optimize.procedure import Progress, optimize
    from lotflow.optimize.space import Space
    from lotflow.optimize.spec import load_spec

    spec = load_spec(spec_file)
    Space(spec, scenario).check_constraints()  # paths, values, constraints: before any run
    with tempfile.TemporaryDirectory(prefix="lotflow-optimize-") as scratch:
        directory = Path(store_dir) if store_dir is not None else Path(scratch) / "store"
        Store.check(directory, scenario)
        try:
            pool = make_backend(backend_name, scheduler, workers)
        except (OSError, TimeoutError) as exc:
            raise ScenarioError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        with pool, Store.open(directory, scenario) as db, Bar(console, "optimize") as bar:
            progress = Progress(
                plan=lambda n: bar.plan(n, "replications"),
                done=bar.done,
                status=lambda text: bar.plan(0, text),  # the bar's description
            )
            answer = optimize(scenario, spec, db, pool, seed, progress)
    write_atomic(out, json.dumps(answer, indent=2, allow_nan=False) + "\n")
    console.print(summary_table(answer))
    console.print(f"answer written to {out}")
    if report is not None:
        from lotflow.optimize.report import render_page

        write_atomic(report, render_page(answer))
        console.print(f"report written to {report}")


def summary_table(answer: dict) -> Table:
    """The chosen levers, objective, cost and requirements on one screen."""
    best = answer["best"]
    table = Table(title=f"{answer['scenario']}: optimize ({answer['evaluated']} evaluated)")
    table.add_column("")
    table.add_column("value", justify="right")
    if best is None:
        table.add_row("best", "none: " + answer["selection"].get("reason", "no candidate"))
        return table
    for name, value in best["values"].items():
        table.add_row(name, str(value))
    objective = best["objective"]
    if objective["metric"] != "cost":
        table.add_row(
            f"{objective['metric']}",
            f"{objective['mean']:.6g} ± {objective['ci95']:.3g} (fresh replications)",
        )
    table.add_row("cost", f"{best['cost']:,.6g}", end_section=True)
    for req in best["requirements"]:
        side = "at_least" if "at_least" in req else "at_most"
        verdict = "met" if req["met"] else "NOT met"
        table.add_row(
            f"{req['metric']} {side.replace('_', ' ')} {req[side]:.6g}",
            f"{req['mean']:.6g} ± {req['ci95']:.3g}: {verdict} at {req['confidence']:.0%}",
        )
    sel = answer["selection"]
    if "indifference" in sel:
        table.add_row(f"selection ({sel['procedure']})", f"indifference {sel['indifference']}")
    return table
