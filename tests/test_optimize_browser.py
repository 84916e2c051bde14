"""The optimization page in a real browser (headless Debian Chromium via Playwright):
no JavaScript error, no request leaving the file, every figure rendered, the
chosen levers and the requirements on the page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from browser_page import ARTIFACTS, local_page, needs_chromium
from lotflow.experiment.backends import LocalBackend
from lotflow.experiment.store import Store
from lotflow.optimize.procedure import optimize
from lotflow.optimize.report import render_page
from lotflow.optimize.spec import spec_from_dict
from lotflow.scenario import scenario_from_dict

pytestmark = pytest.mark.browser


SCENARIO = {
    "name": "page",
    "time_unit": "cycle",
    "run": {"horizon": 5000, "warmup": 200, "replications": 3, "seed": 2},
    "lines": [
        {
            "name": "L1",
            "buffers": [0, 0],
            "stations": [
                {"name": f"M{i}", "process": {"dist": "exponential", "mean": m}}
                for i, m in enumerate([1.0, 1.2, 0.9])
            ],
        }
    ],
}
SPEC = {
    "variables": {
        "b1": {"path": "lines[0].buffers[0]", "integers": [0, 4]},
        "b2": {"path": "lines[0].buffers[1]", "integers": [0, 4]},
    },
    "objective": {"minimize": "cost"},
    "costs": {"b1": 1.0, "b2": 1.0},
    "requirements": [{"metric": "lines.L1.throughput", "at_least": 0.6, "confidence": 0.9}],
    "budget": {"evaluations": 25},
    "selection": {"confirm": 5},
}


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    scenario = scenario_from_dict(SCENARIO)
    directory = tmp_path_factory.mktemp("optimize")
    with LocalBackend(1) as backend, Store.open(directory / "store", scenario) as store:
        answer = optimize(scenario, spec_from_dict(SPEC, "spec.yaml"), store, backend)
    path = directory / "best.html"
    path.write_text(render_page(answer))
    return path


@needs_chromium
def test_the_optimize_page_renders_in_chromium(page_file, tmp_path):
    html = page_file.read_text()
    figures = re.findall(r'<div id="fig-([a-z]+)" class="plotly-graph-div"', html)
    assert sorted(figures) == ["convergence", "front"]
    problems: list[str] = []
    with local_page(page_file, problems) as page:
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= n",
            arg=len(figures),
            timeout=30_000,
        )
        rendered = page.evaluate(
            """() => Array.from(document.querySelectorAll('.plotly-graph-div'))
                .filter(d => d.classList.contains('js-plotly-plot')
                             && d.getBoundingClientRect().height > 100
                             && (d.data || []).length > 0)
                .map(d => d.id.replace('fig-', ''))"""
        )
        text = page.inner_text("body")
        shot = tmp_path / "optimize.png"
        page.screenshot(path=str(shot), full_page=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "optimize-browser.png")
    assert not problems, "\n".join(problems)
    assert sorted(rendered) == ["convergence", "front"]
    assert "Chosen levers" in text and "b1" in text
    assert "Requirements, with their confidence" in text and "lines.L1.throughput" in text
