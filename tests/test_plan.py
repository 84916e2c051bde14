"""``lotflow plan``: the CP-SAT plan is optimal, checked against enumerating every
sequence (and assignment) with the plan contract's time arithmetic
(docs/planning.md), written independently of the model in
``plan_enumeration.py``; its proven bound is at most that optimum, and equal to
it when the plan says optimal. Also: plans respect eligibility, releases,
changeovers and the calendar, and the same seed gives the same plan.
"""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from lotflow.calendar import build_calendar
from lotflow.plan import model as model_module
from lotflow.plan.lines import Clock, plan_lines
from lotflow.plan.model import STATE_LIMIT, SolverOptions, solve
from lotflow.plan.orders import Order
from lotflow.plan.schedule import build_plan
from plan_enumeration import TOL, best_by_enumeration, evaluate, line, random_orders, scenario


def plan_of(sc, orders, rate="nameplate", seed=1, workers=1):
    lines = plan_lines(sc, rate)
    clock = Clock.of(sc)
    solution = solve(orders, lines, clock, SolverOptions(30.0, workers, seed))
    return build_plan(sc, orders, solution, clock, rate, {}), lines, clock


def assert_optimal(plan, best):
    """The plan is the enumerated best (weighted tardiness, changeovers), proven:
    its bound is that optimum and the gap 0."""
    assert plan.status == "optimal"
    assert plan.objective["weighted_tardiness"] == pytest.approx(best[0], abs=TOL)
    assert plan.objective["changeovers"] == best[1]
    assert plan.objective["bound"] == pytest.approx(best[0], abs=TOL)
    assert plan.objective["gap"] == 0.0


def assert_respects(plan, orders, lines, clock):
    """Eligibility, releases, changeovers and calendar, from the returned plan."""
    by_name = {pl.name: pl for pl in lines}
    for order in orders:
        placed = plan.orders[order.id]
        assert by_name[placed.line].may_make(order.product)
        assert order.line in (None, placed.line)
        assert placed.start >= order.release - TOL
        assert placed.tardiness == pytest.approx(max(0.0, placed.completion - order.due))
    for name, ids in plan.sequence.items():
        pl = by_name[name]
        previous = None
        for oid in ids:
            order = plan.orders[oid]
            start = clock.to_work(order.start)
            end = clock.to_work(order.completion) - pl.fill
            # The order runs at the planned rate in working time, off shifts excluded.
            assert end - start == pytest.approx(order.quantity / pl.rate, abs=1e-4)
            if previous is not None:
                gap = pl.fill + pl.changeover if previous[0] != order.product else 0.0
                assert start >= previous[1] + gap - 1e-4
            previous = (order.product, end)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_line_eight_orders_is_optimal_against_every_sequence(seed):
    sc = scenario([line("L1", [1.0, 0.5, 0.25], 3.0)])
    orders = random_orders(seed, 8, ["a", "b", "c"], 60)
    plan, lines, clock = plan_of(sc, orders)
    best = best_by_enumeration(orders, lines, clock)
    assert_optimal(plan, best)
    assert evaluate([_order(orders, o) for o in plan.sequence["L1"]], lines[0], clock) == (
        pytest.approx(best[0], abs=TOL),
        best[1],
    )
    assert_respects(plan, orders, lines, clock)


@pytest.mark.parametrize("seed", [4, 5])
def test_two_lines_six_orders_is_optimal_against_every_assignment_and_sequence(seed):
    sc = scenario(
        [
            line("L1", [1.0], 4.0, products=["a", "b"]),
            line("L2", [0.5, 0.5], 2.0),  # twice as fast, may make anything
        ]
    )
    orders = random_orders(seed, 6, ["a", "b", "c"], 30)
    plan, lines, clock = plan_of(sc, orders)
    best = best_by_enumeration(orders, lines, clock)
    assert_optimal(plan, best)
    assert_respects(plan, orders, lines, clock)
    assert all(plan.orders[o.id].line == "L2" for o in orders if o.product == "c")


def test_calendar_tardiness_is_wall_clock_and_optimal():
    """One 8-hour shift a day, five days a week: lateness over a night or a
    weekend counts in wall-clock hours, and the plan is still the best sequence."""
    cal = {"shifts_per_day": 1, "hours_per_shift": 8, "days_per_week": 5, "day_start_hour": 8}
    sc = scenario([line("L1", [0.5, 0.25], 1.5)], time_unit="h", calendar=cal)
    orders = [
        Order("o0", "a", 12, 30.0, 0.0, 1),
        Order("o1", "b", 10, 40.0, 0.0, 2),
        Order("o2", "a", 6, 20.0, 20.0, 1),
        Order("o3", "c", 8, 60.0, 0.0, 1),
        Order("o4", "b", 4, 90.0, 50.0, 3),
        Order("o5", "c", 14, 100.0, 0.0, 1),
    ]
    plan, lines, clock = plan_of(sc, orders)
    best = best_by_enumeration(orders, lines, clock)
    assert_optimal(plan, best)
    assert_respects(plan, orders, lines, clock)
    calendar = build_calendar(sc.calendar, "h")
    for order in plan.orders.values():  # completions fall inside shifts
        work = calendar.wall_to_work_at(order.completion)
        assert calendar.work_to_wall_at(work) == pytest.approx(order.completion)


def test_pinned_line_and_eligibility_are_respected():
    sc = scenario([line("L1", [1.0], 2.0, products=["a"]), line("L2", [1.0], 2.0)])
    orders = [
        Order("x", "a", 5, 5.0, 0.0, 1, "L2"),
        Order("y", "a", 5, 5.0, 0.0, 1),
        Order("z", "b", 5, 5.0, 0.0, 1),
    ]
    plan, lines, clock = plan_of(sc, orders)
    assert plan.orders["x"].line == "L2"
    assert plan.orders["z"].line == "L2"
    assert_respects(plan, orders, lines, clock)


def test_same_seed_same_plan():
    sc = scenario([line("L1", [1.0, 0.5], 3.0), line("L2", [0.8], 2.0)])
    orders = random_orders(11, 10, ["a", "b", "c"], 40)
    first = plan_of(sc, orders, seed=7)[0].to_dict()
    second = plan_of(sc, orders, seed=7)[0].to_dict()
    first["solver"] = second["solver"] = None
    assert first == second


def _order(orders, oid):
    return next(o for o in orders if o.id == oid)


@pytest.mark.parametrize("limit", [1, STATE_LIMIT])
def test_without_a_cp_sat_plan_in_time_the_hinted_plan_is_the_answer(monkeypatch, limit):
    """A large part on little time: CP-SAT may have no plan when its time is up
    (UNKNOWN, forced here). The plan it was hinted is the answer: optimal when
    the exact search completed, else feasible with the search's bound."""
    monkeypatch.setattr(cp_model.CpSolver, "solve", lambda self, model: cp_model.UNKNOWN)
    monkeypatch.setattr(model_module, "STATE_LIMIT", limit)
    sc = scenario([line("L1", [1.0], 4.0, products=["a", "b"]), line("L2", [0.5, 0.5], 2.0)])
    orders = random_orders(4, 6, ["a", "b", "c"], 30)
    plan, lines, clock = plan_of(sc, orders)
    best = best_by_enumeration(orders, lines, clock)
    assert_respects(plan, orders, lines, clock)
    if limit == STATE_LIMIT:
        assert_optimal(plan, best)
    else:
        assert plan.status == "feasible"
        assert (
            plan.objective["bound"] <= best[0] + TOL <= plan.objective["weighted_tardiness"] + TOL
        )
