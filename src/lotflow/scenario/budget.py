"""Bounds on what one run may be asked for, so that no scenario runs for ever.

The cost of a replication is counted in *part-stations*: a part passing one
station, the engine's unit of work (about 10^9 a minute on one core). Busy-time
failures add one event per mean time to failure. The plant model (SimPy)
handles lots and orders one by one, far slower: they are counted separately.
The engine's memory grows with the hourly output counters of every station.
Counts use means over the whole horizon (warm-up included), in working time
when the scenario has a calendar (lines stop off shift).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from lotflow.calendar import UNIT_PER_HOUR, build_calendar
from lotflow.scenario.distributions import dist_mean
from lotflow.scenario.errors import Problem

MAX_PART_STATIONS = 10**11  # one replication: about two minutes of one core
MAX_RUN_PART_STATIONS = 10**12  # all replications of one run
MAX_PLANT_ITEMS = 10**7  # lots and orders the plant model handles in one replication
# Hourly output counters (two int64 a station and working hour, model.md): 320 MB.
MAX_OUTPUT_BINS = 2 * 10**7


def part_stations(scenario, horizon: float) -> float:
    """Expected part-stations (plus busy-time failures) of one replication."""
    work = working_time(scenario, horizon)
    total = 0.0
    for line in scenario.lines:
        for station in line.stations:
            total += work / dist_mean(station.process)
            if station.failure is not None and station.failure.busy_time is not None:
                total += work / dist_mean(station.failure.busy_time)
    return total


def plant_items(scenario, horizon: float) -> float:
    """Expected lots and orders the plant model handles in one replication."""
    plant = scenario.plant
    if plant is None:
        return 0.0
    items = 0.0
    if plant.range is not None and plant.range.arrivals is not None:
        items += horizon / dist_mean(plant.range.arrivals)
    if plant.shipping is not None:
        items += len(plant.shipping.orders)
        items += sum(horizon / dist_mean(d.interarrival) for d in plant.shipping.demand)
    return items


def output_bins(scenario, horizon: float) -> float:
    """Hourly output counters of one replication: working hours x stations
    (1,001 bins a station in ``cycle`` time)."""
    stations = sum(len(line.stations) for line in scenario.lines)
    per_hour = UNIT_PER_HOUR.get(scenario.time_unit)
    bins = 1001 if per_hour is None else working_time(scenario, horizon) / per_hour + 1
    return stations * bins


def working_time(scenario, wall: float) -> float:
    """Working time from wall time 0 to ``wall`` (all of it without a calendar)."""
    if scenario.calendar is None or scenario.time_unit == "cycle":
        return wall
    calendar = build_calendar(scenario.calendar, scenario.time_unit)
    return float(calendar.wall_to_work_at(wall))


def budget_problems(scenario) -> Iterator[Problem]:
    """Runs too big to finish, and observation windows without working time."""
    run, unit = scenario.run, scenario.time_unit
    per_rep = part_stations(scenario, run.horizon)
    if per_rep > MAX_PART_STATIONS:
        yield Problem(
            "run.horizon",
            f"{run.horizon:g} {unit} would simulate about {per_rep:.3g} part-stations "
            f"(parts x stations) per replication, more than {MAX_PART_STATIONS:.0e}: "
            f"shorten the horizon to at most {_scaled(run.horizon, MAX_PART_STATIONS, per_rep)} "
            f"{unit}",
        )
    elif per_rep * run.replications > MAX_RUN_PART_STATIONS:
        most = max(1, int(MAX_RUN_PART_STATIONS // per_rep))
        yield Problem(
            "run.replications",
            f"{run.replications} replications of about {per_rep:.3g} part-stations each "
            f"exceed {MAX_RUN_PART_STATIONS:.0e} for one run: use at most {most} "
            "replications (or a shorter horizon), or split the run",
        )
    bins = output_bins(scenario, run.horizon)
    if bins > MAX_OUTPUT_BINS:
        yield Problem(
            "run.horizon",
            f"{run.horizon:g} {unit} would need {bins:.3g} hourly output counters (working "
            f"hours x stations), more than {MAX_OUTPUT_BINS:.0e}: shorten the horizon to at "
            f"most {_scaled(run.horizon, MAX_OUTPUT_BINS, bins)} {unit}",
        )
    items = plant_items(scenario, run.horizon)
    if items > MAX_PLANT_ITEMS:
        yield Problem(
            "run.horizon",
            f"{run.horizon:g} {unit} would bring about {items:.3g} lots and orders to the "
            f"plant model per replication, more than {MAX_PLANT_ITEMS:.0e}: shorten the "
            f"horizon to at most {_scaled(run.horizon, MAX_PLANT_ITEMS, items)} {unit}",
        )
    yield from _window_problems(scenario)


def _window_problems(scenario) -> Iterator[Problem]:
    run, unit = scenario.run, scenario.time_unit
    if run.warmup >= run.horizon:
        yield Problem("run.warmup", f"must be smaller than run.horizon ({run.horizon:g})")
        return
    if scenario.calendar is None or working_time(scenario, run.horizon) > working_time(
        scenario, run.warmup
    ):
        return
    start = _next_shift_start(scenario, run.warmup)
    yield Problem(
        "run.horizon",
        f"the observation window from warm-up {run.warmup:g} to horizon {run.horizon:g} "
        f"{unit} holds no working time of the calendar (the next shift starts at "
        f"{start:g} {unit}): lengthen the horizon beyond {start:g} {unit}",
    )


def _next_shift_start(scenario, wall: float) -> float:
    """The first wall time at or after ``wall`` at which a shift is working."""
    calendar = build_calendar(scenario.calendar, scenario.time_unit)
    cycles, rem = divmod(wall, calendar.period)
    for start, end in zip(calendar.starts.tolist(), calendar.ends.tolist(), strict=True):
        if rem < end:
            return cycles * calendar.period + max(start, rem)
    return (cycles + 1) * calendar.period + float(calendar.starts[0])


def _scaled(value: float, limit: float, count: float) -> str:
    """``value`` scaled down so that ``count`` meets ``limit``, rounded down to 3 digits."""
    target = value * limit / count
    if target <= 0 or not math.isfinite(target):
        return "0"
    digits = 10 ** (math.floor(math.log10(target)) - 2)
    return f"{math.floor(target / digits) * digits:.3g}"
