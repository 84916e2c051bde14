"""What the planner knows of each line (rate, changeover, run-empty time) and of time.

A plan lives in *working* time, as the lines do (model.md): off shift a line
is frozen. Due and release dates are wall-clock times; :class:`Clock` maps
between the two with the scenario's calendar (the identity without one).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Literal

from lotflow.analysis.capacity import line_capacity
from lotflow.calendar import Calendar, build_calendar
from lotflow.dists import compile_dist

RateKind = Literal["nameplate", "expected"]
RATES: tuple[RateKind, ...] = ("nameplate", "expected")


@dataclass(frozen=True)
class PlanLine:
    """A line as the planner sees it, in the scenario's time unit of working time.

    ``rate`` is good parts per unit of working time: ``nameplate`` = 1 / the
    largest mean process time; ``expected`` = the analytic flow rate of
    :func:`lotflow.analysis.capacity.line_capacity` (failures, repairs and
    buffers) times the scrap yield, without its changeover share (the plan
    places changeovers itself). ``changeover`` is the mean changeover time.
    ``fill`` is the line's run-empty time, the sum of the mean process times
    less the largest: the last part of an order leaves the line ``fill`` after
    the bottleneck pace says, and a change of product waits for the line to
    run empty before the changeover starts (model.md). ``products`` is None
    when the line may make any product.
    """

    name: str
    rate: float
    changeover: float
    fill: float
    products: tuple[str, ...] | None

    def may_make(self, product: str) -> bool:
        return self.products is None or product in self.products

    def duration(self, quantity: int) -> float:
        """Working time the bottleneck needs for ``quantity`` good parts."""
        return quantity / self.rate

    @property
    def switch(self) -> float:
        """Working time between two orders of different products: run empty, then change over."""
        return self.fill + self.changeover


def plan_lines(scenario, rate: RateKind) -> list[PlanLine]:
    """The scenario's lines for planning at the ``nameplate`` or ``expected`` rate."""
    out = []
    for line in scenario.lines:
        cycles = [compile_dist(s.process).mean for s in line.stations]
        if rate == "nameplate":
            per_unit = 1.0 / max(cycles)
        else:
            cap = line_capacity(line, scenario.products, None)
            per_unit = cap.flow.rate * cap.scrap_yield
        changeover = compile_dist(line.changeover).mean if line.changeover else 0.0
        products = tuple(line.products) if line.products is not None else None
        out.append(PlanLine(line.name, per_unit, changeover, sum(cycles) - max(cycles), products))
    return out


@dataclass(frozen=True)
class Clock:
    """Working time <-> wall time of a scenario (its calendar, or the identity)."""

    calendar: Calendar | None

    @classmethod
    def of(cls, scenario) -> Clock:
        cal = scenario.calendar
        return cls(build_calendar(cal, scenario.time_unit) if cal is not None else None)

    def to_work(self, wall: float) -> float:
        """Working time elapsed by wall time ``wall``."""
        return wall if self.calendar is None else self.calendar.wall_to_work_at(wall)

    def to_wall(self, work: float) -> float:
        """The wall time at which working time ``work`` is reached (end of the
        earlier shift on a shift boundary)."""
        return work if self.calendar is None else self.calendar.work_to_wall_at(work)

    def to_wall_start(self, work: float) -> float:
        """The wall time at which work resumes at working time ``work``: as
        :meth:`to_wall`, but on a shift boundary the start of the next shift."""
        wall = self.to_wall(work)
        cal = self.calendar
        if cal is None:
            return wall
        starts, ends, _ = cal.bounds
        cycles, rem = divmod(wall, cal.period)
        i = bisect_left(ends, rem)
        if i < len(ends) and ends[i] == rem:
            nxt = starts[i + 1] if i + 1 < len(starts) else cal.period + starts[0]
            return cycles * cal.period + nxt
        return wall

    def breaks(self, until: float) -> list[tuple[float, float]]:
        """``(at, length)`` of every off-shift break from working time 0 to ``until``:
        the line stops at working time ``at`` for ``length`` of wall time, so
        ``to_wall(w) = w + to_wall(0) + sum(length for at < w)``."""
        cal = self.calendar
        if cal is None:
            return []
        out: list[tuple[float, float]] = []
        starts, ends, cum = cal.bounds
        per = cal.working_per_period
        period = 0
        while period * per < until:
            for i in range(len(starts)):
                at = period * per + cum[i] + (ends[i] - starts[i])
                if at >= until:
                    return out
                nxt = starts[i + 1] if i + 1 < len(starts) else cal.period + starts[0]
                out.append((at, nxt - ends[i]))
            period += 1
        return out
