"""The planner's proven bound is valid: the exact search (``lotflow.plan.exact``)
never bounds above the optimum found by enumerating every assignment and
sequence (``plan_enumeration.py``, the tests' own arithmetic), wherever it
stops, and equals it when it completes; the plans it and the beam search
return are real plans of the value they claim; ``solve`` reports a bound at
most the optimum, equal to it when it says optimal. On the reference quarter
the search proves the optimum of the ball lines, where CP-SAT's own bound is 0.

No timings: the searches here run without a deadline, to a number of states.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotflow.plan.exact import beam_plan, exact_bound
from lotflow.plan.heuristic import earliest_due_date
from lotflow.plan.lines import Clock, plan_lines
from lotflow.plan.model import BEAM_WIDTH, STATE_LIMIT, SolverOptions, components, solve
from lotflow.plan.orders import Order, load_orders
from lotflow.plan.problem import Problem, resolution, span
from lotflow.scenario import load_scenario
from plan_enumeration import TOL, best_by_enumeration, evaluate, line, random_orders, scenario

ROOT = Path(__file__).resolve().parent.parent
LIMITS = (1, 3, 10, 30, 100)  # states: the search stops after its first layers, then later
ONE_SHIFT = {"shifts_per_day": 1, "hours_per_shift": 8, "days_per_week": 5, "day_start_hour": 8}


def problem_of(orders, lines, clock) -> Problem:
    return Problem(orders, lines, clock, resolution(span(orders, lines, clock)))


def first_plan(problem: Problem):
    return problem.left_shift(earliest_due_date(problem.orders, problem.lines, problem.clock))


def weighted_of(problem: Problem, value: int) -> float:
    """The weighted tardiness (time unit) part of an objective value."""
    return (value // problem.factor) / problem.res


def evaluated(problem: Problem, schedule, lines, clock) -> tuple[float, int]:
    """(weighted tardiness, changeovers) of a returned plan, by the tests' arithmetic."""
    totals = [
        evaluate([problem.orders[j] for j in seq], lines[li], clock)
        for li, seq in enumerate(schedule.sequences)
    ]
    return sum(t[0] for t in totals), sum(t[1] for t in totals)


def check_bounds(orders, lines, clock) -> None:
    """The exact search's bound, stopped after ``LIMITS`` states and run to the
    end, against the enumerated optimum; the plans it and the beam return."""
    problem = problem_of(orders, lines, clock)
    best = best_by_enumeration(orders, lines, clock)
    first = first_plan(problem)
    for limit in (*LIMITS, STATE_LIMIT):
        bound = exact_bound(problem, first, math.inf, limit)
        assert weighted_of(problem, bound.value) <= best[0] + TOL
        if bound.schedule is not None:  # complete: the optimum, a real plan of that value
            assert weighted_of(problem, bound.value) == pytest.approx(best[0], abs=TOL)
            assert bound.value % problem.factor == best[1]
            assert bound.schedule.objective == bound.value
            assert evaluated(problem, bound.schedule, lines, clock) == (
                pytest.approx(best[0], abs=TOL),
                best[1],
            )
    assert bound.schedule is not None, "the search completes within STATE_LIMIT"
    beam = beam_plan(problem, first, 2, math.inf)
    assert beam.objective <= first.objective
    weighted, changes = evaluated(problem, beam, lines, clock)
    assert weighted == pytest.approx(weighted_of(problem, beam.objective), abs=TOL)
    assert (round(weighted, 6), changes) >= (round(best[0], 6), best[1])


def check_solve(orders, lines, clock) -> None:
    """``solve``'s bound is at most the optimum, and the optimum when it says optimal."""
    best = best_by_enumeration(orders, lines, clock)
    solution = solve(orders, lines, clock, SolverOptions(30.0, 1, 1))
    assert solution.bound <= best[0] + TOL
    assert solution.bound <= solution.weighted_tardiness + TOL
    if solution.status == "optimal":
        assert solution.bound == pytest.approx(best[0], abs=TOL)
        assert solution.weighted_tardiness == pytest.approx(best[0], abs=TOL)
        assert solution.changeovers == best[1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_line_eight_orders_bound_against_every_sequence(seed):
    sc = scenario([line("L1", [1.0, 0.5, 0.25], 3.0)])
    orders = random_orders(seed, 8, ["a", "b", "c"], 60)
    check_bounds(orders, plan_lines(sc, "nameplate"), Clock.of(sc))


@pytest.mark.parametrize("seed", [4, 5])
def test_two_lines_six_orders_bound_against_every_assignment(seed):
    sc = scenario([line("L1", [1.0], 4.0, products=["a", "b"]), line("L2", [0.5, 0.5], 2.0)])
    orders = random_orders(seed, 6, ["a", "b", "c"], 30)
    check_bounds(orders, plan_lines(sc, "nameplate"), Clock.of(sc))


@pytest.mark.parametrize("seed", [6, 7])
def test_two_interchangeable_lines_six_orders_bound(seed):
    """Identical lines: the search sorts them (one state for both labellings)."""
    sc = scenario([line("L1", [1.0, 0.5], 2.0), line("L2", [1.0, 0.5], 2.0)])
    orders = random_orders(seed, 6, ["a", "b"], 25)
    check_bounds(orders, plan_lines(sc, "nameplate"), Clock.of(sc))


@st.composite
def instances(draw):
    """A scenario's planning lines and clock and an order book small enough to
    enumerate: one or two lines (the second identical, restricted or
    different), up to six orders of three products, releases, weights, and
    sometimes a one-shift calendar."""
    calendar = draw(st.booleans())
    scale = 8.0 if calendar else 1.0  # with a calendar, due dates reach over nights and weekends
    first = line("L1", draw(st.sampled_from([[1.0], [0.5, 0.25], [1.0, 0.5]])), 3.0)
    second = draw(
        st.sampled_from(
            [
                None,
                dict(first, name="L2"),  # interchangeable
                line("L2", [1.0], 1.0, products=["a", "b"]),
                line("L2", [0.5, 0.5], 0.5),
            ]
        )
    )
    lines = [first] if second is None else [first, second]
    products = ("a", "b", "c")
    n = draw(st.integers(1, 6 if second is None else 5))
    orders = []
    for j in range(n):
        release = draw(st.integers(0, 15)) * scale
        due = release + draw(st.integers(0, 40)) * scale
        product = draw(st.sampled_from(products))
        weight = draw(st.integers(1, 3))
        orders.append(Order(f"o{j}", product, draw(st.integers(1, 10)), due, release, weight))
    sc = scenario(lines, time_unit="h" if calendar else "cycle",
                  calendar=ONE_SHIFT if calendar else None)  # fmt: skip
    return orders, plan_lines(sc, "nameplate"), Clock.of(sc)


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(instances())
def test_bound_is_never_above_the_optimum_on_random_instances(instance):
    orders, lines, clock = instance
    check_bounds(orders, lines, clock)
    check_solve(orders, lines, clock)


def test_on_time_until_is_the_last_tick_without_tardiness():
    """With a calendar, an order due during a weekend may complete until the end
    of the week's last shift, not a tick later; one due in a shift, at its due
    date; one due after the horizon (no plan completes later), at the horizon."""
    sc = scenario([line("L1", [1.0], 1.0)], time_unit="h", calendar=ONE_SHIFT)
    orders = [
        Order("weekend", "a", 30, 5 * 24 + 12.0),
        Order("shift", "a", 30, 24 + 10.5),
        Order("later", "a", 1, 1000.0),
    ]
    problem = problem_of(orders, plan_lines(sc, "nameplate"), Clock.of(sc))
    last = [problem.on_time_until(j) for j in range(len(orders))]
    for j in (0, 1):
        assert problem.late(j, last[j]) == 0 < problem.late(j, last[j] + 1)
    wall = [problem.clock.to_wall(t / problem.res) for t in last]
    assert wall[:2] == [pytest.approx(4 * 24 + 16.0), pytest.approx(24 + 10.5)]  # Friday 16:00
    assert last[2] == problem.horizon


def test_reference_quarter_ball_lines_are_proven_optimal():
    """The ball lines of the reference quarter (15 orders on L1 and L2, the
    late ones): the search completes, and its optimum, 1,033.2 h of tardiness
    (docs/planning.md), is the plan it returns; CP-SAT's own bound was 0."""
    sc = load_scenario(ROOT / "scenarios" / "maracay.yaml")
    orders = load_orders(ROOT / "scenarios" / "maracay-orders.csv", sc)
    lines, clock = plan_lines(sc, "expected"), Clock.of(sc)
    res = resolution(span(orders, lines, clock))
    order_ids, line_ids = next(p for p in components(orders, lines) if lines[p[1][0]].name == "L1")
    problem = Problem([orders[j] for j in order_ids], [lines[li] for li in line_ids], clock, res)
    first = first_plan(problem)
    better = beam_plan(problem, first, BEAM_WIDTH, math.inf)
    bound = exact_bound(problem, better, math.inf, STATE_LIMIT)
    assert bound.schedule is not None
    assert bound.schedule.objective == bound.value < better.objective <= first.objective
    assert weighted_of(problem, bound.value) / 3600 == pytest.approx(1033.2, abs=0.05)
