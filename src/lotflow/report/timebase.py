"""Time axes of the report: working-time bins -> wall-clock periods in readable units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lotflow.calendar import UNIT_PER_HOUR
from lotflow.experiment.window import Window, make_window


@dataclass(frozen=True)
class TimeBase:
    """``scale`` time units per displayed unit (``label``); ``window`` of the run."""

    window: Window
    scale: float
    label: str
    unit: str

    def to_wall(self, working: np.ndarray) -> np.ndarray:
        calendar = self.window.calendar
        return np.asarray(calendar.work_to_wall(working) if calendar else working, dtype=float)


def timebase(scenario, data: dict) -> TimeBase:
    """Days for scenarios in a time unit, raw time units for ``cycle``."""
    window = make_window(scenario, float(data["horizon"]), float(data["warmup"]))
    per_hour = UNIT_PER_HOUR.get(scenario.time_unit)
    if per_hour is None:
        return TimeBase(window, 1.0, f"time ({scenario.time_unit})", scenario.time_unit)
    return TimeBase(window, 24.0 * per_hour, "day", "day")


def period_totals(tb: TimeBase, bins: np.ndarray, bin_width: float):
    """Sum working-time bin counts into wall-clock periods inside the window.

    Returns ``(period_starts_in_display_units, totals, period_name)``: a week
    for windows over 60 days, a day over 3 days, else the bins themselves
    (about 100 groups for ``cycle`` time). Trailing partial periods are dropped.
    """
    bins = np.asarray(bins, dtype=float)
    w = tb.window
    mid = (np.arange(bins.size) + 0.5) * bin_width
    keep = (mid >= w.w0) & (mid < w.w1)
    wall = tb.to_wall(mid[keep])
    counts = bins[keep]
    span = (w.t1 - w.t0) / tb.scale
    if tb.unit == "day" and span > 60:
        period, name = 7.0 * tb.scale, "week"
    elif tb.unit == "day" and span > 3:
        period, name = tb.scale, "day"
    elif tb.unit == "day":
        period, name = bin_width, "hour"
    else:
        period = max(bin_width, (w.t1 - w.t0) / 100.0)
        name = f"{period:,.0f} {tb.unit}s"
    n = int((w.t1 - w.t0) // period)
    if n < 1:
        return np.array([w.t0 / tb.scale]), np.array([counts.sum()]), name
    index = np.floor((wall - w.t0) / period).astype(int)
    ok = (index >= 0) & (index < n)
    totals = np.bincount(index[ok], weights=counts[ok], minlength=n)
    starts = (w.t0 + np.arange(n) * period) / tb.scale
    return starts, totals, name
