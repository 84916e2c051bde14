"""The set-up step fills numba's cache and builds the ahead-of-time engine;
a run that would compile says so first."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from rich.console import Console

from lotflow import cli_progress
from lotflow.engine import precompile

CHECK = "from lotflow.engine.precompile import engine_compiled; print(engine_compiled())"


def _engine_compiled_with_cache(directory, engine: str = "jit") -> str:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(directory), LOTFLOW_ENGINE=engine)
    done = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_an_empty_cache_is_seen_as_not_compiled(tmp_path):
    assert _engine_compiled_with_cache(tmp_path) == "False"


def test_the_set_up_cache_is_seen_as_compiled(monkeypatch):
    # make setup (run before the tests) filled the default cache
    monkeypatch.setenv("LOTFLOW_ENGINE", "jit")
    assert precompile.engine_compiled()


def test_a_current_ahead_of_time_engine_is_seen_as_compiled(tmp_path):
    # whatever numba's cache holds
    assert _engine_compiled_with_cache(tmp_path, engine="native") == "True"


def _announcement(monkeypatch, compiled: bool) -> str:
    monkeypatch.setattr(precompile, "engine_compiled", lambda: compiled)
    out = io.StringIO()
    cli_progress.announce_compile(Console(file=out, width=120))
    return out.getvalue()


def test_a_run_that_must_compile_says_so_first(monkeypatch):
    assert "compiling the engine once" in _announcement(monkeypatch, compiled=False)


def test_a_run_from_the_cache_says_nothing(monkeypatch):
    assert _announcement(monkeypatch, compiled=True) == ""


def test_a_failed_ahead_of_time_build_leaves_the_jit(monkeypatch):
    # e.g. no C compiler, or a read-only package folder: set-up goes on
    from lotflow import native

    def fail(samples):
        raise OSError("gcc: not found")

    monkeypatch.setenv("LOTFLOW_ENGINE", "jit")  # as if no module were current
    monkeypatch.setattr(native, "build", fail)
    message = precompile.build_native()
    assert "not built (gcc: not found)" in message and "JIT" in message
