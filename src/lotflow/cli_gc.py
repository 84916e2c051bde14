"""Python's cyclic garbage collector in a ``lotflow`` command's process.

A command first imports its libraries (numpy, Pydantic, Typer, Rich) and
loads the scenario: some 50,000 objects that live until the process ends,
and almost no cyclic garbage. The collector would traverse them again and
again (30-70 ms of CPU per command), then once more at exit (0.15-0.2 s):
see docs/performance.md. So the console entry point (:func:`lotflow.__main__.main`)

1. pauses the collector for the start-up (:func:`pause_for_start_up`);
2. once the scenario is loaded (:func:`start_up_done`, from
   :func:`lotflow.cli_common.load_or_exit`), freezes what exists
   (:func:`gc.freeze`: neither later collections nor forked workers traverse
   it, as Python's documentation advises before a fork) and resumes
   collecting, so long commands (``optimize``, ``sweep``) reclaim their
   garbage as usual;
3. at exit freezes what is still alive (:func:`freeze_at_exit`), so the
   interpreter's final collections skip it. ``atexit`` handlers still run,
   files are still closed and the standard streams flushed.

A process that did not pause the collector (the Python API, tests driving
the Typer app) is left as it is.
"""

from __future__ import annotations

import gc

_paused_for_start_up = False


def pause_for_start_up() -> None:
    """Pause the collector until :func:`start_up_done` (or the exit)."""
    global _paused_for_start_up
    gc.disable()
    _paused_for_start_up = True


def start_up_done() -> None:
    """If :func:`pause_for_start_up` paused the collector: freeze every object
    alive now and collect again from here. Otherwise nothing."""
    global _paused_for_start_up
    if _paused_for_start_up:
        _paused_for_start_up = False
        gc.freeze()
        gc.enable()


def freeze_at_exit() -> None:
    """Freeze every object alive now: the command is ending."""
    gc.freeze()
