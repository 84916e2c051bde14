"""Benchmarks of issue 3 (`make bench`): the fast engine against the SimPy oracle
on the reference line, and a plant-year of the reference plant.

Speed is reported as a ratio measured in the same run (these machines are
shared and noisy). Numba compilation is cached and excluded (a warm-up call
runs first). Prints a Markdown table; record it in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from lotflow import load_scenario
from lotflow.engine.compiled import compile_line
from lotflow.engine.line_run import LineRun, spawn_generators
from lotflow.engine.oracle import simulate_line_oracle

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "maracay.yaml"


def engine_seconds_per_part(arrays, horizon: float) -> tuple[float, int]:
    """Best-of-3 CPU seconds per good part of the fast engine over ``horizon``."""
    LineRun(
        arrays, spawn_generators(np.random.SeedSequence(0), arrays.n_streams), 0, 100, 3600
    ).run()
    best, parts = float("inf"), 0
    for rep in range(3):
        gens = spawn_generators(np.random.SeedSequence(rep), arrays.n_streams)
        started = time.process_time()
        raw = LineRun(arrays, gens, 0.0, horizon, 3600.0).run()
        best = min(best, time.process_time() - started)
        parts = raw.good
    return best / parts, parts


def oracle_seconds_per_part(arrays, horizon: float) -> tuple[float, int]:
    gens = spawn_generators(np.random.SeedSequence(0), arrays.n_streams)
    started = time.process_time()
    result = simulate_line_oracle(arrays, gens, 0.0, horizon)
    return (time.process_time() - started) / result.good, result.good


def plant_year(runs: int) -> dict:
    """Wall times and peak memory of one replication of the reference plant year,
    run ``runs`` times in a fresh process (so the peak RSS is this run's)."""
    code = (
        "import json, resource, statistics, time\n"
        "from lotflow import load_scenario, run\n"
        f"s = load_scenario({str(REFERENCE)!r})\n"
        "run(s, replications=1, horizon=3600.0 * 24)\n"  # load the numba cache
        "walls = []\n"
        f"for _ in range({runs}):\n"
        "    t = time.perf_counter(); r = run(s, replications=1, workers=1)\n"
        "    walls.append(time.perf_counter() - t)\n"
        "good = sum(l['good_parts']['mean'] for l in r.data['lines'].values())\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'wall_s': min(walls), 'median_wall_s': statistics.median(walls),\n"
        "                  'good_parts': good, 'peak_rss_mb': rss}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--oracle-hours", type=float, default=4.0, help="oracle horizon, h")
    parser.add_argument("--engine-hours", type=float, default=4000.0, help="engine horizon, h")
    parser.add_argument("--plant-runs", type=int, default=3, help="plant-years to time")
    args = parser.parse_args()
    scenario = load_scenario(REFERENCE)
    arrays = compile_line(scenario.lines[0], scenario.products)
    engine, engine_parts = engine_seconds_per_part(arrays, args.engine_hours * 3600)
    oracle, oracle_parts = oracle_seconds_per_part(arrays, args.oracle_hours * 3600)
    plant = plant_year(args.plant_runs)
    stations = arrays.n_stations
    print(f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}")
    print("| measure | value |\n|---|---|")
    print(
        f"| oracle (SimPy), reference line | {oracle * 1e6:.1f} us/part ({oracle_parts:,} parts) |"
    )
    print(
        f"| engine (numba), reference line | {engine * 1e9:.1f} ns/part, "
        f"{engine / stations * 1e9:.1f} ns/part-station ({engine_parts:,} parts) |"
    )
    print(f"| speed-up engine vs oracle, per part | {oracle / engine:,.0f}x |")
    print(
        f"| plant-year (4 lines, 1 replication), wall | best {plant['wall_s']:.2f} s, "
        f"median {plant['median_wall_s']:.2f} s of {args.plant_runs} |"
    )
    print(f"| plant-year good cartridges | {plant['good_parts']:,.0f} |")
    print(f"| plant-year peak memory (RSS) | {plant['peak_rss_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
