"""Lines computed ahead on threads give exactly the results of lot-by-lot stepping."""

from pathlib import Path

from lotflow import load_scenario
from lotflow.experiment.replication import RunSpec, run_replication

SCENARIO = Path(__file__).parent / "scenarios" / "plant_backpressure.yaml"


def test_lookahead_lines_are_bit_identical_to_sequential_under_backpressure():
    scenario = load_scenario(SCENARIO)
    spec = RunSpec(scenario, scenario.run.horizon, scenario.run.warmup, seed=3)
    sequential = run_replication(spec, 0, line_threads=1)
    ahead = run_replication(spec, 0, line_threads=2)
    assert sum(v for k, v in sequential.metrics.items() if k[:2] == ("plant", "backpressure")) > 0
    assert ahead.metrics == sequential.metrics
    assert ahead.lots == sequential.lots
