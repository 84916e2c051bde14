"""A sweep killed with SIGKILL mid-way and started again: every record exactly once,
the store sound, and the same aggregate as a sweep that was never interrupted."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from lotflow.cli import app

SCENARIO = """\
name: resume-line
time_unit: cycle
run: {horizon: 250000, warmup: 1000, replications: 8, seed: 4}
x-failure: &fail {per_cycle: 0.01}
x-repair: &repair {dist: geometric, mean: 10}
lines:
  - name: L1
    buffers: [2, 2]
    stations:
      - {name: M1, process: {dist: exponential, mean: 1}, failure: *fail, repair: *repair}
      - {name: M2, process: {dist: exponential, mean: 1}, failure: *fail, repair: *repair}
      - {name: M3, process: {dist: exponential, mean: 1}}
"""
SETS = ["--set", "lines[*].buffers[0]=1,4"]
TOTAL = 2 * 8
LOTFLOW = Path(sys.executable).with_name("lotflow")


def records(store: Path) -> int:
    uri = f"file:{store / 'lotflow-store.sqlite'}?mode=ro"
    try:
        with sqlite3.connect(uri, uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_a_sweep_killed_with_sigkill_resumes_without_loss_or_duplicates(tmp_path):
    scenario = tmp_path / "line.yaml"
    scenario.write_text(SCENARIO)
    store = tmp_path / "store"
    command = [str(LOTFLOW), "sweep", str(scenario), *SETS, "--store", str(store)]
    log = tmp_path / "sweep.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [*command, "--workers", "2"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 300  # generous: a cold numba cache compiles first
        while records(store) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        killed_at = records(store)
        why = f"killed with {killed_at} records; sweep output:\n{log.read_text()[-2000:]}"
        assert 3 <= killed_at < TOTAL, why
        # the workers notice their parent died and leave
        deadline = time.monotonic() + 10
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _group_alive(proc.pid), "worker processes outlived the killed sweep"
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)  # only the group this test started

    runner = CliRunner()
    again = runner.invoke(app, [*command[1:], "--workers", "1"])
    assert again.exit_code == 0, again.output
    assert f"{TOTAL - killed_at} records run now, {TOTAL} in the store" in again.output

    with sqlite3.connect(store / "lotflow-store.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = conn.execute(
            "SELECT point, replication, COUNT(*) FROM records GROUP BY point, replication"
        ).fetchall()
    assert len(counts) == TOTAL
    assert {c for _, _, c in counts} == {1}
    assert sorted({r for _, r, _ in counts}) == list(range(8))

    fresh = tmp_path / "fresh"
    clean = runner.invoke(app, ["sweep", str(scenario), *SETS, "--store", str(fresh),
                                "--workers", "2"])  # fmt: skip
    assert clean.exit_code == 0, clean.output
    export = [
        runner.invoke(app, ["results", str(s), "--format", "csv", "--all"]).output
        for s in (store, fresh)
    ]
    assert export[0] == export[1]
    assert export[0].count("\n") > 10


def _group_alive(pgid: int) -> bool:
    """Whether a live (not zombie) process of process group ``pgid`` is left."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        state, _, pgrp = text.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state not in "ZX":
            return True
    return False
