"""The plan tests' own arithmetic (docs/planning.md), written independently of
:mod:`lotflow.plan`: small scenarios and order books, one line's sequence
evaluated left-shifted, and the best plan by enumerating every assignment and
sequence.

* an order of ``q`` parts occupies its line for ``q / rate`` of working time and
  completes (its last part leaves) the line's run-empty time ``fill`` later;
* a change of product between consecutive orders costs ``fill + changeover``;
  the line starts empty and set up for its first order;
* an order starts no earlier than its release (working time of the wall date);
* tardiness is ``max(0, wall(completion) - due)`` in wall-clock time.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from lotflow.plan.orders import Order
from lotflow.scenario import scenario_from_dict

TOL = 1e-6


def station(name, mean):
    return {"name": name, "process": {"dist": "deterministic", "mean": mean}}


def scenario(lines, time_unit="cycle", calendar=None, products=("a", "b", "c")):
    data = {
        "name": "plan-test",
        "time_unit": time_unit,
        "products": [{"name": p, "lot_size": 10} for p in products],
        "lines": lines,
    }
    if calendar:
        data["calendar"] = calendar
    return scenario_from_dict(data)


def line(name, means, changeover, products=None):
    out = {
        "name": name,
        "stations": [station(f"M{i}", m) for i, m in enumerate(means)],
        "buffers": [2] * (len(means) - 1),
        "changeover": {"dist": "deterministic", "mean": changeover},
    }
    if products:
        out["products"] = list(products)
    return out


def random_orders(seed, n, products, horizon, with_release=True, lines_of=None):
    rng = np.random.default_rng(seed)
    orders = []
    for j in range(n):
        product = products[int(rng.integers(len(products)))]
        quantity = int(rng.integers(2, 13))
        release = float(rng.integers(0, horizon // 3)) if with_release else 0.0
        due = release + float(rng.integers(quantity, horizon))
        orders.append(
            Order(f"o{j}", product, quantity, due, release, int(rng.integers(1, 4)), None)
        )
    return orders


def evaluate(sequence, pl, clock):
    """(weighted tardiness, changeovers) of one line's sequence, left-shifted."""
    t, previous, weighted, changes = 0.0, None, 0.0, 0
    for order in sequence:
        if previous is not None and order.product != previous:
            t += pl.fill + pl.changeover
            changes += 1
        start = max(t, clock.to_work(order.release))
        t = start + order.quantity / pl.rate
        completion = clock.to_wall(t + pl.fill)
        weighted += order.weight * max(0.0, completion - order.due)
        previous = order.product
    return weighted, changes


def best_by_enumeration(orders, lines, clock):
    """Least (weighted tardiness, changeovers) over every assignment and sequence."""
    best = (math.inf, math.inf)
    choices = [[i for i, pl in enumerate(lines) if pl.may_make(o.product)] for o in orders]
    for assignment in itertools.product(*choices):
        per_line = [[o for o, a in zip(orders, assignment, strict=True) if a == i] for i in
                    range(len(lines))]  # fmt: skip
        totals = []
        for i, group in enumerate(per_line):
            totals.append(
                min(
                    (evaluate(seq, lines[i], clock) for seq in itertools.permutations(group)),
                    key=lambda v: (round(v[0], 6), v[1]),
                )
                if group
                else (0.0, 0)
            )
        value = (sum(t[0] for t in totals), sum(t[1] for t in totals))
        if (round(value[0], 6), value[1]) < (round(best[0], 6), best[1]):
            best = value
    return best
