"""``lotflow optimize`` killed with SIGKILL resumes from its store without running any
replication twice, and its answer is the same bits as an uninterrupted run on
another number of workers (everything but the ``run`` block of wall times and
counts)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import yaml

LOTFLOW = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "lotflow"

SCENARIO = {
    "name": "resume",
    "time_unit": "cycle",
    "run": {"horizon": 200000, "warmup": 1000, "replications": 4, "seed": 5},
    "lines": [
        {
            "name": "L1",
            "buffers": [0, 0, 0],
            "stations": [
                {"name": f"M{i}", "process": {"dist": "exponential", "mean": m}}
                for i, m in enumerate([1.0, 1.1, 0.9, 1.05])
            ],
        }
    ],
}
SPEC = {
    "variables": {
        f"b{i + 1}": {"path": f"lines[0].buffers[{i}]", "integers": [0, 5]} for i in range(3)
    },
    "constraints": ["b1 + b2 + b3 <= 5"],
    "objective": {"maximize": "lines.L1.throughput"},
    "budget": {"evaluations": 24},  # fewer than the 56 allocations: the TPE search
    "batch": 4,
    "selection": {"confirm": 6, "max_replications": 20, "step": 4},
}


def records(store: Path) -> set[tuple[str, int]]:
    db = store / "lotflow-store.sqlite"
    if not db.exists():
        return set()
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return set(conn.execute("SELECT point, replication FROM records"))
    except sqlite3.OperationalError:  # created but no table yet
        return set()


def command(tmp_path: Path, store: str, out: str, workers: int) -> list[str]:
    return [
        str(LOTFLOW), "optimize", str(tmp_path / "s.yaml"), "--spec", str(tmp_path / "spec.yaml"),
        "--out", str(tmp_path / out), "--store", str(tmp_path / store), "--workers", str(workers),
    ]  # fmt: skip


def answer(path: Path) -> dict:
    data = json.loads(path.read_text())
    data.pop("run")
    return data


def test_sigkill_then_resume_repeats_nothing_and_matches_a_clean_run(tmp_path):
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(SCENARIO))
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(SPEC))
    env = dict(os.environ, NO_COLOR="1")

    clean = subprocess.run(command(tmp_path, "clean", "clean.json", 2), env=env, timeout=900)
    assert clean.returncode == 0
    total = records(tmp_path / "clean")

    killed = subprocess.Popen(
        command(tmp_path, "store", "killed.json", 2), env=env, start_new_session=True
    )
    while len(records(tmp_path / "store")) < 12 and killed.poll() is None:
        time.sleep(0.02)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    before = records(tmp_path / "store")
    assert 12 <= len(before) < len(total)  # killed in the middle
    assert not (tmp_path / "killed.json").exists()

    resumed = subprocess.run(command(tmp_path, "store", "resumed.json", 1), env=env, timeout=900)
    assert resumed.returncode == 0
    after = records(tmp_path / "store")
    run = json.loads((tmp_path / "resumed.json").read_text())["run"]
    assert before <= after == total  # the same records, none lost
    assert run["replications_run"] == len(after) - len(before)  # none run twice
    assert answer(tmp_path / "resumed.json") == answer(tmp_path / "clean.json")

    again = subprocess.run(command(tmp_path, "store", "again.json", 2), env=env, timeout=900)
    assert again.returncode == 0
    assert json.loads((tmp_path / "again.json").read_text())["run"]["replications_run"] == 0
    assert answer(tmp_path / "again.json") == answer(tmp_path / "clean.json")


def test_a_dask_cluster_gives_the_same_answer_as_local_workers(tmp_path):
    from lotflow.experiment.backends import DaskBackend, LocalBackend
    from lotflow.experiment.store import Store
    from lotflow.optimize.procedure import optimize
    from lotflow.optimize.spec import spec_from_dict
    from lotflow.scenario import scenario_from_dict

    scenario = scenario_from_dict({**SCENARIO, "run": {**SCENARIO["run"], "horizon": 20000}})
    spec = spec_from_dict({**SPEC, "budget": {"evaluations": 8}}, "spec.yaml")
    answers = []
    for name, backend in (("local", LocalBackend(1)), ("dask", DaskBackend(None, 2))):
        with backend, Store.open(tmp_path / name, scenario) as store:
            answer = optimize(scenario, spec, store, backend)
        answer.pop("run")
        answers.append(answer)
    assert answers[0] == answers[1]
