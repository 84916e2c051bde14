"""``lotflow sweep`` / ``results`` on the command line: bad input exits 2 and leaves the
store intact; a second run of the same sweep runs nothing; exports."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from typer.testing import CliRunner

from lotflow.cli import app

SCENARIO = """\
name: cli-sweep
time_unit: cycle
run: {horizon: 4000, warmup: 0, replications: 3, seed: 2}
lines:
  - name: L1
    buffers: [1, 1]
    stations:
      - {name: M1, process: {dist: exponential, mean: 1}}
      - {name: M2, process: {dist: exponential, mean: 1}}
      - {name: M3, process: {dist: exponential, mean: 1}}
"""


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def store_digest(directory) -> str:
    h = hashlib.sha256()
    for path in sorted(directory.iterdir()):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A scenario and a store holding a finished 2-point sweep."""
    root = tmp_path_factory.mktemp("cli-sweep")
    scenario = root / "line.yaml"
    scenario.write_text(SCENARIO)
    store = root / "store"
    done = invoke("sweep", scenario, "--set", "lines[*].buffers[1]=1,5", "--store", store,
                  "--workers", "1")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "6 records run now" in done.output
    return scenario, store


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("lines[*].bufers[1]=1,2", "no field 'bufers'"),
        ("lines[0].buffers[7]=1", "has 2 items"),
        ("lines[*].buffers[1]=1,lots", "valid integer"),
        ("lines[*].stations[0].process.mean=-1", "greater than 0"),
        ("plant.range.lanes=1,2", "plant is not set"),
    ],
)
def test_a_bad_set_exits_2_with_a_message_and_leaves_the_store_intact(swept, setting, message):
    scenario, store = swept
    before = store_digest(store)
    result = invoke("sweep", scenario, "--set", setting, "--store", store)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert store_digest(store) == before


def test_a_store_of_another_scenario_exits_2_and_is_left_intact(swept, tmp_path):
    _, store = swept
    other = tmp_path / "other.yaml"
    other.write_text(
        SCENARIO.replace("mean: 1}}\n      - {name: M3", "mean: 2}}\n      - {name: M3")
    )
    before = store_digest(store)
    result = invoke("sweep", other, "--set", "lines[*].buffers[1]=1,5", "--store", store)
    assert result.exit_code == 2
    assert "store made by a different scenario" in result.output
    assert store_digest(store) == before


def test_an_unreachable_scheduler_exits_2_and_creates_no_store(swept, tmp_path, monkeypatch):
    from lotflow.experiment.backends import DaskBackend

    scenario, _ = swept
    monkeypatch.setattr(DaskBackend, "connect_timeout", "1s")
    store = tmp_path / "never"
    result = invoke("sweep", scenario, "--set", "lines[*].buffers[1]=1,5", "--store", store,
                    "--backend", "dask", "--scheduler", "tcp://127.0.0.1:9")  # fmt: skip
    assert result.exit_code == 2
    assert "--scheduler tcp://127.0.0.1:9: cannot connect" in result.output
    assert "Traceback" not in result.output
    assert not store.exists()


def test_the_same_sweep_again_runs_nothing(swept):
    scenario, store = swept
    again = invoke("sweep", scenario, "--set", "lines[*].buffers[1]=1,5", "--store", store)
    assert again.exit_code == 0, again.output
    assert "0 records run now, 6 in the store" in again.output


def test_results_show_a_table_and_export_csv_and_parquet(swept, tmp_path):
    _, store = swept
    table = invoke("results", store)
    assert table.exit_code == 0
    assert "lines.L1.throughput" in table.output
    assert invoke("results", store, "--format", "csv", "--out", tmp_path / "r.csv").exit_code == 0
    out = invoke("results", store, "--format", "parquet", "--out", tmp_path / "r.parquet")
    assert out.exit_code == 0
    csv = pd.read_csv(tmp_path / "r.csv")
    parquet = pd.read_parquet(tmp_path / "r.parquet")
    assert len(csv) == len(parquet) == 2 * 3  # points x headline metrics
    assert set(csv["lines[*].buffers[1]"]) == {1, 5}
    assert set(csv["replications"]) == {3}
    rows = csv[csv["metric"] == "lines.L1.throughput"].sort_values("lines[*].buffers[1]")
    assert rows["mean"].iloc[1] > rows["mean"].iloc[0]  # more buffer, more output
    assert invoke("results", store, "--format", "parquet").exit_code == 2
    assert invoke("results", tmp_path / "missing").exit_code == 2


@pytest.mark.parametrize("fmt", ["table", "csv", "parquet"])
def test_results_out_refuses_a_directory_and_keeps_an_old_file(swept, tmp_path, fmt):
    _, store = swept
    refused = invoke("results", store, "--format", fmt, "--out", tmp_path)
    assert refused.exit_code == 2 and "is a directory" in refused.output
    old = tmp_path / "old.txt"
    old.write_text("old\n")
    missing = invoke("results", store, "--format", fmt, "--out", tmp_path / "no" / "r")
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert old.read_text() == "old\n"
    written = invoke("results", store, "--format", fmt, "--out", old)
    assert written.exit_code == 0, written.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]  # no temporary left


def test_compare_two_points_of_a_store_as_json(swept, tmp_path):
    _, store = swept
    result = invoke("compare", "1", "2", "--store", store, "--json", tmp_path / "c.json")
    assert result.exit_code == 0, result.output
    import json

    data = json.loads((tmp_path / "c.json").read_text())
    row = next(m for m in data["metrics"] if m["metric"] == "lines.L1.throughput")
    assert row["difference"]["mean"] > 0
    assert data["replications"] == 3
    assert invoke("compare", "1", "9", "--store", store).exit_code == 2


def test_a_sweep_with_auto_warmup_and_precision_resumes_with_the_same_decisions(tmp_path):
    scenario = tmp_path / "line.yaml"
    scenario.write_text(SCENARIO)
    store = tmp_path / "store"
    args = ["sweep", scenario, "--set", "lines[*].buffers[1]=1,5", "--store", store,
            "--warmup", "auto", "--precision", "3%", "--max-replications", "12",
            "--workers", "1"]  # fmt: skip
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    from lotflow.experiment.store import Store

    with Store.existing(store) as opened:
        points = opened.points()
        assert [p.warmup_method for p in points] == ["mser5", "mser5"]
        assert all(p.warmup < 2000 for p in points)
        counts = [len(opened.done(p.key)) for p in points]
        stored = opened.count()
    assert all(3 <= c <= 12 for c in counts)
    again = invoke(*args)
    assert again.exit_code == 0, again.output
    assert f"0 records run now, {stored} in the store" in again.output
