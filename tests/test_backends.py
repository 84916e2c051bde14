"""Bit-identical replications whatever runs them: this process, 2 local worker
processes, or a Dask LocalCluster of 2 worker processes."""

from __future__ import annotations

import math

import pytest

from lotflow.experiment.backends import DaskBackend, LocalBackend, Task, make_backend
from lotflow.experiment.replication import RunSpec
from lotflow.scenario import ScenarioError, scenario_from_dict

SCENARIO = {
    "name": "backend-line",
    "time_unit": "cycle",
    "lines": [
        {
            "name": name,
            "buffers": [2, 3],
            "stations": [
                {
                    "name": f"M{i}",
                    "process": {"dist": "lognormal", "mean": 1, "cv": 0.5},
                    "failure": {"per_cycle": 0.01},
                    "repair": {"dist": "geometric", "mean": 8},
                    "scrap": 0.01,
                }
                for i in (1, 2, 3)
            ],
        }
        for name in ("L1", "L2")
    ],
}


def tasks():
    scenario = scenario_from_dict(SCENARIO)
    specs = [RunSpec(scenario, 20000.0, 500.0, 17), RunSpec(scenario, 20000.0, 500.0, 18)]
    return [Task(spec, index, tag=(n, index)) for n, spec in enumerate(specs) for index in range(4)]


def collect(backend) -> dict:
    out = {}
    with backend:
        backend.run(tasks(), lambda task, result: out.__setitem__(task.tag, result))
    return {tag: (r.metrics, r.labels) for tag, r in out.items()}


def same(a: dict, b: dict) -> bool:
    """Equal bit for bit (NaN equal to NaN)."""
    if a.keys() != b.keys():
        return False
    for tag in a:
        (ma, la), (mb, lb) = a[tag], b[tag]
        if la != lb or ma.keys() != mb.keys():
            return False
        for key, x in ma.items():
            y = mb[key]
            if not (x == y or (math.isnan(x) and math.isnan(y))):
                return False
    return True


@pytest.fixture(scope="module")
def serial():
    return collect(LocalBackend(workers=1))


def test_two_local_worker_processes_give_the_same_bits(serial):
    assert len(serial) == 8
    assert same(serial, collect(LocalBackend(workers=2)))


def test_a_dask_local_cluster_gives_the_same_bits(serial):
    backend = DaskBackend(workers=2)
    try:
        assert len(backend.client.scheduler_info()["workers"]) == 2
        result = collect(backend)
    finally:
        backend.close()
    assert backend.client.status == "closed"
    assert backend.cluster.status.name == "closed"
    assert same(serial, result)


def test_backend_options_are_checked():
    with pytest.raises(ScenarioError, match="--backend"):
        make_backend("spark")
    with pytest.raises(ScenarioError, match="--scheduler needs --backend dask"):
        make_backend("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ScenarioError, match="--workers"):
        make_backend("local", workers=0)
