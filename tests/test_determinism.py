"""Same seed, same bits (model.md, Statistics): whatever the number of worker
processes, whatever the number of replications, through the API or the CLI.

The fixture has two lines (run on threads in one process), a calendar,
campaigns with random changeovers, scrap and both failure modes, so every
random source is exercised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

import lotflow
from lotflow import load_scenario
from lotflow.experiment import runner
from lotflow.experiment.replication import RunSpec
from lotflow.experiment.runner import replication_pool

HERE = Path(__file__).parent
SHIFTS = HERE / "scenarios" / "two_lines_shifts.yaml"
PLANT = HERE / "scenarios" / "plant_backpressure.yaml"
LOTFLOW = Path(sys.executable).parent / "lotflow"


def comparable(data: dict) -> dict:
    """The results document without the wall-clock time it took."""
    data = json.loads(json.dumps(data))
    del data["engine"]["wall_s"]
    return data


def differences(a, b, path=""):
    """Paths where two JSON trees differ (for readable failures)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}.{k}: only on one side" for k in a.keys() ^ b.keys()]
        for key in a.keys() & b.keys():
            out += differences(a[key], b[key], f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def assert_same(a: dict, b: dict) -> None:
    diff = differences(comparable(a), comparable(b))
    assert not diff, "\n".join(diff[:20])


def per_replication_leaves(node, path=""):
    if isinstance(node, dict):
        if "per_replication" in node:
            yield path, node["per_replication"]
        for key, value in node.items():
            yield from per_replication_leaves(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from per_replication_leaves(value, f"{path}[{i}]")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SHIFTS)


@pytest.fixture(scope="module")
def reference(scenario):
    """Four replications, one process."""
    return lotflow.run(scenario, workers=1)


def test_same_seed_same_results_in_one_process(scenario, reference):
    again = lotflow.run(scenario, workers=1)
    assert_same(again.data, reference.data)
    assert again.lots == reference.lots


def test_workers_give_identical_results(scenario, reference):
    parallel = lotflow.run(scenario, workers=2)
    assert_same(parallel.data, reference.data)
    assert parallel.lots == reference.lots


def test_replications_run_on_threads_unless_a_plant_runs_beside_the_lines(scenario):
    """Lines alone: the kernel releases the GIL, replications share threads.
    A plant's event logic holds the GIL: worker processes."""
    spec = RunSpec(scenario, scenario.run.horizon, scenario.run.warmup, 1)
    with replication_pool(spec, 2) as pool:
        assert isinstance(pool, ThreadPoolExecutor)
    plant = load_scenario(PLANT)
    spec = RunSpec(plant, plant.run.horizon, plant.run.warmup, 1)
    with replication_pool(spec, 2) as pool:
        assert isinstance(pool, ProcessPoolExecutor)


def test_a_failed_replication_starts_no_more(scenario, monkeypatch):
    """When a replication raises (or Ctrl-C arrives), the replications not yet
    started are cancelled: the error comes back at once, not after the rest."""
    started = []

    def replication(spec, index, line_threads=1):
        started.append(index)
        if index == 0:
            raise RuntimeError("replication 0 failed")
        time.sleep(0.2)

    monkeypatch.setattr(runner, "run_replication", replication)
    spec = RunSpec(scenario, scenario.run.horizon, scenario.run.warmup, 1)
    with pytest.raises(RuntimeError, match="replication 0 failed"):
        runner.run_replications(spec, list(range(12)), workers=2)
    assert len(started) <= 4, started


def test_a_plant_on_worker_processes_gives_identical_results():
    plant = load_scenario(PLANT)
    one = lotflow.run(plant, replications=3, horizon=2 * 86400.0, workers=1)
    two = lotflow.run(plant, replications=3, horizon=2 * 86400.0, workers=2)
    assert_same(two.data, one.data)
    assert two.lots == one.lots
    assert one.data["plant"], "the plant ran"


def test_replication_does_not_depend_on_the_number_of_replications(scenario, reference):
    four = dict(per_replication_leaves(reference.data["lines"]))
    assert four, "no per_replication values in the results"
    for count, workers in ((2, 1), (6, 2)):
        other = lotflow.run(scenario, replications=count, workers=workers)
        leaves = dict(per_replication_leaves(other.data["lines"]))
        assert leaves.keys() == four.keys()
        k = min(count, 4)
        for path, values in four.items():
            assert leaves[path][:k] == values[:k], (count, path)


def test_different_seeds_differ(scenario, reference):
    other = lotflow.run(scenario, seed=scenario.run.seed + 1)
    for name in ("L1", "L2"):
        a = reference.data["lines"][name]["throughput"]["per_replication"]
        b = other.data["lines"][name]["throughput"]["per_replication"]
        assert all(x != y for x, y in zip(a, b, strict=True)), name
    # ... and the replications of one run differ from each other.
    reps = reference.data["lines"]["L1"]["good_parts"]["per_replication"]
    assert len(set(reps)) == len(reps)


def test_cli_with_workers_matches_the_api(tmp_path, reference):
    """``lotflow run --workers 2 --out`` writes the same document as ``lotflow.run``."""
    out = tmp_path / "results.json"
    env = dict(os.environ, NO_COLOR="1")
    proc = subprocess.run(
        [str(LOTFLOW), "run", str(SHIFTS), "--workers", "2", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert_same(json.loads(out.read_text()), reference.data)
