"""The plan of ``run --plan`` as a Gantt chart beside the simulated completions."""

from __future__ import annotations

import plotly.graph_objects as go

from lotflow.report.style import color, layout
from lotflow.report.timebase import TimeBase


def plan_gantt(block: dict | None, tb: TimeBase) -> go.Figure | None:
    """One row per order, grouped by line in planned sequence: a bar from the
    planned start to the planned completion (coloured by product), the due date
    (a diamond) and the simulated completion (mean with its 95 % CI; hover
    gives the probability of being on time)."""
    if not block or not block.get("orders"):
        return None
    orders = sorted(block["orders"].items(), key=lambda kv: (kv[1]["line"], kv[1]["planned_start"]))
    labels = [f"{entry['line']} · {oid}" for oid, entry in orders]
    fig = go.Figure()
    products = sorted({entry["product"] for _, entry in orders})
    for i, product in enumerate(products):
        rows = [
            (label, e)
            for label, (_, e) in zip(labels, orders, strict=True)
            if e["product"] == product
        ]
        fig.add_trace(
            go.Bar(
                base=[e["planned_start"] / tb.scale for _, e in rows],
                x=[(e["planned_completion"] - e["planned_start"]) / tb.scale for _, e in rows],
                y=[label for label, _ in rows],
                orientation="h",
                name=f"planned: {product}",
                marker={"color": color(i), "opacity": 0.75, "line": {"width": 0}},
                hovertemplate="%{y}: planned %{base:,.2f} to %{x:,.2f} later "
                + tb.unit
                + "<extra>"
                + product
                + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[e["due"] / tb.scale for _, e in orders],
            y=labels,
            mode="markers",
            name="due",
            marker={"symbol": "diamond-open", "size": 10, "color": "#1d2733"},
            hovertemplate="%{y}: due %{x:,.2f} " + tb.unit + "<extra></extra>",
        )
    )
    done = [(label, e) for label, (_, e) in zip(labels, orders, strict=True) if e.get("completion")]
    fig.add_trace(
        go.Scatter(
            x=[e["completion"]["mean"] / tb.scale for _, e in done],
            y=[label for label, _ in done],
            mode="markers",
            name="simulated completion (95 % CI)",
            error_x={
                "type": "data",
                "array": [e["completion"]["ci95"] / tb.scale for _, e in done],
            },
            marker={"symbol": "circle", "size": 8, "color": "#c8423b"},
            customdata=[f"{e['on_time']:.0%}" for _, e in done],
            hovertemplate="%{y}: simulated %{x:,.2f} "
            + tb.unit
            + ", on time in %{customdata} of replications<extra></extra>",
        )
    )
    fig.update_xaxes(title=tb.label)
    fig.update_yaxes(
        autorange="reversed",
        categoryorder="array",
        categoryarray=labels,
        title="orders by line, in planned sequence",
    )
    return layout(fig, height=min(1400, 220 + 18 * len(orders)), barmode="overlay", bargap=0.25)
