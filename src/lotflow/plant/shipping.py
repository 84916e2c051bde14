"""Shipping: orders per product served first come, first served from the oldest stock.

Orders come from a table (quantity, time placed, due date) and from arrival
processes (inter-arrival and quantity distributions, due a lead time after
placing). An order ships as soon as stock is there: with ``partial`` it takes
what is in storage and the rest follows as lots are stored; without, it waits
until it can ship complete. Orders of one product are served strictly in the
order they were placed. Shipping is instantaneous and does not follow the
shift calendar.

Statistics over [t0, t1):

- ``fill_rate``: of the units of the orders due in the window, the fraction
  shipped by the due date;
- ``on_time``: fraction of the orders due in the window shipped complete by it;
- ``lateness``: mean over the orders due in the window of max(0, completion -
  due); an order still open at t1 counts t1 - due (a lower bound);
- ``backorders``: time-average units past their due date and not shipped;
  ``backorders_end``: the same at t1.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy

from lotflow.plant.spec import DemandConfig, ShippingConfig
from lotflow.plant.stats import TimeAverage
from lotflow.plant.storage import Storage
from lotflow.samplers import Sampler


@dataclass(slots=True, eq=False)
class Order:
    number: int
    product: str
    quantity: int
    at: float
    due: float
    remaining: int = 0
    on_time_units: int = 0
    completed_at: float | None = None
    past_due: bool = False

    def __post_init__(self) -> None:
        self.remaining = self.quantity


class Shipping:
    """Orders and shipments of all products (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        storage: Storage,
        config: ShippingConfig,
        products: tuple[str, ...],
        t0: float,
        t1: float,
        seed: np.random.SeedSequence,
    ) -> None:
        self.env, self.storage, self.config = env, storage, config
        self.products = products
        self.t0, self.t1 = t0, t1
        self.orders: list[Order] = []
        self._open: dict[str, deque[Order]] = {p: deque() for p in products}
        self.backorders = {p: TimeAverage(t0, t1) for p in products}
        self.shipped = dict.fromkeys(products, 0)
        self._busy = False
        self._pending: list[str] = []
        for order in sorted(config.orders, key=lambda o: o.at):
            if order.at < t1:
                event = env.timeout(order.at)
                event.callbacks.append(self._placer(order.product, order.quantity, order.due))
        streams = seed.spawn(2 * len(config.demand))
        for i, demand in enumerate(config.demand):
            rngs = (
                np.random.default_rng(streams[2 * i]),
                np.random.default_rng(streams[2 * i + 1]),
            )
            env.process(self._demand(demand, *rngs))

    def _demand(self, demand: DemandConfig, rng_gap, rng_quantity):
        gap = Sampler(demand.interarrival, rng_gap)
        size = Sampler(demand.quantity, rng_quantity)
        while True:
            yield self.env.timeout(gap())
            quantity = max(1, round(size()))
            self.place(demand.product, quantity, self.env.now + demand.lead_time)

    def _placer(self, product: str, quantity: int, due: float):
        """An event callback that places this order when the event fires."""

        def place(_event: simpy.Event) -> None:
            self.place(product, quantity, due)

        return place

    def place(self, product: str, quantity: int, due: float) -> Order:
        """A customer places an order now."""
        now = self.env.now
        order = Order(len(self.orders) + 1, product, int(quantity), now, due)
        self.orders.append(order)
        self._open[product].append(order)
        if due < self.t1:
            event = self.env.timeout(due - now)
            event.callbacks.append(lambda _e: self._due(order))
        self.fill(product)
        return order

    def _due(self, order: Order) -> None:
        if order.remaining > 0:
            order.past_due = True
            self.backorders[order.product].add(self.env.now, order.remaining)

    def fill(self, product: str) -> None:
        """Ship what stock allows to the open orders of ``product``, oldest first."""
        self._pending.append(product)
        if self._busy:
            return
        self._busy = True
        try:
            while self._pending:
                self._fill(self._pending.pop(0))
        finally:
            self._busy = False

    def _fill(self, product: str) -> None:
        now = self.env.now
        queue = self._open[product]
        while queue:
            order = queue[0]
            available = self.storage.available(product)
            if available <= 0 or (not self.config.partial and available < order.remaining):
                return
            quantity = min(available, order.remaining)
            self.storage.take(product, quantity)
            order.remaining -= quantity
            if now <= order.due:
                order.on_time_units += quantity
            if order.past_due:
                self.backorders[product].add(now, -quantity)
            if self.t0 <= now < self.t1:
                self.shipped[product] += quantity
            if order.remaining == 0:
                order.completed_at = now
                queue.popleft()

    def metrics(self) -> dict[str, float]:
        """Window statistics, total and per product (call at t1)."""
        scopes = [("", self.products)] + [(f"by_product.{p}.", (p,)) for p in self.products]
        return {
            scope + key: value
            for scope, products in scopes
            for key, value in self._scope_metrics(products).items()
        }

    def _scope_metrics(self, products) -> dict[str, float]:
        """Window statistics of the orders and stock of ``products``."""
        placed = [o for o in self.orders if o.product in products and self.t0 <= o.at < self.t1]
        due = [o for o in self.orders if o.product in products and self.t0 <= o.due < self.t1]
        due_units = sum(o.quantity for o in due)
        lateness = [
            max(0.0, (o.completed_at if o.completed_at is not None else self.t1) - o.due)
            for o in due
        ]
        on_time = sum(o.completed_at is not None and o.completed_at <= o.due for o in due)
        return {
            "orders": len(placed),
            "ordered": sum(o.quantity for o in placed),
            "shipped": sum(self.shipped[p] for p in products),
            "orders_due": len(due),
            "fill_rate": sum(o.on_time_units for o in due) / due_units if due_units else 1.0,
            "on_time": on_time / len(due) if due else 1.0,
            "lateness": float(np.mean(lateness)) if lateness else 0.0,
            "backorders": sum(self.backorders[p].mean() for p in products),
            "backorders_end": sum(self.backorders[p].level for p in products),
        }
