"""The ``lotflow`` command line: schema, validate, run --out (results JSON of
interface.md), and invalid options (exit code 2, no traceback, no output file).

One real ``lotflow run`` subprocess proves the installed entry point end to
end; the option matrix runs the same Typer app in this process (a process
start costs seconds of imports), with a ``slow`` subprocess twin.
"""

from __future__ import annotations

import gc
import json
import math
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from scipy import stats
from typer.testing import CliRunner

from lotflow import cli_gc, load_scenario
from lotflow.__main__ import main as console_main
from lotflow.calendar import build_calendar
from lotflow.cli import app
from lotflow.cli_common import load_or_exit

HERE = Path(__file__).parent
TWO_MACHINE = HERE / "scenarios" / "two_machine.yaml"
SHIFTS = HERE / "scenarios" / "two_lines_shifts.yaml"
LOTFLOW = Path(sys.executable).parent / "lotflow"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
STATES = ("busy", "starved", "blocked", "down", "setup", "off_shift")
OEE = {
    "iso22400": ("availability", "effectiveness", "quality", "oee"),
    "nakajima": ("availability", "performance", "quality", "oee"),
}


def invoke(args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    exc = result.exception
    uncaught = None if exc is None or isinstance(exc, SystemExit) else exc
    return result.exit_code, ANSI.sub("", result.stdout), ANSI.sub("", result.stderr), uncaught


def run_cli(args, cwd):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="200")
    return subprocess.run(
        [str(LOTFLOW), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
        timeout=600,
    )  # fmt: skip


def is_stat(node, *, per_replication=None) -> bool:
    if not (isinstance(node, dict) and {"mean", "ci95"} <= node.keys()):
        return False
    if not all(
        isinstance(node[k], float | int) and math.isfinite(node[k]) for k in ("mean", "ci95")
    ):
        return False
    return per_replication is None or len(node.get("per_replication", [])) == per_replication


def stat_leaves(node, path=""):
    """Every ``{"mean", "ci95", ...}`` statistic in a results tree, with its path."""
    if isinstance(node, dict):
        if "mean" in node and "ci95" in node:
            yield path, node
            return
        for key, value in node.items():
            yield from stat_leaves(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from stat_leaves(value, f"{path}[{i}]")


def check_results_document(data: dict, scenario, *, seed, replications, horizon, warmup):
    """The results JSON of interface.md, for ``scenario``'s lines."""
    for key in ("scenario", "seed", "replications", "time_unit", "horizon", "warmup", "lines"):
        assert key in data, key
    assert data["scenario"] == scenario.name
    assert data["seed"] == seed
    assert data["replications"] == replications
    assert data["time_unit"] == scenario.time_unit
    assert data["horizon"] == horizon and data["warmup"] == warmup
    assert set(data["engine"]) >= {"name", "version", "wall_s"}
    assert isinstance(data["engine"]["wall_s"], float | int) and data["engine"]["wall_s"] >= 0
    assert set(data["lines"]) == {line.name for line in scenario.lines}
    for line in scenario.lines:
        block = data["lines"][line.name]
        assert is_stat(block["throughput"], per_replication=replications)
        assert is_stat(block["good_parts"]) and is_stat(block["scrap_parts"])
        tp = block["throughput"]
        assert tp["mean"] == pytest.approx(sum(tp["per_replication"]) / replications, rel=1e-12)
        assert block["good_parts"]["mean"] == pytest.approx(tp["mean"] * (horizon - warmup))
        assert set(block["stations"]) == {s.name for s in line.stations}
        for name, st in block["stations"].items():
            for state in STATES:
                assert is_stat(st[state]), (line.name, name, state)
                assert 0.0 <= st[state]["mean"] <= 1.0
            assert sum(st[s]["mean"] for s in STATES) == pytest.approx(1.0, abs=1e-9)
            for convention, keys in OEE.items():
                for key in keys:
                    assert is_stat(st["oee"][convention][key]), (name, convention, key)
        assert len(block["buffers"]) == len(line.stations) - 1
        for buffer in block["buffers"]:
            assert is_stat(buffer["mean_level"])
        bottleneck = block["bottleneck"]
        assert set(bottleneck["stations"]) == {s.name for s in line.stations}
        for shares in bottleneck["stations"].values():
            assert is_stat(shares["sole"]) and is_stat(shares["shifting"])


# --------------------------------------------------------------------------
# schema and validate
# --------------------------------------------------------------------------


def test_schema_prints_a_json_schema():
    code, out, err, uncaught = invoke(["schema"])
    assert code == 0 and uncaught is None, err
    schema = json.loads(out)
    assert schema["type"] == "object"
    assert {"name", "time_unit", "run", "lines", "products", "calendar"} <= set(
        schema["properties"]
    )
    text = json.dumps(schema)
    for word in ("per_cycle", "busy_time", "buffers", "campaigns", "changeover", "scrap"):
        assert word in text
    # Every reference resolves inside the document.
    for ref in re.findall(r'"\$ref": "#/\$defs/([^"]+)"', text):
        assert ref in schema["$defs"], ref


@pytest.mark.parametrize("path", [TWO_MACHINE, SHIFTS, HERE.parent / "scenarios" / "maracay.yaml"])
def test_validate_good_scenarios(path):
    code, out, err, uncaught = invoke(["validate", path])
    assert code == 0 and uncaught is None, err
    assert "ok" in out and err == ""


# --------------------------------------------------------------------------
# run --out
# --------------------------------------------------------------------------


def test_run_subprocess_writes_interface_json_single_replication(tmp_path):
    """The installed command, R = 1 (options override the run block): the
    document of interface.md, every ci95 = 0, state fractions summing to 1,
    off_shift = 1 - working / wall."""
    out = tmp_path / "results.json"
    proc = run_cli(["run", SHIFTS, "--replications", "1", "--seed", "3", "--out", out], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    scenario = load_scenario(SHIFTS)
    check_results_document(
        data, scenario, seed=3, replications=1, horizon=scenario.run.horizon,
        warmup=scenario.run.warmup,
    )  # fmt: skip
    for path, leaf in stat_leaves(data["lines"]):
        assert leaf["ci95"] == 0.0, path
    cal = build_calendar(scenario.calendar, scenario.time_unit)
    wall = scenario.run.horizon - scenario.run.warmup
    working = float(cal.wall_to_work(scenario.run.horizon) - cal.wall_to_work(scenario.run.warmup))
    for line in data["lines"].values():
        for st in line["stations"].values():
            assert st["off_shift"]["mean"] == pytest.approx(1 - working / wall, rel=1e-12)
            assert sum(st[s]["mean"] for s in STATES) == pytest.approx(1.0, rel=1e-12)
    for name in ("L1", "L2"):
        assert data["lines"][name]["good_parts"]["mean"] > 0
    assert data["lines"]["L2"]["stations"]["A"]["setup"]["mean"] > 0  # changeovers happen


def test_the_console_command_freezes_what_is_alive_at_exit(monkeypatch, capsys):
    """``lotflow`` (``lotflow.__main__.main``, the installed entry point) runs
    the app with the collector paused for the start-up (``--version`` loads
    no scenario, so it stays paused) and freezes the objects alive at exit
    (lotflow.cli_gc); output and exit code are the app's."""
    monkeypatch.setattr(sys, "argv", ["lotflow", "--version"])
    gc.unfreeze()
    try:
        with pytest.raises(SystemExit) as exited:
            console_main()
        assert exited.value.code == 0
        assert gc.get_freeze_count() > 0
        assert not gc.isenabled()
    finally:
        cli_gc.start_up_done()
        gc.unfreeze()
    assert gc.isenabled()
    assert capsys.readouterr().out.startswith("lotflow ")
    project = tomllib.loads((HERE.parent / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["lotflow"] == "lotflow.__main__:main"


def test_loading_the_scenario_ends_the_start_up():
    """After ``pause_for_start_up`` the collector is off until a command has
    loaded its scenario; then what exists is frozen and collection resumes.
    Without the pause (the Python API, the Typer app in tests), loading a
    scenario leaves the collector alone."""
    gc.unfreeze()
    try:
        load_or_exit(TWO_MACHINE)
        assert gc.isenabled() and gc.get_freeze_count() == 0
        cli_gc.pause_for_start_up()
        assert not gc.isenabled()
        load_or_exit(TWO_MACHINE)
        assert gc.isenabled() and gc.get_freeze_count() > 0
        frozen = gc.get_freeze_count()
        load_or_exit(TWO_MACHINE)  # once only
        assert gc.get_freeze_count() == frozen
    finally:
        cli_gc.start_up_done()
        gc.enable()
        gc.unfreeze()


def test_run_in_process_writes_interface_json_with_confidence_intervals(tmp_path):
    out = tmp_path / "results.json"
    code, stdout, err, uncaught = invoke(["run", TWO_MACHINE, "--out", out])
    assert code == 0 and uncaught is None, err
    assert "L1" in stdout  # the summary table
    data = json.loads(out.read_text())
    scenario = load_scenario(TWO_MACHINE)
    r = scenario.run
    check_results_document(
        data, scenario, seed=r.seed, replications=r.replications, horizon=r.horizon,
        warmup=r.warmup,
    )  # fmt: skip
    tp = data["lines"]["L1"]["throughput"]
    xs = tp["per_replication"]
    mean = sum(xs) / len(xs)
    s = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
    t = float(stats.t.ppf(0.975, len(xs) - 1))
    assert tp["ci95"] == pytest.approx(t * s / math.sqrt(len(xs)), rel=1e-12)
    assert tp["ci95"] > 0


# --------------------------------------------------------------------------
# invalid options
# --------------------------------------------------------------------------

BAD_OPTIONS = [
    # (options, what the message must name)
    (["--workers", "0"], "--workers"),
    (["--workers", "-2"], "--workers"),
    (["--workers", "two"], "--workers"),
    (["--replications", "0"], "--replications"),
    (["--replications", "-1"], "--replications"),
    (["--warmup", "20000"], "--warmup"),  # = the scenario's horizon
    (["--warmup", "500", "--horizon", "400"], "--warmup"),
    (["--warmup", "-1"], "--warmup"),
    (["--warmup", "soon"], "warmup"),
    (["--horizon", "0"], "--horizon"),
    (["--horizon", "-10"], "--horizon"),
    (["--seed", "-1"], "--seed"),
    (["--seed", "abc"], "--seed"),
    pytest.param(
        ["--horizon", "inf"], "--horizon",
    ),
    pytest.param(
        ["--horizon", "nan"], "--horizon",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("options", "field"), BAD_OPTIONS)
def test_bad_options_exit_2(tmp_path, options, field):
    out = tmp_path / "results.json"
    code, stdout, err, uncaught = invoke(["run", TWO_MACHINE, *options, "--out", out])
    assert uncaught is None, repr(uncaught)
    assert code == 2, err
    assert "Traceback" not in stdout + err
    assert field in err, err
    assert not out.exists()


@pytest.mark.slow
def test_commands_as_subprocesses(tmp_path):
    """schema, validate and bad options through the installed command."""
    from concurrent.futures import ThreadPoolExecutor

    bad = [["--workers", "0"], ["--replications", "0"], ["--warmup", "20000"]]
    outs = [tmp_path / f"r{i}.json" for i in range(len(bad))]
    commands = [["schema"], ["validate", TWO_MACHINE]]
    commands += [["run", TWO_MACHINE, *o, "--out", out] for o, out in zip(bad, outs, strict=True)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        procs = list(pool.map(lambda c: run_cli(c, tmp_path), commands))
    schema, validate, *runs = procs
    assert schema.returncode == 0 and "properties" in json.loads(schema.stdout)
    assert validate.returncode == 0 and "ok" in validate.stdout
    for options, out, proc in zip(bad, outs, runs, strict=True):
        assert proc.returncode == 2, (options, proc.stderr)
        assert "Traceback" not in proc.stdout + proc.stderr
        assert options[0].lstrip("-") in proc.stderr
        assert not out.exists()
