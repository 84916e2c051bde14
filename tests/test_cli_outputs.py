"""Output targets (``--out``, ``--report``, ``--json``, ``results --out``): a bad target
exits 2 with one line before any simulation, the old file stays as it was, and a
character device or FIFO is written through, never replaced by a regular file.

``capacity --json`` (no simulation) exercises the writer quickly; ``run`` proves
the targets are checked before the engine starts.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lotflow import io as lotflow_io
from lotflow.cli import app
from lotflow.io import OutputError, write_atomic

HERE = Path(__file__).parent
TWO_MACHINE = HERE / "scenarios" / "two_machine.yaml"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ROOT = os.geteuid() == 0


def invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    exc = result.exception
    uncaught = None if exc is None or isinstance(exc, SystemExit) else exc
    return result.exit_code, ANSI.sub("", result.stderr), uncaught


def one_line_error(stderr: str) -> bool:
    """One message (a long line may wrap on a narrow screen), no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    return len(lines) <= 3 and lines[0].startswith("error:") and "Traceback" not in stderr


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a simulation starts (targets must be checked first)."""

    def boom(*_, **__):
        raise AssertionError("simulated before checking the output targets")

    monkeypatch.setattr("lotflow.experiment.api.run", boom)


@pytest.fixture
def tmpfs(tmp_path):
    """A tiny tmpfs (root only): ``mount(options)`` returns its directory."""
    if not ROOT:
        pytest.skip("mounting a tmpfs needs root")
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        target = tmp_path / f"fs{len(mounted)}"
        target.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)])
        if done.returncode != 0:
            pytest.skip("cannot mount a tmpfs here")
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", "-l", str(target)])


@pytest.mark.parametrize("option", ["--out", "--report"])
def test_run_into_a_directory_exits_2_before_simulating(tmp_path, no_simulation, option):
    code, out, uncaught = invoke("run", TWO_MACHINE, option, tmp_path)
    assert uncaught is None and code == 2
    assert one_line_error(out) and "is a directory" in out


def test_run_into_a_missing_directory_exits_2_and_creates_nothing(tmp_path, no_simulation):
    target = tmp_path / "missing" / "r.json"
    code, out, uncaught = invoke("run", TWO_MACHINE, "--out", target)
    assert uncaught is None and code == 2
    assert "does not exist" in out and not target.parent.exists()


def test_run_with_the_same_file_for_out_and_report_exits_2(tmp_path, no_simulation):
    target = tmp_path / "same"
    code, out, _ = invoke("run", TWO_MACHINE, "--out", target, "--report", target)
    assert code == 2 and "same file" in out and not target.exists()


def test_capacity_json_on_a_character_device_writes_through_and_keeps_the_device(tmp_path):
    if not ROOT:
        pytest.skip("mknod needs root")
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a second /dev/null
    code, out, uncaught = invoke("capacity", TWO_MACHINE, "--json", device)
    assert uncaught is None and code == 0, out
    assert stat.S_ISCHR(device.stat().st_mode)


def test_a_fifo_is_written_through_and_one_nobody_reads_is_refused(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, out, _ = invoke("capacity", TWO_MACHINE, "--json", fifo)
    assert code == 2 and "nobody reads" in out  # no hang
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    try:
        for _ in range(200):  # until the reader has opened its end
            try:
                write_atomic(fifo, "hello\n")
                break
            except OutputError:
                threading.Event().wait(0.01)
    finally:
        reader.join(timeout=10)
    assert received == [b"hello\n"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_read_only_file_system_exits_2(tmpfs):
    directory = tmpfs("ro,size=64k")
    code, out, _ = invoke("capacity", TWO_MACHINE, "--json", directory / "c.json")
    assert code == 2 and one_line_error(out) and "read-only" in out


def test_a_full_disk_exits_2_and_leaves_the_old_file(tmpfs):
    directory = tmpfs("size=64k")
    old = directory / "c.json"
    old.write_text("old\n")
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as handle:  # fill the file system to the last byte
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    code, out, _ = invoke("capacity", TWO_MACHINE, "--json", old)
    assert code == 2 and one_line_error(out) and "No space left" in out
    assert old.read_text() == "old\n"
    assert sorted(p.name for p in directory.iterdir()) == ["c.json", "filler"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    old = tmp_path / "c.json"
    old.write_text("old\n")

    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(lotflow_io.os, "fsync", full)
    code, out, _ = invoke("capacity", TWO_MACHINE, "--json", old)
    assert code == 2 and "No space left" in out
    assert old.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["c.json"]


def test_a_symlink_keeps_pointing_at_the_replaced_file(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new\n")
    assert link.is_symlink() and real.read_text() == "new\n"


def test_an_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "c.json"
    target.write_text("old\n")
    target.chmod(0o600)
    write_atomic(target, "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize("bad", ["", "dir/"])
def test_a_path_naming_no_file_is_refused(tmp_path, bad):
    with pytest.raises(OutputError):
        lotflow_io.check_target(bad)
