"""``lotflow run``: replications with a progress bar, a summary table, output files."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from lotflow.experiment.runner import run
from lotflow.summary import summary_tables


def execute_run(scenario, seed, replications, horizon, warmup, workers, out, report, console):
    """Run, print, and write the requested files (each written atomically)."""
    total = replications or scenario.run.replications
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(f"{scenario.name}: replications", total=total)
        results = run(
            scenario,
            seed=seed,
            replications=replications,
            horizon=horizon,
            warmup=warmup,
            workers=workers,
            on_done=lambda _: progress.advance(task),
        )
    for table in summary_tables(scenario, results):
        console.print(table)
    if out is not None:
        results.write_json(out)
        console.print(f"results written to {out}")
    if report is not None:
        _write_report(scenario, results, Path(report), console)
    return results


def _write_report(scenario, results, path: Path, console: Console) -> None:
    from lotflow.report import write_report

    write_report(scenario, results, path)
    console.print(f"report written to {path}")
