"""A proven lower bound of a planning problem's objective, and its optimum when the
search completes: dynamic programming over sets of planned orders.

Why (docs/planning.md): CP-SAT's linear relaxation bounds ``max(0, C - d)``
with optional intervals by 0, so its own bound stays near 0 wherever orders
must be late (on the reference quarter: 0 after 60 s, for a plan 1,033 h
late). :func:`exact_bound` proves a bound in the model's own integer
objective, ``factor x weighted tardiness + changeovers`` in ticks
(:mod:`lotflow.plan.problem`, whose arithmetic both use), and finds the optimum
when it completes; the model takes the bound as the lower end of its
objective and the plan as its hint.

**Plans as sequences of appends.** A plan is built by appending orders one at
a time, each to the end of one line's sequence, in order of their start
times: an appended order starts at ``max(release, the line free + (run-empty
time and changeover if the product changes), the previous append's start)``.
Every plan is covered: left-shifting a plan (every order as early as its
release, its line and its predecessor allow) makes no order later, and
tardiness is nondecreasing in the completion, so some left-shifted plan is
optimal; appending its orders in order of their starts, each to its own line,
rebuilds it exactly (each start is at least the previous one). Conversely,
every sequence of appends is a feasible plan.

**States.** After the orders of a set ``S``, what matters for the rest is, per
line, the earliest tick the next order may start with the line's current
product and with another (both at least the last start: ``ready``), the
product the line is set up for (``setup``; none before its first order), and
the objective so far (``cost``). States are grown layer by layer, ``|S| = 0,
1, ..., n``.

**Dominance.** A state ``a`` dominates ``b`` with the same ``S`` and setups
when ``a`` is ready no later everywhere and ``cost(a) <= cost(b)``: the same
appends after ``a`` start every order no later, with the same changeovers, so
finish no worse. Dominated states are dropped. Interchangeable lines
(:func:`~lotflow.plan.problem.identical_groups`) are sorted by (ready, setup)
within their group, so states that differ only by swapping such lines are one.

**Pruning.** ``upper`` is a known plan of objective ``U``. A state's
``bound`` is its ``cost`` plus :meth:`_Search.rest`: per unplanned order,
``factor x weight x`` its tardiness if it started as early as its release and
its best eligible line allow, and one changeover per product some unplanned
order needs while none of its eligible lines is set up for it or empty. Any
plan through the state costs at least ``bound``. States with ``bound > U``
cannot beat ``upper`` and are dropped.

**The bound.** Every plan (its left-shifted form) passes, after ``k``
appends, through a state of layer ``k``, or one dominated by it, or one
pruned because every plan through it costs more than ``U``; so ``min(U,
least bound in layer k)`` is a lower bound of the optimum after every
complete layer, and the search can stop at any time (``deadline``, ``limit``
states) with a valid bound. When layer ``n`` is complete, its cheapest state
is an optimal plan: bound = value.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from lotflow.plan.problem import Problem, Schedule

NO_PRODUCT = -1  # a line that has made nothing yet: set up for any product
INFINITE = 1 << 62

Key = tuple[int, tuple[int, ...]]  # (set of planned orders as bits, setup product per line)
Layer = dict[Key, list["_State"]]


@dataclass(frozen=True)
class Bound:
    """``value``: a lower bound, in the objective's integer (``factor x weighted
    tardiness ticks + changeovers``), of every plan of the problem;
    ``schedule``: an optimal plan (then ``value`` is its objective) when the
    search completed, else None."""

    value: int
    schedule: Schedule | None


class _State(NamedTuple):
    """One state (module docstring). ``ready`` per line slot ``i``: ``ready[2i]``
    the earliest working tick the next order may start there with the line's
    product, ``ready[2i + 1]`` with another (after run-empty and changeover),
    both at least the last start; ``setup`` the product index per slot; ``cost``
    and ``bound`` in the objective's integer; ``parent``, ``order`` and ``slot``:
    how it was reached."""

    ready: tuple[int, ...]
    setup: tuple[int, ...]
    cost: int
    bound: int
    parent: _State | None
    order: int
    slot: int


class _Search:
    """The states of one :class:`Problem`: how they grow and what they bound."""

    def __init__(self, problem: Problem) -> None:
        self.p = problem
        products = sorted({o.product for o in problem.orders})
        self.product = [products.index(o.product) for o in problem.orders]
        self.release = [problem.release(j) for j in range(len(problem.orders))]
        self.weight = [problem.factor * o.weight for o in problem.orders]
        # per order and eligible line: (slot, ticks on the line, ticks from start to completion)
        self.options = [
            [(li, problem.length(j, li), problem.length(j, li) + problem.fill(li)) for li in lines]
            for j, lines in enumerate(problem.eligible)
        ]  # fmt: skip
        self.switch = [problem.switch(li) for li in range(len(problem.lines))]
        self.on_time = [problem.on_time_until(j) for j in range(len(problem.orders))]
        # earliest due first: the orders most likely late, so :meth:`rest` exceeds early
        self.by_due = sorted(range(len(problem.orders)), key=lambda j: problem.due(j)[0])

    def root(self) -> _State:
        """Nothing planned: every line ready at 0 for any product."""
        lines = len(self.p.lines)
        ready, setup = (0,) * (2 * lines), (NO_PRODUCT,) * lines
        return _State(ready, setup, 0, self.rest(0, ready, setup, INFINITE), None, -1, -1)

    def first_layer(self) -> Layer:
        """Layer 0: the root alone."""
        root = self.root()
        return {(0, root.setup): [root]}

    def start(self, ready: tuple[int, ...], setup: tuple[int, ...], j: int, li: int) -> int:
        """Working tick order ``j`` starts if appended to line slot ``li`` now."""
        return max(self.release[j], ready[2 * li + self.changes(setup, j, li)])

    def changes(self, setup: tuple[int, ...], j: int, li: int) -> bool:
        """Whether line slot ``li``, set up as in ``setup``, changes product for order ``j``."""
        return setup[li] not in (NO_PRODUCT, self.product[j])

    def added(self, j: int, completion: int) -> int:
        """Weighted tardiness of order ``j`` completing at ``completion`` (working
        tick), in the objective's integer."""
        return 0 if completion <= self.on_time[j] else self.weight[j] * self.p.late(j, completion)

    def rest(
        self, planned: int, ready: tuple[int, ...], setup: tuple[int, ...], enough: int
    ) -> int:
        """Least objective the orders not in ``planned`` can add: each order's
        tardiness as if it started alone on its best eligible line as early as
        that line allows, plus one changeover per product that some unplanned
        order needs and no eligible line of it is set up for (or empty: set up
        for anything), since each such product is changed over to at least once.
        Stops summing once past ``enough`` (then only "more than ``enough``" holds)."""
        total = 0
        unset: set[int] = set()
        for j in self.by_due:
            if planned >> j & 1:
                continue
            done, change = INFINITE, True
            for li, _, span in self.options[j]:
                done = min(done, self.start(ready, setup, j, li) + span)
                change = change and self.changes(setup, j, li)
            total += self.added(j, done)
            if total > enough:
                return total
            if change:
                unset.add(self.product[j])
        return total + len(unset)

    def children(self, planned: int, state: _State, upper: int) -> Iterator[tuple[Key, _State]]:
        """Every canonical state one append of an unplanned order to an eligible
        line away from ``state`` whose cost is at most ``upper``, with its key;
        ``bound`` is left at the cost (see :meth:`bounded`)."""
        for j, options in enumerate(self.options):
            if planned >> j & 1:
                continue
            now = planned | 1 << j
            for li, length, span in options:
                start = self.start(state.ready, state.setup, j, li)
                cost = state.cost + self.added(j, start + span) + self.changes(state.setup, j, li)
                if cost > upper:
                    continue
                rows = self.canonical(self.after(state, j, li, start, start + length))
                ready = tuple(t for row in rows for t in row[:2])
                setup = tuple(row[2] for row in rows)
                yield (now, setup), _State(ready, setup, cost, cost, state, j, li)

    def bounded(self, planned: int, state: _State, upper: int) -> _State:
        """``state`` (after the orders ``planned``) with its bound, cost plus
        :meth:`rest`, exact up to ``upper`` (above it, only known to exceed it)."""
        rest = self.rest(planned, state.ready, state.setup, upper - state.cost)
        return state._replace(bound=state.cost + rest)

    def after(
        self, state: _State, j: int, li: int, start: int, end: int
    ) -> list[tuple[int, int, int]]:
        """Per line slot (ready same product, ready other product, setup) after
        order ``j`` runs from ``start`` to ``end`` on slot ``li``: nothing may
        start earlier."""
        rows = []
        for i, setup in enumerate(state.setup):
            if i == li:
                rows.append((end, end + self.switch[li], self.product[j]))
            else:
                same, other = state.ready[2 * i], state.ready[2 * i + 1]
                rows.append((max(same, start), max(other, start), setup))
        return rows

    def canonical(self, rows: list[tuple]) -> list[tuple]:
        """``rows`` (one per line slot, beginning with its ready ticks and setup)
        with each group of interchangeable lines sorted by those three."""
        for group in self.p.groups:
            ordered = sorted((rows[i] for i in group), key=lambda r: r[:3])
            for i, row in zip(group, ordered, strict=True):
                rows[i] = row
        return rows

    def replay(self, last: _State) -> Schedule:
        """The plan of a complete state: its appends replayed from the root with
        the same canonical sorting, each slot carrying its sequence along."""
        steps = []
        node: _State | None = last
        while node is not None and node.parent is not None:
            steps.append((node.order, node.slot))
            node = node.parent
        ready, setup = self.root()[:2]
        sequences: list[list[int]] = [[] for _ in self.p.lines]
        for j, li in reversed(steps):
            state = _State(ready, setup, 0, 0, None, -1, -1)
            start = self.start(ready, setup, j, li)
            rows = self.after(state, j, li, start, start + self.p.length(j, li))
            sequences[li] = [*sequences[li], j]
            carried = self.canonical([(*r, s) for r, s in zip(rows, sequences, strict=True)])
            ready = tuple(t for row in carried for t in row[:2])
            setup = tuple(row[2] for row in carried)
            sequences = [row[3] for row in carried]
        return self.p.left_shift(sequences)


def _dominated(kept: list[_State], state: _State) -> bool:
    """Whether a state in ``kept`` (same key) is ready no later everywhere at no more cost."""
    return any(
        k.cost <= state.cost and all(a <= b for a, b in zip(k.ready, state.ready, strict=True))
        for k in kept
    )


def _insert(kept: list[_State], state: _State) -> None:
    """Add ``state`` to ``kept`` (its key's states), dropping those it dominates."""
    kept[:] = [k for k in kept if not _dominated([state], k)]
    kept.append(state)


class _Budget:
    """When a search must stop: ``time.perf_counter()`` past ``deadline`` or more
    than ``limit`` states made (looked at after each expanded state)."""

    def __init__(self, deadline: float, limit: int) -> None:
        self.deadline, self.limit = deadline, limit
        self.made = 0

    def spent(self, made: int) -> bool:
        """Count one expansion that made ``made`` states; whether to stop."""
        self.made += made
        return self.made > self.limit or time.perf_counter() > self.deadline


def _grow(search: _Search, layer: Layer, upper: int, budget: _Budget) -> Layer | None:
    """The next layer: every non-dominated child of ``layer`` with bound at most
    ``upper``; None as soon as the budget is spent."""
    grown: Layer = {}
    for (planned, _), states in layer.items():
        for state in states:
            made = 0
            for key, child in search.children(planned, state, upper):
                kept = grown.setdefault(key, [])
                if _dominated(kept, child):
                    continue
                child = search.bounded(key[0], child, upper)
                if child.bound <= upper:
                    _insert(kept, child)
                    made += 1
            if budget.spent(made):
                return None
    return grown


def _states(layer: Layer) -> Iterator[_State]:
    return (s for states in layer.values() for s in states)


def exact_bound(problem: Problem, upper: Schedule, deadline: float, limit: int) -> Bound:
    """Search the problem's plans layer by layer (module docstring) until layer n
    is complete, ``time.perf_counter()`` passes ``deadline`` or more than
    ``limit`` states were made; ``upper`` is a known plan. The bound of the last
    complete layer, and the optimum when that is layer n (``upper`` itself when
    its objective is 0, the least there is)."""
    if upper.objective == 0:
        return Bound(0, upper)
    search = _Search(problem)
    layer, budget = search.first_layer(), _Budget(deadline, limit)
    for _ in problem.orders:
        grown = _grow(search, layer, upper.objective, budget)
        if grown is None:
            least = min(s.bound for s in _states(layer))
            return Bound(min(least, upper.objective), None)
        layer = grown
    best = min(_states(layer), key=lambda s: s.cost)
    schedule = search.replay(best)
    assert schedule.objective == best.cost, "the search and left_shift disagree"
    return Bound(best.cost, schedule)


def beam_plan(problem: Problem, upper: Schedule, width: int, deadline: float) -> Schedule:
    """A plan at least as good as ``upper``: the search keeping only the
    ``width`` states of least bound in each layer (a heuristic, no bound);
    ``upper`` itself if ``time.perf_counter()`` passes ``deadline`` first, or
    if its objective is 0 (it cannot be beaten)."""
    if upper.objective == 0:
        return upper
    search = _Search(problem)
    layer, budget = search.first_layer(), _Budget(deadline, INFINITE)
    for _ in problem.orders:
        grown = _grow(search, layer, upper.objective, budget)
        if grown is None:
            return upper
        best = sorted(
            ((key, s) for key, states in grown.items() for s in states),
            key=lambda ks: (ks[1].bound, ks[1].cost),
        )[:width]
        layer = {}
        for key, state in best:
            layer.setdefault(key, []).append(state)
    if not layer:
        return upper
    found = search.replay(min(_states(layer), key=lambda s: s.cost))
    return found if found.objective < upper.objective else upper
