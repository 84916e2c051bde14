"""Window statistics of the plant model: time averages and counters over [t0, t1)."""

from __future__ import annotations


def clipped(a: float, b: float, lo: float, hi: float) -> float:
    """Length of [a, b) inside [lo, hi)."""
    start = a if a > lo else lo
    end = b if b < hi else hi
    return end - start if end > start else 0.0


class TimeAverage:
    """Time-weighted mean and maximum of a piecewise constant level over [t0, t1).

    ``set(now, level)`` records a change; the maximum is over the levels in
    effect for a positive time inside the window (a level that lasts zero time
    does not count)."""

    __slots__ = ("area", "last", "level", "peak", "t0", "t1")

    def __init__(self, t0: float, t1: float, level: float = 0.0) -> None:
        self.t0, self.t1 = t0, t1
        self.last = 0.0
        self.level = level
        self.area = 0.0
        self.peak = 0.0

    def set(self, now: float, level: float) -> None:
        self._accumulate(now)
        self.level = level

    def add(self, now: float, delta: float) -> None:
        self._accumulate(now)
        self.level += delta

    def _accumulate(self, now: float) -> None:
        last = self.last
        if now > last:
            start = last if last > self.t0 else self.t0
            end = now if now < self.t1 else self.t1
            if end > start:
                self.area += self.level * (end - start)
                if self.level > self.peak:
                    self.peak = self.level
            self.last = now

    def mean(self) -> float:
        """Mean over the window (call at or after t1)."""
        self._accumulate(self.t1)
        return self.area / (self.t1 - self.t0)

    def max(self) -> float:
        self._accumulate(self.t1)
        return self.peak


class Tally:
    """Counts and sums of per-event observations made inside [t0, t1)."""

    __slots__ = ("n", "positive", "t0", "t1", "total")

    def __init__(self, t0: float, t1: float) -> None:
        self.t0, self.t1 = t0, t1
        self.n = 0
        self.total = 0.0
        self.positive = 0

    def observe(self, now: float, value: float = 0.0) -> None:
        if self.t0 <= now < self.t1:
            self.n += 1
            self.total += value
            self.positive += value > 0.0

    def mean(self, empty: float = 0.0) -> float:
        return self.total / self.n if self.n else empty

    def fraction_positive(self, empty: float = 0.0) -> float:
        return self.positive / self.n if self.n else empty
