"""Working time of a plant resource (range lanes, screening) on the shift calendar.

A resource that works shifts behaves like the lines (model.md): off shift it is
frozen, so a test that does not fit in a shift stops at the shift's end and
resumes at the next shift's start. Without a calendar (or for a resource that
works ``always``) working time is wall time.
"""

from __future__ import annotations

from bisect import bisect_right

from lotflow.calendar import Calendar


class Clock:
    """Maps between wall time and the working time of one resource."""

    def __init__(self, calendar: Calendar | None) -> None:
        self.calendar = calendar

    @property
    def always(self) -> bool:
        return self.calendar is None

    def to_work(self, t: float) -> float:
        """Working time elapsed from wall time 0 to wall time ``t``."""
        return t if self.calendar is None else self.calendar.wall_to_work_at(t)

    def to_wall(self, w: float) -> float:
        """First wall time at which working time ``w`` has elapsed."""
        return w if self.calendar is None else self.calendar.work_to_wall_at(w)

    def next_on(self, t: float) -> float:
        """``t`` if the resource works at wall time ``t``, else the next shift's start.

        Shifts are half-open: at a shift's end the resource is off."""
        cal = self.calendar
        if cal is None:
            return t
        starts, ends, _ = cal.bounds
        cycles, rem = divmod(t, cal.period)
        i = bisect_right(starts, rem) - 1
        if i >= 0 and rem < ends[i]:
            return t
        if i + 1 < len(starts):
            return cycles * cal.period + starts[i + 1]
        return (cycles + 1) * cal.period + starts[0]

    def after(self, t: float, work: float) -> float:
        """Wall time at which ``work`` working time has elapsed from wall time ``t``
        (``t`` should be a working instant: see :meth:`next_on`)."""
        if self.calendar is None:
            return t + work
        if work <= 0.0:
            return t
        return max(t, self.to_wall(self.to_work(t) + work))
