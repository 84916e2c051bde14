"""``lotflow results``: the mean and 95 % CI of every point and metric of a store."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lotflow.cli_common import check_outputs, console, input_errors
from lotflow.cli_tables import MetricOpt, pivot_table, select_metrics, store_time_unit
from lotflow.io import write_atomic
from lotflow.scenario import ScenarioError

FORMATS = ("table", "csv", "parquet")


@input_errors()
def results_command(
    store: Annotated[Path, typer.Argument(help="Store directory of a sweep.")],
    format_: Annotated[str, typer.Option("--format", help="table, csv or parquet.")] = "table",
    out: Annotated[Path | None, typer.Option(help="Write here instead of the screen.")] = None,
    all_metrics: Annotated[
        bool, typer.Option("--all", help="Every metric, not headlines.")
    ] = False,
    metric: MetricOpt = None,
) -> None:
    """Mean and 95 % CI of every point and metric of a store (table: a pivot of the
    --metric patterns; csv and parquet: every headline metric, or --all, or --metric)."""
    if format_ not in FORMATS:
        raise ScenarioError(f"--format {format_[:40]!r}: allowed: {', '.join(FORMATS)}")
    if format_ == "parquet" and out is None:
        raise ScenarioError("--format parquet needs --out FILE")
    check_outputs({"--out": out})
    execute_results(store, format_, out, all_metrics, metric, console)


def execute_results(store_dir: Path, fmt: str, out, all_metrics: bool, metrics, console: Console):
    """Show or export the mean and ci95 of every point and metric of a store."""
    from lotflow.experiment.store import Store
    from lotflow.experiment.sweep import store_summary, swept_paths

    with Store.existing(store_dir) as store:
        rows = store_summary(store, all_metrics or bool(metrics))
        paths = swept_paths(store)
        name = store.meta().get("base_name", "store")
        time_unit = store_time_unit(store)
    if fmt == "table":
        table = pivot_table(select_metrics(rows, metrics), paths, f"{name}: {store_dir}", time_unit)
        if out is None:
            console.print(table)
        else:
            buffer = io.StringIO()
            Console(file=buffer, width=200).print(table)
            write_atomic(out, buffer.getvalue())
        return
    if metrics:
        rows = select_metrics(rows, metrics)
    frame = _frame(rows, paths)
    if fmt == "csv":
        text = frame.to_csv(index=False)
        if out is None:
            sys.stdout.write(text)
        else:
            write_atomic(out, text)
    else:
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        write_atomic(out, buffer.getvalue())
    if out is not None:
        console.print(f"{len(rows)} rows written to {out}", markup=False, highlight=False)


def _frame(rows: list[dict], paths: list[str]):
    """Rows as a DataFrame; swept values that are not all numbers become text."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    for path in paths:
        values = [v for v in frame[path] if v is not None] if path in frame else []
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if path in frame and not numeric:
            frame[path] = [None if v is None else json.dumps(v) for v in frame[path]]
    return frame
