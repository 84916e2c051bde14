"""The HTML report as a file: self-contained, every figure present, numbers in place."""

from __future__ import annotations

import re

import pytest

import lotflow
from lotflow.report import render_report, write_report
from lotflow.results import Results
from lotflow.scenario import scenario_from_dict

FAIL = {"busy_time": {"dist": "exponential", "mean": 60.0}}
REPAIR = {"dist": "exponential", "mean": 4.0}
LINE_FIGURES = ("capacity", "output", "states", "waterfall", "bottleneck", "wip", "lots")


def scenario_dict(name: str = "report <test> & co") -> dict:
    def st(n, cycle, scrap=0.0):
        proc = {"dist": "deterministic", "mean": cycle}
        return {"name": n, "process": proc, "failure": FAIL, "repair": REPAIR, "scrap": scrap}

    return {
        "name": name,
        "time_unit": "min",
        "run": {"horizon": 10080.0, "warmup": 1440.0, "replications": 2, "seed": 5},
        "calendar": {"shifts_per_day": 2, "hours_per_shift": 8, "days_per_week": 5},
        "claim": {"good_per_year": 70e6},
        "products": [{"name": "ball", "lot_size": 2000}, {"name": "blank", "lot_size": 2000}],
        "lines": [
            {
                "name": "A",
                "campaigns": [{"product": "ball", "lots": 2}, {"product": "blank", "lots": 1}],
                "changeover": {"dist": "deterministic", "mean": 30.0},
                "buffers": [15, 15],
                "stations": [st("s1", 0.1), st("s2", 0.12, 0.01), st("s3", 0.11)],
            }
        ],
    }


@pytest.fixture(scope="module")
def run():
    scenario = scenario_from_dict(scenario_dict())
    return scenario, lotflow.run(scenario)


@pytest.fixture(scope="module")
def report_path(run, tmp_path_factory):
    """The report of ``run``, written by ``write_report`` once for the module."""
    scenario, results = run
    path = tmp_path_factory.mktemp("report") / "sub" / "report.html"
    path.parent.mkdir()  # the writer refuses a missing directory
    write_report(scenario, results, path)
    return path


def figure_ids(html: str) -> list[str]:
    return re.findall(r'<div id="fig-([a-z]+)" class="plotly-graph-div"', html)


def test_report_is_self_contained_and_written_atomically(report_path):
    path, html = report_path, report_path.read_text()
    assert sorted(p.name for p in path.parent.iterdir()) == ["report.html"]
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert not re.search(r"<script[^>]+src=", html), "plotly.js must be inlined"
    assert not re.search(r"<link[^>]+href=\"?https?:", html)
    assert "Plotly" in html and len(html) > 3_000_000  # plotly.js inlined once
    assert html.count("plotly.js v") <= 2


def test_report_has_every_line_figure(report_path):
    assert figure_ids(report_path.read_text()) == list(LINE_FIGURES)


def test_report_numbers_claim_and_escaping(run, report_path):
    results, html = run[1], report_path.read_text()
    assert "report &lt;test&gt; &amp; co" in html and "<test>" not in html
    assert "The claim of 70.0 M good parts a year" in html
    assert "ISO 22400-2" in html and "Nakajima" in html
    good = results.data["lines"]["A"]["good_parts"]
    assert f"{good['mean']:,.0f} ± {good['ci95']:,.0f}" in html
    assert "DDX decomposition" in html


def test_report_with_plant_lots_and_inventory(run):
    """Lot records with the plant's fields and its samples add the inventory figure
    and the range/storage stages of the lot timeline."""
    scenario, results = run
    lots = []
    for i, lot in enumerate(r for r in results.lots if r["replication"] == 0):
        end = lot["end"]
        lots.append(
            dict(
                lot,
                number=i + 1,
                tested_start=end + 60.0,
                tested_end=end + 90.0,
                verdict="accepted",
                stored_at=end + 95.0,
                shipped_at=end + 3000.0 if i % 2 else None,
            )
        )
    series = dict(results.series)
    series["plant"] = {
        "t": [0.0, 2000.0, 4000.0, 8000.0],
        "staging": [0, 1, 2, 1],
        "inventory.ball": [0, 2000, 4000, 2000],
    }
    html = render_report(scenario, Results(results.data, lots, series))
    assert figure_ids(html) == [*LINE_FIGURES, "inventory"]
    assert "in storage" in html and "on test" in html


def test_a_scenario_without_a_claim_gets_no_claim_check_or_card(run):
    scenario, results = run
    html = render_report(scenario.model_copy(update={"claim": None}), results)
    assert "The claim of" not in html and "not met" not in html and "claim 70" not in html
    assert "claim 1 M a year" in render_report(scenario, results, claim=1e6)


def test_report_of_a_cycle_time_line_without_calendar():
    spec = scenario_dict("cycles")
    spec.update(time_unit="cycle", run={"horizon": 20000, "warmup": 500, "replications": 2})
    del spec["calendar"]
    scenario = scenario_from_dict(spec)
    html = render_report(scenario, lotflow.run(scenario))
    assert figure_ids(html) == list(LINE_FIGURES)
    assert "The claim of" not in html
