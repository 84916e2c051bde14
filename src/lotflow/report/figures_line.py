"""Plotly figures of the lines: output, station states, WIP, OEE losses, bottlenecks."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lotflow.analysis.oee import STATES
from lotflow.experiment.replication import wip_bucket_edges
from lotflow.report.style import LOSS_COLORS, STATE_COLORS, color, layout, num, pct
from lotflow.report.timebase import TimeBase, period_totals

LOSSES = ("changeover", "breakdowns", "starved", "blocked", "speed_loss", "scrap")
LOSS_NAMES = {
    "changeover": "changeover",
    "breakdowns": "breakdowns",
    "starved": "starved",
    "blocked": "blocked",
    "speed_loss": "speed",
    "scrap": "scrap",
}


def output_over_time(data: dict, series: dict, tb: TimeBase) -> go.Figure | None:
    """Good parts per period and line (mean over replications)."""
    output = series.get("output") or {}
    if not output:
        return None
    fig = go.Figure()
    name = "period"
    for i, (line, bins) in enumerate(output.items()):
        x, y, name = period_totals(tb, bins, float(series["bin_width"]))
        block = data["lines"][line]
        stat = block.get("throughput_per_hour", block["throughput"])
        unit = "/h" if "throughput_per_hour" in block else f"/{data.get('time_unit', '')}"
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                line={"shape": "hv", "width": 2, "color": color(i)},
                name=f"{line}: {num(stat, 1 if unit == '/h' else 4)} {unit} over the window",
                hovertemplate=f"{line}<br>from %{{x:,.1f}}: %{{y:,.0f}} parts<extra></extra>",
            )
        )
    fig.update_xaxes(title=tb.label)
    fig.update_yaxes(title=f"good parts per {name}", rangemode="tozero")
    return layout(fig)


def station_states(data: dict) -> go.Figure:
    """Stacked state fractions per station (hover: mean ± 95 % CI)."""
    rows = [(ln, st, v) for ln, line in data["lines"].items() for st, v in line["stations"].items()]
    labels = [f"{ln} · {st}" for ln, st, _ in rows]
    fig = go.Figure()
    for state in STATES:
        stats = [v[state] for _, _, v in rows]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[s["mean"] for s in stats],
                orientation="h",
                name=state.replace("_", " "),
                marker_color=STATE_COLORS[state],
                customdata=[pct(s) for s in stats],
                hovertemplate="%{y}<br>" + state + ": %{customdata}<extra></extra>",
            )
        )
    fig.update_xaxes(title="fraction of the observation window", tickformat=".0%", range=[0, 1])
    fig.update_yaxes(autorange="reversed")
    return layout(fig, height=max(260, 90 + 24 * len(rows)), barmode="stack")


def wip_distributions(scenario, series: dict) -> go.Figure | None:
    """Per line, the distribution of parts between consecutive stations over working
    time (``series["wip_hist"]``), one curve per buffer."""
    hist = series.get("wip_hist") or {}
    lines = [ln for ln in scenario.lines if f"{ln.name}/0" in hist]
    if not lines:
        return None
    cols = min(2, len(lines))
    rows = math.ceil(len(lines) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[ln.name for ln in lines])
    shown: set[int] = set()
    for k, line in enumerate(lines):
        r, c = k // cols + 1, k % cols + 1
        names = [s.name for s in line.stations]
        for b, capacity in enumerate(line.buffers):
            edges = wip_bucket_edges(int(capacity))
            x = (edges[:-1] + edges[1:]) / 2.0
            y = hist[f"{line.name}/{b}"]
            pair = f"{names[b]}→{names[b + 1]}"
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    line={"shape": "hvh", "color": color(b), "width": 1.5},
                    fill="tozeroy",
                    name=f"buffer {b + 1}" + ("" if len(lines) > 1 else f": {pair}"),
                    legendgroup=f"b{b}",
                    showlegend=b not in shown,
                    hovertemplate=f"{line.name} {pair}<br>%{{x:,.0f}} parts: %{{y:.1%}} of the time"
                    f"<br>mean {float(np.dot(x, y)):,.1f} parts<extra></extra>",
                ),
                row=r,
                col=c,
            )
            shown.add(b)
        fig.update_xaxes(title_text="parts in buffer + next station", row=r, col=c)
        fig.update_yaxes(title_text="share of working time", tickformat=".0%", row=r, col=c)
    return layout(fig, height=200 + 280 * rows)


def oee_waterfall(data: dict) -> go.Figure:
    """Per line, planned time -> losses -> value-adding time (= line OEE)."""
    names = list(data["lines"])
    cols = min(2, len(names))
    rows = math.ceil(len(names) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=names, shared_yaxes=True)
    for k, name in enumerate(names):
        tree = data["lines"][name]["loss_tree"]
        planned = 1.0 - tree["off_shift"]["mean"]
        if planned <= 0:
            continue
        steps = [("planned time", planned, 0.0, "absolute")]
        steps += [(LOSS_NAMES[x], -tree[x]["mean"], tree[x]["ci95"], "relative") for x in LOSSES]
        value = tree["value_adding"]
        steps.append(("OEE (value adding)", value["mean"], value["ci95"], "total"))
        fig.add_trace(
            go.Waterfall(
                x=[s[0] for s in steps],
                y=[s[1] / planned for s in steps],
                measure=[s[3] for s in steps],
                customdata=[f"{abs(s[1]) / planned:.2%} ± {s[2] / planned:.2%}" for s in steps],
                hovertemplate="%{x}: %{customdata}<extra>" + name + "</extra>",
                text=[f"{abs(s[1]) / planned:.1%}" for s in steps],
                textposition="outside",
                decreasing={"marker": {"color": LOSS_COLORS["breakdowns"]}},
                totals={"marker": {"color": STATE_COLORS["busy"]}},
                increasing={"marker": {"color": "#1f5f99"}},
                connector={"line": {"color": "#9aa3ad", "width": 1}},
                showlegend=False,
            ),
            row=k // cols + 1,
            col=k % cols + 1,
        )
    fig.update_yaxes(tickformat=".0%", range=[0, 1.12])
    return layout(fig, height=120 + 330 * rows)


def bottleneck_shares(data: dict) -> go.Figure:
    """Per line and station: sole and shifting bottleneck shares (± 95 % CI)."""
    names = list(data["lines"])
    titles = []
    for name in names:
        block = data["lines"][name]["bottleneck"]
        title = (
            f"{name}: active period → {block.get('active_period')}, "
            f"arrows → {block.get('blocked_starved')}"
        )
        traced = block.get("traced_fraction", {}).get("mean", 1.0)
        if traced < 0.999:
            title += f" (shares over the first {traced:.0%} of the window)"
        titles.append(title)
    fig = make_subplots(rows=len(names), cols=1, subplot_titles=titles, shared_xaxes=False)
    for k, name in enumerate(names):
        stations = data["lines"][name]["bottleneck"]["stations"]
        for j, kind in enumerate(("sole", "shifting")):
            stats = [v[kind] for v in stations.values()]
            fig.add_trace(
                go.Bar(
                    x=list(stations),
                    y=[s["mean"] for s in stats],
                    error_y={"type": "data", "array": [s["ci95"] for s in stats]},
                    name=f"{kind} bottleneck",
                    marker_color=["#1f5f99", "#9ecae1"][j],
                    legendgroup=kind,
                    showlegend=k == 0,
                    customdata=[pct(s, 2) for s in stats],
                    hovertemplate="%{x} " + kind + ": %{customdata}<extra>" + name + "</extra>",
                ),
                row=k + 1,
                col=1,
            )
        fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=k + 1, col=1)
    return layout(fig, height=140 + 230 * len(names), barmode="group")


def capacity_bars(cap, sim: dict | None, per_hour: float | None) -> go.Figure:
    """Per line: ideal, availability and flow estimates beside the simulated rate."""
    scale = per_hour or 1.0
    unit = "working h" if per_hour else f"working {cap.time_unit}"
    names = [line.name for line in cap.lines]
    fig = go.Figure()
    kinds = [("ideal", "ideal (nameplate)"), ("availability", "availability only")]
    kinds.append(("flow", "with buffers (" + cap.lines[0].flow.method + ")"))
    for j, (key, label) in enumerate(kinds):
        y = [getattr(line, key).good_rate * scale for line in cap.lines]
        fig.add_trace(go.Bar(x=names, y=y, name=label, marker_color=color(j + 2)))
    if sim is not None:
        stats = [sim[name]["good_rate"] for name in names]
        fig.add_trace(
            go.Bar(
                x=names,
                y=[s["mean"] * scale for s in stats],
                error_y={"type": "data", "array": [s["ci95"] * scale for s in stats]},
                name="simulated (95 % CI)",
                marker_color=color(0),
            )
        )
    fig.update_yaxes(title=f"good parts per {unit}", rangemode="tozero")
    return layout(fig, height=380, barmode="group")
