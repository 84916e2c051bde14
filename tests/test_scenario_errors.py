"""Bad input (issue 3): exit code 2, one message naming the file and the field path,
no traceback, no output file.

Every case is a mutation of the good fixture ``scenarios/two_machine.yaml``.
The whole matrix runs through the CLI in this process (Typer's runner: same
app, same argument parsing, exit code and stderr) and through the Python API;
the issue's list of bad inputs also runs as real ``lotflow`` subprocesses
(``slow``: every process start imports numba and scipy, about 3-5 s of CPU).
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lotflow import ScenarioError, load_scenario
from lotflow.cli import app

HERE = Path(__file__).parent
GOOD = HERE / "scenarios" / "two_machine.yaml"
SYNTAX_ERROR = HERE / "scenarios" / "bad_yaml_syntax.yaml"
LOTFLOW = Path(sys.executable).parent / "lotflow"
DELETE = object()
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# (id, [(key path, new value or DELETE), ...], field path in the message, hint on what is allowed)
CASES = [
    # missing field
    ("missing-process", [(("lines", 0, "stations", 1, "process"), DELETE)],
     "lines[0].stations[1].process", "required field is missing"),
    ("missing-station-name", [(("lines", 0, "stations", 0, "name"), DELETE)],
     "lines[0].stations[0].name", "required field is missing"),
    ("missing-line-name", [(("lines", 0, "name"), DELETE)],
     "lines[0].name", "required field is missing"),
    ("missing-dist", [(("lines", 0, "stations", 1, "repair"), {"mean": 3})],
     "lines[0].stations[1].repair", "allowed: deterministic, exponential"),
    # wrong type
    ("string-mean", [(("lines", 0, "stations", 0, "process", "mean"), "fast")],
     "lines[0].stations[0].process.mean", "valid number"),
    ("string-buffer", [(("lines", 0, "buffers"), ["four"])],
     "lines[0].buffers[0]", "valid integer"),
    ("stations-not-a-list", [(("lines", 0, "stations"), "M1")],
     "lines[0].stations", "valid list"),
    ("fractional-lots", [(("lines", 0, "campaigns", 0, "lots"), 1.5)],
     "lines[0].campaigns[0].lots", "valid integer"),
    ("unknown-time-unit", [(("time_unit",), "days")],
     "time_unit", "'s', 'min', 'h' or 'cycle'"),
    ("misspelt-field", [(("lines", 0, "stations", 0, "procss"), {"dist": "deterministic"})],
     "lines[0].stations[0].procss", "unknown field"),
    # negative or zero times
    ("negative-process-time", [(("lines", 0, "stations", 1, "process", "mean"), -1)],
     "lines[0].stations[1].process.mean", "greater than 0"),
    ("zero-process-time", [(("lines", 0, "stations", 0, "process", "mean"), 0)],
     "lines[0].stations[0].process.mean", "greater than 0"),
    ("zero-changeover", [(("lines", 0, "changeover", "mean"), 0)],
     "lines[0].changeover.mean", "greater than 0"),
    ("negative-ttf", [(("lines", 0, "stations", 0, "failure"),
                       {"busy_time": {"dist": "exponential", "mean": -5}})],
     "lines[0].stations[0].failure.busy_time.mean", "greater than 0"),
    ("geometric-repair-below-one", [(("lines", 0, "stations", 0, "repair", "mean"), 0.5)],
     "lines[0].stations[0].repair.mean", "greater than or equal to 1"),
    ("zero-horizon", [(("run", "horizon"), 0)], "run.horizon", "greater than 0"),
    ("negative-buffer", [(("lines", 0, "buffers"), [-1])], "lines[0].buffers[0]",
     "greater than or equal to 0"),
    ("zero-lot-size", [(("products", 0, "lot_size"), 0)], "products[0].lot_size",
     "greater than or equal to 1"),
    ("infinite-mean", [(("lines", 0, "stations", 0, "process", "mean"), float("inf"))],
     "lines[0].stations[0].process.mean", "finite number"),
    # probabilities outside [0, 1]
    ("per-cycle-above-one", [(("lines", 0, "stations", 1, "failure", "per_cycle"), 1.5)],
     "lines[0].stations[1].failure.per_cycle", "less than or equal to 1"),
    ("per-cycle-negative", [(("lines", 0, "stations", 0, "failure", "per_cycle"), -0.1)],
     "lines[0].stations[0].failure.per_cycle", "greater than or equal to 0"),
    ("scrap-above-one", [(("lines", 0, "stations", 1, "scrap"), 1.2)],
     "lines[0].stations[1].scrap", "less than 1"),
    ("scrap-negative", [(("lines", 0, "stations", 0, "scrap"), -0.01)],
     "lines[0].stations[0].scrap", "greater than or equal to 0"),
    # buffers list of the wrong length
    ("too-many-buffers", [(("lines", 0, "buffers"), [4, 4])], "lines[0].buffers",
     "needs 1 buffer sizes"),
    ("no-buffers", [(("lines", 0, "buffers"), [])], "lines[0].buffers", "needs 1 buffer sizes"),
    # unknown distribution
    ("unknown-dist", [(("lines", 0, "stations", 0, "process"), {"dist": "weibull", "mean": 1})],
     "lines[0].stations[0].process", "unknown distribution 'weibull'; allowed:"),
    ("unknown-repair-dist", [(("lines", 0, "stations", 1, "repair"), {"dist": "erlang"})],
     "lines[0].stations[1].repair", "unknown distribution 'erlang'; allowed:"),
    # campaign naming an unknown product
    ("unknown-product", [(("lines", 0, "campaigns"),
                          [{"product": "ball", "lots": 1}, {"product": "tracer", "lots": 2}])],
     "lines[0].campaigns[1].product", "known products: ball"),
    # other inconsistencies
    ("two-failure-modes", [(("lines", 0, "stations", 0, "failure"),
                            {"per_cycle": 0.1, "busy_time": {"dist": "exponential", "mean": 5}})],
     "lines[0].stations[0].failure", "exactly one of per_cycle"),
    ("uniform-low-above-high", [(("lines", 0, "stations", 0, "process"),
                                 {"dist": "uniform", "low": 2, "high": 1})],
     "lines[0].stations[0].process", "low < high"),
    ("duplicate-station", [(("lines", 0, "stations", 1, "name"), "M1")],
     "lines[0].stations[1].name", "unique"),
    ("calendar-in-cycles", [(("calendar",), {"shifts_per_day": 2, "hours_per_shift": 8,
                                             "days_per_week": 5})],
     "calendar", "time unit that is a time"),
    ("no-lines", [(("lines",), [])], "lines", "at least one line"),
]  # fmt: skip

# Bugs found while writing these tests, fixed since: they stay as regressions.
REGRESSIONS = [
    pytest.param(
        "warmup-not-below-horizon", [(("run", "warmup"), 30_000)], "run.warmup", "smaller than",
    ),
    pytest.param(
        "failure-without-repair", [(("lines", 0, "stations", 0, "repair"), DELETE)],
        "lines[0].stations[0].repair", "repair",
    ),
    pytest.param(
        "boolean-probability", [(("lines", 0, "stations", 0, "failure", "per_cycle"), True)],
        "lines[0].stations[0].failure.per_cycle", "number",
    ),
    pytest.param(
        "huge-buffer", [(("lines", 0, "buffers"), [10**20])], "lines[0].buffers[0]", "",
    ),
    pytest.param(
        "huge-lot-size", [(("products", 0, "lot_size"), 10**19)], "products[0].lot_size", "",
    ),
]  # fmt: skip


def write_mutant(tmp_path: Path, name: str, edits) -> Path:
    data = yaml.safe_load(GOOD.read_text())
    data = copy.deepcopy(data)
    for keys, value in edits:
        node = data
        for key in keys[:-1]:
            node = node[key]
        if value is DELETE:
            del node[keys[-1]]
        else:
            node[keys[-1]] = value
    path = tmp_path / f"bad-{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def invoke(args):
    """The CLI in this process: (exit code, stdout, stderr, uncaught exception)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    exc = result.exception
    uncaught = None if exc is None or isinstance(exc, SystemExit) else exc
    return result.exit_code, ANSI.sub("", result.stdout), ANSI.sub("", result.stderr), uncaught


def assert_input_error(code, out, err, uncaught, *needles, out_file=None):
    assert uncaught is None, f"uncaught {uncaught!r}"
    assert code == 2, f"exit code {code}, stderr: {err!r}"
    assert "Traceback" not in out + err
    for needle in needles:
        assert needle in err, f"{needle!r} not in stderr {err!r}"
    assert len(err.strip().splitlines()) <= 10, "more than one screen"
    if out_file is not None:
        assert not Path(out_file).exists(), "output written despite invalid input"


def test_good_fixture_is_valid():
    load_scenario(GOOD)  # the mutations below start from a valid scenario


@pytest.mark.parametrize(("name", "edits", "field", "hint"), [*CASES, *REGRESSIONS])
def test_bad_scenario_run_exits_2_with_field_path(tmp_path, name, edits, field, hint):
    bad = write_mutant(tmp_path, name, edits)
    out = tmp_path / "results.json"
    code, stdout, err, uncaught = invoke(["run", bad, "--out", out])
    assert_input_error(code, stdout, err, uncaught, str(bad), f"{field}:", hint, out_file=out)
    # validate says the same
    assert invoke(["validate", bad])[2] == err


@pytest.mark.parametrize(("name", "edits", "field", "hint"), [*CASES, *REGRESSIONS])
def test_bad_scenario_api_error_has_file_and_path(tmp_path, name, edits, field, hint):
    bad = write_mutant(tmp_path, name, edits)
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert info.value.file == str(bad)
    assert info.value.path == field
    assert hint in info.value.message


def test_yaml_syntax_error(tmp_path):
    out = tmp_path / "results.json"
    code, stdout, err, uncaught = invoke(["run", SYNTAX_ERROR, "--out", out])
    assert_input_error(
        code, stdout, err, uncaught, str(SYNTAX_ERROR), "YAML syntax error", "line 6", out_file=out
    )


def test_missing_file(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    out = tmp_path / "results.json"
    code, stdout, err, uncaught = invoke(["run", missing, "--out", out])
    assert_input_error(code, stdout, err, uncaught, str(missing), "file not found", out_file=out)


@pytest.mark.parametrize("text", ["", "- a list\n- not a mapping\n", "just a string\n"])
def test_not_a_mapping(tmp_path, text):
    bad = tmp_path / "odd.yaml"
    bad.write_text(text)
    code, stdout, err, uncaught = invoke(["validate", bad])
    assert_input_error(code, stdout, err, uncaught, str(bad), "mapping")


# --------------------------------------------------------------------------
# the real command, as subprocesses
# --------------------------------------------------------------------------

ISSUE_LIST = [
    "missing-process",  # missing field
    "string-mean",  # wrong type
    "negative-process-time",  # negative or zero times
    "zero-process-time",
    "per-cycle-above-one",  # probabilities outside [0, 1]
    "too-many-buffers",  # buffers list of the wrong length
    "unknown-dist",  # unknown distribution
    "unknown-product",  # campaign naming an unknown product
]


def run_cli(args, cwd):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="200")
    return subprocess.run(
        [str(LOTFLOW), *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
        timeout=300,
    )  # fmt: skip


@pytest.mark.slow
def test_issue_bad_inputs_as_subprocesses(tmp_path):
    """Each bad input of issue 3 through the installed ``lotflow`` command."""
    by_name = {case[0]: case for case in CASES}
    jobs = []
    for name in ISSUE_LIST:
        _, edits, field, hint = by_name[name]
        bad = write_mutant(tmp_path, name, edits)
        jobs.append((name, bad, tmp_path / f"{name}.json", (str(bad), f"{field}:", hint)))
    jobs.append(("yaml-syntax", SYNTAX_ERROR, tmp_path / "syntax.json",
                 (str(SYNTAX_ERROR), "YAML syntax error", "line 6")))  # fmt: skip
    missing = tmp_path / "missing.yaml"
    jobs.append(("missing-file", missing, tmp_path / "missing.json", (str(missing), "not found")))
    with ThreadPoolExecutor(max_workers=2) as pool:
        procs = list(pool.map(lambda j: run_cli(["run", j[1], "--out", j[2]], tmp_path), jobs))
    for (name, _, out, needles), proc in zip(jobs, procs, strict=True):
        err = ANSI.sub("", proc.stderr)
        assert proc.returncode == 2, f"{name}: exit {proc.returncode}: {err}"
        assert "Traceback" not in proc.stdout + err, name
        for needle in needles:
            assert needle in err, f"{name}: {needle!r} not in {err!r}"
        assert not out.exists(), name
