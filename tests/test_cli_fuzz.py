"""Property-based fuzz tests of the command line: whatever the options and output
paths, ``lotflow`` exits 0 or 2, never prints a traceback, keeps its message under
one screen, and on an error writes no output file and leaves existing ones intact.

Scenarios are tiny (a few hundred cycles) and example counts modest, so the
suite stays fast; numbers that would ask for a long run are only drawn where
another rule rejects them first.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lotflow.cli import app

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SCREEN = 40  # lines
TINY = """\
name: tiny
time_unit: min
run: {horizon: 300, warmup: 0, replications: 2, seed: 1}
lines:
  - name: L1
    buffers: [2]
    stations:
      - {name: M1, process: {dist: exponential, mean: 1}}
      - {name: M2, process: {dist: deterministic, mean: 1}}
"""
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """A scenario, an existing output file, a directory and (as root) a character device."""
    root = tmp_path_factory.mktemp("fuzz")
    (root / "tiny.yaml").write_text(TINY)
    (root / "old.json").write_text("old contents\n")
    (root / "adir").mkdir()
    if os.geteuid() == 0:
        os.mknod(root / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return root


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every entry under ``root``: file bytes, or the kind of a non-regular file."""
    out: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        mode = path.lstat().st_mode
        key = str(path.relative_to(root))
        out[key] = path.read_bytes() if stat.S_ISREG(mode) else stat.filemode(mode)
    return out


def invoke(args):
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "100"})
    exc = result.exception
    uncaught = None if exc is None or isinstance(exc, SystemExit) else exc
    return result.exit_code, ANSI.sub("", result.stdout), ANSI.sub("", result.stderr), uncaught


def check_outcome(code, out, err, uncaught) -> None:
    assert uncaught is None, repr(uncaught)
    assert code in (0, 2), (code, err)
    assert "Traceback" not in out + err
    if code == 2:
        assert 0 < len(err.splitlines()) <= SCREEN, err


numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "1e309", "-0", "0x10", "1_000", "lots", "1%", "½", "--x"]),
)


def small_valid(low: int, high: int):
    return st.integers(min_value=low, max_value=high).map(str)


def path_choices(root: Path) -> st.SearchStrategy[str]:
    names = [
        "new.json", "old.json", "adir", "adir/", "missing/x.json", "", ".", "null",
        "tiny.yaml/x", "a b ü.json", "-",
    ]  # fmt: skip
    return st.sampled_from(names).map(lambda n: str(root / n) if n not in ("", "-") else n)


@FUZZ
@given(data=st.data())
def test_run_options_exit_0_or_2_and_touch_nothing_on_error(place, data):
    """Mostly invalid numbers (rejected before simulating), now and then a valid tiny run."""
    args = ["run", place / "tiny.yaml"]
    for option, valid in (
        ("--replications", small_valid(1, 2)),
        ("--horizon", small_valid(10, 300)),
        ("--warmup", small_valid(0, 5)),
        ("--seed", small_valid(0, 10**6)),
        ("--workers", st.just("1")),
        ("--claim", small_valid(1, 10**8)),
        ("--precision", st.sampled_from(["50%", "0.5"])),
    ):
        choice = data.draw(st.sampled_from(["skip", "valid", "fuzz"]), label=option)
        if choice != "skip":
            args += [option, data.draw(valid if choice == "valid" else numbers, label=option)]
    out_path = place / "new.json"
    before = snapshot(place)
    code, out, err, uncaught = invoke([*args, "--out", out_path])
    check_outcome(code, out, err, uncaught)
    after = snapshot(place)
    if code == 2:
        assert after == before
    else:
        assert out_path.exists()
        out_path.unlink()


@FUZZ
@given(data=st.data())
def test_output_paths_are_written_safely_or_refused(place, data):
    """capacity --json / results-like targets: odd paths never damage anything."""
    target = data.draw(path_choices(place), label="target")
    before = snapshot(place)
    code, out, err, uncaught = invoke(["capacity", place / "tiny.yaml", "--json", target])
    check_outcome(code, out, err, uncaught)
    after = snapshot(place)
    if code == 2:
        assert after == before
    for name, kind in before.items():  # a device or directory is never replaced
        if isinstance(kind, str):
            assert after.get(name) == kind, name
    if code == 0 and target.endswith(("new.json", "ü.json")):
        Path(target).unlink()
    if code == 0 and target.endswith("old.json"):
        (place / "old.json").write_text("old contents\n")


@FUZZ
@given(
    args=st.lists(
        st.one_of(
            numbers, st.sampled_from(["--set", "--store", "--metric", "--format", "csv", "x=1,2"])
        ),
        max_size=6,
    )
)
def test_random_arguments_to_every_command_never_crash(place, args):
    """Random words after each command: usage errors or input errors, exit 0 or 2."""
    for command in ("validate", "capacity", "results", "schema"):
        code, out, err, uncaught = invoke([command, *args])
        check_outcome(code, out, err, uncaught)
