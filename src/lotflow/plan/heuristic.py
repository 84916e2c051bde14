"""A first plan for the solver to start from: earliest due date, earliest completion.

Orders in order of due date (then release) go one by one to the line, among
those that may make them, where they would complete first, after that line's
last order (with a run-empty time and changeover on a change of product, and
not before the order's release). The result is a feasible plan whose total
weighted tardiness bounds the optimum from above: :mod:`lotflow.plan.model`
uses it as the search's hint and to bound each order's completion.
"""

from __future__ import annotations

from lotflow.plan.lines import Clock, PlanLine
from lotflow.plan.orders import Order


def allowed(order: Order, line: PlanLine) -> bool:
    """The line may make the order's product and the order is not pinned elsewhere."""
    return line.may_make(order.product) and order.line in (None, line.name)


def earliest_due_date(orders: list[Order], lines: list[PlanLine], clock: Clock) -> list[list[int]]:
    """Per line (same order as ``lines``), the indices into ``orders`` it makes, in sequence."""
    free = [0.0] * len(lines)  # working time each line's last order ends
    last: list[str | None] = [None] * len(lines)
    sequences: list[list[int]] = [[] for _ in lines]
    ranked = sorted(range(len(orders)), key=lambda j: (orders[j].due, orders[j].release, j))
    for j in ranked:
        order = orders[j]
        best = None
        for li, line in enumerate(lines):
            if not allowed(order, line):
                continue
            switch = line.switch if last[li] not in (None, order.product) else 0.0
            start = max(free[li] + switch, clock.to_work(order.release))
            end = start + line.duration(order.quantity)
            if best is None or end + line.fill < best[0]:
                best = (end + line.fill, li, end)
        assert best is not None, "orders are checked to have a line"
        _, li, end = best
        free[li], last[li] = end, order.product
        sequences[li].append(j)
    return sequences
