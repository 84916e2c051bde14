"""The engine runs as plain Python with ``NUMBA_DISABLE_JIT=1``, with the same numbers.

That is how the kernel can be stepped through in a debugger and its own
coverage measured (``make test-nojit``). Each check runs in a fresh process,
since numba reads the variable once, at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A small line with every mechanism of the kernel (busy-time and per-cycle
# failures, scrap, two products with changeovers, lots) and a plant year of a
# tiny plant: their raw results, as JSON.
SCRIPT = """
import json
import numpy as np
import lotflow
from lotflow.engine.compiled import compile_line
from lotflow.engine.line_run import LineRun, Trace, spawn_generators
from lotflow.engine.precompile import _LINE
from lotflow.scenario import scenario_from_dict

scenario = scenario_from_dict(_LINE)
arrays = compile_line(scenario.lines[0], scenario.products)
gens = spawn_generators(np.random.SeedSequence(3), arrays.n_streams)
raw = LineRun(arrays, gens, 100.0, 3000.0, 100.0, Trace(departures=500, active_periods=50)).run()
results = lotflow.run(scenario, seed=5, replications=2)
print(json.dumps({
    "good": raw.good,
    "state_time": raw.state_time.tolist(),
    "lots": raw.lots.tolist(),
    "departures": [d.tolist() for d in raw.departures],
    "bins": raw.departure_bins.tolist(),
    "active": [a.tolist() for a in raw.active_intervals],
    "results": results.data["lines"],
    "plant": results.data.get("plant"),
}))
"""


def _environment(disable_jit: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV")}
    env.pop("NUMBA_DISABLE_JIT", None)
    if disable_jit:
        env["NUMBA_DISABLE_JIT"] = "1"
    return env


def _raw_results(disable_jit: bool) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=_environment(disable_jit),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)


def test_plain_python_engine_gives_the_compiled_engines_numbers():
    compiled = _raw_results(disable_jit=False)
    plain = _raw_results(disable_jit=True)
    assert compiled["good"] > 1000  # the line really ran
    assert plain == compiled


@pytest.mark.slow
def test_engine_rule_tests_pass_without_the_jit():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:cov",
         "tests/test_engine_rules.py"],
        env=_environment(disable_jit=True),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
