"""The Rich progress bar of long CLI runs (replications, sweeps, comparisons)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Bar:
    """A Rich progress bar whose total grows as work is planned (``plan``)."""

    def __init__(self, console: Console, title: str):
        self.title = title
        self.total = 0
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task: TaskID | None = None  # set on entering the with block

    def __enter__(self) -> Bar:
        announce_compile(self.progress.console)
        self.progress.start()
        self.task = self.progress.add_task(self.title, total=None)
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def plan(self, n: int, what: str) -> None:
        assert self.task is not None, "plan() inside the with block"
        self.total += n
        self.progress.update(self.task, total=self.total, description=f"{self.title}: {what}")

    def done(self, *_) -> None:
        assert self.task is not None, "done() inside the with block"
        self.progress.advance(self.task)


def announce_compile(console: Console) -> None:
    """Say so before a run that must compile the engine (its cache is empty:
    the set-up step, ``make setup``, normally fills it)."""
    from lotflow.engine.precompile import COMPILE_SECONDS, engine_compiled

    if not engine_compiled():
        console.print(
            f"compiling the engine once, about {COMPILE_SECONDS} s "
            "(later runs load it from numba's cache) ..."
        )
