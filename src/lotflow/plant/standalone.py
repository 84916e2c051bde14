"""The firing range on its own: lots arrive from a renewal process and are tested
FIFO on ``lanes`` lanes with one test-time distribution (a G/G/c queue, so it
can be checked against M/M/c and M/D/c), always working (no calendar)."""

from __future__ import annotations

import numpy as np
import simpy

from lotflow.plant.clock import Clock
from lotflow.plant.servers import Servers
from lotflow.plant.spec import StandaloneSpec
from lotflow.samplers import BufferedSampler

MAX_LOT_RECORDS = 10_000


class _Job:
    __slots__ = ("arrived", "lane", "number", "queued_at", "started")

    def __init__(self, number: int, arrived: float) -> None:
        self.number, self.arrived = number, arrived
        self.queued_at = arrived
        self.started = 0.0
        self.lane = -1


class StandaloneRange:
    """One replication of a standalone range (build, then :meth:`run`)."""

    def __init__(
        self, spec: StandaloneSpec, seed: np.random.SeedSequence, t0: float, t1: float
    ) -> None:
        self.t0, self.t1 = float(t0), float(t1)
        self.env = env = simpy.Environment()
        arrivals, tests = (np.random.default_rng(s) for s in seed.spawn(2))
        self._gap = BufferedSampler(spec.arrivals, arrivals)
        self._test = BufferedSampler(spec.test_time, tests)
        self.range = Servers(
            env, spec.lanes, Clock(None), self.t0, self.t1, self._begin, self._done
        )
        self.arrived = 0
        self.tested = 0
        self.records: list[dict] = []
        self._number = 0
        self._schedule_arrival()

    def run(self) -> None:
        self.env.run(until=self.t1)

    def _schedule_arrival(self) -> None:
        self.env.timeout(self._gap()).callbacks.append(self._arrive)

    def _arrive(self, _event) -> None:
        now = self.env.now
        self._number += 1
        if self.t0 <= now < self.t1:
            self.arrived += 1
        self.range.submit(_Job(self._number, now))
        self._schedule_arrival()

    def _begin(self, job: _Job, lane: int) -> float:
        job.started = self.env.now
        job.lane = lane
        return self._test()

    def _done(self, job: _Job) -> None:
        now = self.env.now
        if self.t0 <= now < self.t1:
            self.tested += 1
        if len(self.records) < MAX_LOT_RECORDS:
            self.records.append(
                {
                    "number": job.number,
                    "end": job.arrived,
                    "tested_start": job.started,
                    "tested_end": now,
                    "lane": job.lane,
                    "verdict": "accept",
                }
            )
