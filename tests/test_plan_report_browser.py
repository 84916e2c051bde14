"""The report of ``run --plan`` in headless Chromium: the plan's Gantt chart and
its table render without a JavaScript error or a request leaving the file.
A screenshot goes to ``out/test-artifacts/plan-report.png``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from browser_page import ARTIFACTS, local_page, needs_chromium
from lotflow.plan.lines import Clock, plan_lines
from lotflow.plan.model import SolverOptions, solve
from lotflow.plan.orders import Order
from lotflow.plan.schedule import build_plan
from lotflow.plan.simulate import plan_results
from lotflow.report import write_report
from lotflow.scenario import scenario_from_dict

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    fail = {"busy_time": {"dist": "exponential", "mean": 120.0}}
    repair = {"dist": "lognormal", "mean": 5.0, "cv": 1.0}
    stations = [
        {"name": f"s{i}", "process": {"dist": "deterministic", "mean": c}, "failure": fail,
         "repair": repair}
        for i, c in enumerate((0.1, 0.12, 0.11))
    ]  # fmt: skip
    scenario = scenario_from_dict(
        {
            "name": "plan-report",
            "time_unit": "min",
            "run": {"replications": 4, "seed": 3},
            "calendar": {"shifts_per_day": 2, "hours_per_shift": 8, "days_per_week": 5},
            "products": [{"name": "ball", "lot_size": 2000}, {"name": "tracer", "lot_size": 2000}],
            "lines": [
                {"name": "A", "changeover": {"dist": "deterministic", "mean": 45.0},
                 "buffers": [20, 20], "stations": stations},
                {"name": "B", "products": ["ball"], "buffers": [20, 20], "stations": stations},
            ],
        }
    )  # fmt: skip
    orders = [
        Order(f"o{j}", ("ball", "tracer")[j % 2], 3000 + 700 * j, 900.0 + 600 * j, 0.0, 1)
        for j in range(8)
    ]
    clock = Clock.of(scenario)
    solution = solve(orders, plan_lines(scenario, "expected"), clock, SolverOptions(20.0))
    plan = build_plan(scenario, orders, solution, clock, "expected", {})
    path = tmp_path_factory.mktemp("plan-report") / "report.html"
    write_report(scenario, plan_results(scenario, plan, "plan.json", 3, 4, 1), path)
    return path


@needs_chromium
def test_plan_report_renders_the_gantt_in_chromium(report, tmp_path):
    html = report.read_text()
    figures = re.findall(r'<div id="fig-([a-z]+)" class="plotly-graph-div"', html)
    assert "plan" in figures
    assert "The plan and its simulation" in html
    problems: list[str] = []
    with local_page(report, problems) as page:
        page.wait_for_selector("#fig-plan.js-plotly-plot svg.main-svg", timeout=30_000)
        traces = page.evaluate(
            "() => document.getElementById('fig-plan').data.map(t => [t.name, t.y.length])"
        )
        rows = page.evaluate("() => document.querySelectorAll('#plan tbody tr').length")
        shot = tmp_path / "plan-report.png"
        page.screenshot(path=str(shot), full_page=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "plan-report.png")
    assert not problems, "\n".join(problems)
    names = {name: count for name, count in traces}
    assert names["due"] == 8 and names["simulated completion (95 % CI)"] == 8
    assert sum(c for n, c in names.items() if n.startswith("planned")) == 8
    assert rows == 8
