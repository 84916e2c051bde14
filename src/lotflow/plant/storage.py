"""Storage of accepted lots in pallet places; shipments take the oldest lot first."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable

import simpy

from lotflow.plant.lots import AWAITING_STORAGE, SHIPPED, STORED, Lot
from lotflow.plant.packaging import Packaging
from lotflow.plant.stats import Tally, TimeAverage


class Storage:
    """Pallet places (``places`` None = unlimited) holding accepted lots.

    A lot occupies ``packaging.pallets_for(units)`` places; a partly shipped
    lot frees the places its remaining units no longer need. Lots waiting for
    places are stored strictly in the order they arrived (the first one that
    does not fit holds the others back). "Oldest" is by the time the lot was
    completed on its line (then by lot number).
    """

    def __init__(
        self,
        env: simpy.Environment,
        places: int | None,
        packaging: Packaging,
        products: tuple[str, ...],
        t0: float,
        t1: float,
        on_stored: Callable[[Lot], None],
    ) -> None:
        self.env, self.places, self.packaging = env, places, packaging
        self.on_stored = on_stored
        self.used = 0
        self.pallets = TimeAverage(t0, t1)
        self.lots = TimeAverage(t0, t1)
        self.units = {p: TimeAverage(t0, t1) for p in products}
        self.wait = Tally(t0, t1)
        self.dwell = Tally(t0, t1)
        self._stock: dict[str, list] = {p: [] for p in products}
        self._available = dict.fromkeys(products, 0)
        self._waiting: deque[tuple[Lot, float]] = deque()

    def available(self, product: str) -> int:
        return self._available[product]

    def put(self, lot: Lot) -> None:
        """An accepted lot asks for pallet places now."""
        lot.state = AWAITING_STORAGE
        if not self._waiting and self._fits(lot):
            self._store(lot, self.env.now)
        else:
            self._waiting.append((lot, self.env.now))

    def take(self, product: str, quantity: int) -> list[tuple[Lot, int]]:
        """Remove up to ``quantity`` units of ``product``, oldest lots first.

        Returns (lot, units taken) pairs; a lot emptied is ``shipped``."""
        now = self.env.now
        taken = []
        stock = self._stock[product]
        while quantity > 0 and stock:
            lot = stock[0][2]
            q = min(quantity, lot.units)
            shipped_bad = round(lot.defective * q / lot.units)
            lot.defective -= shipped_bad
            lot.units -= q
            lot.info["shipped_units"] = lot.info.get("shipped_units", 0) + q
            lot.info["shipped_nonconforming"] = (
                lot.info.get("shipped_nonconforming", 0) + shipped_bad
            )
            if lot.info.get("first_shipped_at") is None:
                lot.info["first_shipped_at"] = now
            quantity -= q
            self._available[product] -= q
            self.units[product].add(now, -q)
            pallets = self.packaging.pallets_for(lot.units)
            self.used -= lot.pallets - pallets
            lot.pallets = pallets
            if lot.units == 0:
                heapq.heappop(stock)
                lot.state = SHIPPED
                lot.info["shipped_at"] = now
                self.lots.add(now, -1)
                self.dwell.observe(now, now - lot.info["stored_at"])
            taken.append((lot, q))
        self.pallets.set(now, self.used)
        self._admit()
        return taken

    def _fits(self, lot: Lot) -> bool:
        need = self.packaging.pallets_for(lot.units)
        return self.places is None or self.used + need <= self.places

    def _admit(self) -> None:
        while self._waiting and self._fits(self._waiting[0][0]):
            lot, since = self._waiting.popleft()
            self._store(lot, since)

    def _store(self, lot: Lot, since: float) -> None:
        now = self.env.now
        pallets = self.packaging.pallets_for(lot.units)
        self.used += pallets
        self.pallets.set(now, self.used)
        self.lots.add(now, 1)
        self.units[lot.product].add(now, lot.units)
        self._available[lot.product] += lot.units
        self.wait.observe(now, now - since)
        lot.state = STORED
        lot.info["stored_at"] = now
        lot.info["pallets"] = pallets
        lot.pallets = pallets
        heapq.heappush(self._stock[lot.product], (lot.end, lot.number, lot))
        self.on_stored(lot)
