"""The results store: exact round trip, one record per key, the base-scenario guard."""

from __future__ import annotations

import math

import pytest

from lotflow.experiment.replication import ReplicationResult
from lotflow.experiment.store import Store, base_hash, point_key
from lotflow.scenario import ScenarioError, scenario_from_dict

DATA = {
    "name": "store-line",
    "time_unit": "cycle",
    "run": {"horizon": 1000, "seed": 1},
    "lines": [
        {
            "name": "L1",
            "buffers": [3],
            "stations": [
                {"name": "A", "process": {"dist": "exponential", "mean": 1}},
                {"name": "B", "process": {"dist": "exponential", "mean": 1}},
            ],
        }
    ],
}


def scenario(mean=1.0, **run):
    data = {**DATA, "run": {**DATA["run"], **run}}
    data["lines"] = [dict(DATA["lines"][0])]
    data["lines"][0]["stations"] = [
        {"name": "A", "process": {"dist": "exponential", "mean": mean}},
        DATA["lines"][0]["stations"][1],
    ]
    return scenario_from_dict(data)


def result(index: int) -> ReplicationResult:
    return ReplicationResult(
        index,
        {
            ("lines", "L1", "throughput"): 0.1 + 0.2 * index,
            ("lines", "L1", "buffers", 0, "mean_level"): 1 / 3,
            ("plant", "range", "wait"): math.nan,
        },
        {("lines", "L1", "bottleneck", "active_period"): "A"},
    )


def test_records_round_trip_exactly_and_are_stored_once(tmp_path):
    s = scenario()
    key = point_key(s, 1000, 0, 1)
    with Store.open(tmp_path / "st", s) as store:
        store.add_point(key, [("lines[0].buffers[0]", 3)], s, 1000, 0, 1, "given")
        assert store.put(key, result(1))
        assert not store.put(key, result(1))  # already there: ignored
        assert store.put(key, result(0))
    with Store.existing(tmp_path / "st") as store:
        back = store.records(key)
        assert [r.index for r in back] == [0, 1]
        for r in back:
            want = result(r.index)
            assert r.labels == want.labels
            assert (
                r.metrics[("lines", "L1", "throughput")]
                == want.metrics[("lines", "L1", "throughput")]
            )
            assert r.metrics[("lines", "L1", "buffers", 0, "mean_level")] == 1 / 3
            assert math.isnan(r.metrics[("plant", "range", "wait")])
        assert store.done(key) == {0, 1}
        assert store.count() == 2
        (point,) = store.points()
        assert point.assignments == [("lines[0].buffers[0]", 3)]
        assert store.find_point("1").key == key
        assert store.find_point(key[:6]).key == key


def test_keys_change_with_what_determines_a_replication():
    s = scenario()
    assert point_key(s, 1000, 0, 1) != point_key(s, 1000, 10, 1)
    assert point_key(s, 1000, 0, 1) != point_key(s, 1000, 0, 2)
    assert point_key(s, 1000, 0, 1) != point_key(scenario(mean=1.1), 1000, 0, 1)
    # the run block is not part of the system a store is about
    assert base_hash(s) == base_hash(scenario(replications=7))


def test_a_store_of_another_scenario_is_refused_and_left_as_it_was(tmp_path):
    s = scenario()
    with Store.open(tmp_path / "st", s) as store:
        store.put("p", result(0))
    db = tmp_path / "st" / "lotflow-store.sqlite"
    before = db.read_bytes()
    with pytest.raises(ScenarioError, match="store made by a different scenario"):
        Store.open(tmp_path / "st", scenario(mean=2.0))
    assert db.read_bytes() == before
    with Store.open(tmp_path / "st", scenario(replications=3)) as store:  # same system
        assert store.count() == 1


def test_a_directory_with_other_files_is_not_taken_over(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ScenarioError, match="not empty"):
        Store.open(tmp_path, scenario())
    with pytest.raises(ScenarioError, match="not a lotflow store"):
        Store.existing(tmp_path)
