"""How well does the search of ``lotflow optimize`` find a buffer allocation? (issue 14)

The 5-station exponential line of ``tests/test_optimize.py`` (means 1.0, 1.15,
0.9, 1.2, 1.0; four buffers, at most 8 slots in all: 495 allocations), each
candidate scored by its *exact* throughput from the line's Markov chain
(``tests/ctmc_line.py``) instead of a simulation, so only the search is
measured. Samplers compared at the same budget of evaluations, over seeds:
TPE with the neighbour polish (what ``optimize`` does), TPE alone, and
Optuna's random sampler. Prints a Markdown table for docs/decisions.md.

    .venv/bin/python bench/optimize_search.py [--budget 60] [--seeds 5]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np
import optuna

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from ctmc_line import throughput  # noqa: E402
from lotflow.optimize import search as search_module  # noqa: E402
from lotflow.optimize.evaluate import INFEASIBLE, SIMULATED, Evaluation  # noqa: E402
from lotflow.optimize.search import Search  # noqa: E402
from lotflow.optimize.space import Space  # noqa: E402
from lotflow.optimize.spec import spec_from_dict  # noqa: E402
from lotflow.scenario import scenario_from_dict  # noqa: E402

MEANS = [1.0, 1.15, 0.9, 1.2, 1.0]
TOTAL = 8
METRIC = "lines.L1.throughput"


class ExactEvaluator:
    """Scores a candidate by its exact throughput (every 'replication' equal)."""

    def __init__(self, space: Space):
        self.space = space
        self.cache: dict[tuple, float] = {}

    def prepare(self, candidate) -> Evaluation:
        status = SIMULATED if self.space.feasible(candidate) else INFEASIBLE
        return Evaluation(candidate, 0.0, status)

    def exact(self, allocation: tuple) -> float:
        if allocation not in self.cache:
            self.cache[allocation] = throughput([1 / m for m in MEANS], list(allocation))
        return self.cache[allocation]

    def simulate(self, evaluations, replications: int, seed: int) -> None:
        for ev in evaluations:
            value = self.exact(tuple(v for _, v in ev.candidate.values))
            ev.samples = {METRIC: np.full(replications, value)}


def problem(budget: int, seed: int):
    scenario = scenario_from_dict(
        {
            "name": "bench",
            "time_unit": "cycle",
            "run": {"horizon": 1000, "warmup": 0, "replications": 2, "seed": seed},
            "lines": [
                {
                    "name": "L1",
                    "buffers": [0] * 4,
                    "stations": [
                        {"name": f"M{i}", "process": {"dist": "exponential", "mean": m}}
                        for i, m in enumerate(MEANS)
                    ],
                }
            ],
        }
    )
    spec = spec_from_dict(
        {
            "variables": {
                f"b{i}": {"path": f"lines[0].buffers[{i}]", "integers": [0, TOTAL]}
                for i in range(4)
            },
            "constraints": ["b0 + b1 + b2 + b3 <= 8"],
            "objective": {"maximize": METRIC},
            "budget": {"evaluations": budget},
        },
        "bench",
    )
    return spec, Space(spec, scenario)


def run(variant: str, budget: int, seed: int, optimum: float) -> float:
    spec, space = problem(budget, seed)
    evaluator = ExactEvaluator(space)
    original_share, original_tpe = search_module.POLISH_SHARE, optuna.samplers.TPESampler
    try:
        if variant != "TPE + polish":
            search_module.POLISH_SHARE = 2.0  # never reached: no polish
        if variant == "random":
            optuna.samplers.TPESampler = lambda seed, **_: optuna.samplers.RandomSampler(seed=seed)
        result = Search(spec, space, evaluator, 2, seed).run()
    finally:
        search_module.POLISH_SHARE, optuna.samplers.TPESampler = original_share, original_tpe
    best = max(ev.samples[METRIC][0] for ev in result.evaluations)
    return 100.0 * (optimum - best) / optimum


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--variants", nargs="+", default=["TPE + polish", "TPE", "random"])
    args = parser.parse_args()
    rates = [1 / m for m in MEANS]
    optimum = max(
        throughput(rates, list(a))
        for a in itertools.product(range(TOTAL + 1), repeat=4)
        if sum(a) == TOTAL
    )
    print(f"budget {args.budget} evaluations of 495 allocations; gap to the exact optimum, %\n")
    print("| search | mean gap | worst gap | optimum found |")
    print("|---|--:|--:|--:|")
    for variant in args.variants:
        gaps = [run(variant, args.budget, seed, optimum) for seed in range(1, args.seeds + 1)]
        found = sum(g < 1e-9 for g in gaps)
        print(f"| {variant} | {np.mean(gaps):.3f} | {max(gaps):.3f} | {found}/{len(gaps)} |")


if __name__ == "__main__":
    main()
