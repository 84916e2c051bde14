"""Two sweeps started at once on one store share the work: each record is claimed
(in a transaction) and run by exactly one of them, and both end with every record."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from lotflow.experiment.store import Store

LOTFLOW = Path(sys.executable).parent / "lotflow"
SCENARIO = """\
name: shared-store
time_unit: cycle
run: {horizon: 200000, warmup: 0, replications: 6, seed: 9}
lines:
  - name: L1
    buffers: [2]
    stations:
      - {name: M1, process: {dist: exponential, mean: 1}}
      - {name: M2, process: {dist: exponential, mean: 1}}
"""
POINTS = 3


def test_two_sweeps_at_once_run_each_record_once(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO)
    store = tmp_path / "store"
    command = [str(LOTFLOW), "sweep", str(scenario), "--store", str(store), "--workers", "1",
               "--set", "lines[0].buffers[0]=1,2,3"]  # fmt: skip
    env = dict(os.environ, NO_COLOR="1", COLUMNS="200")
    procs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=900) for p in procs]
    total = POINTS * 6
    ran = []
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err
        found = re.search(rf"(\d+) records run now, {total} in the store", out)
        assert found, out
        ran.append(int(found.group(1)))
    assert sum(ran) == total  # no record was run by both
    with Store.existing(store) as opened:
        assert opened.count() == total
        assert opened.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0


def test_claims_of_a_dead_process_are_taken_over(tmp_path):
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(SCENARIO)
    from lotflow import load_scenario

    scenario = load_scenario(scenario_file)
    with Store.open(tmp_path / "store", scenario) as first:
        assert first.claim([("p", 0), ("p", 1)], 5) == [("p", 0), ("p", 1)]
        with Store.open(tmp_path / "store", scenario) as second:
            assert second.claim([("p", 0), ("p", 1), ("p", 2)], 5) == [("p", 2)]
            first.conn.execute("UPDATE claims SET pid=? WHERE owner=?", (2**22 + 7, first.owner))
            first.conn.commit()  # as if the first sweep had been killed
            assert second.claim([("p", 0), ("p", 1)], 5) == [("p", 0), ("p", 1)]
