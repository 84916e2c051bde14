"""Where replications run: this process, local worker processes, or a Dask cluster.

A backend takes :class:`Task` objects (a run spec and a replication index) and
calls ``on_result(task, result)`` in the calling thread as each finishes, in
whatever order they finish. A replication's result depends only on its spec
and index (:mod:`lotflow.experiment.seeding`), so every backend and worker
count gives bit-identical results.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from lotflow.engine.precompile import load_engine
from lotflow.experiment.replication import ReplicationResult, RunSpec, run_replication

OnResult = Callable[["Task", ReplicationResult], None]


@dataclass(frozen=True)
class Task:
    """Replication ``index`` of ``spec``; ``tag`` is the caller's (e.g. a point key).

    ``series`` keeps the time series (needed for warm-up detection); otherwise
    only metrics and labels travel back, which keeps results small.
    """

    spec: RunSpec
    index: int
    tag: Any = None
    series: bool = False


def execute(task: Task) -> ReplicationResult:
    """Run one task (in whichever process): the unit of work of every backend."""
    result = run_replication(task.spec, task.index)
    result.lots = []
    if not task.series:
        result.series = {}
    return result


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class LocalBackend:
    """Worker processes on this machine (``workers == 1``: this process, no pool).

    Used as a context manager, one pool serves every :meth:`run` until the
    block ends (a sweep runs its records in small claimed batches); otherwise
    each :meth:`run` starts and stops its own pool.
    """

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._keep = False
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalBackend:
        self._keep = True
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._keep = False
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _get_pool(self, tasks: int) -> ProcessPoolExecutor:
        if self._pool is not None:
            return self._pool
        load_engine()  # the forked workers inherit the compiled kernel
        pool = ProcessPoolExecutor(
            max_workers=self.workers if self._keep else min(self.workers, tasks),
            initializer=_exit_with_parent,
            initargs=(os.getpid(),),
        )
        if self._keep:
            self._pool = pool
        return pool

    def run(self, tasks: Iterable[Task], on_result: OnResult) -> None:
        tasks = list(tasks)
        if self.workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                on_result(task, execute(task))
            return
        pool = self._get_pool(len(tasks))
        pending = {pool.submit(execute, task): task for task in tasks}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    on_result(pending.pop(future), future.result())
        finally:
            for future in pending:
                future.cancel()
            if pool is not self._pool:
                pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend:
    """A Dask distributed cluster: ``scheduler`` address, or a local cluster of
    ``workers`` single-threaded processes when no address is given.

    Workers need lotflow installed (the same version) to unpickle tasks.
    """

    name = "dask"
    connect_timeout = "30s"  # how long to try a scheduler address before giving up

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            self.client = Client(scheduler, timeout=self.connect_timeout)
        else:
            self.cluster = LocalCluster(
                n_workers=workers or default_workers(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)

    def __enter__(self) -> DaskBackend:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def run(self, tasks: Iterable[Task], on_result: OnResult) -> None:
        from distributed import as_completed

        tasks = list(tasks)
        if not tasks:
            return
        futures = self.client.map(execute, tasks, pure=False)
        by_key = {future.key: task for future, task in zip(futures, tasks, strict=True)}
        try:
            for future in as_completed(futures):
                result = future.result()
                on_result(by_key[future.key], result)
                future.release()
        finally:
            self.client.cancel([f for f in futures if not f.done()])


def make_backend(name: str, scheduler: str | None = None, workers: int | None = None):
    """``local`` or ``dask``; a scheduler address only makes sense with ``dask``."""
    from lotflow.scenario.errors import ScenarioError

    if workers is not None and workers < 1:
        raise ScenarioError("--workers must be >= 1")
    if name == "local":
        if scheduler:
            raise ScenarioError("--scheduler needs --backend dask")
        return LocalBackend(workers)
    if name == "dask":
        return DaskBackend(scheduler, workers)
    raise ScenarioError(f"--backend {name!r}: allowed: local, dask")


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the parent dies (e.g. SIGKILL),
    instead of finishing a replication nobody will store."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
