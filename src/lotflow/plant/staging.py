"""Staging / quarantine: a capacity in lots, lines waiting in order when it is full."""

from __future__ import annotations

from collections import deque

import simpy

from lotflow.plant.stats import TimeAverage


class Staging:
    """``capacity`` lot places (None = unlimited).

    ``enter()`` returns an event that succeeds when the caller holds a place
    (at once when one is free); callers waiting for a place get one in the order
    they asked. ``leave()`` frees a place.
    """

    def __init__(self, env: simpy.Environment, capacity: int | None, t0: float, t1: float) -> None:
        self.env = env
        self.capacity = capacity
        self.count = 0
        self.occupancy = TimeAverage(t0, t1)
        self._waiters: deque[simpy.Event] = deque()

    def has_room(self) -> bool:
        return not self._waiters and (self.capacity is None or self.count < self.capacity)

    def enter(self) -> simpy.Event:
        event = self.env.event()
        if self.has_room():
            self._take()
            event.succeed()
        else:
            self._waiters.append(event)
        return event

    def leave(self) -> None:
        self.count -= 1
        self.occupancy.set(self.env.now, self.count)
        if self._waiters and (self.capacity is None or self.count < self.capacity):
            self._take()
            self._waiters.popleft().succeed()

    def _take(self) -> None:
        self.count += 1
        self.occupancy.set(self.env.now, self.count)
