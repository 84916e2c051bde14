"""``lotflow run``: replications with a progress bar, a summary table, output files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lotflow.cli_common import (
    ClaimOpt,
    HorizonOpt,
    MaxReplicationsOpt,
    PrecisionOpt,
    ReplicationsOpt,
    ScenarioArg,
    SeedOpt,
    WarmupOpt,
    check_outputs,
    check_positive,
    check_run_options,
    console,
    input_errors,
    load_or_exit,
    parse_precision,
    parse_warmup,
)
from lotflow.cli_progress import Bar


@input_errors()
def run_command(
    scenario: ScenarioArg,
    seed: SeedOpt = None,
    replications: ReplicationsOpt = None,
    horizon: HorizonOpt = None,
    warmup: WarmupOpt = None,
    workers: Annotated[
        int,
        typer.Option(
            help="Workers: threads, or processes for a plant (results do not depend on it)."
        ),
    ] = 1,
    out: Annotated[Path | None, typer.Option(help="Write results JSON here.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report here.")] = None,
    precision: PrecisionOpt = None,
    max_replications: MaxReplicationsOpt = 200,
    claim: ClaimOpt = None,
    plan: Annotated[
        Path | None, typer.Option(help="Simulate this plan (lotflow plan): on time?")
    ] = None,
) -> None:
    """Simulate a scenario with replications and print a summary."""
    loaded = load_or_exit(scenario)
    if plan is not None:
        from lotflow.cli_plan import run_plan

        window = {"--horizon": horizon, "--warmup": warmup, "--precision": precision}
        run_plan(loaded, plan, seed, replications, workers, out, report, window)
        return
    check_positive("--claim", claim)
    options = {
        "seed": seed, "replications": replications, "horizon": horizon,
        "warmup": parse_warmup(warmup), "precision": parse_precision(precision),
        "max_replications": max_replications, "workers": workers,
    }  # fmt: skip
    loaded = check_run_options(loaded, **options)
    check_outputs({"--out": out, "--report": report}, inputs=[scenario])
    execute_run(loaded, options, out, report, claim, console)


def execute_run(scenario, options: dict, out, report, claim, console: Console):
    """Run, print, and write the requested files (each written atomically).

    ``options`` are the keyword options of :func:`lotflow.run`;
    ``warmup="auto"`` (MSER-5) and ``precision`` (e.g. 0.01) make the run
    adaptive: it announces its batches of replications to the progress bar.
    """
    from lotflow.experiment.api import run
    from lotflow.results import check_finite

    adaptive = options["warmup"] == "auto" or options["precision"] is not None
    with Bar(console, scenario.name) as bar:
        if not adaptive:
            bar.plan(options["replications"] or scenario.run.replications, "replications")
        results = run(scenario, **options, on_done=bar.done, on_plan=bar.plan)
    check_finite(results.data)
    print_adaptive_choices(results.data, console)
    write_outputs(scenario, results, out, report, claim, console)
    return results


def print_adaptive_choices(data: dict, console: Console) -> None:
    """Say which warm-up MSER-5 chose and whether the precision target was met."""
    from lotflow.summary import precision_text

    if data.get("warmup_method"):
        detail = data["warmup_detail"]
        at_limit = any(line["at_boundary"] for line in detail["lines"].values())
        note = " (at the admissible limit: lengthen the horizon)" if at_limit else ""
        console.print(
            f"warm-up by MSER-5 over {len(detail['pilot_replications'])} pilot replications: "
            f"{data['warmup']:g} {data['time_unit']}{note}"
        )
    if "precision" in data:
        console.print(precision_text(data["precision"]))


def write_outputs(scenario, results, out: Path | None, report: Path | None, claim, console):
    """Print the summary tables; write the results JSON and the HTML report if asked.

    Both documents are made before either is written, so a failure to make one
    writes neither; each is then written atomically.
    """
    from lotflow.io import write_atomic
    from lotflow.summary import summary_tables

    for table in summary_tables(scenario, results, claim):
        console.print(table)
    files = []
    if out is not None:
        files.append(("results", out, results.to_json() + "\n"))
    if report is not None:
        from lotflow.report import render_report

        files.append(("report", report, render_report(scenario, results, claim)))
    for what, path, text in files:
        write_atomic(path, text)
        console.print(f"{what} written to {path}", markup=False, highlight=False)
