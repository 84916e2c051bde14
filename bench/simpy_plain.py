"""A plain SimPy model of the reference line, the way SimPy's documentation teaches.

The yardstick for lotflow's whole-process speed (issue 12, item 4). It models
line L1 of ``scenarios/maracay.yaml`` (6 stations, buffers of 400) with the
rules of model.md that matter on that line, and nothing else:

- one SimPy process per station; ``simpy.Container`` buffers of the scenario's
  sizes (the level is the number of parts in the buffer);
- blocking after service: a station that finished a part puts it into the
  downstream buffer and waits (holding it) until the buffer has room; the first
  station is never starved, the last never blocked;
- deterministic process times; operation-dependent failures: the time to
  failure is exponential in *busy* time, the part in process resumes after a
  lognormal repair (preemptive resume);
- scrap: a part completing a station with scrap probability q leaves the line
  with probability q (Bernoulli per part; lotflow draws the same thing as a
  geometric count of parts between scraps);
- no calendar (continuous working time), no campaigns, no tracing, no state
  bookkeeping: it counts good parts leaving the last station before the
  horizon. Methods are bound once outside the loops (``timeout = env.timeout``).

Random numbers come from one ``random.Random`` per station (seeded from the
replication's seed), so results are reproducible but not lotflow's bits: the
two models agree in distribution only (``tests/test_simpy_plain.py``).

Command line (the whole process is what ``bench/whole_process.py`` times)::

    python bench/simpy_plain.py [--hours 4000] [--replications 4] [--workers 2] [--seed 1]

prints one JSON line: good parts per replication, throughput (parts/h) and
the seconds spent simulating (``sim_s``, wall, from the start of the first
replication to the end of the last, the process pool's start-up excluded).
Units: the scenario's time unit (s) inside the model; hours on the command line.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import random
import time
from dataclasses import dataclass
from pathlib import Path

import simpy
import yaml

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "maracay.yaml"


@dataclass(frozen=True)
class StationSpec:
    """One station: process time (s), mean busy time to failure (s), lognormal
    repair parameters (``mu``, ``sigma`` of the underlying normal, for times in s),
    scrap probability."""

    process: float
    mttf: float
    repair_mu: float
    repair_sigma: float
    scrap: float


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    """``(mu, sigma)`` of a lognormal with the given mean and coefficient of variation."""
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def reference_line(path: Path = REFERENCE, line: str = "L1") -> tuple[list[StationSpec], list[int]]:
    """Stations and buffer sizes of ``line`` in the scenario file ``path`` (times in s).

    Only what this model implements is accepted: deterministic process times,
    exponential busy-time failures, lognormal repairs."""
    doc = yaml.safe_load(path.read_text())
    spec = next(entry for entry in doc["lines"] if entry["name"] == line)
    stations = []
    for st in spec["stations"]:
        process, ttf, repair = st["process"], st["failure"]["busy_time"], st["repair"]
        if (process["dist"], ttf["dist"], repair["dist"]) != (
            "deterministic",
            "exponential",
            "lognormal",
        ):
            raise ValueError(f"station {st['name']}: this model has no such distributions")
        mu, sigma = lognormal_params(float(repair["mean"]), float(repair["cv"]))
        stations.append(
            StationSpec(float(process["mean"]), float(ttf["mean"]), mu, sigma, st.get("scrap", 0.0))
        )
    return stations, [int(b) for b in spec["buffers"]]


def simulate(stations: list[StationSpec], buffers: list[int], horizon: float, seed: int) -> int:
    """Good parts leaving the line in ``[0, horizon)`` (s), one replication."""
    env = simpy.Environment()
    queues = [simpy.Container(env, capacity=b) for b in buffers]
    good = [0]
    last = len(stations) - 1
    seeds = random.Random(seed)

    def station(i: int, spec: StationSpec, rng: random.Random):
        timeout = env.timeout  # pre-bound methods, as SimPy's docs advise for speed
        expovariate, lognormvariate, uniform = rng.expovariate, rng.lognormvariate, rng.random
        take = queues[i - 1].get if i > 0 else None
        put = queues[i].put if i < last else None
        rate, mu, sigma, q, work = (
            1.0 / spec.mttf,
            spec.repair_mu,
            spec.repair_sigma,
            spec.scrap,
            spec.process,
        )
        ttf = expovariate(rate)  # busy time left to the next failure
        while True:
            if take is not None:
                yield take(1)  # starved until a part is in the upstream buffer
            left = work
            while ttf < left:  # fails during this part: busy until then, repair, resume
                yield timeout(ttf)
                left -= ttf
                yield timeout(lognormvariate(mu, sigma))
                ttf = expovariate(rate)
            ttf -= left
            yield timeout(left)
            if q > 0.0 and uniform() < q:
                continue  # scrapped: leaves the line
            if put is not None:
                yield put(1)  # blocked until the downstream buffer has room
            else:
                good[0] += 1

    for i, spec in enumerate(stations):
        env.process(station(i, spec, random.Random(seeds.getrandbits(64))))
    env.run(until=horizon)
    return good[0]


def _replication(job: tuple[float, int]) -> int:
    horizon, seed = job
    stations, buffers = reference_line()
    return simulate(stations, buffers, horizon, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--hours", type=float, default=4000.0, help="simulated hours per replication"
    )
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (1 = none)")
    parser.add_argument("--seed", type=int, default=1, help="replication r uses seed + r")
    args = parser.parse_args()
    jobs = [(args.hours * 3600.0, args.seed + r) for r in range(args.replications)]
    if args.workers > 1:
        with multiprocessing.Pool(args.workers) as pool:
            started = time.perf_counter()
            good = pool.map(_replication, jobs, chunksize=1)
            sim_s = time.perf_counter() - started
    else:
        started = time.perf_counter()
        good = [_replication(job) for job in jobs]
        sim_s = time.perf_counter() - started
    per_hour = [g / args.hours for g in good]
    print(json.dumps({"good": good, "throughput_per_h": per_hour, "sim_s": sim_s}))


if __name__ == "__main__":
    main()
