"""Valid but extreme failure parameters leave the decomposition's domain: the
capacity analysis (which every run's summary calls) says so and gives the
isolated-efficiency bound instead of failing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lotflow.analysis.capacity import capacity
from lotflow.scenario import scenario_from_dict

FAILURES = {
    "a failure at every cycle": {"per_cycle": 1.0},
    "failures far more often than parts": {"busy_time": {"dist": "exponential", "mean": 0.01}},
}


def _line(failure: dict, stations: int) -> dict:
    station = {
        "process": {"dist": "deterministic", "mean": 1.0},
        "failure": failure,
        "repair": {"dist": "exponential", "mean": 2.0},
    }
    return {
        "name": "extreme",
        "time_unit": "min",
        "run": {"horizon": 2000.0, "replications": 2, "seed": 1},
        "lines": [
            {
                "name": "L1",
                "buffers": [3] * (stations - 1),
                "stations": [dict(station, name=f"M{i}") for i in range(stations)],
            }
        ],
    }


@pytest.mark.parametrize("stations", [2, 4])
@pytest.mark.parametrize("failure", list(FAILURES.values()), ids=list(FAILURES))
def test_capacity_falls_back_to_the_isolated_efficiency_bound(failure, stations):
    line = capacity(scenario_from_dict(_line(failure, stations))).lines[0]
    flow = line.flow
    assert flow.rate > 0
    if flow.method == "isolated efficiency":
        assert flow.rate == line.availability.rate
        assert any("not applicable" in note for note in line.notes)


@pytest.mark.parametrize("failure", list(FAILURES.values()), ids=list(FAILURES))
def test_run_of_an_extreme_line_gives_valid_results(failure, tmp_path: Path):
    scenario = tmp_path / "extreme.yaml"
    scenario.write_text(json.dumps(_line(failure, 4)))
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-m", "lotflow.cli", "run", str(scenario), "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(out.read_text())["lines"]["L1"]["throughput"]["mean"] > 0
