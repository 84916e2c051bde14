"""The plant as a SimPy model in wall time: lines -> staging -> range -> storage -> shipping.

One process per line drives the line engine lot by lot (``LineRun.advance``):
when a lot completes (in working time, mapped to wall time through the
calendar) it asks for a staging place. If staging is full the lot stays at the
line's end and the line's last station is gated until the lot gets its place
(lot-granular backpressure: ``LineRun.gate`` is set to the working time of
that moment before the line computes its next lot, so the next parts pile up in
the line and blocking spreads upstream exactly as model.md's BAS rules say).

From staging a lot goes to the range queue (FIFO over all products and
re-tests), is tested on a lane, and then: accepted -> storage (it keeps its
staging place until it has its pallet places); rejected -> leaves staging and is
destroyed, or screened and re-tested (see :mod:`lotflow.plant.acceptance`).
Without a range, lots go from staging straight to storage.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import simpy

from lotflow.calendar import Calendar
from lotflow.engine import layout as kernel
from lotflow.plant.acceptance import Acceptance, draw_fraction
from lotflow.plant.clock import Clock
from lotflow.plant.lots import DESTROYED, ON_TEST, REWORK, STAGED, Lot
from lotflow.plant.servers import Servers
from lotflow.plant.shipping import Shipping
from lotflow.plant.spec import PlantSpec, QualityConfig, RangeConfig
from lotflow.plant.staging import Staging
from lotflow.plant.stats import Tally
from lotflow.plant.storage import Storage
from lotflow.samplers import Sampler

SERIES_POINTS = 1000
LOT_EVENTS = (
    "completed", "tested", "accepted", "rejected", "screened", "retested", "destroyed",
    "stored", "shipped",
)  # fmt: skip
UNIT_EVENTS = ("made", "sampled", "removed", "accepted", "destroyed", "shipped")


class PlantModel:
    """One replication of the plant (build, then :meth:`run`)."""

    def __init__(
        self,
        spec: PlantSpec,
        line_runs: list,
        calendar: Calendar | None,
        seed: np.random.SeedSequence,
        t0: float,
        t1: float,
    ) -> None:
        self.spec, self.runs, self.t0, self.t1 = spec, line_runs, float(t0), float(t1)
        self.env = env = simpy.Environment()
        streams = seed.spawn(6)
        rng_test, rng_inspect, rng_screen = (np.random.default_rng(s) for s in streams[:3])
        self.quality_rngs = {
            p: np.random.default_rng(s)
            for p, s in zip(spec.products, streams[3].spawn(len(spec.products)), strict=True)
        }
        self.rng_screen = rng_screen
        self.line_clock = Clock(calendar)
        r = spec.range
        plant_clock = Clock(calendar if r is None or r.on_shifts else None)
        self.staging = Staging(env, spec.staging_capacity, self.t0, self.t1)
        self.storage = Storage(
            env, spec.pallet_places, spec.packaging, spec.products, self.t0, self.t1, self._stored
        )
        self.shipping = (
            Shipping(env, self.storage, spec.shipping, spec.products, self.t0, self.t1, streams[4])
            if spec.shipping is not None
            else None
        )
        self.range = self.acceptance = None
        if r is not None:
            self.range = Servers(
                env, r.lanes, plant_clock, self.t0, self.t1, self._begin_test, self._end_test
            )
            self.acceptance = Acceptance(r.sampling, spec.products, rng_inspect)
            if r.single is not None:
                self._single = Sampler(r.single, rng_test)
            else:
                # One generator for both parts of the test time, drawn in a fixed order.
                assert r.setup is not None and r.per_round is not None  # see RangeConfig
                self._setup = Sampler(r.setup, rng_test)
                self._per_round = Sampler(r.per_round, rng_test)
        self.screening = None
        if spec.rework.screen:
            self.screening = Servers(
                env,
                spec.rework.stations,
                plant_clock,
                self.t0,
                self.t1,
                self._begin_screen,
                self._end_screen,
            )
        self.lots: list[Lot] = []
        self.held: dict[str, Lot] = {}
        self.counts: Counter = Counter()
        self.units: Counter = Counter()
        self.blocked_lots: Counter = Counter()
        self.severity: Counter = Counter()
        self.discontinuations = 0
        self.staging_time = Tally(self.t0, self.t1)
        self.incoming = Tally(self.t0, self.t1)
        self.outgoing = [0, 0]
        self.series: dict[str, list] = {}
        for run in line_runs:
            env.process(self._line(run))
        env.process(self._sample_series())

    # --- flow ------------------------------------------------------------------

    def run(self) -> None:
        """Simulate [0, t1), then let every line finish its window."""
        self.env.run(until=self.t1)
        for run in self.runs:
            if run.finished:
                continue
            if run.arrays.name in self.held:
                run.gate = max(run.gate, run.w1)
            while not run.finished:
                run.advance(stop_each_lot=False)

    def _line(self, run):
        env = self.env
        name = run.arrays.name
        while run.advance(stop_each_lot=True) == kernel.LOT_COMPLETED:
            start, end, campaign = run.last_lot()
            wall_end = self.line_clock.to_wall(float(end))
            if wall_end >= self.t1:
                return
            yield env.timeout(max(0.0, wall_end - env.now))
            lot = self._new_lot(run, float(start), wall_end, int(campaign))
            place = self.staging.enter()
            if not place.triggered:
                self.held[name] = lot
                if self._in_window():
                    self.blocked_lots[name] += 1
                yield place
                del self.held[name]
                run.gate = max(run.gate, self.line_clock.to_work(env.now))
            self._staged(lot)

    def _new_lot(self, run, start: float, wall_end: float, campaign: int) -> Lot:
        arrays = run.arrays
        product = arrays.products[int(arrays.camp_product[campaign])]
        units = int(arrays.camp_lot_size[campaign])
        quality = (self.spec.quality or {}).get(product, QualityConfig())
        fraction = draw_fraction(quality, self.quality_rngs[product])
        lot = Lot(
            number=len(self.lots) + 1,
            product=product,
            line=arrays.name,
            start=self.line_clock.to_wall(start),
            end=wall_end,
            units=units,
            fraction=fraction,
            defective=round(fraction * units),
        )
        self.lots.append(lot)
        self._count("completed", lot, "made", units)
        self.incoming.observe(self.env.now, fraction)
        return lot

    def _staged(self, lot: Lot) -> None:
        lot.state = STAGED
        lot.in_staging = True
        lot.staged_at = self.env.now
        if self.range is not None:
            self.range.submit(lot)
        else:
            self._count("accepted", lot, "accepted", lot.units)
            self.storage.put(lot)

    def _testing(self) -> tuple[Acceptance, RangeConfig, Servers[Lot]]:
        """The acceptance rules, range and its lanes: set whenever lots are tested."""
        assert self.acceptance is not None and self.spec.range is not None
        assert self.range is not None
        return self.acceptance, self.spec.range, self.range

    def _begin_test(self, lot: Lot, lane: int) -> float:
        acceptance, range_, _ = self._testing()
        original = lot.state != REWORK
        if original:
            plan, resumed = acceptance.original_plan(lot.product, lot.units)
            if resumed and self._in_window():
                self.discontinuations += 1
            if self._in_window():
                self.severity[plan.severity] += 1
            lot.state = ON_TEST
            lot.info.update(
                tested_start=self.env.now,
                lane=lane,
                severity=plan.severity,
                code_letter=plan.code_letter,
                sample_size=plan.sample_size,
                accept=plan.accept,
                reject=plan.reject,
            )
        else:
            plan = acceptance.retest_plan(lot.units, self.spec.rework.retest)
            lot.info.update(
                retest_start=self.env.now,
                retest_severity=plan.severity,
                retest_sample_size=plan.sample_size,
            )
        lot.plan = plan
        lot.test_units = lot.units
        lot.tests += 1
        if range_.single is not None:
            return self._single()
        setup = self._setup()
        return setup + self._per_round() * plan.sample_size

    def _end_test(self, lot: Lot) -> None:
        acceptance, range_, _ = self._testing()
        now = self.env.now
        original = lot.state != REWORK
        plan = lot.plan
        assert plan is not None  # set by _begin_test
        defects, verdict = acceptance.judge(lot.product, plan, lot.units, lot.defective, original)
        if range_.sampling.destructive:
            lot.units -= plan.sample_size
            lot.defective -= defects
            self._count(None, lot, "sampled", plan.sample_size)
        accepted = verdict != "reject"
        if original:
            lot.info.update(tested_end=now, defects=defects, verdict=verdict)
            self._count("tested", lot)
        else:
            lot.info.update(retest_end=now, retest_defects=defects, retest_verdict=verdict)
            self._count("retested", lot)
        if accepted:
            self._count("accepted", lot, "accepted", lot.units)
            if lot.units == 0:
                self._destroy(lot, "used up by testing")
            else:
                self.storage.put(lot)
            return
        if original:
            self._count("rejected", lot)
            self._leave_staging(lot)
        if self.screening is not None and lot.screenings < self.spec.rework.max_screenings:
            lot.state = REWORK
            self.screening.submit(lot)
        else:
            self._destroy(lot, "rejected")

    def _begin_screen(self, lot: Lot, station: int) -> float:
        lot.info["screened_start"] = self.env.now
        return lot.units / self.spec.rework.rate

    def _end_screen(self, lot: Lot) -> None:
        removed = int(self.rng_screen.binomial(lot.defective, self.spec.rework.efficiency))
        lot.defective -= removed
        lot.units -= removed
        lot.screenings += 1
        lot.info["screened_end"] = self.env.now
        lot.info["removed"] = lot.info.get("removed", 0) + removed
        self._count("screened", lot, "removed", removed)
        if lot.units < 2:
            self._destroy(lot, "nothing left to test after screening")
        else:
            self._testing()[2].submit(lot)

    def _stored(self, lot: Lot) -> None:
        self._leave_staging(lot)
        self._count("stored", lot)
        if self._in_window():
            self.outgoing[0] += lot.defective
            self.outgoing[1] += lot.units
        if self.shipping is not None:
            self.shipping.fill(lot.product)

    def _leave_staging(self, lot: Lot) -> None:
        if lot.in_staging:
            lot.in_staging = False
            self.staging.leave()
            assert lot.staged_at is not None  # set with in_staging
            self.staging_time.observe(self.env.now, self.env.now - lot.staged_at)

    def _destroy(self, lot: Lot, reason: str) -> None:
        self._leave_staging(lot)
        lot.state = DESTROYED
        lot.info.update(destroyed_at=self.env.now, destroyed_reason=reason)
        self._count("destroyed", lot, "destroyed", lot.units)

    # --- bookkeeping ---------------------------------------------------------------

    def _in_window(self) -> bool:
        return self.t0 <= self.env.now < self.t1

    def _count(self, event: str | None, lot: Lot, unit_event: str | None = None, units=0):
        if not self._in_window():
            return
        if event is not None:
            self.counts[event, lot.product] += 1
        if unit_event is not None:
            self.units[unit_event, lot.product] += units

    def _sample_series(self):
        step = self.t1 / SERIES_POINTS
        s = self.series
        keys = ["t", "staging", "range_queue", "range_busy", "storage_pallets"]
        keys += [f"inventory.{p}" for p in self.spec.products]
        if self.shipping is not None:
            keys += [f"backorders.{p}" for p in self.spec.products]
        for key in keys:
            s[key] = []
        while True:
            s["t"].append(self.env.now)
            s["staging"].append(self.staging.count)
            s["range_queue"].append(self.range.queue_length if self.range else 0)
            s["range_busy"].append(self.range.in_service if self.range else 0)
            s["storage_pallets"].append(self.storage.used)
            for p in self.spec.products:
                s[f"inventory.{p}"].append(self.storage.available(p))
                if self.shipping is not None:
                    s[f"backorders.{p}"].append(self.shipping.backorders[p].level)
            yield self.env.timeout(step)
