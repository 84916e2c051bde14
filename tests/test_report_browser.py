"""The report in a real browser: headless Debian Chromium via Playwright.

Fails on any JavaScript console error or page error, on any request that
leaves the file (the report must be self-contained), and on any figure that
did not render. A full-page screenshot goes to ``out/test-artifacts/`` (and
the test's tmp_path).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import lotflow
from browser_page import ARTIFACTS, local_page, needs_chromium
from lotflow.report import write_report
from lotflow.scenario import scenario_from_dict

pytestmark = pytest.mark.browser

FAIL = {"busy_time": {"dist": "exponential", "mean": 60.0}}
REPAIR = {"dist": "lognormal", "mean": 5.0, "cv": 1.0}
# Figures every report of a line with a plant (range and storage) must show.
EXPECTED = {"capacity", "output", "states", "waterfall", "bottleneck", "wip", "lots", "inventory"}


def plant_scenario() -> dict:
    def st(n, cycle, scrap=0.0):
        proc = {"dist": "deterministic", "mean": cycle}
        return {"name": n, "process": proc, "failure": FAIL, "repair": REPAIR, "scrap": scrap}

    return {
        "name": "report-browser",
        "time_unit": "min",
        "run": {"horizon": 20160.0, "warmup": 1440.0, "replications": 2, "seed": 7},
        "calendar": {"shifts_per_day": 2, "hours_per_shift": 8, "days_per_week": 5},
        "products": [{"name": "ball", "lot_size": 2000}, {"name": "tracer", "lot_size": 2000}],
        "lines": [
            {
                "name": "A",
                "campaigns": [{"product": "ball", "lots": 2}, {"product": "tracer", "lots": 1}],
                "changeover": {"dist": "deterministic", "mean": 30.0},
                "buffers": [20, 20],
                "stations": [st("s1", 0.1), st("s2", 0.12, 0.01), st("s3", 0.11)],
            },
            {
                "name": "B",
                "campaigns": [{"product": "ball", "lots": 1}],
                "buffers": [10],
                "stations": [st("s1", 0.1), st("s2", 0.1)],
            },
        ],
        "plant": {
            "range": {
                "lanes": 1,
                "sampling": {"level": "S-3", "aql": 0.65},
                "test_time": {
                    "setup": {"dist": "deterministic", "mean": 30.0},
                    "per_round": {"dist": "deterministic", "mean": 0.5},
                },
            }
        },
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    scenario = scenario_from_dict(plant_scenario())
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(scenario, lotflow.run(scenario), path)
    return path


@needs_chromium
def test_report_renders_in_chromium_without_errors(report, tmp_path):
    html = report.read_text()
    figures = re.findall(r'<div id="fig-([a-z]+)" class="plotly-graph-div"', html)
    assert set(figures) >= EXPECTED, f"figures in the file: {figures}"
    problems: list[str] = []
    with local_page(report, problems) as page:
        page.wait_for_function(
            "n => document.querySelectorAll('.plotly-graph-div.js-plotly-plot svg.main-svg')"
            ".length >= n",
            arg=len(figures),
            timeout=30_000,
        )
        rendered = page.evaluate(
            """() => Array.from(document.querySelectorAll('.plotly-graph-div'))
                .filter(d => d.classList.contains('js-plotly-plot')
                             && d.querySelector('svg.main-svg')
                             && d.getBoundingClientRect().height > 100
                             && (d.data || []).length > 0)
                .map(d => d.id.replace('fig-', ''))"""
        )
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "report-browser.png")
    assert not problems, "\n".join(problems)
    assert sorted(rendered) == sorted(figures), f"rendered {rendered} of {figures}"
