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
(:func:`components`) are solved one by one; before CP-SAT, a first plan
(:mod:`lotflow.plan.heuristic`) improved by a beam search, and the exact
search of :mod:`lotflow.plan.exact`, give the best plan known, the hint (it
also bounds each order's completion), and a proven lower bound of the
objective, the lower end of the objective variable's domain (CP-SAT's linear
relaxation bounds tardiness by 0, so its own bound stays near 0 where orders
must be late); interchangeable lines get symmetry breaking and a redundant
cumulative (docs/planning.md).

Times are integers in ticks (:mod:`lotflow.plan.problem`, which also holds
the arithmetic of starts, completions and tardiness the exact search shares).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from lotflow.plan.exact import beam_plan, exact_bound
from lotflow.plan.heuristic import allowed, earliest_due_date
from lotflow.plan.lines import Clock, PlanLine
from lotflow.plan.orders import Order
from lotflow.plan.problem import Problem, Schedule, resolution, span

EXACT_SHARE = 0.5  # of a part's time limit, at most, for the exact search before CP-SAT
BEAM_WIDTH = 200  # states per layer of the beam search that improves the first plan
STATE_LIMIT = 1_000_000  # states the exact search may make (a few hundred bytes each)
MIN_SOLVE_S = 0.01  # CP-SAT's time limit when the exact search used up the part's time


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


class _Model:
    """The CP-SAT variables of one planning problem (see the module docstring):
    ``hint`` is a known plan, the search's start (every variable hinted);
    ``lower`` a proven lower bound of the objective (``Problem.objective``):
    the objective is a variable whose domain starts at ``lower``, so CP-SAT's
    bound starts there and a hint that meets it is optimal at once."""

    def __init__(self, problem: Problem, hint: Schedule, lower: int) -> None:
        self.p = problem
        self.orders, self.lines = problem.orders, problem.lines
        self.m = cp_model.CpModel()
        self.on: dict[tuple[int, int], tuple] = {}  # (order, line) -> (present, start, end, iv)
        self.arcs: dict[tuple[int, int, int], cp_model.IntVar] = {}  # (line, from, to) -> literal
        self.changes: list = []
        horizon = problem.horizon
        self.completion = [self.m.new_int_var(0, horizon, f"C{j}") for j in range(len(self.orders))]
        for j in range(len(self.orders)):
            self._place(j)
        for li, line in enumerate(self.lines):
            self._sequence(li, line)
        self._break_symmetry(problem.groups)
        self.pooled: dict[int, cp_model.IntVar] = {}  # order -> its start in its group's pool
        self._pool(problem.groups)
        self.plan = plan = self._relabel(hint, problem.groups)
        self.passed: list[list[tuple[cp_model.IntVar, int]]] = []  # per order: (past, break tick)
        self.tardiness = [self._tardiness(j, o, plan.weighted) for j, o in enumerate(self.orders)]
        self.weighted = sum(o.weight * t for o, t in zip(self.orders, self.tardiness, strict=True))
        # from the proven bound (CP-SAT's own bound starts there) to the most the variables allow
        most = problem.objective(
            sum(o.weight * (plan.weighted // o.weight + 1) for o in self.orders), len(self.changes)
        )  # T_j <= bound // weight + 1 (_tardiness)
        self.objective = self.m.new_int_var(lower, most, "objective")
        self.m.add(self.objective == problem.factor * self.weighted + sum(self.changes))
        self.m.minimize(self.objective)
        self._hint(plan)

    def _place(self, j: int) -> None:
        present = []
        release, horizon = self.p.release(j), self.p.horizon
        for li in self.p.eligible[j]:
            length = self.p.length(j, li)
            on = self.m.new_bool_var(f"on{j}_{li}")
            start = self.m.new_int_var(release, horizon, f"s{j}_{li}")
            end = self.m.new_int_var(release + length, horizon + length, f"e{j}_{li}")
            interval = self.m.new_optional_interval_var(start, length, end, on, f"i{j}_{li}")
            self.m.add(self.completion[j] == end + self.p.fill(li)).only_enforce_if(on)
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
        switch = self.p.switch(li)
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
                length = self.p.length(j, group[0])
                start = self.m.new_int_var(self.p.release(j), self.p.horizon, f"pool_s{j}")
                self.pooled[j] = start
                for li in group:
                    self.m.add(start == self.on[j, li][1]).only_enforce_if(self.on[j, li][0])
                intervals.append(self.m.new_fixed_size_interval_var(start, length, f"pool{j}"))
            if len(intervals) > 1:
                self.m.add_cumulative(intervals, [1] * len(intervals), len(group))

    def _relabel(self, hint: Schedule, groups: list[list[int]]) -> Schedule:
        """``hint`` with the sequences of each group of interchangeable lines
        reordered to satisfy the symmetry breaking (the same plan up to the
        lines' names), left-shifted."""
        sequences = [list(s) for s in hint.sequences]
        for group in groups:
            ordered = sorted((sequences[li] for li in group), key=lambda s: min(s, default=1 << 62))
            for li, seq in zip(group, ordered, strict=True):
                sequences[li] = seq
        return self.p.left_shift(sequences)

    def _hint(self, plan: Schedule) -> None:
        """Hint every variable with its value in ``plan`` (a complete hint: CP-SAT
        then starts from that plan rather than searching for it)."""
        hinted: set = set()
        for li, seq in enumerate(plan.sequences):
            hinted.update((li, a, b) for a, b in itertools.pairwise([-1, *seq, -1]))
        for key, literal in self.arcs.items():
            if key[1] != key[2] or key[1] < 0:  # not ~on: hinted through the presence literal
                self.m.add_hint(literal, key in hinted)
        for (j, li), (on, start, end, _) in self.on.items():
            present = j in plan.sequences[li]
            at = plan.start[j] if present else self.p.release(j)
            self.m.add_hint(on, present)
            self.m.add_hint(start, at)
            self.m.add_hint(end, at + self.p.length(j, li))
        for j, completion in enumerate(plan.completion):
            self.m.add_hint(self.completion[j], completion)
            self.m.add_hint(self.tardiness[j], self.p.late(j, completion))
            for past, at in self.passed[j]:
                self.m.add_hint(past, completion > at)
        for j, start in self.pooled.items():
            self.m.add_hint(start, plan.start[j])
        self.m.add_hint(self.objective, plan.objective)

    def _tardiness(self, j: int, order: Order, bound: int):
        """``T >= wall(C) - due`` exactly (module docstring), ``T >= 0``.

        ``bound`` (ticks) is the total weighted tardiness of the hinted plan, an
        upper bound of the optimum: no better plan has ``weight x T > bound``, so
        the breaks past ``due + bound / weight`` need no Boolean; the completion
        stays before the first of them."""
        at_due, slack = self.p.due(j)
        cap = self.p.tick(self.p.clock.to_work(order.due + bound / (order.weight * self.p.res)))
        passed: list[tuple[cp_model.IntVar, int]] = []
        off = []
        for at, length in self.p.breaks:
            if at < at_due:
                continue
            if at > cap:
                self.m.add(self.completion[j] <= at)
                break
            past = self.m.new_bool_var(f"past{j}_{len(passed)}")
            self.m.add(self.completion[j] <= at).only_enforce_if(~past)
            if passed:
                self.m.add_implication(past, passed[-1][0])
            passed.append((past, at))
            off.append(length * past)
        self.passed.append(passed)
        late = self.m.new_int_var(0, bound // order.weight + 1, f"T{j}")
        self.m.add(late >= self.completion[j] - at_due + slack + sum(off))
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
    leaves unused goes to the next)."""
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
    """One independent part: the exact search's bound and plan (:func:`_prove`),
    then CP-SAT from that plan with that bound for the rest of the time. If
    CP-SAT has no plan when its time is up (a large part on little time), the
    plan it was hinted is the answer."""
    started = time.perf_counter()
    problem = Problem(orders, lines, clock, res)
    lower, hint = _prove(problem, started + EXACT_SHARE * options.time_limit)
    model = _Model(problem, hint, lower)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(
        options.time_limit - (time.perf_counter() - started), MIN_SOLVE_S
    )
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    status = solver.solve(model.m)
    if status == cp_model.UNKNOWN:
        return _of_plan(problem, model.plan, lower)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"CP-SAT says {solver.status_name(status)} for a model with a plan")
    weighted = int(solver.value(model.weighted))
    optimal = status == cp_model.OPTIMAL
    proven = int(solver.best_objective_bound) // problem.factor
    bound = weighted if optimal else min(weighted, proven)
    placements = {}
    for (j, li), (on, start, _, _) in model.on.items():
        if solver.value(on):
            placements[orders[j].id] = Placement(
                lines[li].name, solver.value(start) / res, solver.value(model.completion[j]) / res
            )
    changes = sum(int(solver.value(x)) for x in model.changes)
    return _Part(placements, weighted, bound, changes, optimal)


def _of_plan(problem: Problem, plan: Schedule, lower: int) -> _Part:
    """The answer of a part from a plan of the searches and the proven ``lower``
    bound of the objective: optimal if the plan meets it."""
    placements = {
        problem.orders[j].id: Placement(
            problem.lines[li].name, plan.start[j] / problem.res, plan.completion[j] / problem.res
        )
        for li, seq in enumerate(plan.sequences)
        for j in seq
    }
    bound = min(plan.weighted, lower // problem.factor)
    return _Part(placements, plan.weighted, bound, plan.changeovers, plan.objective == lower)


def _prove(problem: Problem, deadline: float) -> tuple[int, Schedule]:
    """(A lower bound of the objective, the best plan known) before CP-SAT: the
    first plan (:mod:`lotflow.plan.heuristic`) improved by a beam search, then
    the exact search (:func:`~lotflow.plan.exact.exact_bound`) from it until
    ``deadline``."""
    first = problem.left_shift(earliest_due_date(problem.orders, problem.lines, problem.clock))
    better = beam_plan(problem, first, BEAM_WIDTH, deadline)
    proof = exact_bound(problem, better, deadline, STATE_LIMIT)
    return proof.value, proof.schedule or better
