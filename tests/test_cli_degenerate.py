"""Degenerate but valid inputs give valid results (no NaN, no traceback): a window
without working time, a plant window in which no lot completes; a metric that
still has no finite value is an input error naming it (exit 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lotflow.cli import app
from lotflow.experiment.aggregate import aggregate
from lotflow.experiment.replication import ReplicationResult
from lotflow.results import check_finite
from lotflow.scenario import ScenarioError

HERE = Path(__file__).parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Monday 00:00 to 05:00: the shifts start at 06:00, so the window has no working time.
NO_WORKING_TIME = """\
name: empty-window
time_unit: h
run: {horizon: 5, warmup: 0, replications: 2, seed: 1}
calendar: {shifts_per_day: 2, hours_per_shift: 8, days_per_week: 5}
claim: {good_per_year: 1000000}
products:
  - {name: ball, lot_size: 2500}
lines:
  - name: L1
    campaigns: [{product: ball, lots: 1}]
    buffers: [4]
    stations:
      - {name: M1, process: {dist: deterministic, mean: 0.001}}
      - {name: M2, process: {dist: deterministic, mean: 0.001}}
"""


def strict_json(path: Path) -> dict:
    def refuse(constant):
        raise AssertionError(f"{constant} in the results JSON")

    return json.loads(path.read_text(), parse_constant=refuse)


def invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, ANSI.sub("", result.stdout), ANSI.sub("", result.stderr)


def test_a_window_without_working_time_exits_2_saying_why(tmp_path):
    scenario = tmp_path / "empty.yaml"
    scenario.write_text(NO_WORKING_TIME)
    out = tmp_path / "r.json"
    code, _, err = invoke("run", scenario, "--out", out)
    assert code == 2 and "run.horizon" in err and "no working time" in err
    assert not out.exists()
    code, _, err = invoke("run", HERE.parent / "scenarios" / "maracay.yaml", "--horizon", "8760")
    assert code == 2 and "--horizon 8760" in err


def test_an_empty_window_gives_zero_not_nan(monkeypatch):
    """The runtime rules behind the loader's check: no working time, no division."""
    from lotflow.plant.servers import Servers

    servers = Servers.__new__(Servers)
    servers.busy_work, servers._in_service, servers.n = 0.0, {}, 2
    servers._w0 = servers._w1 = 10.0
    assert servers.utilisation() == 0.0


def test_a_plant_window_in_which_no_lot_completes_gives_valid_results(tmp_path):
    out = tmp_path / "r.json"
    scenario = HERE / "scenarios" / "plant_backpressure.yaml"
    # shifts start at 6 h (21,600 s): ten working minutes, far less than a lot takes
    code, _, err = invoke("run", scenario, "--horizon", "22200", "--out", out)
    assert code == 0, err
    plant = strict_json(out)["plant"]
    assert plant["lots"]["completed"]["mean"] == 0.0
    assert plant["range"]["utilisation"]["mean"] == 0.0 and plant["range"]["wait"]["mean"] == 0.0


def test_a_metric_without_a_finite_value_is_an_input_error_naming_it():
    reps = [ReplicationResult(i, {("lines", "L1", "throughput"): float("nan")}, {}) for i in (0, 1)]
    with pytest.raises(ScenarioError, match=r"lines\.L1\.throughput"):
        aggregate(reps)
    with pytest.raises(ScenarioError, match=r"plant\.range\.wait"):
        check_finite({"plant": {"range": {"wait": {"mean": float("inf"), "ci95": 0.0}}}})
