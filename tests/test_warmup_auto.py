"""``--warmup auto`` (MSER-5 on pilot output) and ``--precision`` (replications until the
throughput CI is tight enough)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from lotflow.cli import app
from lotflow.experiment import precision as prec
from lotflow.experiment.api import run
from lotflow.experiment.replication import ReplicationResult
from lotflow.experiment.warmup import choose_warmup, pilot_spec
from lotflow.scenario import ScenarioError, scenario_from_dict

# Starts empty: a fast, unreliable M1 feeds a steady M2 through a large buffer.
# While the buffer is nearly empty, M1's long repairs starve M2; once it has
# filled, they are absorbed. Output per bin is low at first, then steady.
STARTS_EMPTY = {
    "name": "starts-empty",
    "time_unit": "cycle",
    "run": {"horizon": 200000, "warmup": 0, "replications": 3, "seed": 11},
    "lines": [
        {
            "name": "L1",
            "buffers": [5000],
            "stations": [
                {
                    "name": "M1",
                    "process": {"dist": "deterministic", "mean": 0.7},
                    "failure": {"per_cycle": 0.0005},
                    "repair": {"dist": "exponential", "mean": 500},
                },
                {"name": "M2", "process": {"dist": "deterministic", "mean": 1.0}},
            ],
        }
    ],
}

QUICK_LINE = {
    "name": "quick-line",
    "time_unit": "cycle",
    "run": {"horizon": 20000, "warmup": 0, "replications": 2, "seed": 3},
    "lines": [
        {
            "name": "L1",
            "buffers": [2, 2],
            "stations": [
                {"name": f"M{i}", "process": {"dist": "exponential", "mean": 1}} for i in (1, 2, 3)
            ],
        }
    ],
}


def synthetic(index: int, series: np.ndarray) -> ReplicationResult:
    return ReplicationResult(index, {}, series={"output": {"L1": series}})


def test_mser5_finds_a_known_transient_in_synthetic_output():
    scenario = scenario_from_dict({**STARTS_EMPTY, "run": {"horizon": 1000, "seed": 1}})
    spec = pilot_spec(scenario, 1000.0, 1)  # 1000 bins of width 1
    rng = np.random.default_rng(0)
    steady = 10.0 + rng.normal(0.0, 0.5, size=(5, 1000))
    transient = steady.copy()
    transient[:, :100] -= np.linspace(8.0, 0.0, 100)  # ramps up over the first 100 bins
    choice = choose_warmup(spec, [synthetic(i, transient[i]) for i in range(5)])
    assert 60 <= choice.warmup <= 120
    assert choice.method == "mser5"
    assert choice.detail["lines"]["L1"]["at_boundary"] is False
    flat = choose_warmup(spec, [synthetic(i, steady[i]) for i in range(5)])
    assert flat.warmup <= 20


def test_mser5_truncates_the_filling_of_an_empty_line_from_the_engine():
    scenario = scenario_from_dict(STARTS_EMPTY)
    results = run(scenario, warmup="auto", replications=3)
    data = results.data
    assert data["warmup_method"] == "mser5"
    # the buffer takes ~10^4 cycles to stop starving M2 (bins are 200 cycles)
    assert 2000 <= data["warmup"] <= 40000
    assert data["warmup_detail"]["pilot_replications"] == [0, 1, 2, 3, 4]
    assert data["warmup_detail"]["lines"]["L1"]["at_boundary"] is False
    cold = run(scenario, warmup=0, replications=3).data
    tp = lambda d: d["lines"]["L1"]["throughput"]["mean"]  # noqa: E731
    assert tp(data) > tp(cold)  # the low-output start is no longer averaged in
    assert list(data)[5:8] == ["warmup", "warmup_method", "warmup_detail"]


def test_warmup_auto_needs_lines_and_enough_bins():
    scenario = scenario_from_dict({**STARTS_EMPTY, "run": {"horizon": 10, "seed": 1}})
    scenario = scenario.model_copy(update={"time_unit": "h"})
    with pytest.raises(ScenarioError, match="at least 20 output bins"):
        run(scenario, warmup="auto")


def test_precision_adds_replications_until_the_ci_is_tight_and_reports_it():
    scenario = scenario_from_dict(QUICK_LINE)
    results = run(scenario, precision=0.004, max_replications=100)
    block = results.data["precision"]
    assert block["met"] is True
    assert block["achieved"]["lines.L1.throughput"] <= 0.004
    assert results.data["replications"] == block["replications"] > 2
    tp = results.data["lines"]["L1"]["throughput"]
    assert tp["ci95"] <= 0.004 * tp["mean"]
    capped = run(scenario, precision=0.0001, max_replications=6).data["precision"]
    assert (capped["met"], capped["replications"]) == (False, 6)


def test_precision_parsing_and_next_count():
    assert prec.parse_precision("1%") == pytest.approx(0.01)
    assert prec.parse_precision("0.02") == 0.02
    for bad in ("0", "150%", "x"):
        with pytest.raises(ScenarioError):
            prec.parse_precision(bad)
    key = ("lines", "L1", "throughput")
    reps = [ReplicationResult(i, {key: v}) for i, v in enumerate([1.0, 1.1, 0.9, 1.05])]
    assert prec.next_count(reps, 0.5, 100) == 4  # already met
    wanted = prec.next_count(reps, 0.01, 100)
    assert 5 <= wanted <= 8  # at most doubles per step
    assert prec.next_count(reps, 0.01, 5) == 5


def test_run_warmup_auto_on_the_command_line_writes_it_to_the_json(tmp_path):
    import yaml

    file = tmp_path / "line.yaml"
    file.write_text(yaml.safe_dump(QUICK_LINE))
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["run", str(file), "--warmup", "auto", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "warm-up by MSER-5" in result.output
    data = json.loads(out.read_text())
    assert data["warmup_method"] == "mser5"
    assert data["warmup"] == data["warmup_detail"]["warmup_working_time"] < data["horizon"] / 2
    bad = CliRunner().invoke(app, ["run", str(file), "--precision", "7"])
    assert bad.exit_code == 2
