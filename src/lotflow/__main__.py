"""The console command ``lotflow`` (and ``python -m lotflow``)."""

from __future__ import annotations

from lotflow.cli_gc import freeze_at_exit, pause_for_start_up


def main() -> None:
    """Run the command line (:mod:`lotflow.cli`) with the garbage collector
    paused from before its imports until the scenario is loaded, and the
    objects alive at exit left to the operating system (:mod:`lotflow.cli_gc`)."""
    pause_for_start_up()
    from lotflow.cli import app

    try:
        app()
    finally:
        freeze_at_exit()


if __name__ == "__main__":  # pragma: no cover - python -m lotflow
    main()
