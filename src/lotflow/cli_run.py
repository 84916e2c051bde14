"""``lotflow run``: replications with a progress bar, a summary table, output files."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from lotflow.cli_progress import Bar
from lotflow.experiment.runner import run
from lotflow.summary import summary_tables


def execute_run(scenario, seed, replications, horizon, warmup, workers, out, report, console):
    """Run, print, and write the requested files (each written atomically)."""
    with Bar(console, scenario.name) as bar:
        bar.plan(replications or scenario.run.replications, "replications")
        results = run(
            scenario,
            seed=seed,
            replications=replications,
            horizon=horizon,
            warmup=warmup,
            workers=workers,
            on_done=bar.done,
        )
    write_outputs(scenario, results, out, report, console)
    return results


def write_outputs(scenario, results, out: Path | None, report: Path | None, console: Console):
    """Print the summary tables; write the results JSON and the HTML report if asked."""
    for table in summary_tables(scenario, results):
        console.print(table)
    if out is not None:
        results.write_json(out)
        console.print(f"results written to {out}")
    if report is not None:
        from lotflow.report import write_report

        write_report(scenario, results, Path(report))
        console.print(f"report written to {report}")
