"""Whole-process benchmarks of issue 12 (item 4): what a user waits for.

Four measurements, each of whole ``lotflow`` processes started with
``subprocess`` and timed with ``time.perf_counter`` (wall, s); CPU time (s,
the child and its workers) and peak RSS (MB, the largest of the child and its
workers) come from ``os.wait4`` of each child:

1. **Commands** (after set-up, as a returning user has it: the ahead-of-time
   engine, :mod:`lotflow.native`; best and median of ``--repeats``):
   ``lotflow run`` of the reference line for 10 h (line L1 of
   ``scenarios/maracay.yaml`` alone: no plant, no calendar), the same through
   numba's JIT from its cache (``LOTFLOW_ENGINE=jit``, what runs use when the
   ahead-of-time module is stale), ``run`` of the reference plant-year
   (``--replications 1``), ``validate``, ``capacity``, ``--version``.
2. **First run per line length** (``--lengths``; stations 2..100 built from the
   six reference stations repeated, buffers of 400, 100 simulated hours), once
   each: *after set-up* (the ahead-of-time engine: no line length is new to
   it); *JIT from cache* (``LOTFLOW_ENGINE=jit``, numba's cache filled by one
   10-h run of the 6-station line); and, unless ``--no-cold``, *JIT cold*
   (``NUMBA_CACHE_DIR`` a new empty directory: everything numba caches is
   compiled, a machine whose set-up compiled nothing).
3. **Cost per part and station** (ns, CPU time per good part divided by the
   stations) against stations (``--cost-stations``) and buffer size
   (``--buffers``), in a child process after a warm-up run (compilation
   excluded), horizon chosen so each timed run lasts about 0.3 s, best of 3.
   A length also in ``--lengths`` reuses the cache its first run filled; others
   use numba's usual cache.
4. **Ratio against plain SimPy**, whole process, 2 workers, 4 x 4,000 line-hours
   of the reference line: ``lotflow run --replications 4 --workers 2`` (the
   median of ten runs, five just before SimPy and five just after) against one
   ``bench/simpy_plain.py --replications 4 --workers 2``. With
   ``--simpy-hours H`` the SimPy side simulates H hours per replication and its
   whole-process time is extrapolated to 4,000 h: wall(H) + sim(H) x (4000/H - 1),
   where sim(H) is the time it spent simulating (SimPy's cost is linear in
   simulated time; start-up is counted once).

Prints Markdown tables and writes everything as JSON to
``bench/results/whole_process-<UTC time>.json`` (git-ignored)::

    .venv/bin/python bench/whole_process.py [--lengths 2,6,9] [--simpy-hours 100]

The machine is shared: compare ratios measured in one run, not absolute times
across runs.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
REFERENCE = ROOT / "scenarios" / "maracay.yaml"
LOTFLOW = str(Path(sys.executable).parent / "lotflow")
RESULTS = BENCH / "results"
HOUR = 3600.0  # the reference scenario's time unit is the second
LOTFLOW_RUNS = 5  # the lotflow side of the ratio: this many runs before SimPy, as many after


def line_scenario(
    stations: int = 6, buffer: int | None = None, hours: float = 10.0, replications: int = 1
) -> dict:
    """A one-line scenario from line L1 of the reference plant: ``stations`` stations
    cycling through L1's six (names numbered), buffers of ``buffer`` slots (None:
    L1's 400), ``hours`` simulated hours, no plant, no calendar, warm-up 0."""
    doc = yaml.safe_load(REFERENCE.read_text())
    l1 = next(line for line in doc["lines"] if line["name"] == "L1")
    ref = l1["stations"]
    line = copy.deepcopy(l1)
    line["stations"] = [
        dict(copy.deepcopy(ref[k % len(ref)]), name=f"{ref[k % len(ref)]['name']}_{k + 1}")
        for k in range(stations)
    ]
    size = l1["buffers"][0] if buffer is None else buffer
    line["buffers"] = [size] * (stations - 1)
    return {
        "name": f"reference-line-{stations}",
        "time_unit": doc["time_unit"],
        "run": {"horizon": hours * HOUR, "warmup": 0, "replications": replications, "seed": 1},
        "products": [p for p in doc["products"] if p["name"] == "ball"],
        "lines": [line],
    }


def write_scenario(doc: dict, directory: Path) -> Path:
    path = directory / f"{doc['name']}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def timed(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd`` once from the repository root: wall s, CPU s, peak RSS MB, output.

    Raises if the command fails."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{text}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall_s": wall, "cpu_s": cpu, "rss_mb": usage.ru_maxrss / 1024, "output": text}


def repeated(cmd: list[str], repeats: int, env: dict | None = None) -> dict:
    """``timed`` ``repeats`` times: best and median wall s, median CPU s, peak RSS MB."""
    runs = [timed(cmd, env) for _ in range(repeats)]
    walls = [r["wall_s"] for r in runs]
    return {
        "best_s": min(walls),
        "median_s": statistics.median(walls),
        "cpu_s": statistics.median(r["cpu_s"] for r in runs),
        "rss_mb": max(r["rss_mb"] for r in runs),
        "walls_s": walls,
    }


def jit_env(directory: Path | None = None) -> dict:
    """The environment for runs through numba's JIT (not the ahead-of-time
    engine), with numba's cache in ``directory`` (None: its usual place)."""
    env = dict(os.environ, LOTFLOW_ENGINE="jit")
    if directory is not None:
        env["NUMBA_CACHE_DIR"] = str(directory)
    return env


def commands(tmp: Path, repeats: int) -> list[dict]:
    """Section 1: whole-process wall time per command, warm cache (one untimed run first)."""
    ref10 = write_scenario(line_scenario(hours=10), tmp)
    jit = jit_env()
    cases = [
        ("`lotflow run` reference line, 10 h", [LOTFLOW, "run", str(ref10)], None),
        ("the same through numba's JIT (its cache)", [LOTFLOW, "run", str(ref10)], jit),
        (
            "`lotflow run` reference plant-year, 1 replication",
            [LOTFLOW, "run", str(REFERENCE), "--replications", "1"],
            None,
        ),
        ("`lotflow validate scenarios/maracay.yaml`", [LOTFLOW, "validate", str(REFERENCE)], None),
        ("`lotflow capacity scenarios/maracay.yaml`", [LOTFLOW, "capacity", str(REFERENCE)], None),
        ("`lotflow --version`", [LOTFLOW, "--version"], None),
    ]
    rows = []
    for label, cmd, env in cases:
        try:
            timed(cmd, env)  # fills numba's cache if it is empty; not counted
        except RuntimeError as exc:  # e.g. a CLI without --version: say so, go on
            rows.append({"what": label, "error": str(exc).splitlines()[0]})
            print(f"  {label}: {rows[-1]['error']}", flush=True)
            continue
        rows.append(dict(repeated(cmd, repeats, env), what=label))
        print(f"  {label}: best {rows[-1]['best_s']:.2f} s", flush=True)
    return rows


def cost_in_child(stations: int, buffers: list[int], env: dict | None, target_s: float) -> dict:
    """Section 3 for one line length: ns per part and station for each buffer size."""
    code = (
        "import sys, json\n"
        f"sys.path.insert(0, {str(BENCH)!r})\n"
        "from whole_process import cost_per_part_station\n"
        f"print(json.dumps(cost_per_part_station({stations}, {buffers!r}, {target_s})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def cost_per_part_station(stations: int, buffers: list[int], target_s: float) -> dict:
    """CPU ns per good part and station of the engine (``LineRun``, as bench/run.py
    times it) for each buffer size, best of 3 runs of about ``target_s`` s each."""
    import numpy as np

    from lotflow import load_scenario
    from lotflow.engine.compiled import compile_line
    from lotflow.engine.line_run import LineRun, spawn_generators

    def cpu_per_part(arrays, hours: float, rep: int) -> tuple[float, int]:
        gens = spawn_generators(np.random.SeedSequence(rep), arrays.n_streams)
        started = time.process_time()
        raw = LineRun(arrays, gens, 0.0, hours * HOUR, HOUR).run()
        return time.process_time() - started, raw.good

    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in buffers:
            doc = line_scenario(stations, size, hours=1.0)
            scenario = load_scenario(write_scenario(doc, Path(tmp)))
            arrays = compile_line(scenario.lines[0], scenario.products)
            cpu_per_part(arrays, 1.0, 0)  # warm-up: loads or compiles the kernel
            probe, _ = cpu_per_part(arrays, 10.0, 0)
            hours = min(max(10.0, 10.0 * target_s / max(probe, 1e-6)), 20_000.0)
            best = min(cpu_per_part(arrays, hours, rep) for rep in range(1, 4))
            result[str(size)] = best[0] / best[1] / stations * 1e9
    return result


def first_runs(tmp: Path, lengths: list[int], cost_stations: list[int], args) -> tuple:
    """Sections 2 and 3: first runs per length (after set-up, JIT from cache,
    JIT cold), then costs."""
    base = tmp / "cache-base"
    if lengths:
        ref10 = write_scenario(line_scenario(hours=10), tmp)
        timed([LOTFLOW, "run", str(ref10)], jit_env(base))
    cold, cost = [], []
    for n in sorted(set(lengths) | set(cost_stations)):
        scenario = str(write_scenario(line_scenario(n, hours=100), tmp))
        if n in lengths:
            row = {"stations": n}
            runs = {"aot": None, "jit_cache": jit_env(base)}
            if not args.no_cold:
                runs["jit_cold"] = jit_env(tmp / f"cache-{n}")
            for key, env in runs.items():
                done = timed([LOTFLOW, "run", scenario], env)
                row[f"{key}_s"], row[f"{key}_cpu_s"] = done["wall_s"], done["cpu_s"]
                row[f"{key}_rss_mb"] = done["rss_mb"]
            cold.append(row)
            print(f"  first run, {n} stations: after set-up {row['aot_s']:.2f} s", flush=True)
        if n in cost_stations:
            ns = cost_in_child(n, args.buffers, None, args.cost_seconds)
            cost.append({"stations": n, "ns_per_part_station": ns})
            print(f"  cost, {n} stations: {ns}", flush=True)
    return cold, cost


def simpy_ratio(tmp: Path, simpy_hours: float, workers: int = 2) -> dict:
    """Section 4: lotflow against plain SimPy, 4 x 4,000 line-hours, whole process.

    lotflow runs ``LOTFLOW_RUNS`` times just before SimPy and as many times
    just after it; its time is the median of all of them, so a change of the
    machine's speed during the minutes SimPy takes weighs on both sides."""
    hours, reps = 4000.0, 4
    scenario = write_scenario(line_scenario(hours=hours, replications=reps), tmp)
    out = tmp / "ratio.json"
    lotflow = [LOTFLOW, "run", str(scenario), "--replications", str(reps), "--workers",
               str(workers), "--horizon", str(hours * HOUR), "--out", str(out)]  # fmt: skip
    before = repeated(lotflow, LOTFLOW_RUNS)
    per_s = json.loads(out.read_text())["lines"]["L1"]["throughput"]["mean"]  # per time unit
    print(f"  lotflow before SimPy: median {before['median_s']:.2f} s", flush=True)
    sp = timed(
        [sys.executable, str(BENCH / "simpy_plain.py"), "--hours", str(simpy_hours),
         "--replications", str(reps), "--workers", str(workers)]
    )  # fmt: skip
    inner = json.loads(sp["output"].strip().splitlines()[-1])
    simpy_s = sp["wall_s"] + inner["sim_s"] * (hours / simpy_hours - 1.0)
    print(f"  SimPy: {sp['wall_s']:.1f} s for {simpy_hours:g} h", flush=True)
    after = repeated(lotflow, LOTFLOW_RUNS)
    print(f"  lotflow after SimPy: median {after['median_s']:.2f} s", flush=True)
    walls = before["walls_s"] + after["walls_s"]
    lotflow_s = statistics.median(walls)
    return {
        "lotflow_s": lotflow_s,
        "lotflow_best_s": min(walls),
        "lotflow_before_s": before["median_s"],
        "lotflow_after_s": after["median_s"],
        "lotflow_walls_s": walls,
        "lotflow_cpu_s": statistics.median([before["cpu_s"], after["cpu_s"]]),
        "lotflow_throughput_per_h": per_s * HOUR,
        "simpy_hours": simpy_hours,
        "simpy_measured_s": sp["wall_s"],
        "simpy_sim_s": inner["sim_s"],
        "simpy_s": simpy_s,
        "simpy_measured_cpu_s": sp["cpu_s"],
        "simpy_throughput_per_h": statistics.mean(inner["throughput_per_h"]),
        "ratio": simpy_s / lotflow_s,
    }


def ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def markdown(report: dict) -> str:
    """The report as Markdown tables."""
    lines = [
        "| command (whole process, after set-up) | best (s) | median (s) | CPU (s) | RSS (MB) |"
    ]
    lines.append("|---|--:|--:|--:|--:|")
    for r in report["commands"]:
        if "error" in r:
            lines.append(f"| {r['what']} | failed | | | |")
            continue
        lines.append(
            f"| {r['what']} | {r['best_s']:.2f} | {r['median_s']:.2f} | {r['cpu_s']:.2f} "
            f"| {r['rss_mb']:.0f} |"
        )
    if report["first_runs"]:
        keys = [("aot", "after set-up"), ("jit_cache", "JIT from cache"), ("jit_cold", "JIT cold")]
        keys = [(k, label) for k, label in keys if f"{k}_s" in report["first_runs"][0]]
        lines += [
            "",
            "| stations (100 h) | "
            + " | ".join(f"{label}: wall (s) | CPU (s) | RSS (MB)" for _, label in keys)
            + " |",
            "|--:|" + "--:|--:|--:|" * len(keys),
        ]
        for r in report["first_runs"]:
            cells = " | ".join(
                f"{r[f'{k}_s']:.2f} | {r[f'{k}_cpu_s']:.2f} | {r[f'{k}_rss_mb']:.0f}"
                for k, _ in keys
            )
            lines.append(f"| {r['stations']} | {cells} |")
    if report["cost"]:
        sizes = list(report["cost"][0]["ns_per_part_station"])
        lines += ["", "| ns per part and station | " + " | ".join(f"B = {s}" for s in sizes) + " |"]
        lines.append("|--:|" + "--:|" * len(sizes))
        for r in report["cost"]:
            cells = " | ".join(f"{r['ns_per_part_station'][s]:.1f}" for s in sizes)
            lines.append(f"| {r['stations']} stations | {cells} |")
    if report["ratio"]:
        r = report["ratio"]
        scaled = (
            f" (measured {r['simpy_measured_s']:.1f} s for 4 x {r['simpy_hours']:g} h, "
            f"extrapolated linearly)"
            if r["simpy_hours"] != 4000
            else ""
        )
        lines += [
            "",
            "| 4 x 4,000 h of the reference line, 2 workers, whole process | wall (s) "
            "| throughput (parts/h) |",
            "|---|--:|--:|",
            f"| lotflow `run --replications 4 --workers 2`, median of {2 * LOTFLOW_RUNS} "
            f"(before SimPy {r['lotflow_before_s']:.2f}, after {r['lotflow_after_s']:.2f}) "
            f"| {r['lotflow_s']:.2f} | {r['lotflow_throughput_per_h']:.0f} |",
            f"| plain SimPy (bench/simpy_plain.py){scaled} | {r['simpy_s']:.0f} "
            f"| {r['simpy_throughput_per_h']:.0f} |",
            f"| **ratio** | **{r['ratio']:,.0f}x** | |",
            "",
            f"CPU s (the process and its workers): lotflow {r['lotflow_cpu_s']:.1f}, "
            f"SimPy {r['simpy_measured_cpu_s']:.1f} for 4 x {r['simpy_hours']:g} h.",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per command")
    parser.add_argument("--lengths", type=ints, default=ints("2,6,9,20,50,100"),
                        help="line lengths for first runs ('' = skip)")  # fmt: skip
    parser.add_argument("--no-cold", action="store_true", help="no JIT cold-cache first runs")
    parser.add_argument("--cost-stations", type=ints, default=ints("2,6,20,50,100"),
                        help="line lengths for the cost grid ('' = skip)")  # fmt: skip
    parser.add_argument("--buffers", type=ints, default=ints("1,5,50,400"))
    parser.add_argument("--cost-seconds", type=float, default=0.3, help="CPU s per timed run")
    parser.add_argument("--simpy-hours", type=float, default=4000.0,
                        help="SimPy hours per replication (0 = skip the ratio)")  # fmt: skip
    parser.add_argument("--skip-commands", action="store_true")
    args = parser.parse_args()
    report = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        "load_before": os.getloadavg()[0],
        "args": {k: v for k, v in vars(args).items()},
        "commands": [],
        "first_runs": [],
        "cost": [],
        "ratio": {},
    }
    with tempfile.TemporaryDirectory(prefix="lotflow-bench-") as tmp:
        tmp = Path(tmp)
        if not args.skip_commands:
            report["commands"] = commands(tmp, args.repeats)
        if args.lengths or args.cost_stations:
            report["first_runs"], report["cost"] = first_runs(
                tmp, args.lengths, args.cost_stations, args
            )
        if args.simpy_hours > 0:
            report["ratio"] = simpy_ratio(tmp, args.simpy_hours)
    report["load_after"] = os.getloadavg()[0]
    print(
        f"\n{report['when']}, {report['machine']}, PYTHONDONTWRITEBYTECODE="
        f"{report['PYTHONDONTWRITEBYTECODE'] or 'unset'}, load average "
        f"{report['load_before']:.1f} before / {report['load_after']:.1f} after\n"
    )
    print(markdown(report))
    RESULTS.mkdir(exist_ok=True)
    stamp = report["when"].replace(":", "").replace("+0000", "Z")
    path = RESULTS / f"whole_process-{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
