"""The fast line engine (numba recurrence) and the SimPy oracle agree part by part.

Both models get generators built from the same SeedSequence, so they see the
same random numbers; any difference is a difference in the rules. Random
small lines (Hypothesis, derandomized) cover every distribution kind, both
failure modes, scrap, campaigns with changeovers, the plant gate and shift
calendars; a few hand-computed cases pin the rules to known answers.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotflow.calendar import build_calendar
from lotflow.engine.compiled import compile_line
from lotflow.engine.line_run import LineRun, Trace, spawn_generators
from lotflow.engine.oracle import simulate_line_oracle
from lotflow.scenario import scenario_from_dict

TRACE = 100_000
RTOL = 1e-9
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# --- running both models -------------------------------------------------------------


def compile_scenario(data: dict):
    """(LineArrays, Calendar or None) of the scenario's only line."""
    scenario = scenario_from_dict(data)
    arrays = compile_line(scenario.lines[0], scenario.products)
    calendar = build_calendar(scenario.calendar, scenario.time_unit) if scenario.calendar else None
    return arrays, calendar


def streams(seed: int, n: int):
    """A fresh set of generators: every call with the same seed gives identical streams."""
    return spawn_generators(np.random.SeedSequence(seed), n)


def run_both(data: dict, seed: int, w0: float, w1: float, gate: float = 0.0):
    """Run the fast engine and the oracle on identical random streams."""
    arrays, calendar = compile_scenario(data)
    fast_run = LineRun(
        arrays,
        streams(seed, arrays.n_streams),
        w0,
        w1,
        bin_width=w1,
        trace=Trace(departures=TRACE, active_periods=TRACE),
    )
    fast_run.gate = gate
    fast = fast_run.run()
    assert_fast_path_agrees(fast, arrays, seed, w0, w1, gate)
    oracle = simulate_line_oracle(
        arrays, streams(seed, arrays.n_streams), w0, w1, gate=gate, calendar=calendar
    )
    return fast, oracle, calendar


def assert_fast_path_agrees(traced, arrays, seed: int, w0: float, w1: float, gate: float) -> None:
    """The engine without a departure trace (where most parts take its fast
    path, with or without active periods to trace) gives exactly what the
    traced run (every part by the full rules) gave, the traced active periods
    included: all of them, or the first 5 when the trace has room for 5."""
    for trace in (Trace(), Trace(active_periods=5), Trace(active_periods=TRACE)):
        run = LineRun(arrays, streams(seed, arrays.n_streams), w0, w1, bin_width=w1, trace=trace)
        run.gate = gate
        untraced = run.run()
        assert untraced.good == traced.good
        for got, want in zip(untraced.active_intervals, traced.active_intervals, strict=True):
            np.testing.assert_array_equal(
                got, want[: trace.active_periods], err_msg="fast path: active periods"
            )
        for name in (
            "processed", "scrapped", "state_time", "active_time", "active_periods",
            "buffer_time", "lots", "departure_bins", "scrap_bins",
        ):  # fmt: skip
            np.testing.assert_array_equal(
                getattr(untraced, name), getattr(traced, name), err_msg=f"fast path: {name}"
            )


def near_shift_boundary(calendar, work: np.ndarray) -> np.ndarray:
    """Working instants within rounding of a shift boundary (where work -> wall jumps)."""
    per = calendar.working_per_period
    bounds = np.append(calendar.cum, per)
    rem = np.mod(work, per)
    gap = np.abs(rem[:, None] - bounds[None, :]).min(axis=1)
    return gap <= 1e-9 * np.maximum(work, 1.0)


def assert_equivalent(fast, oracle, w0: float, w1: float, calendar=None, exact_wall=False):
    """Every observable of the two models is the same.

    With a calendar the oracle reports wall time. Wall -> working time is
    continuous, so times are compared in working time; working -> wall time
    jumps over the off-shift gap at every shift end, where a rounding
    difference of one ulp moves an instant to the next shift start, so wall
    times are compared away from shift ends only, unless ``exact_wall`` (all
    durations binary fractions: both models then hit shift ends exactly).
    """

    def same_times(got, want, what):
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        if calendar is None:
            np.testing.assert_array_equal(got, want, err_msg=what)
            return
        np.testing.assert_allclose(
            calendar.wall_to_work(got), want, rtol=RTOL, atol=RTOL * w1, err_msg=what
        )
        keep = (
            np.ones(want.shape, dtype=bool)
            if exact_wall
            else ~near_shift_boundary(calendar, want.ravel()).reshape(want.shape)
        )
        np.testing.assert_allclose(
            got[keep], calendar.work_to_wall(want[keep]), rtol=RTOL, atol=0.0, err_msg=what
        )

    for i, (dep_fast, dep_oracle) in enumerate(
        zip(fast.departures, oracle.departures, strict=True)
    ):
        assert len(dep_fast) < TRACE, "trace too short for this test"
        assert len(dep_oracle) == len(dep_fast), f"station {i}: number of departures"
        same_times(dep_oracle, dep_fast, f"station {i}: departure times")
        np.testing.assert_array_equal(
            np.asarray(oracle.scrap_flags[i], dtype=bool),
            fast.scrap_flags[i],
            err_msg=f"station {i}: scrap flags",
        )
    assert oracle.good == fast.good, "good parts in the window"
    np.testing.assert_array_equal(oracle.processed, fast.processed, err_msg="processed")
    np.testing.assert_array_equal(oracle.scrapped, fast.scrapped, err_msg="scrapped")

    assert oracle.lots.shape == fast.lots.shape, "number of lots"
    np.testing.assert_array_equal(oracle.lots[:, 2], fast.lots[:, 2], err_msg="lot runs")
    same_times(oracle.lots[:, :2], fast.lots[:, :2], "lot start/end")

    window = w1 - w0
    atol = RTOL * window
    np.testing.assert_allclose(
        oracle.state_time, fast.state_time, rtol=RTOL, atol=atol, err_msg="state times"
    )
    np.testing.assert_allclose(
        oracle.buffer_time, fast.buffer_time, rtol=RTOL, atol=atol, err_msg="buffer integrals"
    )
    # model.md: the states partition the window (off shift is outside the working window).
    np.testing.assert_allclose(fast.state_time.sum(axis=1), window, rtol=RTOL)
    np.testing.assert_allclose(oracle.state_time.sum(axis=1), window, rtol=RTOL)
    if calendar is not None:
        wall_window = float(calendar.work_to_wall(w1) - calendar.work_to_wall(w0))
        assert oracle.off_shift == pytest.approx(wall_window - window, rel=RTOL, abs=atol)


# --- random lines ----------------------------------------------------------------------

NICE = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)  # binary fractions: sums tie exactly
KINDS = (
    "deterministic",
    "exponential",
    "uniform",
    "lognormal",
    "gamma",
    "geometric",
    "triangular",
    "empirical",
)


@st.composite
def dists(draw, scale: float = 1.0, kinds=KINDS) -> dict:
    """A distribution spec with a mean of about ``scale`` (0.25x to 2x)."""
    kind = draw(st.sampled_from(kinds))
    nice = st.sampled_from(NICE)
    if kind in ("deterministic", "exponential"):
        return {"dist": kind, "mean": draw(nice) * scale}
    if kind in ("lognormal", "gamma"):
        cv = draw(st.floats(0.1, 1.5))
        return {"dist": kind, "mean": draw(st.floats(0.25, 2.0)) * scale, "cv": cv}
    if kind == "uniform":
        low = draw(st.sampled_from((0.0, *NICE))) * scale
        return {"dist": kind, "low": low, "high": low + draw(nice) * scale}
    if kind == "triangular":
        low = draw(st.sampled_from((0.0, 0.25, 0.5))) * scale
        high = low + draw(nice) * scale
        return {"dist": kind, "low": low, "mode": draw(st.floats(low, high)), "high": high}
    if kind == "geometric":  # whole time units, mean >= 1
        return {"dist": kind, "mean": draw(st.sampled_from((1.0, 1.5, 2.0))) * max(scale, 1.0)}
    values = draw(st.lists(st.sampled_from((0.0, *NICE)), min_size=1, max_size=4))
    if sum(values) == 0:
        values.append(1.0)
    return {"dist": "empirical", "values": [v * scale for v in values]}


@st.composite
def stations(draw, index: int, failures: bool, scrap: bool, kinds=KINDS) -> dict:
    station = {"name": f"s{index}", "process": draw(dists(kinds=kinds))}
    mode = draw(st.sampled_from(("none", "per_cycle", "busy_time"))) if failures else "none"
    if mode == "per_cycle":
        p = draw(st.sampled_from((0.02, 0.1, 0.3, 1.0)))
        station["failure"] = {"per_cycle": p}
    elif mode == "busy_time":
        scale = draw(st.sampled_from((2.0, 8.0)))
        station["failure"] = {"busy_time": draw(dists(scale=scale, kinds=kinds))}
    if mode != "none":
        station["repair"] = draw(dists(scale=draw(st.sampled_from((0.5, 2.0))), kinds=kinds))
    if scrap and draw(st.booleans()):
        station["scrap"] = draw(st.floats(0.01, 0.2))
    return station


@st.composite
def scenarios(
    draw,
    failures: bool = True,
    scrap: bool = True,
    campaigns: tuple[str, ...] = ("none", "single", "two"),
    kinds: tuple[str, ...] = KINDS,
) -> dict:
    """A scenario with one line of 1-4 stations and, optionally, campaigns."""
    n = draw(st.integers(1, 4))
    line = {
        "name": "L",
        "stations": [draw(stations(i, failures, scrap, kinds)) for i in range(n)],
        "buffers": draw(st.lists(st.sampled_from((0, 1, 2, 5)), min_size=n - 1, max_size=n - 1)),
    }
    data = {"lines": [line]}
    kind = draw(st.sampled_from(campaigns))
    if kind != "none":
        sizes = st.integers(1, 4)
        data["products"] = [
            {"name": "A", "lot_size": draw(sizes)},
            {"name": "B", "lot_size": draw(sizes)},
        ]
        lots = st.integers(1, 3)
        if kind == "single":
            line["campaigns"] = [{"product": "A", "lots": draw(lots)}]
        else:
            order = ("A", "B", "A") if kind == "wrap" else ("A", "B")
            line["campaigns"] = [{"product": p, "lots": draw(lots)} for p in order]
            scale = draw(st.sampled_from((0.5, 3.0)))
            line["changeover"] = draw(dists(scale=scale, kinds=kinds))
    return data


@st.composite
def calendars(draw) -> dict:
    shifts = draw(st.integers(1, 3))
    hours = draw(st.sampled_from((4.0, 6.0, 7.5, 8.0)))
    start = draw(st.sampled_from((0.0, 6.0, 6.5)))
    if start + shifts * hours > 24:
        start = 0.0
    return {
        "shifts_per_day": shifts,
        "hours_per_shift": hours,
        "days_per_week": draw(st.integers(1, 7)),
        "day_start_hour": start,
    }


seeds = st.integers(0, 2**32 - 1)


@PROPERTY
@given(data=scenarios(), seed=seeds, window=st.sampled_from(((5.0, 200.0), (0.0, 120.0))))
def test_random_lines_match_oracle_part_by_part(data, seed, window):
    w0, w1 = window
    fast, oracle, _ = run_both(data, seed, w0, w1)
    assert_equivalent(fast, oracle, w0, w1)


@settings(PROPERTY, max_examples=60)
@given(data=scenarios(campaigns=("two",)), seed=seeds)
def test_campaigns_with_scrap_refill_and_changeover_match_oracle(data, seed):
    fast, oracle, _ = run_both(data, seed, 5.0, 200.0)
    assert_equivalent(fast, oracle, 5.0, 200.0)
    assert len(fast.lots) > 0


@settings(PROPERTY, max_examples=30)
@given(data=scenarios(), seed=seeds, gate=st.floats(1.0, 150.0))
def test_gate_backpressure_matches_oracle(data, seed, gate):
    fast, oracle, _ = run_both(data, seed, 5.0, 200.0, gate=gate)
    assert_equivalent(fast, oracle, 5.0, 200.0)


@settings(PROPERTY, max_examples=40)
@given(data=scenarios(), calendar=calendars(), seed=seeds)
def test_calendar_lines_match_oracle_in_wall_time(data, calendar, seed):
    data = {**data, "time_unit": "h", "calendar": calendar}
    w0, w1 = 5.3, 150.7  # not a sum of the binary-fraction durations above
    fast, oracle, cal = run_both(data, seed, w0, w1)
    assert_equivalent(fast, oracle, w0, w1, calendar=cal)


BINARY_KINDS = ("deterministic", "geometric", "empirical")  # binary fractions of an hour


@settings(PROPERTY, max_examples=30)
@given(data=scenarios(kinds=BINARY_KINDS), calendar=calendars(), seed=seeds)
def test_calendar_instants_on_shift_ends_map_to_the_earlier_shift(data, calendar, seed):
    """Durations in binary fractions hit shift ends exactly in both models: wall
    times must then agree everywhere, boundaries included."""
    data = {**data, "time_unit": "h", "calendar": calendar}
    w0, w1 = 5.3, 150.7
    fast, oracle, cal = run_both(data, seed, w0, w1)
    assert_equivalent(fast, oracle, w0, w1, calendar=cal, exact_wall=True)


@settings(PROPERTY, max_examples=20)
@given(data=scenarios(scrap=False, campaigns=("wrap",)), seed=seeds)
def test_same_product_wrap_without_scrap_runs_on_without_emptying(data, seed):
    """Campaigns A, B, A: from the last A run to the first no changeover, no run-empty."""
    fast, oracle, _ = run_both(data, seed, 5.0, 200.0)
    assert_equivalent(fast, oracle, 5.0, 200.0)


@pytest.mark.parametrize("buffer", [0, 1, 2, 5])
@pytest.mark.parametrize("seed", [1, 2])
def test_every_buffer_size_matches_oracle(buffer, seed):
    """A busy mixed line with each buffer size (B = 0 and B = 1 are the edge cases)."""
    data = {
        "products": [{"name": "A", "lot_size": 3}, {"name": "B", "lot_size": 2}],
        "lines": [
            {
                "name": "L",
                "stations": [
                    {
                        "name": "a",
                        "process": {"dist": "exponential", "mean": 1.0},
                        "failure": {"per_cycle": 0.1},
                        "repair": {"dist": "exponential", "mean": 3.0},
                        "scrap": 0.1,
                    },
                    {
                        "name": "b",
                        "process": {"dist": "lognormal", "mean": 1.1, "cv": 0.5},
                        "failure": {"busy_time": {"dist": "exponential", "mean": 10.0}},
                        "repair": {"dist": "uniform", "low": 1.0, "high": 3.0},
                        "scrap": 0.15,
                    },
                    {"name": "c", "process": {"dist": "empirical", "values": [0.5, 1.0, 2.0]}},
                ],
                "buffers": [buffer, buffer],
                "campaigns": [{"product": "A", "lots": 2}, {"product": "B", "lots": 3}],
                "changeover": {"dist": "deterministic", "mean": 4.0},
            }
        ],
    }
    fast, oracle, _ = run_both(data, seed, 5.0, 200.0)
    assert_equivalent(fast, oracle, 5.0, 200.0)
    assert oracle.scrapped.sum() > 0 and len(oracle.lots) > 5


@pytest.mark.parametrize("buffers", [[], [0], [2, 0]])
def test_long_campaigns_with_heavy_scrap_match_oracle(buffers):
    """Campaigns of 150 good parts at 20 % scrap: many more scraps than parts in
    process, so the engine's bookkeeping of scraps (heap of scrap times, spill to a
    count of old scraps) is exercised across several changeovers."""
    stations = [
        {"process": {"dist": "exponential", "mean": 1.0}, "scrap": 0.2}
        for _ in range(len(buffers) + 1)
    ]
    data = serial(
        *stations,
        buffers=buffers,
        campaigns=[{"product": "A", "lots": 3}, {"product": "B", "lots": 2}],
        changeover={"dist": "uniform", "low": 2.0, "high": 6.0},
    )
    data["products"] = [{"name": "A", "lot_size": 50}, {"name": "B", "lot_size": 40}]
    _, oracle = both_agree(data, 10.0, 900.0, seed=7)
    assert oracle.scrapped.sum() > 100
    assert set(oracle.lots[:, 2]) == {0.0, 1.0} and len(oracle.lots) >= 5


# --- hand-computed cases ---------------------------------------------------------------


def serial(*stations: dict, buffers=(), **line) -> dict:
    names = [{"name": f"s{i}", **s} for i, s in enumerate(stations)]
    return {"lines": [{"name": "L", "stations": names, "buffers": list(buffers), **line}]}


def det(mean: float) -> dict:
    return {"dist": "deterministic", "mean": mean}


def both_agree(data, w0, w1, gate=0.0, seed=0):
    fast, oracle, calendar = run_both(data, seed, w0, w1, gate=gate)
    assert_equivalent(fast, oracle, w0, w1, calendar=calendar)
    return fast, oracle


def test_slow_second_station_halves_throughput_and_blocks_the_first():
    data = serial({"process": det(1.0)}, {"process": det(2.0)}, buffers=[0])
    _, oracle = both_agree(data, 5.0, 205.0)
    assert oracle.good == 100  # throughput 1/2
    np.testing.assert_allclose(oracle.state_time[0], [100, 0, 100, 0, 0])  # busy, blocked
    np.testing.assert_allclose(oracle.state_time[1], [200, 0, 0, 0, 0])
    assert oracle.departures[1][:4] == [3.0, 5.0, 7.0, 9.0]


def test_slow_first_station_starves_the_second():
    data = serial({"process": det(2.0)}, {"process": det(1.0)}, buffers=[0])
    _, oracle = both_agree(data, 5.0, 205.0)
    assert oracle.good == 100
    np.testing.assert_allclose(oracle.state_time[0], [200, 0, 0, 0, 0])
    np.testing.assert_allclose(oracle.state_time[1], [100, 100, 0, 0, 0])


def test_buffer_of_two_stays_full_in_front_of_the_bottleneck():
    data = serial({"process": det(1.0)}, {"process": det(2.0)}, buffers=[2])
    _, oracle = both_agree(data, 5.0, 205.0)
    assert oracle.good == 100
    np.testing.assert_allclose(oracle.buffer_time, [400.0])  # level 2 throughout
    np.testing.assert_allclose(oracle.state_time[0], [100, 0, 100, 0, 0])
    assert oracle.departures[0][:6] == [1.0, 2.0, 3.0, 4.0, 5.0, 7.0]


def test_per_cycle_failure_with_probability_one_fails_before_every_part():
    data = serial(
        {"process": det(1.0), "failure": {"per_cycle": 1.0}, "repair": det(1.0)},
    )
    _, oracle = both_agree(data, 5.0, 205.0)
    assert oracle.departures[0][:3] == [2.0, 4.0, 6.0]
    np.testing.assert_allclose(oracle.state_time[0], [100, 0, 0, 100, 0])
    assert oracle.good == 100


def test_busy_time_failure_resumes_the_part_and_exact_ttf_fails_at_next_start():
    # TTF 2.5 busy hours, repair 1, process 1: part 3 is interrupted after 0.5
    # (down 2.5-3.5, done 4); the TTF left after part 5 is exactly 0, so part 6
    # fails the moment it starts (down 6-7, done 8).
    data = serial(
        {"process": det(1.0), "failure": {"busy_time": det(2.5)}, "repair": det(1.0)},
    )
    _, oracle = both_agree(data, 0.0, 20.0)
    assert oracle.departures[0][:7] == [1.0, 2.0, 4.0, 5.0, 6.0, 8.0, 9.0]


def test_gate_holds_the_last_station_and_backs_up_the_line():
    data = serial({"process": det(1.0)}, {"process": det(1.0)}, buffers=[1])
    _, oracle = both_agree(data, 0.0, 100.0, gate=10.0)
    # Part 1 waits at station 2 until the gate; part 2 waits in the buffer; part 3
    # blocks station 1 from 3 to 10.
    assert oracle.departures[1][:3] == [10.0, 11.0, 12.0]
    assert oracle.departures[0][:4] == [1.0, 2.0, 10.0, 11.0]
    np.testing.assert_allclose(oracle.state_time[0, 2], 7.0)  # station 1 blocked 3-10
    np.testing.assert_allclose(oracle.state_time[1, 2], 8.0)  # station 2 blocked 2-10


def test_campaigns_run_empty_then_change_over_for_the_whole_line():
    data = serial(
        {"process": det(1.0)},
        campaigns=[{"product": "A", "lots": 1}, {"product": "B", "lots": 1}],
        changeover=det(5.0),
    )
    data["products"] = [{"name": "A", "lot_size": 2}, {"name": "B", "lot_size": 3}]
    _, oracle = both_agree(data, 0.0, 30.0)
    np.testing.assert_array_equal(oracle.lots, [[0, 2, 0], [7, 10, 1], [15, 17, 0], [22, 25, 1]])
    np.testing.assert_allclose(oracle.state_time[0], [10, 0, 0, 0, 20])


def test_calendar_freezes_the_line_off_shift_and_maps_boundaries_to_shift_end():
    data = serial({"process": det(3.0)})
    data.update(
        time_unit="h",
        calendar={"shifts_per_day": 1, "hours_per_shift": 8.0, "days_per_week": 5},
    )
    _, oracle = both_agree(data, 0.0, 22.0)
    # Shifts 6-14 h each weekday: working time 3, 6, ..., 24 -> the wall times
    # below; working time 24 is the end of the third shift (62), not 78.
    assert oracle.departures[0][:8] == [9.0, 12.0, 31.0, 34.0, 37.0, 56.0, 59.0, 62.0]
    np.testing.assert_allclose(oracle.state_time[0], [22, 0, 0, 0, 0])
    assert oracle.off_shift == pytest.approx(32.0)  # wall window 6-60 h, 22 h on shift


# --- same-product wrap with scrap (once a discrepancy, now a regression test) -----------


def test_same_product_wrap_with_scrap_matches_oracle():
    data = serial(
        {"process": det(1.0)},
        {"process": det(1.0), "scrap": 0.3},
        buffers=[1],
        campaigns=[
            {"product": "A", "lots": 1},
            {"product": "B", "lots": 1},
            {"product": "A", "lots": 1},
        ],
        changeover=det(3.0),
    )
    data["products"] = [{"name": "A", "lot_size": 2}, {"name": "B", "lot_size": 2}]
    both_agree(data, 0.0, 40.0, seed=2)
