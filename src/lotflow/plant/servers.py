"""A FIFO bank of identical servers on a working-time clock (range lanes, screening).

Jobs are served first come, first served. A job's service time is decided when
its service starts (``begin(job)`` returns it, in working time of the clock);
``done(job)`` is called when it ends. A job that finds a free server while the
servers are off shift waits until the shift starts. Waiting means not yet
started: the wait of a job is ``service start - arrival`` (wall time).

Statistics over the window [t0, t1): utilisation (service working time over
``servers`` x the window's working time), time-average number waiting, and per
job that starts service in the window its wait and whether it waited at all.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

import simpy

from lotflow.plant.clock import Clock
from lotflow.plant.stats import Tally, TimeAverage, clipped

Job = TypeVar("Job")  # anything with a settable ``queued_at``


class Servers(Generic[Job]):
    """``n`` identical servers with one FIFO queue (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        n: int,
        clock: Clock,
        t0: float,
        t1: float,
        begin: Callable[[Job, int], float],
        done: Callable[[Job], None],
    ) -> None:
        self.env, self.clock, self.t0, self.t1 = env, clock, t0, t1
        self.n = n
        self._begin, self._done = begin, done
        self._free = list(range(n))
        self._queue: deque[Job] = deque()
        self.waiting = TimeAverage(t0, t1)
        self.waits = Tally(t0, t1)
        self.service = Tally(t0, t1)
        self.busy_work = 0.0
        self._w0, self._w1 = clock.to_work(t0), clock.to_work(t1)
        self._in_service: dict[int, tuple[Job, float]] = {}

    @property
    def queue_length(self) -> int:
        return int(self.waiting.level)

    @property
    def in_service(self) -> int:
        return len(self._in_service)

    def submit(self, job) -> None:
        """A job arrives now."""
        now = self.env.now
        job.queued_at = now
        self.waiting.add(now, 1)
        if self._free and not self._queue:
            self._assign(job, heapq.heappop(self._free))
        else:
            self._queue.append(job)

    def _assign(self, job, server: int) -> None:
        now = self.env.now
        start = now if self.clock.always else self.clock.next_on(now)
        if start > now:
            event = self.env.timeout(start - now)
            event.callbacks.append(lambda _e: self._start(job, server))
        else:
            self._start(job, server)

    def _start(self, job, server: int) -> None:
        now = self.env.now
        self.waiting.add(now, -1)
        self.waits.observe(now, now - job.queued_at)
        work = float(self._begin(job, server))
        self.service.observe(now, work)
        if self.clock.always:
            w_start, end = now, now + work
        else:
            w_start, end = self.clock.to_work(now), self.clock.after(now, work)
        self._in_service[server] = (job, w_start)
        event = self.env.timeout(end - now)
        event.callbacks.append(lambda _e: self._finish(job, server, w_start))

    def _finish(self, job, server: int, w_start: float) -> None:
        now = self.env.now
        w_end = now if self.clock.always else self.clock.to_work(now)
        self.busy_work += clipped(w_start, w_end, self._w0, self._w1)
        del self._in_service[server]
        if self._queue:
            self._assign(self._queue.popleft(), server)
        else:
            heapq.heappush(self._free, server)
        self._done(job)

    def utilisation(self) -> float:
        """Busy working time over ``n`` x the window's working time (at or after t1);
        0 when the window holds no working time."""
        busy = self.busy_work
        for _job, w_start in self._in_service.values():
            busy += clipped(w_start, self._w1, self._w0, self._w1)
        capacity = self.n * (self._w1 - self._w0)
        return busy / capacity if capacity > 0 else 0.0
