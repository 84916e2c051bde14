"""Per-replication line statistics: raw engine output -> flat metrics and records.

Keys of the flat metric dict are tuples of the path into the results JSON
(``("L1", "stations", "M1", "busy")``); :mod:`lotflow.experiment.aggregate`
turns every leaf into ``{"mean", "ci95", "per_replication"}``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lotflow.analysis.bottleneck import active_period_bottleneck, blocked_starved_bottleneck
from lotflow.analysis.oee import loss_tree, station_oee
from lotflow.engine.compiled import LineArrays
from lotflow.engine.line_run import LineRaw
from lotflow.experiment.window import Window

STATES = ("busy", "starved", "blocked", "down", "setup")


def line_metrics(raw: LineRaw, arrays: LineArrays, window: Window, per_hour: float | None):
    """Flat metrics of one line in one replication, and its bottleneck verdicts.

    State fractions are over the wall-clock window (off_shift included), so the
    six states of a station sum to 1. Buffer mean levels are over the window's
    working time: off shift the buffers are frozen where they stand. Throughput
    is good parts leaving the line per time unit of wall-clock window;
    ``per_hour`` (time units per hour, None for ``cycle``) adds
    ``throughput_per_hour``.
    """
    wall = window.wall_length
    off_shift = (wall - window.working_length) / wall
    out: dict[tuple, float] = {}
    out[("throughput",)] = raw.good / wall
    if per_hour is not None:
        out[("throughput_per_hour",)] = raw.good / wall * per_hour
    out[("good_parts",)] = float(raw.good)
    out[("scrap_parts",)] = float(raw.scrapped.sum())
    states_by_station = {}
    for i, name in enumerate(arrays.station_names):
        fractions = dict(zip(STATES, raw.state_time[i] / wall, strict=True))
        fractions["off_shift"] = off_shift
        states_by_station[name] = fractions
        for state, value in fractions.items():
            out[("stations", name, state)] = float(value)
        scrap = float(raw.scrapped[i])
        oee = station_oee(
            {state: value * wall for state, value in fractions.items()},
            good=float(raw.processed[i]) - scrap,
            scrap=scrap,
            ideal_cycle=float(arrays.ideal_cycle[i]),
        ).to_dict()
        for convention, parts in oee.items():
            for key, value in parts.items():
                out[("stations", name, "oee", convention, key)] = value
        good = (float(raw.processed[i]) - scrap) / wall
        ideal = arrays.ideal_cycle[i]
        _add_loss_tree(out, ("stations", name), fractions, good, scrap / wall, ideal)
        periods = int(raw.active_periods[i])
        mean_period = raw.active_time[i] / periods if periods else 0.0
        out[("stations", name, "mean_active_period")] = float(mean_period)
    _add_line_oee(out, raw, arrays, states_by_station, wall)
    span = window.working_length  # 0 when the window holds no working time
    for b, integral in enumerate(raw.buffer_time):
        out[("buffers", b, "mean_level")] = float(integral / span) if span > 0 else 0.0
    verdicts = _bottlenecks(raw, arrays, window, states_by_station)
    for name, shares in verdicts["shares"].items():
        out[("bottleneck", "stations", name, "sole")] = shares["sole"]
        out[("bottleneck", "stations", name, "shifting")] = shares["shifting"]
    out[("bottleneck", "traced_fraction")] = float(verdicts["traced_fraction"])
    return out, verdicts


def _add_loss_tree(out: dict, prefix: tuple, fractions, good, scrap, ideal_cycle) -> None:
    """The loss tree of :func:`lotflow.analysis.oee.loss_tree` as fractions of the
    wall-clock window (they sum to 1) under ``prefix + ("loss_tree",)``; ``good``
    and ``scrap`` are parts per time unit of that window."""
    tree = loss_tree(fractions, float(good), float(scrap), float(ideal_cycle))
    for key, value in tree.items():
        out[(*prefix, "loss_tree", key)] = float(value)


def _add_line_oee(out: dict, raw: LineRaw, arrays: LineArrays, states_by_station, wall) -> None:
    """Line OEE and loss tree: the ideal bottleneck station's (largest mean cycle,
    which sets the nameplate) state times, counted with the line's good output
    and total scrap, so OEE = ideal bottleneck cycle x good parts / planned time
    = good output / nameplate output (both conventions)."""
    b = int(np.argmax(arrays.ideal_cycle))
    fractions = states_by_station[arrays.station_names[b]]
    good, scrap, ideal = raw.good / wall, float(raw.scrapped.sum()) / wall, arrays.ideal_cycle[b]
    oee = station_oee(fractions, good, scrap, float(ideal)).to_dict()
    for convention, parts in oee.items():
        for key, value in parts.items():
            out[("oee", convention, key)] = value
    _add_loss_tree(out, (), fractions, good, scrap, ideal)


def _bottlenecks(raw: LineRaw, arrays: LineArrays, window: Window, states) -> dict:
    """Active-period (Roser et al.) and blocked/starved (arrow) bottlenecks.

    The shifting-bottleneck shares use the traced active periods, which cover
    the window up to the first station whose trace filled (``traced_until``)."""
    names = arrays.station_names
    traces = raw.active_intervals
    cap = raw.active_trace_capacity
    full_ends = [trace[-1, 1] for trace in traces if cap and len(trace) == cap]
    traced_until = min(full_ends) if full_ends else window.w1
    horizon = max(traced_until - window.w0, 0.0)
    # (active_period_bottleneck clips them to [0, horizon])
    intervals = {name: trace - window.w0 for name, trace in zip(names, traces, strict=True)}
    active: dict[str, Any] = (
        active_period_bottleneck(intervals, horizon)
        if horizon > 0
        else {"stations": {n: {"sole": 0.0, "shifting": 0.0} for n in names}, "bottleneck": None}
    )
    mean_period = {
        name: (raw.active_time[i] / raw.active_periods[i]) if raw.active_periods[i] else 0.0
        for i, name in enumerate(names)
    }
    arrow = blocked_starved_bottleneck(
        {name: {"blocked": s["blocked"], "starved": s["starved"]} for name, s in states.items()}
    )
    return {
        "shares": {
            n: {k: float(v[k]) for k in ("sole", "shifting")} for n, v in active["stations"].items()
        },
        "active_period": max(mean_period, key=mean_period.__getitem__),
        "blocked_starved": arrow["bottleneck"],
        "traced_fraction": horizon / window.working_length if window.working_length else 0.0,
    }
