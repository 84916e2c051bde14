"""``lotflow compare``: paired differences B - A, from two scenarios or two store points."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lotflow.cli_common import (
    HorizonOpt,
    MaxReplicationsOpt,
    PrecisionOpt,
    ReplicationsOpt,
    SeedOpt,
    WarmupOpt,
    WorkersOpt,
    check_outputs,
    check_run_options,
    console,
    input_errors,
    load_or_exit,
    parse_precision,
    parse_warmup,
)
from lotflow.cli_progress import Bar
from lotflow.io import write_atomic
from lotflow.numbers import number
from lotflow.scenario import ScenarioError


@input_errors()
def compare_command(
    first: Annotated[str, typer.Argument(help="Scenario A (or a point of --store).")],
    second: Annotated[str, typer.Argument(help="Scenario B (or a point of --store).")],
    store: Annotated[Path | None, typer.Option(help="Compare two points of this store.")] = None,
    replications: ReplicationsOpt = None,
    seed: SeedOpt = None,
    horizon: HorizonOpt = None,
    warmup: WarmupOpt = None,
    precision: PrecisionOpt = None,
    max_replications: MaxReplicationsOpt = 200,
    workers: WorkersOpt = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write JSON here (- = stdout).")
    ] = None,
) -> None:
    """Paired differences B - A with CIs for every headline metric and the plant totals."""
    options = {
        "seed": seed, "replications": replications, "horizon": horizon,
        "warmup": parse_warmup(warmup), "precision": parse_precision(precision),
        "max_replications": max_replications, "workers": workers,
    }  # fmt: skip
    if store is None:
        for path in (first, second):
            check_run_options(load_or_exit(Path(path)), **options)
    check_outputs({"--json": json_out}, stdout=True)
    execute_compare(first, second, store, options, json_out, console)


def execute_compare(
    first: str, second: str, store_dir, options: dict, json_out, console: Console
):  # fmt: skip
    """Paired differences B - A of every headline metric, from two scenario files
    (run now with common random numbers; ``options`` as :func:`run_pair` takes
    them) or two points of a store."""
    from lotflow.experiment.compare import compare

    info: dict = {}
    if store_dir is not None:
        reps_a, reps_b, label_a, label_b = _store_sides(store_dir, first, second)
    else:
        paired = _run_sides(first, second, options, console)
        reps_a, reps_b, info = paired.a, paired.b, paired.info
        label_a, label_b = first, second
    result = {"a": label_a, "b": label_b, **info, **compare(reps_a, reps_b)}
    _print_choices(info, console)
    console.print(_compare_table(result, result["totals"], "Totals: B - A"))
    console.print(_compare_table(result, result["metrics"], "B - A"))
    if json_out is not None:
        text = json.dumps(result, indent=2, allow_nan=False) + "\n"
        if str(json_out) == "-":
            sys.stdout.write(text)
        else:
            write_atomic(json_out, text)
            console.print(f"comparison written to {json_out}", markup=False, highlight=False)
    return result


def _store_sides(store_dir, first: str, second: str):
    from lotflow.experiment.store import Store

    with Store.existing(store_dir) as store:
        pa, pb = store.find_point(first), store.find_point(second)
        reps_a, reps_b = store.records(pa.key), store.records(pb.key)

    def label(p) -> str:
        made = " ".join(f"{k}={v}" for k, v in p.assignments) or "(base)"
        return f"#{p.ordinal} {made}"

    if not reps_a or not reps_b:
        raise ScenarioError(f"{store_dir}: a point to compare has no stored records")
    return reps_a, reps_b, label(pa), label(pb)


def _run_sides(first, second, options: dict, console):
    """Run both scenarios with the same seed and replication indices."""
    from lotflow.experiment.paired_run import run_pair
    from lotflow.scenario import load_scenario

    scenarios = {"a": load_scenario(first), "b": load_scenario(second)}
    with Bar(console, "compare") as bar:
        return run_pair(
            scenarios, {"a": first, "b": second}, **options, on_done=bar.done, on_plan=bar.plan
        )


def _print_choices(info: dict, console: Console) -> None:
    """Say which warm-up MSER-5 chose and whether the precision target was met."""
    from lotflow.summary import precision_text

    if "warmup" in info:
        w = info["warmup"]
        sides = ", ".join(f"{side.upper()} {value:g}" for side, value in w["by_side"].items())
        console.print(f"warm-up (MSER-5, the larger of {sides}): {w['value']:g}")
    for side, p in info.get("precision", {}).items():
        console.print(f"{side.upper()}: {precision_text(p)}")


def _mean(side: dict | None) -> str:
    return "absent" if side is None else number(side["mean"])


def _compare_table(result: dict, rows: list[dict], title: str) -> Table:
    """A, B, B - A, its 95 % half-width and the relative change, one row per metric."""
    n = result["replications"]
    table = Table(
        title=f"{title} over {n} paired replications (common random numbers)",
        caption=f"A = {result['a']}\nB = {result['b']}\n* = the 95 % interval of B - A "
        "excludes 0; absent = the side has no such metric",
    )
    table.add_column("metric")
    for column in ("A", "B", "B - A", "± ci95", "relative", ""):
        table.add_column(column, justify="right")
    for row in rows:
        diff, rel = row["difference"], row["relative"]
        significant = diff is not None and diff["significant"]
        table.add_row(
            row["metric"],
            _mean(row["a"]),
            _mean(row["b"]),
            "" if diff is None else number(diff["mean"]),
            "" if diff is None else number(diff["ci95"]),
            "" if rel is None else f"{rel:+.2%}",
            "*" if significant else "",
            style="bold" if significant else None,
        )
    return table
