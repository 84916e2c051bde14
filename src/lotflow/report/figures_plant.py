"""Plotly figures of the plant: lot timeline through range and storage, inventory."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lotflow.report.style import color, layout
from lotflow.report.timebase import TimeBase

MAX_LOTS = 400
# (stage, start field, end field); an open storage stay runs to the horizon.
STAGES = (
    ("made on the line", "start", "end"),
    ("waiting for its test", "end", "tested_start"),
    ("on test", "tested_start", "tested_end"),
    ("screening", "screened_start", "screened_end"),
    ("re-test", "retest_start", "retest_end"),
    ("waiting for storage", None, "stored_at"),
    ("in storage", "stored_at", "shipped_at"),
)
STAGE_COLORS = ["#1f5f99", "#f2b134", "#d1495b", "#8c6d46", "#c8423b", "#b8a1d9", "#2e8b57"]


def lot_timeline(lots: list[dict], tb: TimeBase) -> go.Figure | None:
    """Each lot of replication 0 as one row: made, waiting, tested, stored."""
    rows = [lot for lot in lots if lot.get("replication", 0) == 0 and lot.get("end") is not None]
    if not rows:
        return None
    rows = sorted(rows, key=lambda lot: (lot["end"], lot.get("number", 0)))[:MAX_LOTS]
    horizon = tb.window.t1
    labels = [_label(i, lot) for i, lot in enumerate(rows)]
    fig = go.Figure()
    for (stage, first, last), stage_color in zip(STAGES, STAGE_COLORS, strict=True):
        base, width, y, text = [], [], [], []
        for label, lot in zip(labels, rows, strict=True):
            start = _start(lot, first)
            end = lot.get(last) if last else None
            if stage == "in storage" and start is not None and end is None:
                end = horizon
            if start is None or end is None or end <= start:
                continue
            base.append(start / tb.scale)
            width.append((end - start) / tb.scale)
            y.append(label)
            text.append(f"{lot.get('verdict') or ''}")
        if not y:
            continue
        fig.add_trace(
            go.Bar(
                base=base,
                x=width,
                y=y,
                orientation="h",
                name=stage,
                marker={"color": stage_color, "line": {"width": 0}},
                customdata=text,
                hovertemplate="%{y}<br>"
                + stage
                + ": from %{base:,.2f} for %{x:,.2f} "
                + tb.unit
                + "<br>%{customdata}<extra></extra>",
            )
        )
    fig.update_xaxes(title=tb.label)
    fig.update_yaxes(autorange="reversed", showticklabels=len(rows) <= 40, title="lots")
    return layout(fig, height=min(900, 200 + 6 * len(rows)), barmode="overlay", bargap=0.1)


def _label(i: int, lot: dict) -> str:
    number = lot.get("number", i + 1)
    return f"{lot.get('line', '?')} lot {number} ({lot.get('product', '')})"


def _start(lot: dict, field: str | None):
    if field is not None:
        return lot.get(field)
    done = [lot.get("retest_end"), lot.get("tested_end")]
    return next((t for t in done if t is not None), None)


def inventory(series: dict, lots: list[dict], tb: TimeBase) -> go.Figure | None:
    """Units in storage per product over time (the plant's samples of replication
    0) with the lots in quarantine below, or, without samples, the lots in
    storage counted from the lot records."""
    plant = series.get("plant") or {}
    if plant.get("t"):
        t = np.asarray(plant["t"], dtype=float) / tb.scale
        keys = [k for k in plant if k.startswith("inventory.")]
        staging = "staging" in plant
        fig = make_subplots(
            rows=2 if staging else 1,
            cols=1,
            shared_xaxes=True,
            row_heights=[0.7, 0.3] if staging else None,
            vertical_spacing=0.06,
        )
        for i, key in enumerate(keys):
            fig.add_trace(_step(t, plant[key], key.split(".", 1)[1], color(i)), row=1, col=1)
        fig.update_yaxes(title_text="units in storage", rangemode="tozero", row=1, col=1)
        if staging:
            trace = _step(t, plant["staging"], "lots in quarantine", "#9aa3ad")
            fig.add_trace(trace, row=2, col=1)
            fig.update_yaxes(title_text="lots in quarantine", rangemode="tozero", row=2, col=1)
        fig.update_xaxes(title_text=tb.label, row=2 if staging else 1, col=1)
        return layout(fig, height=460) if fig.data else None
    stored = [lot for lot in lots if lot.get("replication", 0) == 0 and lot.get("stored_at")]
    if not stored:
        return None
    events = sorted(
        [(lot["stored_at"], 1) for lot in stored]
        + [(lot["shipped_at"], -1) for lot in stored if lot.get("shipped_at") is not None]
    )
    t = np.array([tb.window.t0] + [e[0] for e in events]) / tb.scale
    level = np.concatenate([[0], np.cumsum([e[1] for e in events])])
    fig = go.Figure(_step(t, level, "lots in storage", color(0)))
    fig.update_yaxes(title="lots in storage", rangemode="tozero")
    fig.update_xaxes(title=tb.label)
    return layout(fig, height=380)


def _step(t, y, name: str, line_color: str) -> go.Scatter:
    return go.Scatter(
        x=t, y=list(y), mode="lines", name=name, line={"shape": "hv", "color": line_color}
    )
