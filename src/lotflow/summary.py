"""Rich summary tables of a run: output per line and in total, state fractions."""

from __future__ import annotations

import numpy as np
from rich.table import Table

from lotflow.analysis.claim import DEFAULT_CLAIM, claim_check
from lotflow.analysis.statistics import summarize
from lotflow.engine.compiled import compile_line
from lotflow.experiment.window import make_window

STATE_COLUMNS = ("busy", "starved", "blocked", "down", "setup", "off_shift")


def nameplate(scenario, horizon: float, warmup: float) -> dict[str, float]:
    """Ideal output of each line over the window: working time / bottleneck ideal cycle."""
    window = make_window(scenario, horizon, warmup)
    out = {}
    for line in scenario.lines:
        arrays = compile_line(line, scenario.products)
        out[line.name] = window.working_length / float(np.max(arrays.ideal_cycle))
    return out


def _fmt(stat: dict, digits: int = 0) -> str:
    return f"{stat['mean']:,.{digits}f} ± {stat['ci95']:,.{digits}f}"


def summary_tables(scenario, results) -> list[Table]:
    """One table of output per line (with total) and one of station states."""
    data = results.data
    if not data["lines"]:
        return []
    ideal = nameplate(scenario, data["horizon"], data["warmup"])
    hourly = "throughput_per_hour" in next(iter(data["lines"].values()))
    output = Table(title=f"{scenario.name}: good parts in the window (95 % CI)")
    output.add_column("line")
    for column in ("good parts", "per hour" if hourly else "per time unit", "share of nameplate"):
        output.add_column(column, justify="right")
    totals = np.zeros(data["replications"])
    for name, line in data["lines"].items():
        rate = line.get("throughput_per_hour", line["throughput"])
        good = line["good_parts"]
        totals += np.array(good["per_replication"])
        rate_text = _fmt(rate, 1 if hourly else 4)
        output.add_row(name, _fmt(good), rate_text, f"{good['mean'] / ideal[name]:.1%}")
    total = summarize(totals)
    output.add_row(
        "total", _fmt(total), "", f"{total['mean'] / sum(ideal.values()):.1%}", style="bold"
    )
    states = Table(title="Station states (fraction of the window)")
    states.add_column("line / station")
    for column in STATE_COLUMNS:
        states.add_column(column, justify="right")
    for name, line in data["lines"].items():
        for station, values in line["stations"].items():
            states.add_row(
                f"{name} / {station}", *(f"{values[s]['mean']:.3f}" for s in STATE_COLUMNS)
            )
    tables = [output, states]
    if "plant" in data:
        tables.append(plant_table(data["plant"], data["time_unit"]))
    claim = claim_table(scenario, data)
    return [*tables, claim] if claim is not None else tables


PLANT_ROWS = (
    ("lots completed", ("lots", "completed"), 1),
    ("lots accepted", ("lots", "accepted"), 1),
    ("lots rejected", ("lots", "rejected"), 1),
    ("lots destroyed", ("lots", "destroyed"), 1),
    ("range utilisation", ("range", "utilisation"), 3),
    ("range wait per lot ({unit})", ("range", "wait"), 1),
    ("share of lots that wait for the range", ("range", "p_wait"), 3),
    ("staging, max lots", ("staging", "max_lots"), 1),
    ("storage, max pallets", ("storage", "max_pallets"), 1),
    ("shipping fill rate", ("shipping", "fill_rate"), 3),
)


def plant_table(plant: dict, time_unit: str) -> Table:
    """Headline plant figures (lots, range, storage, shipping) with 95 % CIs."""
    table = Table(title="Plant: lots, range, storage, shipping (95 % CI)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, path, digits in PLANT_ROWS:
        node = plant
        for key in path:
            node = node.get(key, {})
        if "mean" in node:
            table.add_row(label.format(unit=time_unit), _fmt(node, digits))
    for line, stat in plant.get("backpressure", {}).items():
        table.add_row(f"{line} held by full staging ({time_unit})", _fmt(stat, 0))
    return table


def claim_table(scenario, data: dict, claim: float = DEFAULT_CLAIM) -> Table | None:
    """The claim check (:mod:`lotflow.analysis.claim`) as a one-line table."""
    check = claim_check(scenario, data, claim)
    if check is None:
        return None
    table = Table(show_header=False, box=None, padding=(0, 0))
    table.add_row(check.one_line())
    return table
