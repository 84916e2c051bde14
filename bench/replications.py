"""Benchmark of issue 5: replications of the reference plant-year on 1 and 2 workers.

Runs replications ``0 .. N-1`` of ``scenarios/maracay.yaml`` (one calendar
year each) through the local backend of the sweep machinery with each worker
count, checks the results are bit-identical, and prints a Markdown table of
wall time, seconds per replication, speed-up, parallel efficiency
(``T1 / (W * TW)``) and the CPU share actually obtained. Numba's compiled code
is loaded by a warm-up replication first (forked workers inherit it). These
machines are shared: the CPU share shows how much of the cores the run got.
With ``--dask W`` the same replications also run on a Dask LocalCluster of W
worker processes (started, and each warmed up, before the clock starts), whose
results must be the same bits.

    .venv/bin/python bench/replications.py [--replications 100] [--workers 1,2] [--dask 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from pathlib import Path

from lotflow import load_scenario
from lotflow.experiment.backends import DaskBackend, LocalBackend, Task, execute
from lotflow.experiment.replication import RunSpec

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "maracay.yaml"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(spec: RunSpec, n: int, backend, cpu_now) -> tuple[float, float, dict]:
    """Wall and CPU seconds (by ``cpu_now``) for ``n`` replications on ``backend``,
    and their metrics."""
    metrics: dict = {}
    cpu, started = cpu_now(), time.perf_counter()
    backend.run(
        [Task(spec, i) for i in range(n)],
        lambda task, result: metrics.__setitem__(task.index, result.metrics),
    )
    return time.perf_counter() - started, cpu_now() - cpu, metrics


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def on_dask(spec: RunSpec, n: int, workers: int) -> tuple[float, float, dict]:
    """:func:`timed` on a Dask LocalCluster of ``workers`` processes, each of
    which has loaded the compiled engine first; CPU time counts the workers'."""
    backend = DaskBackend(workers=workers)
    with backend:
        backend.client.run(execute, Task(spec, 0))

        def cpu_now() -> float:
            return cpu_seconds() + sum(backend.client.run(_own_cpu_seconds).values())

        return timed(spec, n, backend, cpu_now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--scenario", type=Path, default=REFERENCE)
    parser.add_argument(
        "--dask", type=int, default=0, metavar="W", help="also on a Dask LocalCluster of W workers"
    )
    args = parser.parse_args()
    runs = [(f"{w}", w) for w in (int(w) for w in args.workers.split(","))]
    if args.dask:
        runs.append((f"{args.dask} (Dask)", args.dask))
    scenario = load_scenario(args.scenario)
    spec = RunSpec(scenario, scenario.run.horizon, scenario.run.warmup, scenario.run.seed)
    execute(Task(spec, 0))  # load the compiled engine once
    load_before = os.getloadavg()[0]
    rows, reference = [], None
    for label, workers in runs:
        if label.endswith("(Dask)"):
            wall, cpu, metrics = on_dask(spec, args.replications, workers)
        else:
            wall, cpu, metrics = timed(spec, args.replications, LocalBackend(workers), cpu_seconds)
        if reference is None:
            reference = (workers, wall, metrics)
        identical = repr(sorted(metrics.items())) == repr(sorted(reference[2].items()))
        base_workers, base_wall = reference[0], reference[1]
        speedup = base_wall / wall * base_workers
        rows.append((label, workers, wall, cpu, speedup, speedup / workers, identical))
        print(f"  {label} worker(s): {wall:.1f} s", flush=True)
    print()
    print(
        f"{args.replications} replications of {args.scenario.name} "
        f"(horizon {scenario.run.horizon:g} {scenario.time_unit}), {platform.processor() or ''} "
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} before / "
        f"{os.getloadavg()[0]:.1f} after"
    )
    print()
    print(
        "| workers | wall (s) | wall s / replication | CPU s / replication | CPU share "
        "| speed-up | efficiency | identical |"
    )
    print("|--:|--:|--:|--:|--:|--:|--:|:-:|")
    n = args.replications
    for label, workers, wall, cpu, speedup, efficiency, identical in rows:
        print(
            f"| {label} | {wall:.1f} | {wall / n:.2f} | {cpu / n:.2f} | "
            f"{cpu / (wall * workers):.0%} | {speedup:.2f} | {efficiency:.0%} | "
            f"{'yes' if identical else 'NO'} |"
        )
    print()
    print("CPU share: CPU time used / (wall x workers); below 100 % the machine was shared.")


if __name__ == "__main__":
    main()
