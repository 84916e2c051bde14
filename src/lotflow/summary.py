"""Rich summary tables of a run: output per line and in total, state fractions,
plant figures and the claim check (only when a claim is stated)."""

from __future__ import annotations

import math

import numpy as np
from rich.table import Table

from lotflow.numbers import bounded, in_hours

STATE_COLUMNS = ("busy", "starved", "blocked", "down", "setup", "off_shift")


def nameplate(scenario, horizon: float, warmup: float) -> dict[str, float]:
    """Ideal output of each line over the window: working time / bottleneck ideal cycle."""
    from lotflow.engine.compiled import compile_line
    from lotflow.experiment.window import make_window

    window = make_window(scenario, horizon, warmup)
    out = {}
    for line in scenario.lines:
        arrays = compile_line(line, scenario.products)
        out[line.name] = window.working_length / float(np.max(arrays.ideal_cycle))
    return out


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole > 0 else "n/a"


def summary_tables(scenario, results, claim: float | None = None) -> list[Table]:
    """Tables of output per line (with total), station states, the plant, and the
    claim check (``claim`` good parts a year, else the scenario's own claim, else none)."""
    from lotflow.analysis.statistics import summarize

    data = results.data
    if not data["lines"]:
        return [plant_table(data["plant"], data["time_unit"])] if "plant" in data else []
    ideal = nameplate(scenario, data["horizon"], data["warmup"])
    hourly = "throughput_per_hour" in next(iter(data["lines"].values()))
    rate_label = "per wall-clock h" if hourly else f"per {data['time_unit']} (wall clock)"
    output = Table(title=f"{scenario.name}: good parts in the window (95 % CI)")
    output.add_column("line")
    for column in ("good parts", rate_label, "share of nameplate"):
        output.add_column(column, justify="right")
    totals = np.zeros(data["replications"])
    for name, line in data["lines"].items():
        rate = line.get("throughput_per_hour", line["throughput"])
        good = line["good_parts"]
        totals += np.array(good["per_replication"])
        output.add_row(
            name,
            bounded(good["mean"], good["ci95"], 0.0, math.inf, 0),
            bounded(rate["mean"], rate["ci95"], 0.0, math.inf, 1 if hourly else 4),
            _share(good["mean"], ideal[name]),
        )
    total = summarize(totals)
    output.add_row(
        "total",
        bounded(total["mean"], total["ci95"], 0.0, math.inf, 0),
        "",
        _share(total["mean"], sum(ideal.values())),
        style="bold",
    )
    output.caption = (
        "share of nameplate: good parts over the ideal output of the working time; "
        "[lo, hi]: the 95 % interval clipped at 0"
    )
    tables = [output, states_table(data)]
    if "plant" in data:
        tables.append(plant_table(data["plant"], data["time_unit"]))
    check = claim_table(scenario, data, claim)
    return [*tables, check] if check is not None else tables


def states_table(data: dict) -> Table:
    """Station state fractions of the window, one row per line and station."""
    states = Table(title="Station states (fraction of the window)")
    states.add_column("line / station")
    for column in STATE_COLUMNS:
        states.add_column(column, justify="right")
    for name, line in data["lines"].items():
        for station, values in line["stations"].items():
            states.add_row(
                f"{name} / {station}", *(f"{values[s]['mean']:.3f}" for s in STATE_COLUMNS)
            )
    return states


# (label, path, kind): kind "count" (thousands separators), "share" (bounded by
# [0, 1]), "time" (scenario unit and hours) or "level" (a mean number).
PLANT_ROWS = (
    ("lots completed", ("lots", "completed"), "count"),
    ("lots tested (first tests + retests)", ("lots", "tested"), "count"),
    ("  of which retests", ("lots", "retested"), "count"),
    ("lots accepted", ("lots", "accepted"), "count"),
    ("lots rejected", ("lots", "rejected"), "count"),
    ("lots destroyed", ("lots", "destroyed"), "count"),
    ("lots shipped", ("lots", "shipped"), "count"),
    ("parts made", ("units", "made"), "count"),
    ("parts accepted", ("units", "accepted"), "count"),
    ("parts shipped", ("units", "shipped"), "count"),
    ("range utilisation", ("range", "utilisation"), "share"),
    ("range wait per lot", ("range", "wait"), "time"),
    ("share of lots that wait for the range", ("range", "p_wait"), "share"),
    ("staging, max lots", ("staging", "max_lots"), "level"),
    ("storage, max pallets", ("storage", "max_pallets"), "level"),
    ("shipping fill rate", ("shipping", "fill_rate"), "share"),
)


def _cell(stat: dict, kind: str, time_unit: str) -> str:
    """Mean and 95 % interval, clipped to [0, 1] for shares and to >= 0 otherwise."""
    mean, ci = stat["mean"], stat["ci95"]
    if kind == "share":
        return bounded(mean, ci, 0.0, 1.0)
    digits = 0 if abs(mean) >= 100 else 1
    text = bounded(mean, ci, 0.0, math.inf, digits)
    if kind == "time":
        text += f" {time_unit}{in_hours(mean, time_unit)}"
    return text


def plant_table(plant: dict, time_unit: str) -> Table:
    """Headline plant figures (lots, parts, range, storage, shipping) with 95 % CIs.

    A lot tested again after a rejection counts once more in ``tested`` and in
    ``accepted`` or ``rejected``: accepted + rejected = tested, which may exceed
    completed.
    """
    table = Table(
        title="Plant: lots, parts, range, storage, shipping (95 % CI)",
        caption="accepted + rejected = tested; a retested lot counts in each of its tests. "
        "[lo, hi]: the 95 % interval clipped to what the figure can be (a share lies in "
        "0..1, a count or a time is >= 0); hours are of the mean",
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    for label, path, kind in PLANT_ROWS:
        node = plant
        for key in path:
            node = node.get(key, {})
        if "mean" in node:
            table.add_row(label, _cell(node, kind, time_unit))
    for line, stat in plant.get("backpressure", {}).items():
        table.add_row(f"{line} held by full staging", _cell(stat, "time", time_unit))
    return table


def claim_table(scenario, data: dict, claim: float | None = None) -> Table | None:
    """The check of ``claim`` good parts a year, else of the scenario's own claim
    (:mod:`lotflow.analysis.claim`), as a one-line table; None without a claim or
    when the scenario has no year."""
    if claim is None and scenario.claim is None:
        return None  # (without importing the capacity analysis: some 10 ms of start-up)
    from lotflow.analysis.claim import claim_check

    check = claim_check(scenario, data, claim)
    if check is None:
        return None
    table = Table(show_header=False, box=None, padding=(0, 0))
    table.add_row(check.one_line())
    return table


def precision_text(p: dict) -> str:
    """One line on a ``precision`` block: target, met or not, worst share achieved."""
    worst = max((v for v in p["achieved"].values() if v is not None), default=None)
    state = "met" if p["met"] else "NOT met (cap reached)"
    worst_text = "n/a" if worst is None else f"{worst:.3%}"
    return (
        f"precision {p['target']:.3%} of mean throughput {state}: worst {worst_text} "
        f"with {p['replications']} replications"
    )
