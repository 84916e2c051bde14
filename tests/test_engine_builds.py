"""The engine's three builds give the same numbers, bit for bit.

* the ahead-of-time module (:mod:`lotflow.native`), what runs use, without numba;
* numba's JIT (``LOTFLOW_ENGINE=jit``), what runs use when the module is stale;
* plain Python (``NUMBA_DISABLE_JIT=1``): how the kernel can be stepped
  through in a debugger and its own coverage measured (``make test-nojit``).

Each check runs in a fresh process, since numba reads its variable once, at
import.
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
import sys
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
    "numba": "numba" in sys.modules,
}))
"""


ENGINES = {
    "native": {},
    "jit": {"LOTFLOW_ENGINE": "jit"},
    "python": {"NUMBA_DISABLE_JIT": "1"},
}


def _environment(engine: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV")}
    env.pop("NUMBA_DISABLE_JIT", None)
    env.pop("LOTFLOW_ENGINE", None)
    return env | ENGINES[engine]


def _raw_results(engine: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=_environment(engine),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout)


def test_the_three_builds_give_the_same_numbers():
    results = {engine: _raw_results(engine) for engine in ENGINES}
    assert results["native"]["good"] > 1000  # the line really ran
    assert not results["native"].pop("numba")  # and numba was never imported
    assert results["jit"].pop("numba") and results["python"].pop("numba")
    assert results["native"] == results["jit"] == results["python"]


@pytest.mark.slow
def test_engine_rule_tests_pass_without_the_jit():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:cov",
         "tests/test_engine_rules.py"],
        env=_environment("python"),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
