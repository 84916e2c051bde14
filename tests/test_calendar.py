"""Shift calendars: the map between working time and wall-clock time, and runs with one.

model.md: with a calendar the lines live in working time; off shift everything
is frozen. So a run with a calendar is the same run in working time, and the
off-shift fraction of every station is 1 - working / wall over the window.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import lotflow
from lotflow.calendar import HOURS_PER_YEAR, UNIT_PER_HOUR, build_calendar
from lotflow.scenario import scenario_from_dict
from lotflow.scenario.models import Calendar as CalendarSpec

PROPERTY = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
REFERENCE = {"shifts_per_day": 2, "hours_per_shift": 8, "days_per_week": 5, "weeks_per_year": 50}
UNITS = ("s", "min", "h")


@st.composite
def calendars(draw):
    shifts = draw(st.integers(1, 3))
    hours = draw(st.sampled_from([0.5, 1.0, 2.5, 4.0, 6.0, 7.5, 8.0, 12.0, 24.0]))
    assume(shifts * hours <= 24.0)
    start = draw(st.sampled_from([0.0, 5.5, 6.0, 22.0]))
    assume(start + shifts * hours <= 24.0)
    spec = CalendarSpec(
        shifts_per_day=shifts,
        hours_per_shift=hours,
        days_per_week=draw(st.integers(1, 7)),
        weeks_per_year=draw(st.integers(1, 52)),
        day_start_hour=start,
    )
    unit = draw(st.sampled_from(UNITS))
    return spec, unit, build_calendar(spec, unit)


def working_per_year(spec) -> float:
    return spec.shifts_per_day * spec.hours_per_shift * spec.days_per_week * spec.weeks_per_year


# --------------------------------------------------------------------------
# the time maps
# --------------------------------------------------------------------------


@PROPERTY
@given(calendars(), st.floats(0.0, 3.0))
def test_wall_to_work_inverts_work_to_wall(cal_unit, years):
    spec, unit, cal = cal_unit
    w = years * working_per_year(spec) * UNIT_PER_HOUR[unit]
    back = float(cal.wall_to_work(cal.work_to_wall(w)))
    assert back == pytest.approx(w, rel=1e-9, abs=1e-9 * UNIT_PER_HOUR[unit])


@PROPERTY
@given(calendars(), st.lists(st.floats(0.0, 3.0), min_size=2, max_size=30))
def test_maps_are_monotone(cal_unit, fractions):
    spec, unit, cal = cal_unit
    scale = UNIT_PER_HOUR[unit]
    work = np.sort(np.array(fractions) * working_per_year(spec) * scale)
    wall = np.asarray(cal.work_to_wall(work))
    resolvable = np.diff(work) > 1e-6 * scale  # above float resolution of wall times
    assert np.all(np.diff(wall)[resolvable] > 0)  # strictly increasing
    walls = np.sort(np.array(fractions) * HOURS_PER_YEAR * scale)
    w = np.asarray(cal.wall_to_work(walls))
    assert np.all(np.diff(w) >= 0)
    # Working time never runs faster than the wall clock.
    assert np.all(np.diff(w) <= np.diff(walls) * (1 + 1e-12) + 1e-9 * scale)


@PROPERTY
@given(calendars(), st.floats(0.0, 3.0))
def test_work_to_wall_is_the_first_instant_with_that_much_work(cal_unit, years):
    _, unit, cal = cal_unit
    scale = UNIT_PER_HOUR[unit]
    t = years * HOURS_PER_YEAR * scale
    w = float(cal.wall_to_work(t))
    # w = 0 maps to the start of the first shift (not to wall time 0); any
    # positive amount of work has a unique first instant.
    assume(w > 0.0)
    first = float(cal.work_to_wall(w))
    assert first <= t * (1 + 1e-12) + 1e-9 * scale
    # ... and nothing is worked between that instant and t.
    assert float(cal.wall_to_work(first)) == pytest.approx(w, rel=1e-9, abs=1e-9 * scale)


@PROPERTY
@given(calendars(), st.integers(1, 3))
def test_working_time_per_year(cal_unit, years):
    spec, unit, cal = cal_unit
    scale = UNIT_PER_HOUR[unit]
    expected = years * working_per_year(spec) * scale
    assert float(cal.wall_to_work(years * HOURS_PER_YEAR * scale)) == pytest.approx(
        expected, rel=1e-12
    )


@PROPERTY
@given(calendars(), st.lists(st.floats(0.0, 3.0), min_size=1, max_size=20), st.booleans())
def test_the_scalar_maps_give_the_array_maps_bits(cal_unit, fractions, on_edges):
    """``wall_to_work_at`` / ``work_to_wall_at`` (one instant, Python floats)
    return exactly what the array maps return, shift and period edges included."""
    spec, unit, cal = cal_unit
    scale = UNIT_PER_HOUR[unit]
    walls = [f * HOURS_PER_YEAR * scale for f in fractions]
    works = [f * working_per_year(spec) * scale for f in fractions]
    if on_edges:  # shift starts and ends, period ends, working time at each
        walls += [*cal.starts.tolist(), *cal.ends.tolist(), cal.period, 2 * cal.period]
        works += [*cal.cum.tolist(), cal.working_per_period, 2 * cal.working_per_period]
    assert [cal.wall_to_work_at(t) for t in walls] == cal.wall_to_work(walls).tolist()
    assert [cal.work_to_wall_at(w) for w in works] == cal.work_to_wall(works).tolist()


@pytest.mark.parametrize("unit", UNITS)
def test_reference_calendar_has_4000_working_hours_a_year(unit):
    cal = build_calendar(CalendarSpec(**REFERENCE), unit)
    scale = UNIT_PER_HOUR[unit]
    assert cal.working_per_period == pytest.approx(4000.0 * scale, rel=1e-15)
    assert float(cal.wall_to_work(HOURS_PER_YEAR * scale)) == pytest.approx(4000 * scale)
    # Monday 06:00-22:00 is worked, the weekend is not.
    assert float(cal.wall_to_work(22 * scale)) == pytest.approx(16 * scale)
    assert float(cal.wall_to_work(168 * scale)) == pytest.approx(80 * scale)
    assert float(cal.work_to_wall(16 * scale)) == pytest.approx(22 * scale)
    assert float(cal.work_to_wall(17 * scale)) == pytest.approx((24 + 7) * scale)


# --------------------------------------------------------------------------
# runs with a calendar
# --------------------------------------------------------------------------


def line_scenario(calendar: dict | None, horizon: float, warmup: float) -> dict:
    data = {
        "name": "shifts",
        "time_unit": "h",
        "run": {"horizon": horizon, "warmup": warmup, "replications": 2, "seed": 11},
        "lines": [
            {
                "name": "L",
                "buffers": [3],
                "stations": [
                    {
                        "name": "M1",
                        "process": {"dist": "exponential", "mean": 0.01},
                        "failure": {"busy_time": {"dist": "exponential", "mean": 2.0}},
                        "repair": {"dist": "exponential", "mean": 0.2},
                        "scrap": 0.01,
                    },
                    {
                        "name": "M2",
                        "process": {"dist": "deterministic", "mean": 0.011},
                        "failure": {"per_cycle": 0.002},
                        "repair": {"dist": "exponential", "mean": 0.1},
                    },
                ],
            }
        ],
    }
    if calendar is not None:
        data["calendar"] = calendar
    return data


def test_calendar_run_equals_plain_run_over_the_working_window():
    """Same seed: the calendar run is the plain run over [w0, w1) of working time,
    part for part; every state fraction is rescaled by working / wall, and
    off_shift = 1 - working / wall."""
    horizon, warmup = 2_000.0, 300.0  # wall-clock hours (about 12 weeks)
    cal = build_calendar(CalendarSpec(**REFERENCE), "h")
    w0, w1 = float(cal.wall_to_work(warmup)), float(cal.wall_to_work(horizon))
    with_cal = lotflow.run(scenario_from_dict(line_scenario(REFERENCE, horizon, warmup))).data[
        "lines"
    ]["L"]
    plain = lotflow.run(scenario_from_dict(line_scenario(None, w1, w0))).data["lines"]["L"]
    assert with_cal["good_parts"]["per_replication"] == plain["good_parts"]["per_replication"]
    assert with_cal["scrap_parts"]["per_replication"] == plain["scrap_parts"]["per_replication"]
    wall, working = horizon - warmup, w1 - w0
    for name in ("M1", "M2"):
        a, b = with_cal["stations"][name], plain["stations"][name]
        for state in ("busy", "starved", "blocked", "down", "setup"):
            assert a[state]["mean"] * wall == pytest.approx(b[state]["mean"] * working, rel=1e-9)
        assert a["off_shift"]["mean"] == pytest.approx(1.0 - working / wall, rel=1e-12)
        assert b["off_shift"]["mean"] == 0.0
        total = sum(a[s]["mean"] for s in ("busy", "starved", "blocked", "down", "setup"))
        assert total + a["off_shift"]["mean"] == pytest.approx(1.0, rel=1e-12)
    # Buffer levels are averages over working time (docs/model.md: off shift a
    # buffer is frozen at its level), so they equal the plain run's.
    assert with_cal["buffers"][0]["mean_level"]["mean"] == pytest.approx(
        plain["buffers"][0]["mean_level"]["mean"], rel=1e-9
    )
    # Throughput is per wall-clock time unit.
    assert with_cal["throughput"]["mean"] == pytest.approx(
        with_cal["good_parts"]["mean"] / wall, rel=1e-12
    )


def test_reference_year_off_shift_fraction():
    """A year of the reference calendar: 4000 of 8760 h worked, so off_shift is
    1 - 4000 / 8760 for every station (seconds as the time unit)."""
    data = line_scenario(REFERENCE, 8760.0, 0.0)
    data["time_unit"] = "s"
    data["run"] = {"horizon": 8760.0 * 3600, "warmup": 0.0, "replications": 1, "seed": 1}
    for st_ in data["lines"][0]["stations"]:
        for key in ("process", "repair"):
            st_[key] = dict(st_[key], mean=st_[key]["mean"] * 3600 * 100)
        if "busy_time" in st_.get("failure", {}):
            st_["failure"]["busy_time"]["mean"] *= 3600 * 100
    line = lotflow.run(scenario_from_dict(data)).data["lines"]["L"]
    for name in ("M1", "M2"):
        assert line["stations"][name]["off_shift"]["mean"] == pytest.approx(
            1.0 - 4000.0 / 8760.0, rel=1e-12
        )


def test_lots_complete_inside_shifts():
    """Lot start and end times are reported in wall-clock time, and a line only
    works on shift: every one falls inside a working interval (or on its edge)."""
    from pathlib import Path

    scenario = lotflow.load_scenario(Path(__file__).parent / "scenarios" / "two_lines_shifts.yaml")
    results = lotflow.run(scenario, replications=1)
    cal = build_calendar(scenario.calendar, scenario.time_unit)
    assert len(results.lots) >= 10
    for lot in results.lots:
        for key in ("start", "end"):
            rem = lot[key] % cal.period
            assert np.any((cal.starts <= rem) & (rem <= cal.ends)), (key, lot)
        assert lot["start"] < lot["end"] <= scenario.run.horizon + 24 * 60
