"""Shift calendars: the map between working time and wall-clock time.

The lines live in working time (model.md): off shift everything is frozen.
A calendar is a weekly pattern of ``shifts_per_day`` back-to-back shifts of
``hours_per_shift`` starting at ``day_start_hour`` (``Calendar.start_hour``:
by default 6, or earlier so that the shifts end by midnight) on the first
``days_per_week`` days of each week, for ``weeks_per_year`` weeks; the rest of
the 8,760-hour year is off (holidays). The pattern repeats every year.

Wall time 0 is the start of the year (Monday 00:00). A working instant that
falls on a shift boundary maps to the end of the earlier shift (the smallest
wall time with that much working time behind it).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from lotflow.units import HOURS_PER_YEAR, UNIT_PER_HOUR

__all__ = ["HOURS_PER_YEAR", "UNIT_PER_HOUR", "Calendar", "build_calendar"]


@dataclass(frozen=True)
class Calendar:
    """Working intervals of one year, in the scenario's time unit.

    ``starts``/``ends`` are the wall-clock bounds of the working intervals in
    one period of length ``period``; ``cum`` is the working time before each.
    """

    starts: np.ndarray
    ends: np.ndarray
    cum: np.ndarray
    period: float

    @cached_property
    def working_per_period(self) -> float:
        return float(self.cum[-1] + (self.ends[-1] - self.starts[-1]))

    @cached_property
    def bounds(self) -> tuple[list[float], list[float], list[float]]:
        """``starts``, ``ends`` and ``cum`` as Python lists, for the scalar maps."""
        return self.starts.tolist(), self.ends.tolist(), self.cum.tolist()

    def wall_to_work(self, t):
        """Working time elapsed from wall time 0 to wall time ``t`` (array or scalar)."""
        t = np.asarray(t, dtype=np.float64)
        cycles, rem = np.divmod(t, self.period)
        i = np.searchsorted(self.starts, rem, side="right") - 1
        inside = np.clip(rem - self.starts[np.maximum(i, 0)], 0.0, None)
        width = self.ends[np.maximum(i, 0)] - self.starts[np.maximum(i, 0)]
        within = np.where(i >= 0, self.cum[np.maximum(i, 0)] + np.minimum(inside, width), 0.0)
        return cycles * self.working_per_period + within

    def wall_to_work_at(self, t: float) -> float:
        """:meth:`wall_to_work` of one wall time: the same numbers, computed with
        Python floats (the plant model maps one instant at a time)."""
        starts, ends, cum = self.bounds
        cycles, rem = divmod(float(t), self.period)
        i = bisect_right(starts, rem) - 1
        within = 0.0
        if i >= 0:
            within = cum[i] + min(max(rem - starts[i], 0.0), ends[i] - starts[i])
        return cycles * self.working_per_period + within

    def work_to_wall(self, w):
        """The wall time at which working time ``w`` is reached while working.

        ``w`` on a shift boundary maps to the end of the earlier shift, and
        ``w = 0`` to the start of the first shift (when work can begin)."""
        w = np.asarray(w, dtype=np.float64)
        per = self.working_per_period
        cycles, rem = np.divmod(w, per)
        at_period_end = (rem == 0.0) & (cycles > 0)
        cycles = np.where(at_period_end, cycles - 1, cycles)
        rem = np.where(at_period_end, per, rem)
        i = np.searchsorted(self.cum, rem, side="left") - 1
        i = np.maximum(i, 0)
        return cycles * self.period + self.starts[i] + (rem - self.cum[i])

    def work_to_wall_at(self, w: float) -> float:
        """:meth:`work_to_wall` of one working time: the same numbers, computed
        with Python floats."""
        starts, _, cum = self.bounds
        per = self.working_per_period
        cycles, rem = divmod(float(w), per)
        if rem == 0.0 and cycles > 0:
            cycles, rem = cycles - 1, per
        i = max(bisect_left(cum, rem) - 1, 0)
        return cycles * self.period + starts[i] + (rem - cum[i])


def build_calendar(spec, time_unit: str) -> Calendar:
    """Compile a scenario calendar (pydantic) to working intervals in ``time_unit``."""
    scale = UNIT_PER_HOUR[time_unit]
    day_hours = spec.shifts_per_day * spec.hours_per_shift
    starts = []
    for week in range(spec.weeks_per_year):
        for day in range(spec.days_per_week):
            starts.append(week * 168.0 + day * 24.0 + spec.start_hour)
    starts_arr = np.array(starts) * scale
    ends_arr = starts_arr + day_hours * scale
    cum = np.concatenate([[0.0], np.cumsum(ends_arr - starts_arr)[:-1]])
    return Calendar(starts_arr, ends_arr, cum, HOURS_PER_YEAR * scale)
