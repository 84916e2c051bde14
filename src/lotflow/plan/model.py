"""The CP-SAT model of ``lotflow plan``: orders to lines, in sequence, least tardiness.

Every order is made whole on one line (interval variables, one optional
interval per line that may make it, exactly one present). Per line:

* the present intervals do not overlap (``AddNoOverlap``), and a circuit
  (``AddCircuit`` over a depot and the line's orders) chooses the sequence:
  an arc ``i -> k`` means order ``k`` directly follows ``i``, and then
  ``start(k) >= end(i) + switch`` with ``switch = 0`` for the same product
  (the line runs on: one campaign) and the line's run-empty time plus its
  changeover for another product; the line starts empty, set up for its first
  order;
* an order starts no earlier than its release and takes ``quantity / rate``
  of working time; it completes (its last part leaves the line) the line's
  run-empty time after its interval ends (:class:`~lotflow.plan.lines.PlanLine`).

Tardiness is measured in wall-clock time, as due dates are: ``max(0,
wall(completion) - due)``. With a calendar, ``wall(w) = w + offset + sum of
the off-shift breaks the line stops at before w``; each break at or after the
due date's working time is a Boolean that must be true for the completion to
pass it, so the wall-clock tardiness is exact. The objective is
lexicographic in one sum: ``(n + 1) x total weighted tardiness + changeovers``
(n orders, so at most n - 1 changeovers): least weighted tardiness first, then
fewest changeovers.

Times are integers in ticks of ``1 / resolution`` of the scenario's time unit
(:func:`resolution`: about a millionth of the planning span or finer, at most
one time unit); durations, releases and due dates are rounded to ticks.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from lotflow.plan.lines import Clock, PlanLine
from lotflow.plan.orders import Order
from lotflow.scenario import ScenarioError

TICKS_PER_SPAN = 1e6


@dataclass(frozen=True)
class SolverOptions:
    """``time_limit`` in seconds of wall time; ``workers`` CP-SAT search workers
    (1 is deterministic for a given ``seed`` whenever the search ends before
    the time limit)."""

    time_limit: float = 60.0
    workers: int = 1
    seed: int = 1


@dataclass(frozen=True)
class Placement:
    """Where an order goes: its line, and its start and completion in working time."""

    line: str
    start: float
    completion: float


@dataclass(frozen=True)
class Solution:
    """The solver's answer. ``weighted_tardiness`` and ``bound`` (a proven lower
    bound of it) are in the time unit; ``gap = (value - bound) / value`` (0 when
    the value is 0); ``solve_s`` is the solver's wall time in seconds."""

    status: str
    placements: dict[str, Placement]
    weighted_tardiness: float
    changeovers: int
    bound: float
    gap: float
    solve_s: float
    resolution: float


def span(orders: list[Order], lines: list[PlanLine], clock: Clock) -> float:
    """Working time by which any sensible plan is done: the latest release, then
    every order on its slowest line with a change of product before each."""
    latest = max(clock.to_work(o.release) for o in orders)
    work = 0.0
    for o in orders:
        options = [ln for ln in lines if _allowed(o, ln)]
        work += max(ln.duration(o.quantity) + ln.switch for ln in options)
    return latest + work + max(ln.fill for ln in lines)


def resolution(span_: float) -> float:
    """Ticks per time unit: a power of ten making the span at least
    ``TICKS_PER_SPAN`` ticks, and at least 1."""
    return float(10 ** max(0, math.ceil(math.log10(TICKS_PER_SPAN / max(span_, 1e-9)))))


def _allowed(order: Order, line: PlanLine) -> bool:
    return line.may_make(order.product) and order.line in (None, line.name)


class _Model:
    """The CP-SAT variables of one planning problem (see the module docstring)."""

    def __init__(self, orders: list[Order], lines: list[PlanLine], clock: Clock) -> None:
        self.orders, self.lines, self.clock = orders, lines, clock
        total = span(orders, lines, clock)
        self.res = resolution(total)
        self.horizon = self.tick(total)
        self.m = cp_model.CpModel()
        self.on: dict[tuple[int, int], tuple] = {}  # (order, line) -> (present, start, end)
        self.changes: list = []
        self.completion = [self.m.new_int_var(0, self.horizon, f"C{j}") for j in range(len(orders))]
        for j, order in enumerate(orders):
            self._place(j, order)
        for li, line in enumerate(lines):
            self._sequence(li, line)
        self.tardiness = [self._tardiness(j, o, total) for j, o in enumerate(orders)]
        self.weighted = sum(o.weight * t for o, t in zip(orders, self.tardiness, strict=True))
        self.factor = len(orders) + 1
        self.m.minimize(self.factor * self.weighted + sum(self.changes))

    def tick(self, value: float) -> int:
        return round(value * self.res)

    def _place(self, j: int, order: Order) -> None:
        release = self.tick(self.clock.to_work(order.release))
        present = []
        for li, line in enumerate(self.lines):
            if not _allowed(order, line):
                continue
            length = max(1, self.tick(line.duration(order.quantity)))
            on = self.m.new_bool_var(f"on{j}_{li}")
            start = self.m.new_int_var(release, self.horizon, f"s{j}_{li}")
            end = self.m.new_int_var(release + length, self.horizon + length, f"e{j}_{li}")
            interval = self.m.new_optional_interval_var(start, length, end, on, f"i{j}_{li}")
            self.m.add(self.completion[j] == end + self.tick(line.fill)).only_enforce_if(on)
            self.on[j, li] = (on, start, end, interval)
            present.append(on)
        self.m.add_exactly_one(present)

    def _sequence(self, li: int, line: PlanLine) -> None:
        here = [j for j in range(len(self.orders)) if (j, li) in self.on]
        if not here:
            return
        self.m.add_no_overlap([self.on[j, li][3] for j in here])
        arcs = [(0, 0, self.m.new_bool_var(f"empty{li}"))]
        switch = self.tick(line.switch)
        for a, j in enumerate(here, start=1):
            on, _, end, _ = self.on[j, li]
            arcs += [
                (a, a, ~on),
                (0, a, self.m.new_bool_var(f"first{j}_{li}")),
                (a, 0, self.m.new_bool_var(f"last{j}_{li}")),
            ]
            for b, k in enumerate(here, start=1):
                if a == b:
                    continue
                follows = self.m.new_bool_var(f"x{j}_{k}_{li}")
                arcs.append((a, b, follows))
                other = self.orders[j].product != self.orders[k].product
                start_k = self.on[k, li][1]
                self.m.add(start_k >= end + (switch if other else 0)).only_enforce_if(follows)
                if other:
                    self.changes.append(follows)
        self.m.add_circuit(arcs)

    def _tardiness(self, j: int, order: Order, total: float):
        """``T >= wall(C) - due`` exactly (module docstring), ``T >= 0``."""
        due_work = self.clock.to_work(order.due)
        at_due = self.tick(due_work)
        slack = self.tick(self.clock.to_wall(due_work) - order.due)  # <= 0
        passed = []
        for at, length in self.clock.breaks(total):
            if self.tick(at) < at_due:
                continue
            past = self.m.new_bool_var(f"past{j}_{len(passed)}")
            self.m.add(self.completion[j] <= self.tick(at)).only_enforce_if(~past)
            if passed:
                self.m.add_implication(past, passed[-1][0])
            passed.append((past, self.tick(length)))
        late = self.m.new_int_var(0, self.tick(self.clock.to_wall(total)), f"T{j}")
        off = sum(length * past for past, length in passed)
        self.m.add(late >= self.completion[j] - at_due + slack + off)
        return late


def solve(
    orders: list[Order], lines: list[PlanLine], clock: Clock, options: SolverOptions
) -> Solution:
    """Solve the planning problem; ScenarioError when no plan is found in time."""
    model = _Model(orders, lines, clock)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = options.time_limit
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    started = time.perf_counter()
    status = solver.solve(model.m)
    elapsed = time.perf_counter() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ScenarioError(
            f"no plan found within {options.time_limit:g} s (solver: {solver.status_name(status)});"
            " allow more time",
            path="--time-limit",
        )
    res = model.res
    weighted = int(solver.value(model.weighted))
    changes = sum(int(solver.value(x)) for x in model.changes)
    optimal = status == cp_model.OPTIMAL
    bound = weighted if optimal else min(weighted, int(solver.best_objective_bound // model.factor))
    placements = {}
    for (j, li), (on, start, _, _) in model.on.items():
        if solver.value(on):
            placements[orders[j].id] = Placement(
                lines[li].name, solver.value(start) / res, solver.value(model.completion[j]) / res
            )
    return Solution(
        status="optimal" if optimal else "feasible",
        placements=placements,
        weighted_tardiness=weighted / res,
        changeovers=changes,
        bound=bound / res,
        gap=0.0 if weighted == 0 else (weighted - bound) / weighted,
        solve_s=elapsed,
        resolution=res,
    )
