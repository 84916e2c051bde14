"""The observation window of a run in wall-clock and in working time."""

from __future__ import annotations

from dataclasses import dataclass

from lotflow.calendar import UNIT_PER_HOUR, Calendar, build_calendar


@dataclass(frozen=True)
class Window:
    """Wall-clock window ``[t0, t1)`` (warm-up .. horizon) and its working-time image
    ``[w0, w1)``; ``bin_width`` is the working-time width of the output counters
    (one hour when the time unit is a time, else horizon / 1000)."""

    t0: float
    t1: float
    w0: float
    w1: float
    bin_width: float
    calendar: Calendar | None

    @property
    def wall_length(self) -> float:
        return self.t1 - self.t0

    @property
    def working_length(self) -> float:
        return self.w1 - self.w0


def make_window(scenario, horizon: float, warmup: float) -> Window:
    """Window of a scenario for the given horizon and warm-up (wall time)."""
    calendar = build_calendar(scenario.calendar, scenario.time_unit) if scenario.calendar else None
    if calendar is None:
        w0, w1 = warmup, horizon
    else:
        w0, w1 = float(calendar.wall_to_work(warmup)), float(calendar.wall_to_work(horizon))
    unit = UNIT_PER_HOUR.get(scenario.time_unit)
    bin_width = unit if unit is not None else horizon / 1000.0
    return Window(warmup, horizon, w0, w1, bin_width, calendar)
