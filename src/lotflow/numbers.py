"""How numbers are shown: thousands separators, units of metrics, bounded intervals.

One home for the units of results metrics (:func:`metric_unit`), used by the
CLI tables and by ``docs/results.md``. Rates say which hour they count:
``per wall-clock h`` (output over the whole window, off-shift time included)
or ``per working h`` (over the calendar's working time only).
"""

from __future__ import annotations

import math

from lotflow.units import UNIT_PER_HOUR

SHARE_KEYS = {
    "busy", "starved", "blocked", "down", "setup", "off_shift", "utilisation", "p_wait",
    "fill_rate", "on_time", "sole", "shifting", "traced_fraction", "availability",
    "effectiveness", "quality", "oee", "performance",
}  # fmt: skip
TIME_KEYS = {"wait", "service_time", "time", "mean_active_period", "dwell", "lateness"}
LOT_KEYS = {"queue_length", "mean_lots", "max_lots", "tests", "backpressure_lots"}
PART_KEYS = {"good_parts", "scrap_parts", "mean_level", "mean_units", "ordered"}
COUNT_KEYS = {"discontinuations", "orders", "orders_due", "jobs"}


def metric_unit(path: str, time_unit: str) -> str:
    """The unit of a results metric given by its dotted path (``lines.L1.throughput``)."""
    keys = [key.split("[")[0] for key in path.split(".")]
    last, parent = keys[-1], keys[-2] if len(keys) > 1 else ""
    if last == "throughput":
        return f"parts per wall-clock {time_unit}"
    if last == "throughput_per_hour":
        return "parts per wall-clock h"
    if parent == "quality" and last in ("incoming", "outgoing"):
        return "% defective"
    if parent == "backpressure_lots" or last in LOT_KEYS:
        return "lots"
    if parent == "backpressure" or last in TIME_KEYS:
        return time_unit
    if last in SHARE_KEYS or {"oee", "loss_tree", "severity"} & set(keys):
        return "share"
    if last in ("active_period", "blocked_starved"):
        return "station"
    if "lots" in keys:
        return "lots"
    if "units" in keys or last in PART_KEYS or (keys[0] == "plant" and last == "shipped"):
        return "parts"
    if "pallets" in last:
        return "pallets"
    if last in COUNT_KEYS:
        return "count"
    return ""


def number(value: float | None, digits: int | None = None) -> str:
    """A number for people: thousands separators, never an exponent for counts.

    ``digits`` fixes the decimals; by default large values get none and small
    ones four significant digits.
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    if digits is None:
        magnitude = abs(value)
        digits = 0 if magnitude >= 1000 else 1 if magnitude >= 100 else 3
        if 0 < magnitude < 1e-3:
            return f"{value:.2e}"
    return f"{value:,.{digits}f}"


def plus_minus(mean: float, ci95: float, digits: int | None = None) -> str:
    """``mean ± ci95`` with the mean's decimals."""
    if digits is None and math.isfinite(mean):
        digits = 0 if abs(mean) >= 1000 else 1 if abs(mean) >= 100 else 3
    return f"{number(mean, digits)} ± {number(ci95, digits)}"


def bounded(mean: float, ci95: float, low: float, high: float, digits: int = 3) -> str:
    """``mean ± ci95`` of a bounded quantity; an interval that crosses a bound is
    shown clipped, as ``mean [lo, hi]`` (a share cannot exceed 1)."""
    lo, hi = mean - ci95, mean + ci95
    if lo >= low and hi <= high:
        return plus_minus(mean, ci95, digits)
    clipped = f"{number(max(lo, low), digits)}, {number(min(hi, high), digits)}"
    return f"{number(mean, digits)} [{clipped}]"


def duration(value: float, time_unit: str, digits: int | None = None) -> str:
    """A time in the scenario's unit and, for s and min, also in hours."""
    text = f"{number(value, digits)} {time_unit}"
    per_hour = UNIT_PER_HOUR.get(time_unit)
    if per_hour and per_hour > 1 and math.isfinite(value):
        text += f" ({number(value / per_hour, 2)} h)"
    return text
