"""``lotflow run --plan``: the plan's orders on the simulated lines.

A deterministic scenario (no failures, no scrap) completes every order within
the pipeline's fill time of the plan's completion (in fact to rounding: the plan
counts the run-empty time), with a short last lot and release dates that hold
the line back; a random one reports every order with probabilities and CIs,
the same numbers for the same seed, whatever the number of workers.
"""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from lotflow.cli import app

ANSI = re.compile(r"\x1b\[[0-9;]*m")
DETERMINISTIC = """
name: det
time_unit: min
calendar: {shifts_per_day: 1, hours_per_shift: 8, days_per_week: 5}
run: {replications: 2, seed: 3}
products: [{name: a, lot_size: 40}, {name: b, lot_size: 50}]
lines:
  - name: L1
    changeover: {dist: deterministic, mean: 30}
    buffers: [2, 1]
    stations:
      - {name: M1, process: {dist: deterministic, mean: 0.5}}
      - {name: M2, process: {dist: deterministic, mean: 1.5}}
      - {name: M3, process: {dist: deterministic, mean: 0.75}}
  - name: L2
    products: [b]
    changeover: {dist: deterministic, mean: 10}
    buffers: [3]
    stations:
      - {name: M1, process: {dist: deterministic, mean: 1}}
      - {name: M2, process: {dist: deterministic, mean: 1}}
"""
RANDOM = """
name: random
time_unit: cycle
run: {replications: 6, seed: 5}
products: [{name: a, lot_size: 100}, {name: b, lot_size: 100}]
lines:
  - name: L1
    changeover: {dist: lognormal, mean: 40, cv: 0.5}
    buffers: [5]
    stations:
      - {name: M1, process: {dist: exponential, mean: 1}, failure: {per_cycle: 0.01},
         repair: {dist: geometric, mean: 20}}
      - {name: M2, process: {dist: deterministic, mean: 1}, scrap: 0.02}
"""
ORDERS = """order,product,quantity,due,release
o1,a,130,2000,0
o2,b,75,900,0
o3,a,40,3000,2400
o4,b,200,4000,0
o5,b,90,5000,600
o6,a,25,600,0
"""


def invoke(args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), exc
    return result.exit_code, ANSI.sub("", result.stdout + result.stderr)


def plan_and_run(tmp_path, scenario_text, extra=()):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text)
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS)
    plan = tmp_path / "plan.json"
    code, output = invoke(["plan", scenario, "--orders", orders, "--out", plan])
    assert code == 0, output
    results = tmp_path / "results.json"
    code, output = invoke(["run", scenario, "--plan", plan, "--out", results, *extra])
    assert code == 0, output
    return json.loads(plan.read_text()), json.loads(results.read_text()), output


def test_deterministic_plan_is_simulated_within_the_fill_time(tmp_path):
    plan, results, output = plan_and_run(tmp_path, DETERMINISTIC)
    fill = {"L1": 0.5 + 0.75, "L2": 1.0}  # process times other than the bottleneck's
    simulated = results["plan"]["orders"]
    assert set(simulated) == set(plan["orders"])
    for oid, planned in plan["orders"].items():
        entry = simulated[oid]
        assert entry["unfinished"] == 0
        assert entry["completion"]["ci95"] == 0.0
        assert abs(entry["completion"]["mean"] - planned["completion"]) <= fill[planned["line"]]
        assert entry["completion"]["mean"] == pytest.approx(planned["completion"], abs=1e-6)
        assert entry["on_time"] == (1.0 if planned["tardiness"] == 0 else 0.0)
    assert "orders on time" in output


def test_release_date_holds_the_simulated_line_back(tmp_path):
    """o3 (40 parts, released at 2,400 min wall time) cannot complete before
    its release plus its bottleneck time, whatever the line did before."""
    plan, results, _ = plan_and_run(tmp_path, DETERMINISTIC)
    line = plan["orders"]["o3"]["line"]
    pace = 1.5 if line == "L1" else 1.0
    done = results["plan"]["orders"]["o3"]["completion"]["mean"]
    assert done >= 2400 + 40 * pace


def test_random_plan_reports_every_order_reproducibly(tmp_path):
    plan, first, _ = plan_and_run(tmp_path, RANDOM)
    _, second, _ = plan_and_run(tmp_path, RANDOM, ["--workers", "2"])
    assert first["plan"]["orders"] == second["plan"]["orders"]
    assert first["replications"] == 6
    for oid, entry in first["plan"]["orders"].items():
        assert 0.0 <= entry["on_time"] <= 1.0
        assert entry["unfinished"] == 0
        assert {"mean", "ci95"} <= entry["completion"].keys()
        assert {"mean", "ci95"} <= entry["tardiness"].keys()
        assert entry["line"] == plan["orders"][oid]["line"]
        # Failures and scrap only delay a line planned at its expected rate so much.
        assert entry["completion"]["mean"] > 0.5 * plan["orders"][oid]["completion"]


def test_run_plan_of_another_scenario_exits_2(tmp_path):
    plan_and_run(tmp_path, DETERMINISTIC)
    other = tmp_path / "other.yaml"
    other.write_text(RANDOM)
    code, output = invoke(["run", other, "--plan", tmp_path / "plan.json"])
    assert code == 2
    assert "plan.json" in output and "Traceback" not in output


def test_an_order_does_not_wait_for_the_next_orders_release(tmp_path):
    """With scrap, the last parts of an order are made up by the order itself when
    the next order of the same product is released much later (not by the next)."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(RANDOM)
    orders = tmp_path / "orders.csv"
    orders.write_text("order,product,quantity,due,release\nx,a,150,400,0\ny,a,50,9000,8000\n")
    plan = tmp_path / "plan.json"
    assert invoke(["plan", scenario, "--orders", orders, "--out", plan])[0] == 0
    results = tmp_path / "results.json"
    code, output = invoke(["run", scenario, "--plan", plan, "--out", results])
    assert code == 0, output
    simulated = json.loads(results.read_text())["plan"]["orders"]
    assert simulated["x"]["completion"]["mean"] < 2000
    assert simulated["y"]["completion"]["mean"] > 8000 + 50


def test_run_plan_refuses_window_options(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(RANDOM)
    for option in (["--horizon", "100"], ["--warmup", "5"], ["--precision", "1%"]):
        code, output = invoke(["run", scenario, "--plan", tmp_path / "plan.json", *option])
        assert code == 2
        assert "do not apply to --plan" in output
