"""The HTML page of an optimization (``lotflow optimize --report best.html``).

One self-contained file (Plotly inlined, no network): the chosen levers, the
requirements with their confidence, the front of cost against the objective
(or the requirement's metric) over every evaluated candidate, and the
convergence of the search. Input is the ``best.json`` document only.
"""

from __future__ import annotations

import html
import json

import jinja2
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from lotflow import __version__
from lotflow.report.render import PLOTLY_CONFIG
from lotflow.report.style import color, layout

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("lotflow.optimize", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _div(figure: go.Figure, key: str) -> str:
    return figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"fig-{key}", config=PLOTLY_CONFIG
    )


def _label(values: dict) -> str:
    return "<br>".join(f"{k} = {html.escape(_text(v))}" for k, v in values.items())


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def front_figure(answer: dict) -> go.Figure | None:
    """Every evaluated candidate: cost (x) against the front metric (y); the front
    as a step line, the chosen one marked, a requirement's bound as a line."""
    history = answer["history"]
    if not history or history[0]["value"] is None:
        return None
    metric = answer["front"][0]["objective"]["metric"] if answer["front"] else "value"
    fig = go.Figure()
    for feasible, name, mark in ((True, "meets requirements", 0), (False, "falls short", 1)):
        rows = [h for h in history if h["feasible"] is feasible]
        if rows:
            fig.add_scatter(
                x=[h["cost"] for h in rows], y=[h["value"] for h in rows], mode="markers",
                name=name, marker={"color": color(mark), "size": 8, "opacity": 0.7},
                text=[_label(h["values"]) for h in rows], hovertemplate="%{text}<extra></extra>",
            )  # fmt: skip
    front = answer["front"]
    fig.add_scatter(
        x=[p["cost"] for p in front], y=[p["objective"]["mean"] for p in front],
        mode="lines+markers", line={"shape": "hv", "color": color(2)}, name="front",
        text=[_label(p["values"]) for p in front], hovertemplate="%{text}<extra></extra>",
    )  # fmt: skip
    best = answer["best"]
    if best is not None and best.get("search_estimate"):
        est = best["search_estimate"]
        fig.add_scatter(
            x=[best["cost"]], y=[est["mean"]], mode="markers", name="chosen (search estimate)",
            marker={"symbol": "star", "size": 18, "color": color(3), "line": {"width": 1}},
            error_y={"type": "data", "array": [est["ci95"]]},
        )  # fmt: skip
    for req in (best or {}).get("requirements", []):
        if req["metric"] == metric:
            bound = req.get("at_least", req.get("at_most"))
            fig.add_hline(y=bound, line_dash="dash", annotation_text=f"requirement {bound:,.6g}")
    layout(fig, xaxis_title="cost", yaxis_title=metric)
    return fig


def convergence_figure(answer: dict) -> go.Figure | None:
    """Each evaluation's value and the best feasible value so far, in search order."""
    history = answer["history"]
    if not history:
        return None
    n = list(range(1, len(history) + 1))
    is_cost = answer["objective"].get("minimize") == "cost"
    objective = "cost" if is_cost else next(iter(answer["objective"].values()))
    values = [h["cost"] if is_cost else h["value"] for h in history]
    fig = go.Figure()
    if values[0] is not None:
        fig.add_scatter(
            x=n, y=values, mode="markers", name="evaluated",
            marker={"color": color(0), "size": 6, "opacity": 0.6},
            text=[_label(h["values"]) for h in history], hovertemplate="%{text}<extra></extra>",
        )  # fmt: skip
    fig.add_scatter(
        x=n, y=[h["best_so_far"] for h in history], mode="lines", name="best so far",
        line={"shape": "hv", "color": color(1), "width": 3},
    )  # fmt: skip
    layout(fig, height=360, xaxis_title="evaluation", yaxis_title=objective)
    return fig


def render_page(answer: dict) -> str:
    """The whole page as one HTML string."""
    figures = {
        key: _div(fig, key)
        for key, fig in (
            ("front", front_figure(answer)),
            ("convergence", convergence_figure(answer)),
        )
        if fig is not None
    }
    return _env.get_template("optimize.html.j2").render(
        title=f"lotflow optimize: {answer['scenario']}",
        plotlyjs=get_plotlyjs(),
        version=__version__,
        answer=answer,
        best=answer["best"],
        selection=answer["selection"],
        figures=figures,
        text=_text,
    )
