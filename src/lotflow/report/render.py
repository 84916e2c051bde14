"""Results -> HTML: figures to ``<div>``s, numbers to tables, all into the template."""

from __future__ import annotations

import html

import jinja2
from plotly.offline import get_plotlyjs

from lotflow import __version__
from lotflow.analysis.capacity import capacity
from lotflow.analysis.claim import claim_check, simulated_rates
from lotflow.calendar import UNIT_PER_HOUR
from lotflow.report import context
from lotflow.report import figures_line as fl
from lotflow.report import figures_plan as fplan
from lotflow.report import figures_plant as fp
from lotflow.report.timebase import timebase

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"scale": 2}}

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("lotflow.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _div(figure, key: str) -> str | None:
    if figure is None:
        return None
    return figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"fig-{key}", config=PLOTLY_CONFIG
    )


def render_report(scenario, results, claim: float | None = None) -> str:
    """The whole report as one HTML string; ``claim`` as :func:`write_report` takes it."""
    data, series, lots = results.data, results.series or {}, results.lots or []
    cap = capacity(scenario) if scenario.lines else None
    sim = simulated_rates(scenario, data, cap) if cap and data["lines"] else None
    check = claim_check(scenario, data, claim, cap) if cap else None
    tb = timebase(scenario, data)
    per_hour = UNIT_PER_HOUR.get(scenario.time_unit)
    lines = bool(data["lines"])
    figures = {
        "capacity": _div(fl.capacity_bars(cap, sim, per_hour), "capacity") if cap else None,
        **(_line_figures(scenario, data, series, tb) if lines else {}),
        "lots": _div(fp.lot_timeline(lots, tb), "lots"),
        "inventory": _div(fp.inventory(series, lots, tb), "inventory"),
        "plan": _div(fplan.plan_gantt(data.get("plan"), tb), "plan"),
    }
    template = _env.get_template("report.html.j2")
    return template.render(
        title=f"lotflow report: {html.escape(str(data.get('scenario', scenario.name)))}",
        plotlyjs=get_plotlyjs(),
        version=__version__,
        meta=context.meta(scenario, data),
        kpis=context.kpis(data, cap, check) if lines else [],
        line_rows=context.line_rows(data, scenario.time_unit) if lines else [],
        station_rows=context.station_rows(data) if lines else [],
        capacity_rows=context.capacity_rows(cap, sim) if cap else [],
        capacity_notes=sorted({n for line in cap.lines for n in line.notes}) if cap else [],
        claim=check,
        rate_unit="working h" if per_hour else f"working {scenario.time_unit}",
        figures=figures,
        plant_rows=context.plant_rows(data.get("plant")),
        plan=context.plan_summary(data.get("plan"), tb),
    )


def _line_figures(scenario, data: dict, series: dict, tb) -> dict[str, str | None]:
    """The figures of the lines' results: output, states, OEE, bottlenecks, WIP."""
    return {
        "output": _div(fl.output_over_time(data, series, tb), "output"),
        "states": _div(fl.station_states(data), "states"),
        "waterfall": _div(fl.oee_waterfall(data), "waterfall"),
        "bottleneck": _div(fl.bottleneck_shares(data), "bottleneck"),
        "wip": _div(fl.wip_distributions(scenario, series), "wip"),
    }
