"""Analytic capacity (``lotflow capacity``): formulas, the exact two-machine line
against simulation, JSON output and invalid input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import lotflow
from lotflow.analysis.capacity import capacity
from lotflow.analysis.flowline import throughput_two_machine_deterministic
from lotflow.cli import app
from lotflow.scenario import scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def two_machine(p1=0.01, r1=0.1, p2=0.01, r2=0.1, buffer=4, reps=6) -> dict:
    def st(name, p, r):
        return {
            "name": name,
            "process": {"dist": "deterministic", "mean": 1},
            "failure": {"per_cycle": p},
            "repair": {"dist": "geometric", "mean": 1.0 / r},
        }

    return {
        "name": "two-machine",
        "time_unit": "cycle",
        "run": {"horizon": 150_000, "warmup": 2_000, "replications": reps, "seed": 3},
        "lines": [
            {"name": "L1", "buffers": [buffer], "stations": [st("M1", p1, r1), st("M2", p2, r2)]}
        ],
    }


def test_isolated_efficiencies_and_ideal_rate_of_the_reference_plant():
    cap = capacity(lotflow.load_scenario(ROOT / "scenarios" / "maracay.yaml"))
    assert cap.working_hours_per_year == pytest.approx(4000.0)
    assert cap.nameplate == pytest.approx(72e6)  # 4 lines x 4,500 an hour x 4,000 h
    for line in cap.lines:
        assert line.bottleneck == "seating"
        assert line.ideal.rate * 3600 == pytest.approx(4500.0)
        for st in line.stations:
            assert st.efficiency == pytest.approx(7200 / 7800)  # MTTF / (MTTF + MTTR)
            assert st.p == pytest.approx(st.cycle / 7200) and st.r == pytest.approx(0.8 / 600)
        assert line.scrap_yield == pytest.approx(0.997)
        assert line.flow.method == "DDX decomposition" and not line.flow.exact
        assert line.flow.good_rate < line.availability.good_rate < line.ideal.good_rate
    # tracer/blank lines: two 45-minute changeovers per 6 lots of 250,000
    l3 = cap.lines[2]
    assert (l3.changeover_per_cycle, l3.parts_per_cycle) == (5400.0, 1.5e6)
    gross = l3.ideal.rate * 0.997
    assert l3.ideal.good_rate == pytest.approx(1.5e6 / (1.5e6 / gross + 5400.0))


def test_per_cycle_efficiency_is_r_over_r_plus_p():
    cap = capacity(scenario_from_dict(two_machine(p1=0.02, r1=0.25)))
    m1 = cap.lines[0].stations[0]
    assert (m1.p, m1.r) == (0.02, 0.25)
    assert m1.efficiency == pytest.approx(0.25 / 0.27)
    assert cap.lines[0].availability.rate == pytest.approx(min(0.25 / 0.27, 0.1 / 0.11))
    assert cap.working_per_year is None and cap.lines[0].flow.per_year is None


def test_two_machine_line_uses_gershwins_exact_formula():
    line = capacity(scenario_from_dict(two_machine(0.005, 0.05, 0.02, 0.2, buffer=10))).lines[0]
    assert line.flow.method == "Gershwin two-machine line" and line.flow.exact
    assert line.flow.rate == pytest.approx(
        throughput_two_machine_deterministic(0.005, 0.05, 0.02, 0.2, 10), rel=1e-12
    )


def test_capacity_command_two_machine_figure_matches_simulation(tmp_path):
    """The command's exact two-machine figure lies within 4 standard errors of a
    simulated run (replication means), via --results and --json."""
    spec = two_machine()
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(spec))
    results = lotflow.run(scenario_from_dict(spec))
    results.write_json(tmp_path / "r.json")
    out = tmp_path / "cap.json"
    res = runner.invoke(
        app, ["capacity", str(tmp_path / "s.yaml"), "--results", str(tmp_path / "r.json"),
              "--json", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Gershwin" in res.output
    doc = json.loads(out.read_text())
    analytic = doc["capacity"]["lines"][0]["flow"]["good_rate"]
    assert analytic == pytest.approx(0.8469055, abs=1e-6)
    sim = np.array(results.data["lines"]["L1"]["throughput"]["per_replication"])
    se = sim.std(ddof=1) / math.sqrt(sim.size)
    assert abs(sim.mean() - analytic) <= 4 * se + 1e-9, (sim.mean(), analytic, se)
    assert doc["simulated"]["L1"]["good_rate"]["mean"] == pytest.approx(sim.mean(), rel=1e-3)
    assert doc["claim"] is None  # no year in cycle time
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_capacity_command_prints_reference_plant_and_claim():
    res = runner.invoke(app, ["capacity", str(ROOT / "scenarios" / "maracay.yaml")])
    assert res.exit_code == 0, res.output
    assert "DDX decomposition" in res.output and "nameplate 72.0 M" in res.output
    assert "Claim 70.0 M a year" in res.output


@pytest.mark.parametrize(
    ("scenario", "results", "message"),
    [
        ("missing.yaml", None, "not found"),
        ("bad.yaml", None, "lines"),
        ("good.yaml", "missing.json", "cannot read results"),
        ("good.yaml", "garbage.json", "not a results JSON"),
        ("good.yaml", "other.json", "results of lines"),
    ],
)
def test_capacity_command_bad_input_exits_2(tmp_path, scenario, results, message):
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(two_machine()))
    (tmp_path / "bad.yaml").write_text("name: x\nlines: 3\n")
    (tmp_path / "garbage.json").write_text("{not json")
    (tmp_path / "other.json").write_text(
        json.dumps({"lines": {"Z": {}}, "horizon": 1.0, "warmup": 0.0})
    )
    args = ["capacity", str(tmp_path / scenario)]
    if results:
        args += ["--results", str(tmp_path / results)]
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output
