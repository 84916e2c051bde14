"""``lotflow run``: replications with a progress bar, a summary table, output files."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from lotflow.cli_progress import Bar
from lotflow.experiment.runner import run
from lotflow.summary import summary_tables


def execute_run(
    scenario, seed, replications, horizon, warmup, workers, precision, max_replications,
    out, report, console: Console,
):  # fmt: skip
    """Run, print, and write the requested files (each written atomically).

    ``warmup="auto"`` (MSER-5) and ``precision`` (e.g. 0.01) make the run
    adaptive: it announces its batches of replications to the progress bar.
    """
    adaptive = warmup == "auto" or precision is not None
    with Bar(console, scenario.name) as bar:
        if not adaptive:
            bar.plan(replications or scenario.run.replications, "replications")
        results = run(
            scenario,
            seed=seed,
            replications=replications,
            horizon=horizon,
            warmup=warmup,
            workers=workers,
            on_done=bar.done,
            precision=precision,
            max_replications=max_replications,
            on_plan=bar.plan,
        )
    print_adaptive_choices(results.data, console)
    write_outputs(scenario, results, out, report, console)
    return results


def print_adaptive_choices(data: dict, console: Console) -> None:
    """Say which warm-up MSER-5 chose and whether the precision target was met."""
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


def precision_text(p: dict) -> str:
    """One line on a ``precision`` block: target, met or not, worst share achieved."""
    worst = max((v for v in p["achieved"].values() if v is not None), default=None)
    state = "met" if p["met"] else "NOT met (cap reached)"
    worst_text = "n/a" if worst is None else f"{worst:.3%}"
    return (
        f"precision {p['target']:.3%} of mean throughput {state}: worst {worst_text} "
        f"with {p['replications']} replications"
    )


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
