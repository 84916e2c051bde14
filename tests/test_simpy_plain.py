"""The plain SimPy yardstick of bench/simpy_plain.py simulates the same line as lotflow.

The two models share no random numbers, so they agree in distribution only:
the mean throughputs of independent replications (fixed seeds) must differ by
less than four standard errors of the difference.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import yaml

from lotflow import load_scenario, run

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import simpy_plain  # noqa: E402
from whole_process import line_scenario  # noqa: E402

HOURS = 12.0  # per replication; SimPy costs about 60 us (CPU) per part here


def test_plain_simpy_agrees_with_lotflow_on_the_reference_line(tmp_path):
    stations, buffers = simpy_plain.reference_line()
    simpy_tp = [
        simpy_plain.simulate(stations, buffers, HOURS * 3600.0, seed) / HOURS
        for seed in range(100, 104)
    ]
    path = tmp_path / "line.yaml"
    path.write_text(yaml.safe_dump(line_scenario(hours=HOURS)))
    results = run(load_scenario(path), replications=20, seed=7)
    per_second = results.data["lines"]["L1"]["throughput"]["per_replication"]
    lotflow_tp = [x * 3600.0 for x in per_second]  # the time unit is the second

    def mean_and_var(xs):
        return statistics.mean(xs), statistics.variance(xs) / len(xs)

    (ms, vs), (ml, vl) = mean_and_var(simpy_tp), mean_and_var(lotflow_tp)
    se = (vs + vl) ** 0.5
    assert se < 0.05 * ml, "too few parts for the comparison to mean anything"
    assert abs(ms - ml) < 4 * se, (ms, ml, se)
