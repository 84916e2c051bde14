"""``lotflow optimize`` against exact answers: buffer allocation in exponential lines.

The exact throughput of every allocation comes from the line's continuous-time
Markov chain, solved here (``tests/ctmc_line.py``; checked against the
two-station closed form). The optimizer must find the exact optimum (small
spaces, enumerated), come within 0.3 % of it with Optuna's TPE on a space
larger than its budget, and report a fresh estimate whose 95 % interval covers
the chosen allocation's exact throughput. Tolerances are the intervals the
optimizer reports; seeds are fixed.
"""

from __future__ import annotations

import itertools

import pytest

from ctmc_line import throughput, two_station_closed_form
from lotflow.experiment.backends import LocalBackend
from lotflow.experiment.store import Store
from lotflow.optimize.procedure import optimize
from lotflow.optimize.spec import spec_from_dict
from lotflow.scenario import scenario_from_dict


def line(means: list[float], seed: int = 11) -> dict:
    """A reliable line of exponential stations (time unit: cycle), empty buffers."""
    return {
        "name": f"exp{len(means)}",
        "time_unit": "cycle",
        "run": {"horizon": 20000, "warmup": 1000, "replications": 5, "seed": seed},
        "lines": [
            {
                "name": "L1",
                "buffers": [0] * (len(means) - 1),
                "stations": [
                    {"name": f"M{i + 1}", "process": {"dist": "exponential", "mean": m}}
                    for i, m in enumerate(means)
                ],
            }
        ],
    }


def allocation_spec(n_buffers: int, total: int, evaluations: int) -> dict:
    names = [f"b{i + 1}" for i in range(n_buffers)]
    return {
        "variables": {
            n: {"path": f"lines[0].buffers[{i}]", "integers": [0, total]}
            for i, n in enumerate(names)
        },
        "constraints": [" + ".join(names) + f" <= {total}"],
        "objective": {"maximize": "lines.L1.throughput"},
        "budget": {"evaluations": evaluations},
    }


def run(scenario: dict, spec: dict, tmp_path, workers: int = 1) -> dict:
    loaded = scenario_from_dict(scenario)
    with LocalBackend(workers) as backend, Store.open(tmp_path / "store", loaded) as store:
        return optimize(loaded, spec_from_dict(spec, "spec.yaml"), store, backend)


def exact(means: list[float], allocations) -> dict[tuple, float]:
    rates = [1.0 / m for m in means]
    return {a: throughput(rates, list(a)) for a in allocations}


def allocations(n_buffers: int, total: int, full: bool = False):
    for a in itertools.product(range(total + 1), repeat=n_buffers):
        if sum(a) == total or (not full and sum(a) < total):
            yield a


def chosen(answer: dict) -> tuple:
    values = answer["best"]["values"]
    return tuple(values[f"b{i + 1}"] for i in range(len(values)))


def covers(answer: dict, value: float) -> bool:
    objective = answer["best"]["objective"]
    return abs(objective["mean"] - value) <= objective["ci95"]


@pytest.mark.parametrize(
    ("mu1", "mu2", "slots"), [(1.0, 1.0, 0), (1.0, 1.3, 3), (2.0, 0.7, 5), (0.8, 1.25, 1)]
)
def test_the_ctmc_matches_the_two_station_closed_form(mu1, mu2, slots):
    assert throughput([mu1, mu2], [slots]) == pytest.approx(
        two_station_closed_form(mu1, mu2, slots), rel=1e-12
    )


@pytest.mark.parametrize(
    ("means", "total"), [([1.2, 1.0, 0.9], 5), ([1.0, 1.2, 0.9, 1.1], 6)], ids=["3", "4"]
)
def test_enumeration_finds_the_exact_optimum(means, total, tmp_path):
    n = len(means) - 1
    truth = exact(means, allocations(n, total))
    best = max(truth, key=truth.get)
    answer = run(line(means), allocation_spec(n, total, evaluations=100), tmp_path)
    assert answer["search"]["method"] == "enumerate"
    assert answer["evaluated"] == len(truth)  # every allocation, once
    assert chosen(answer) == best
    assert sum(chosen(answer)) <= total
    assert covers(answer, truth[best])
    assert answer["selection"]["procedure"] == "KN"
    assert answer["selection"]["indifference"] > 0


def test_tpe_on_five_stations_comes_within_0_3_percent(tmp_path):
    means, total = [1.0, 1.15, 0.9, 1.2, 1.0], 8
    answer = run(line(means), allocation_spec(4, total, evaluations=60), tmp_path)
    assert answer["search"]["method"] == "tpe"
    assert answer["search"]["space_size"] > 60
    a = chosen(answer)
    assert sum(a) <= total
    # buffers only help, so the optimum spends the whole budget
    optimum = max(exact(means, allocations(4, total, full=True)).values())
    value = exact(means, [a])[a]
    assert value >= (1 - 0.003) * optimum
    assert covers(answer, value)


def test_cheapest_allocation_meeting_a_requirement(tmp_path):
    """Minimize buffer slots (cost 1 each) with throughput >= 0.665 at 95 %:
    exactly (2, 1) at cost 3; (1, 2) and (3, 0) fall short, as does any two slots."""
    means = [1.2, 1.0, 0.9]
    spec = allocation_spec(2, 6, evaluations=49)
    spec["constraints"] = []
    spec["objective"] = {"minimize": "cost"}
    spec["costs"] = {"b1": 1, "b2": 1}
    spec["requirements"] = [
        {"metric": "lines.L1.throughput", "at_least": 0.665, "confidence": 0.95}
    ]
    answer = run(line(means), spec, tmp_path)
    best = answer["best"]
    assert chosen(answer) == (2, 1)
    assert best["cost"] == 3
    assert exact(means, [(2, 1)])[(2, 1)] >= 0.665  # the requirement truly holds
    (req,) = best["requirements"]
    assert req["met"] and req["one_sided_bound"] >= 0.665
    assert answer["selection"]["procedure"] == "sequential feasibility"


def test_nsga2_answer_keeps_constraints_and_requirements(tmp_path):
    """A cost objective on a space larger than its budget goes to NSGA-II; whatever
    it returns breaks no constraint and truly meets its requirement."""
    means = [1.2, 1.0, 0.9]
    spec = allocation_spec(2, 5, evaluations=12)  # 21 allocations with b1 + b2 <= 5
    spec["objective"] = {"minimize": "cost"}
    spec["costs"] = {"b1": 1, "b2": 1}
    spec["requirements"] = [{"metric": "lines.L1.throughput", "at_least": 0.62}]
    answer = run(line(means), spec, tmp_path)
    assert answer["search"]["method"] == "nsga2"
    assert answer["evaluated"] <= 12
    a = chosen(answer)
    assert sum(a) <= 5
    assert answer["best"]["cost"] == sum(a)
    assert answer["best"]["requirements"][0]["met"]
    assert exact(means, [a])[a] >= 0.62


def test_the_analytic_bound_screens_without_simulating(tmp_path):
    """Throughput above the bottleneck rate (1/1.2) is impossible: every candidate
    is screened, nothing is simulated, and the answer says no candidate qualifies."""
    spec = allocation_spec(2, 4, evaluations=20)
    spec["requirements"] = [{"metric": "lines.L1.throughput", "at_least": 0.85}]
    answer = run(line([1.2, 1.0, 0.9]), spec, tmp_path)
    assert answer["best"] is None
    assert answer["evaluated"] == 0
    assert answer["search"]["rejected"]["screened"] == 15
    assert answer["run"]["replications_run"] == 0


def test_a_time_budget_runs_at_least_one_batch(tmp_path):
    spec = allocation_spec(2, 4, evaluations=1)
    spec["budget"] = {"seconds": 1e-6}
    spec["batch"] = 4
    answer = run(line([1.2, 1.0, 0.9]), spec, tmp_path)
    assert answer["search"]["method"] == "tpe"
    assert answer["search"]["stopped"] == "time budget used"
    assert 1 <= answer["evaluated"] <= 4
    assert answer["best"] is not None
