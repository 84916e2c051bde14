"""``lotflow run --plan``: a plan's campaigns on the simulated lines, per order on time?

Each line makes its planned orders in the planned sequence, with the
scenario's failures, repairs, scrap, changeovers and calendar (the engine of
``lotflow run``). Lots relate to orders as in the plan (docs/planning.md): an
order of ``q`` parts is ``q // lot_size`` full lots and, if a remainder is
left, one short lot; lots never mix orders. Each order becomes engine
campaigns of those lots; a product change runs the line empty and changes over
(model.md), the same product runs on; an order's first part is released no
earlier than its release date (``LineArrays.camp_release``). The line does not
wait for the plan's start times: it starts each order as soon as it can.

An order's simulated completion is the wall time its last lot leaves the line
(the plan's meaning; the range test and shipping come after and are not part
of it). Over the replications, per order: the probability of completing by the
due date, and the mean and 95 % CI of completion and tardiness.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import replace
from functools import partial

import numpy as np

from lotflow import __version__
from lotflow.analysis.statistics import summarize
from lotflow.engine import layout as k
from lotflow.engine.compiled import LineArrays, compile_line
from lotflow.engine.line_run import LineRun, spawn_generators
from lotflow.experiment.seeding import component_seeds, replication_seed
from lotflow.plan.lines import Clock
from lotflow.plan.schedule import Plan

HORIZON_FACTOR = 10.0  # the simulated window: this many times the plan's last completion
BINS = 1000


def plan_campaigns(
    arrays: LineArrays, plan: Plan, lot_size: dict[str, int], clock: Clock
) -> tuple[LineArrays, list[str]]:
    """``arrays`` with its campaigns replaced by the line's planned orders, and the
    order id of each engine campaign (an order: its full lots, then a short lot)."""
    rows: list[tuple[str, int, int, float]] = []  # (order, lots, lot size, release)
    for oid in plan.sequence.get(arrays.name, []):
        order = plan.orders[oid]
        full, rest = divmod(order.quantity, lot_size[order.product])
        release = clock.to_work(order.release)
        if full:
            rows.append((oid, full, lot_size[order.product], release))
        if rest:
            rows.append((oid, 1, rest, 0.0 if full else release))
    product = [arrays.products.index(plan.orders[oid].product) for oid, *_ in rows]
    # Campaign 0's flag is read only when the list wraps: the last order then
    # waits for the outcome of all its parts, as before any change of product.
    changeover = [c == 0 or product[c] != product[c - 1] for c in range(len(rows))]
    compiled = replace(
        arrays,
        camp_target=np.array([n * s for _, n, s, _ in rows], dtype=np.int64),
        camp_lots=np.array([n for _, n, _, _ in rows], dtype=np.int64),
        camp_lot_size=np.array([s for _, _, s, _ in rows], dtype=np.int64),
        camp_product=np.array(product, dtype=np.int64),
        camp_changeover=np.array(changeover, dtype=np.bool_),
        camp_release=np.array([r for *_, r in rows], dtype=np.float64),
    )
    return compiled, [oid for oid, *_ in rows]


def window_end(plan: Plan, clock: Clock) -> float:
    """Working time the simulation may run to: ``HORIZON_FACTOR`` times the plan's
    last completion (the engine stops as soon as every order is complete)."""
    last = max((o.completion for o in plan.orders.values()), default=0.0)
    return HORIZON_FACTOR * clock.to_work(last) + 1.0


def replicate(scenario, plan: Plan, seed: int, index: int) -> dict[str, float | None]:
    """Replication ``index``: each planned order's completion (wall time), None if
    it did not complete within the simulated window."""
    clock = Clock.of(scenario)
    lot_size = {p.name: p.lot_size for p in scenario.products}
    line_seeds, _ = component_seeds(replication_seed(seed, index), len(scenario.lines))
    w1 = window_end(plan, clock)
    done: dict[str, float | None] = {}
    for line, line_seed in zip(scenario.lines, line_seeds, strict=True):
        arrays, owner = plan_campaigns(compile_line(line, scenario.products), plan, lot_size, clock)
        lots_left = {oid: 0 for oid in owner}
        for oid, lots in zip(owner, arrays.camp_lots, strict=True):
            lots_left[oid] += int(lots)
        open_orders = len(lots_left)
        run = LineRun(arrays, spawn_generators(line_seed, arrays.n_streams), 0.0, w1, w1 / BINS)
        while open_orders and run.advance(stop_each_lot=True) == k.LOT_COMPLETED:
            _, end, campaign = run.last_lot()
            oid = owner[int(campaign)]
            lots_left[oid] -= 1
            if lots_left[oid] == 0:
                done[oid] = clock.to_wall(float(end))
                open_orders -= 1
        for oid in lots_left:
            done.setdefault(oid, None)
    return done


def simulate_plan(
    scenario,
    plan: Plan,
    seed: int,
    replications: int,
    workers: int = 1,
    on_done: Callable[[], None] | None = None,
) -> dict:
    """The ``plan`` block of the results JSON: per order ``on_time`` (probability),
    ``completion`` and ``tardiness`` (mean, ci95 over the replications that
    completed it), ``unfinished`` (replications that did not), and the plan's
    own ``line``, ``product``, ``due``, ``planned_start`` and
    ``planned_completion``; plus ``on_time_orders``, the number of orders on
    time per replication. ``on_done()`` is called after each
    replication; ``workers > 1`` runs replications on that many processes (the
    numbers do not depend on it)."""
    one = partial(replicate, scenario, plan, seed)
    reps = []
    with ProcessPoolExecutor(max_workers=workers) if workers > 1 else nullcontext() as pool:
        for rep in pool.map(one, range(replications)) if pool else map(one, range(replications)):
            reps.append(rep)
            if on_done is not None:
                on_done()
    orders = {}
    for oid, order in plan.orders.items():
        ends = [rep[oid] for rep in reps]
        finished = [e for e in ends if e is not None]
        entry = {
            "line": order.line,
            "product": order.product,
            "due": order.due,
            "planned_start": order.start,
            "planned_completion": order.completion,
            "on_time": float(np.mean([_on_time(e, order.due) for e in ends])),
            "unfinished": len(ends) - len(finished),
        }
        if finished:
            entry["tardiness"] = _stat([max(0.0, e - order.due) for e in finished])
            entry["completion"] = _stat(finished, keep=True)
        orders[oid] = entry
    on_time = [sum(_on_time(r[oid], o.due) for oid, o in plan.orders.items()) for r in reps]
    return {
        "status": plan.status,
        "rate": plan.rate,
        "objective": plan.objective,
        "orders": orders,
        "on_time_orders": _stat([float(n) for n in on_time]),
    }


def _on_time(completion: float | None, due: float) -> bool:
    """Completed by the due date (an unfinished order is late)."""
    return completion is not None and completion <= due


def _stat(values: list[float], keep: bool = False) -> dict:
    """``{"mean", "ci95"}`` (with ``per_replication`` when ``keep``)."""
    out = summarize(values)
    if not keep:
        del out["per_replication"]
    return out


def plan_results(
    scenario, plan: Plan, file: str, seed: int, replications: int, workers: int, on_done=None
):
    """The results document of ``run --plan`` (a :class:`~lotflow.results.Results`)."""
    from lotflow.experiment.runner import ENGINE_NAME
    from lotflow.results import Results

    started = time.perf_counter()
    block = simulate_plan(scenario, plan, seed, replications, workers, on_done)
    wall = time.perf_counter() - started
    clock = Clock.of(scenario)
    block["file"] = file
    data = {
        "scenario": scenario.name,
        "seed": seed,
        "replications": replications,
        "time_unit": scenario.time_unit,
        "horizon": math.ceil(clock.to_wall(window_end(plan, clock))),
        "warmup": 0.0,
        "lines": {},
        "plan": block,
        "engine": {"name": ENGINE_NAME, "version": __version__, "wall_s": round(wall, 4)},
    }
    return Results(data)
