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
wall(completion) - due)``. With a calendar, ``wall(w) = w + wall(0) + sum of
the off-shift breaks the line stops at before w``; each break at or after the
due date's working time is a Boolean that must be true for the completion to
pass it, so the wall-clock tardiness is exact. The objective is
lexicographic in one sum: ``(n + 1) x total weighted tardiness + changeovers``
(n orders, so at most n - 1 changeovers): least weighted tardiness first, then
fewest changeovers.

The search gets help that does not change the optimum: independent parts
(:func:`components`) are solved one by one; a first plan
(:mod:`lotflow.plan.heuristic`) is the hint and bounds each order's
completion; interchangeable lines get symmetry breaking and a redundant
cumulative (docs/planning.md).

Times are integers in ticks of ``1 / resolution`` of the scenario's time unit
(:func:`resolution`: about a millionth of the planning span or finer, at most
one time unit); durations, releases and due dates are rounded to ticks.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from lotflow.plan.heuristic import allowed, earliest_due_date
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
        options = [ln for ln in lines if allowed(o, ln)]
        work += max(ln.duration(o.quantity) + ln.switch for ln in options)
    return latest + work + max(ln.fill for ln in lines)


def resolution(span_: float) -> float:
    """Ticks per time unit: a power of ten making the span at least
    ``TICKS_PER_SPAN`` ticks, and at least 1."""
    return float(10 ** max(0, math.ceil(math.log10(TICKS_PER_SPAN / max(span_, 1e-9)))))


def identical_groups(orders: list[Order], lines: list[PlanLine]) -> list[list[int]]:
    """Indices of lines that are interchangeable (same rate, changeover, run-empty
    time and products, no order pinned to them), in groups of two or more."""
    pinned = {o.line for o in orders}
    groups: dict[tuple, list[int]] = {}
    for li, ln in enumerate(lines):
        if ln.name not in pinned:
            groups.setdefault((ln.rate, ln.changeover, ln.fill, ln.products), []).append(li)
    return [g for g in groups.values() if len(g) > 1]


class _Model:
    """The CP-SAT variables of one planning problem (see the module docstring)."""

    def __init__(
        self, orders: list[Order], lines: list[PlanLine], clock: Clock, res: float
    ) -> None:
        self.orders, self.lines, self.clock, self.res = orders, lines, clock, res
        total = span(orders, lines, clock)
        self.horizon = self.tick(total)
        self.breaks = [(self.tick(at), self.tick(length)) for at, length in clock.breaks(total)]
        self.m = cp_model.CpModel()
        self.on: dict[tuple[int, int], tuple] = {}  # (order, line) -> (present, start, end, iv)
        self.arcs: dict[tuple[int, int, int], cp_model.IntVar] = {}  # (line, from, to) -> literal
        self.changes: list = []
        self.completion = [self.m.new_int_var(0, self.horizon, f"C{j}") for j in range(len(orders))]
        for j, order in enumerate(orders):
            self._place(j, order)
        for li, line in enumerate(lines):
            self._sequence(li, line)
        groups = identical_groups(orders, lines)
        self._break_symmetry(groups)
        self._pool(groups)
        first = self._hint(earliest_due_date(orders, lines, clock), groups)
        bound = sum(o.weight * self.late(j, first[j]) for j, o in enumerate(orders))
        self.tardiness = [self._tardiness(j, o, bound) for j, o in enumerate(orders)]
        self.weighted = sum(o.weight * t for o, t in zip(orders, self.tardiness, strict=True))
        self.factor = len(orders) + 1
        self.m.minimize(self.factor * self.weighted + sum(self.changes))

    def tick(self, value: float) -> int:
        return round(value * self.res)

    def length(self, j: int, li: int) -> int:
        return max(1, self.tick(self.lines[li].duration(self.orders[j].quantity)))

    def release(self, j: int) -> int:
        return self.tick(self.clock.to_work(self.orders[j].release))

    def due(self, j: int) -> tuple[int, int]:
        """(working time of the due date, wall time of that working instant less the due date)."""
        due_work = self.clock.to_work(self.orders[j].due)
        return self.tick(due_work), self.tick(self.clock.to_wall(due_work) - self.orders[j].due)

    def late(self, j: int, completion: int) -> int:
        """Wall-clock tardiness in ticks of order ``j`` completing at working tick
        ``completion``, in the model's own arithmetic."""
        at_due, slack = self.due(j)
        off = sum(length for at, length in self.breaks if at_due <= at < completion)
        return max(0, completion - at_due + slack + off)

    def _place(self, j: int, order: Order) -> None:
        present = []
        for li, line in enumerate(self.lines):
            if not allowed(order, line):
                continue
            length = self.length(j, li)
            on = self.m.new_bool_var(f"on{j}_{li}")
            start = self.m.new_int_var(self.release(j), self.horizon, f"s{j}_{li}")
            end = self.m.new_int_var(self.release(j) + length, self.horizon + length, f"e{j}_{li}")
            interval = self.m.new_optional_interval_var(start, length, end, on, f"i{j}_{li}")
            self.m.add(self.completion[j] == end + self.tick(line.fill)).only_enforce_if(on)
            self.on[j, li] = (on, start, end, interval)
            present.append(on)
        self.m.add_exactly_one(present)

    def _sequence(self, li: int, line: PlanLine) -> None:
        """No overlap, and a circuit over node 0 (the line's start and end) and its
        orders: arc ``(li, j, k)`` means k directly follows j (-1 is node 0)."""
        here = [j for j in range(len(self.orders)) if (j, li) in self.on]
        if not here:
            return
        self.m.add_no_overlap([self.on[j, li][3] for j in here])
        node = {j: n for n, j in enumerate(here, start=1)}
        node[-1] = 0
        self.arcs[li, -1, -1] = self.m.new_bool_var(f"empty{li}")
        switch = self.tick(line.switch)
        for j in here:
            on, _, end, _ = self.on[j, li]
            self.arcs[li, j, j] = ~on
            self.arcs[li, -1, j] = self.m.new_bool_var(f"first{j}_{li}")
            self.arcs[li, j, -1] = self.m.new_bool_var(f"last{j}_{li}")
            for k in here:
                if k == j:
                    continue
                follows = self.m.new_bool_var(f"x{j}_{k}_{li}")
                self.arcs[li, j, k] = follows
                other = self.orders[j].product != self.orders[k].product
                start_k = self.on[k, li][1]
                self.m.add(start_k >= end + (switch if other else 0)).only_enforce_if(follows)
                if other:
                    self.changes.append(follows)
        self.m.add_circuit(
            [(node[a], node[b], lit) for (lj, a, b), lit in self.arcs.items() if lj == li]
        )

    def _break_symmetry(self, groups: list[list[int]]) -> None:
        """Interchangeable lines take their orders in index order: an order may go
        on the later of two such lines only if a lower-indexed order is on the earlier."""
        for group in groups:
            for a, b in itertools.pairwise(group):
                for j in range(len(self.orders)):
                    if (j, b) in self.on:
                        before = [self.on[i, a][0] for i in range(j) if (i, a) in self.on]
                        self.m.add_bool_or(before).only_enforce_if(self.on[j, b][0])

    def _pool(self, groups: list[list[int]]) -> None:
        """Redundant: the orders that only interchangeable lines may make share
        them as one pool, a cumulative of capacity the group's size (it gives the
        solver energy reasoning and bounds across the lines)."""
        for group in groups:
            mine = [
                j for j in range(len(self.orders))
                if all((j, li) in self.on for li in group)
                and sum((j, li) in self.on for li in range(len(self.lines))) == len(group)
            ]  # fmt: skip
            intervals = []
            for j in mine:
                length = self.length(j, group[0])
                start = self.m.new_int_var(self.release(j), self.horizon, f"pool_s{j}")
                for li in group:
                    self.m.add(start == self.on[j, li][1]).only_enforce_if(self.on[j, li][0])
                intervals.append(self.m.new_fixed_size_interval_var(start, length, f"pool{j}"))
            if len(intervals) > 1:
                self.m.add_cumulative(intervals, [1] * len(intervals), len(group))

    def _hint(self, sequences: list[list[int]], groups: list[list[int]]) -> list[int]:
        """Hint the search with the left-shifted schedule of ``sequences`` (lines of
        a group relabelled to satisfy the symmetry breaking); returns each order's
        completion tick in it."""
        sequences = [list(s) for s in sequences]
        for group in groups:
            ordered = sorted((sequences[li] for li in group), key=lambda s: min(s, default=1 << 62))
            for li, seq in zip(group, ordered, strict=True):
                sequences[li] = seq
        completion = [0] * len(self.orders)
        hinted: set = set()
        for li, seq in enumerate(sequences):
            t, previous = 0, None
            for j in seq:
                other = (
                    previous is not None and self.orders[previous].product != self.orders[j].product
                )
                start = max(t + (self.tick(self.lines[li].switch) if other else 0), self.release(j))
                t = start + self.length(j, li)
                completion[j] = t + self.tick(self.lines[li].fill)
                self.m.add_hint(self.on[j, li][1], start)
                hinted.add((li, -1 if previous is None else previous, j))
                previous = j
            if seq:
                hinted.add((li, seq[-1], -1))
            if not seq:
                hinted.add((li, -1, -1))
        for key, literal in self.arcs.items():
            if key[1] == key[2] and key[1] >= 0:
                continue  # ~on: hinted through the presence literal
            self.m.add_hint(literal, key in hinted)
        for (j, li), (on, *_) in self.on.items():
            self.m.add_hint(on, j in sequences[li])
        return completion

    def _tardiness(self, j: int, order: Order, bound: int):
        """``T >= wall(C) - due`` exactly (module docstring), ``T >= 0``.

        ``bound`` (ticks) is the total weighted tardiness of the hinted plan, an
        upper bound of the optimum: no better plan has ``weight x T > bound``, so
        the breaks past ``due + bound / weight`` need no Boolean; the completion
        stays before the first of them."""
        at_due, slack = self.due(j)
        cap = self.tick(self.clock.to_work(order.due + bound / (order.weight * self.res)))
        passed: list[tuple[cp_model.IntVar, int]] = []
        for at, length in self.breaks:
            if at < at_due:
                continue
            if at > cap:
                self.m.add(self.completion[j] <= at)
                break
            past = self.m.new_bool_var(f"past{j}_{len(passed)}")
            self.m.add(self.completion[j] <= at).only_enforce_if(~past)
            if passed:
                self.m.add_implication(past, passed[-1][0])
            passed.append((past, length))
        late = self.m.new_int_var(0, bound // order.weight + 1, f"T{j}")
        off = sum(length * past for past, length in passed)
        self.m.add(late >= self.completion[j] - at_due + slack + off)
        return late


def components(orders: list[Order], lines: list[PlanLine]) -> list[tuple[list[int], list[int]]]:
    """Independent parts of the problem: (order indices, line indices) linked by
    which line may make which order. Lines that may make no order are left out."""
    parent = list(range(len(lines)))

    def root(li: int) -> int:
        while parent[li] != li:
            li = parent[li]
        return li

    homes = []
    for order in orders:
        options = [li for li, line in enumerate(lines) if allowed(order, line)]
        for li in options[1:]:
            parent[root(li)] = root(options[0])
        homes.append(options[0])
    parts: dict[int, tuple[list[int], list[int]]] = {}
    for j, li in enumerate(homes):
        parts.setdefault(root(li), ([], []))[0].append(j)
    for li in range(len(lines)):
        if root(li) in parts:
            parts[root(li)][1].append(li)
    return list(parts.values())


def solve(
    orders: list[Order], lines: list[PlanLine], clock: Clock, options: SolverOptions
) -> Solution:
    """Solve the planning problem, each independent part (:func:`components`) on
    its own with a share of the time limit by its number of orders (what a part
    leaves unused goes to the next); ScenarioError when a part finds no plan in time."""
    res = resolution(span(orders, lines, clock))
    started = time.perf_counter()
    placements: dict[str, Placement] = {}
    weighted = bound = changes = 0
    optimal = True
    parts = sorted(components(orders, lines), key=lambda part: len(part[0]))
    left = len(orders)
    for order_ids, line_ids in parts:
        remaining = options.time_limit - (time.perf_counter() - started)
        share = max(remaining, 0.0) * len(order_ids) / left
        left -= len(order_ids)
        part = _solve_part(
            [orders[j] for j in order_ids], [lines[li] for li in line_ids], clock, res,
            replace(options, time_limit=max(share, 0.01)),
        )  # fmt: skip
        placements.update(part.placements)
        weighted += part.weighted
        bound += part.bound
        changes += part.changeovers
        optimal = optimal and part.optimal
    return Solution(
        status="optimal" if optimal else "feasible",
        placements=placements,
        weighted_tardiness=weighted / res,
        changeovers=changes,
        bound=bound / res,
        gap=0.0 if weighted == 0 else (weighted - bound) / weighted,
        solve_s=time.perf_counter() - started,
        resolution=res,
    )


@dataclass(frozen=True)
class _Part:
    """The answer for one independent part, in ticks."""

    placements: dict[str, Placement]
    weighted: int
    bound: int
    changeovers: int
    optimal: bool


def _solve_part(
    orders: list[Order], lines: list[PlanLine], clock: Clock, res: float, options: SolverOptions
) -> _Part:
    model = _Model(orders, lines, clock, res)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = options.time_limit
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    status = solver.solve(model.m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ScenarioError(
            f"no plan found within {options.time_limit:g} s (solver: {solver.status_name(status)});"
            " allow more time",
            path="--time-limit",
        )
    weighted = int(solver.value(model.weighted))
    optimal = status == cp_model.OPTIMAL
    bound = weighted if optimal else min(weighted, int(solver.best_objective_bound // model.factor))
    placements = {}
    for (j, li), (on, start, _, _) in model.on.items():
        if solver.value(on):
            placements[orders[j].id] = Placement(
                lines[li].name, solver.value(start) / res, solver.value(model.completion[j]) / res
            )
    changes = sum(int(solver.value(x)) for x in model.changes)
    return _Part(placements, weighted, bound, changes, optimal)
