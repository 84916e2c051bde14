"""Shared look of the report's figures: colours, layout defaults, number formats."""

from __future__ import annotations

import plotly.graph_objects as go

STATE_COLORS = {
    "busy": "#2e8b57",
    "starved": "#f2b134",
    "blocked": "#e07a2f",
    "down": "#c8423b",
    "setup": "#7b5ea7",
    "off_shift": "#c9ced6",
}
LOSS_COLORS = {
    "changeover": STATE_COLORS["setup"],
    "breakdowns": STATE_COLORS["down"],
    "starved": STATE_COLORS["starved"],
    "blocked": STATE_COLORS["blocked"],
    "speed_loss": "#8c6d46",
    "scrap": "#5b6770",
}
SERIES_COLORS = ["#1f5f99", "#d1495b", "#2e8b57", "#edae49", "#7b5ea7", "#00798c", "#8c6d46"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def layout(fig: go.Figure, height: int = 420, **kwargs) -> go.Figure:
    """Apply the report's layout defaults (white, compact, legend on top)."""
    fig.update_layout(
        template="plotly_white",
        height=height,
        font={"family": FONT, "size": 13, "color": "#1d2733"},
        margin={"l": 60, "r": 20, "t": 40, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font": {"family": FONT}},
        **kwargs,
    )
    return fig


def color(i: int) -> str:
    return SERIES_COLORS[i % len(SERIES_COLORS)]


def pct(stat: dict, digits: int = 1) -> str:
    """``{"mean", "ci95"}`` of a fraction as ``"12.3 % ± 0.4"``."""
    return f"{stat['mean'] * 100:.{digits}f} % ± {stat['ci95'] * 100:.{digits}f}"


def num(stat: dict, digits: int = 0) -> str:
    return f"{stat['mean']:,.{digits}f} ± {stat['ci95']:,.{digits}f}"
