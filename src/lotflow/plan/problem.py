"""One planning problem in integer ticks: what the CP-SAT model and the exact search share.

Times are integers in ticks of ``1 / resolution`` of the scenario's time unit
(:func:`resolution`: about a millionth of the planning span or finer, at most
one time unit); durations, releases and due dates are rounded to ticks. Both
:mod:`lotflow.plan.model` and :mod:`lotflow.plan.exact` compute starts,
completions and tardiness with the methods here, so a bound one proves holds
for the other to the tick.

The objective is lexicographic in one integer: ``factor x total weighted
tardiness + changeovers`` with ``factor = n + 1`` (n orders, so at most n - 1
changeovers): least weighted tardiness first, then fewest changeovers.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

from lotflow.plan.heuristic import allowed
from lotflow.plan.lines import Clock, PlanLine
from lotflow.plan.orders import Order

TICKS_PER_SPAN = 1e6


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


@dataclass(frozen=True)
class Schedule:
    """Per-line sequences of order indices, left-shifted: each order starts as
    soon as its line (after a change of product, its run-empty time and
    changeover) and its release allow. ``start`` and ``completion`` per order,
    in working ticks; ``weighted`` tardiness in ticks (wall clock);
    ``objective`` as in the module docstring."""

    sequences: list[list[int]]
    start: list[int]
    completion: list[int]
    weighted: int
    changeovers: int
    objective: int


class Problem:
    """The orders and lines of one planning problem (or one independent part of
    it) in ticks: releases, durations, run-empty and switch times, and the
    wall-clock tardiness of a completion through the calendar's breaks."""

    def __init__(
        self, orders: list[Order], lines: list[PlanLine], clock: Clock, res: float
    ) -> None:
        self.orders, self.lines, self.clock, self.res = orders, lines, clock, res
        self.eligible = [
            [li for li, line in enumerate(lines) if allowed(o, line)] for o in orders
        ]  # fmt: skip
        self.horizon = self._horizon()
        until = (self.horizon + 1) / res  # every break at a tick up to the horizon
        self.breaks = [(self.tick(at), self.tick(length)) for at, length in clock.breaks(until)]
        self._break_at = [at for at, _ in self.breaks]
        self._off_before = [0, *accumulate(length for _, length in self.breaks)]
        self.groups = identical_groups(orders, lines)
        self.factor = len(orders) + 1
        self._due = [self._due_ticks(o) for o in orders]

    def _horizon(self) -> int:
        """Working tick by which every left-shifted plan is complete: the latest
        release, then every order on its slowest line after a change of product,
        then the longest run-empty time (:func:`span` in ticks, rounded as used)."""
        n = range(len(self.orders))
        latest = max(self.release(j) for j in n)
        work = sum(max(self.length(j, li) + self.switch(li) for li in self.eligible[j]) for j in n)
        return latest + work + max(self.fill(li) for li in range(len(self.lines)))

    def tick(self, value: float) -> int:
        """``value`` (time unit) in whole ticks."""
        return round(value * self.res)

    def length(self, j: int, li: int) -> int:
        """Ticks of working time order ``j`` occupies line ``li`` (at least one)."""
        return max(1, self.tick(self.lines[li].duration(self.orders[j].quantity)))

    def release(self, j: int) -> int:
        """Working tick of order ``j``'s release."""
        return self.tick(self.clock.to_work(self.orders[j].release))

    def fill(self, li: int) -> int:
        """Ticks from the end of an order's interval to its completion on line ``li``."""
        return self.tick(self.lines[li].fill)

    def switch(self, li: int) -> int:
        """Ticks between two orders of different products on line ``li``."""
        return self.tick(self.lines[li].switch)

    def due(self, j: int) -> tuple[int, int]:
        """(working tick of the due date, wall time of that working instant less the due date)."""
        return self._due[j]

    def _due_ticks(self, order: Order) -> tuple[int, int]:
        due_work = self.clock.to_work(order.due)
        return self.tick(due_work), self.tick(self.clock.to_wall(due_work) - order.due)

    def late(self, j: int, completion: int) -> int:
        """Wall-clock tardiness in ticks of order ``j`` completing at working tick
        ``completion``: ``max(0, completion - due + slack + the breaks at working
        ticks in [due, completion))``; nondecreasing in ``completion``."""
        at_due, slack = self._due[j]
        first = bisect_left(self._break_at, at_due)
        last = max(first, bisect_left(self._break_at, completion))
        off = self._off_before[last] - self._off_before[first]
        return max(0, completion - at_due + slack + off)

    def on_time_until(self, j: int) -> int:
        """The last working tick order ``j`` may complete at without tardiness, or
        the horizon if earlier (no plan completes later; the breaks stop there)."""
        at_due, slack = self._due[j]
        # late(at_due) == 0 < late(c) for c > at_due - slack (slack <= 0)
        lo, hi = min(at_due, self.horizon), min(at_due - slack, self.horizon)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if self.late(j, mid) == 0 else (lo, mid - 1)
        return lo

    def objective(self, weighted: int, changeovers: int) -> int:
        """The one-integer lexicographic objective (module docstring)."""
        return self.factor * weighted + changeovers

    def left_shift(self, sequences: list[list[int]]) -> Schedule:
        """The left-shifted :class:`Schedule` of per-line ``sequences``."""
        n = len(self.orders)
        start, completion = [0] * n, [0] * n
        weighted = changes = 0
        for li, seq in enumerate(sequences):
            free, setup = 0, None
            for j in seq:
                other = setup not in (None, self.orders[j].product)
                changes += other
                start[j] = max(free + (self.switch(li) if other else 0), self.release(j))
                free = start[j] + self.length(j, li)
                completion[j] = free + self.fill(li)
                weighted += self.orders[j].weight * self.late(j, completion[j])
                setup = self.orders[j].product
        return Schedule(
            [list(s) for s in sequences], start, completion, weighted, changes,
            self.objective(weighted, changes),
        )  # fmt: skip
