"""The pivot table of a store (sweep and results): one row per point, one column per metric."""

from __future__ import annotations

import fnmatch
import json
from typing import Annotated

import typer
from rich.table import Table

from lotflow.numbers import metric_unit, plus_minus

# Shown when no --metric is given: each line's output and the plant's totals.
DEFAULT_METRICS = ("lines.*.throughput", "plant.units.made", "plant.units.accepted",
                   "plant.units.shipped")  # fmt: skip

MetricOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--metric",
        help="Metrics to show, glob patterns (repeatable), e.g. 'lines.*.throughput' "
        "(default: each line's throughput and the plant's parts made, accepted, shipped).",
    ),
]


def select_metrics(rows: list[dict], patterns: list[str] | None) -> list[dict]:
    """The rows whose metric matches one of the glob ``patterns`` (default: the headlines)."""
    globs = patterns or DEFAULT_METRICS
    return [row for row in rows if any(fnmatch.fnmatchcase(row["metric"], g) for g in globs)]


def _setting(value) -> str:
    """A swept value as a cell: numbers short, lists and mappings as JSON."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if isinstance(value, int | str) else json.dumps(value)


def pivot_table(rows: list[dict], paths: list[str], title: str, time_unit: str) -> Table:
    """Mean ± 95 % half-width of each selected metric (columns) at each point (rows)."""
    metrics = list(dict.fromkeys(row["metric"] for row in rows))
    table = Table(title=f"{title} (mean ± 95 % CI half-width over replications)")
    for column in ("#", *paths, "R"):
        table.add_column(column)
    for metric in metrics:
        unit = metric_unit(metric, time_unit)
        table.add_column(f"{metric}\n({unit})" if unit else metric, justify="right")
    points: dict[int, dict] = {}
    for row in rows:
        points.setdefault(row["point"], {"row": row, "values": {}})["values"][row["metric"]] = row
    for point, entry in points.items():
        head = entry["row"]
        cells = [
            plus_minus(v["mean"], v["ci95"]) if (v := entry["values"].get(m)) else "absent"
            for m in metrics
        ]
        table.add_row(
            str(point), *(_setting(head.get(p)) for p in paths), str(head["replications"]),
            *cells,
        )  # fmt: skip
    return table


def store_time_unit(store) -> str:
    """The time unit of a store's base scenario (for the units of its metrics)."""
    return json.loads(store.meta().get("base_scenario", "{}")).get("time_unit", "cycle")
