"""The line engine follows the rules of model.md, one rule per test.

Exact rules are checked exactly (deterministic lines, traces, identities that
hold part by part); random ones with a fixed seed and a tolerance of ``Z``
standard errors of the replication mean.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

import lotflow
from lotflow.engine import layout as k
from lotflow.engine.compiled import compile_line
from lotflow.engine.line_run import LineRun, Trace, spawn_generators
from lotflow.scenario import scenario_from_dict

R = 20
Z = 4.0
SEED = 7
FLOOR = 1e-12
STATE = {"busy": 0, "starved": 1, "blocked": 2, "down": 3, "setup": 4}


def det(mean):
    return {"dist": "deterministic", "mean": mean}


def expo(mean):
    return {"dist": "exponential", "mean": mean}


def scenario(stations, buffers, *, products=(), campaigns=(), changeover=None):
    line = {"name": "L", "buffers": list(buffers), "stations": stations}
    if campaigns:
        line["campaigns"] = list(campaigns)
    if changeover is not None:
        line["changeover"] = changeover
    return scenario_from_dict(
        {"name": "rules", "time_unit": "cycle", "products": list(products), "lines": [line]}
    )


def engine_run(sc, w0, w1, *, seed=SEED, trace=0, bin_width=None):
    arrays = compile_line(sc.lines[0], sc.products)
    if not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(seed)
    gens = spawn_generators(seed, arrays.n_streams)
    run = LineRun(arrays, gens, w0, w1, bin_width or w1 / 10, Trace(departures=trace))
    return run, run.run()


def engine_reps(sc, w0, w1, reps=R):
    return [engine_run(sc, w0, w1, seed=s)[1] for s in np.random.SeedSequence(SEED).spawn(reps)]


def assert_mean_close(values, theory, what):
    xs = np.asarray(values, dtype=float)
    se = float(xs.std(ddof=1) / math.sqrt(len(xs)))
    err = abs(xs.mean() - theory)
    assert err <= Z * se + FLOOR, f"{what}: {xs.mean():.6g} vs {theory:.6g} ({Z} SE = {Z * se:.2e})"


def random_line():
    """Three stations, random times, both failure modes, scrap, small buffers."""
    return [
        {"name": "M1", "process": expo(1.0), "failure": {"per_cycle": 0.02},
         "repair": expo(5.0), "scrap": 0.03},
        {"name": "M2", "process": {"dist": "gamma", "mean": 1.1, "cv": 0.5},
         "failure": {"busy_time": expo(50.0)},
         "repair": {"dist": "lognormal", "mean": 4.0, "cv": 1.0}},
        {"name": "M3", "process": {"dist": "uniform", "low": 0.5, "high": 1.4},
         "failure": {"per_cycle": 0.01}, "repair": det(6.0), "scrap": 0.05},
    ]  # fmt: skip


# --------------------------------------------------------------------------
# scrap and failures
# --------------------------------------------------------------------------


def test_scrap_fraction_at_each_station_is_q():
    q = (0.03, 0.0, 0.05)
    raws = engine_reps(scenario(random_line(), [2, 1]), 1_000, 100_000)
    for i, qi in enumerate(q):
        if qi == 0.0:
            assert all(raw.scrapped[i] == 0 for raw in raws)
            continue
        assert_mean_close([raw.scrapped[i] / raw.processed[i] for raw in raws], qi, f"M{i + 1}")


def test_scrapped_parts_leave_the_line_good_parts_flow_on():
    """Last station is never blocked, so each completion in the window is a good
    departure or a scrap: good + scrapped at the last station = processed there."""
    _, raw = engine_run(scenario(random_line(), [2, 1]), 1_000, 100_000)
    assert raw.good + raw.scrapped[-1] == raw.processed[-1]
    assert raw.scrapped[0] > 0 and raw.scrapped[-1] > 0


def test_per_cycle_failure_probability_per_started_cycle():
    """A station fails at the start of a fraction p of the cycles it begins,
    however much it is blocked or starved. Deterministic repairs make the
    failure count exact: down time / repair time."""
    p, repair = (0.04, 0.1), (3.0, 2.0)
    stations = [
        {"name": "M1", "process": expo(1.0), "failure": {"per_cycle": p[0]}, "repair": det(3.0)},
        {"name": "M2", "process": expo(1.3), "failure": {"per_cycle": p[1]}, "repair": det(2.0)},
    ]
    raws = engine_reps(scenario(stations, [1]), 0.0, 100_000)
    for i in range(2):
        # The last repair may be cut by the window's end: round up.
        rates = [
            math.ceil(raw.state_time[i, 3] / repair[i] - 1e-9) / raw.processed[i] for raw in raws
        ]
        assert_mean_close(rates, p[i], f"M{i + 1} failures per cycle")
    assert min(raw.state_time[0, STATE["blocked"]] for raw in raws) > 10_000  # M1 impeded


def test_per_cycle_failure_then_full_cycle_without_new_draw():
    """p = 1: every cycle fails once, then runs in full after the repair (no
    second draw), so each part takes repair + process exactly."""
    st = [{"name": "M", "process": det(1.0), "failure": {"per_cycle": 1.0}, "repair": det(2.0)}]
    _, raw = engine_run(scenario(st, []), 0.0, 3_000.0, trace=2_000)
    np.testing.assert_array_equal(raw.departures[0], 3.0 * np.arange(1, 1001))
    assert raw.good == 999  # the 1000th leaves at 3000, the window's (open) end
    assert raw.state_time[0, STATE["busy"]] == 1_000.0
    assert raw.state_time[0, STATE["down"]] == 2_000.0


def test_busy_time_failures_preempt_and_resume():
    """Deterministic busy-time TTF 2.5, repair 1, process 1: the part in process
    at a failure resumes where it was (preemptive resume), the clock of the next
    failure runs only while busy."""
    ttf, rep, proc = 2.5, 1.0, 1.0
    st = [
        {"name": "M", "process": det(proc), "failure": {"busy_time": det(ttf)}, "repair": det(rep)}
    ]
    _, raw = engine_run(scenario(st, []), 0.0, 700.0, trace=1_000)
    expected, t, left = [], 0.0, ttf
    while t < 700.0:
        work = proc
        while left < work:  # fails within this part
            t, work, left = t + left + rep, work - left, ttf
        left -= work
        t += work
        expected.append(t)
    # The engine completes the part begun before the window's end, like the loop.
    np.testing.assert_array_equal(raw.departures[0], expected)
    # Long run: 2.5 busy + 1 down per failure.
    assert raw.good == pytest.approx(700.0 * ttf / (ttf + rep), abs=1.0)
    assert raw.state_time[0, STATE["down"]] == pytest.approx(700.0 * rep / (ttf + rep), abs=rep)


def test_busy_time_failure_at_a_parts_end_waits_for_the_next_part():
    """Equality does not fail: time to failure 2 and process 1, so the failure
    falls exactly at the end of every second part; that part completes, and the
    station fails at the start of the next one (down 1, then the part in full)."""
    st = [
        {"name": "M", "process": det(1.0), "failure": {"busy_time": det(2.0)}, "repair": det(1.0)}
    ]
    _, raw = engine_run(scenario(st, []), 0.0, 30.0, trace=100)
    # Parts 1, 2 at 1, 2; then repair 2-3 and part 3 at 4, part 4 at 5; ...; the
    # part begun at 30 (the window's end) completes at 31.
    expected = [3.0 * (k // 2) + 1.0 + k % 2 for k in range(21)]
    np.testing.assert_array_equal(raw.departures[0], expected)


def busy_ageing_line(fast_process, ttf):
    """A fast M1 (busy-time failures) before a slow M2 with one buffer slot: M1
    is blocked for long stretches (about half the window), never starved."""
    m1 = {"name": "M1", "process": fast_process, "failure": {"busy_time": ttf}}
    m1["repair"] = det(5.0)
    return scenario([m1, {"name": "M2", "process": det(2.0)}], [1])


def test_a_blocked_station_does_not_age_deterministic():
    """Fixed times: M1 fails after every 10.5 units of its busy time, however
    long it is blocked, so its failures (down time / repair) are its busy time
    / 10.5, within the one failure the window's ends can cut."""
    sc = busy_ageing_line(det(1.0), det(10.5))
    _, raw = engine_run(sc, 0.0, 20_000.0)
    busy, blocked, down = (raw.state_time[0, STATE[s]] for s in ("busy", "blocked", "down"))
    assert blocked > 0.3 * 20_000.0  # M1 is blocked for long stretches
    assert abs(down / 5.0 - busy / 10.5) <= 1.0


def test_a_blocked_station_does_not_age_random():
    """Random times, exponential time to failure (mean 50 busy units): failures
    form a Poisson process in M1's busy time, so per replication the count of
    failures less busy / 50 has mean 0 (ceil: a repair cut by the window's end)."""
    sc = busy_ageing_line(expo(1.0), expo(50.0))
    raws = engine_reps(sc, 0.0, 50_000.0)
    assert min(raw.state_time[0, STATE["blocked"]] for raw in raws) > 0.3 * 50_000.0
    excess = [
        math.ceil(raw.state_time[0, STATE["down"]] / 5.0 - 1e-9)
        - raw.state_time[0, STATE["busy"]] / 50.0
        for raw in raws
    ]
    assert_mean_close(excess, 0.0, "failures - busy / MTBF")


# --------------------------------------------------------------------------
# blocking after service
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("B", "m1_departures"),
    [
        (0, [1, 4, 7, 10, 13]),  # M1 holds part k until M2 has released part k - 1
        (1, [1, 2, 4, 7, 10]),
        (2, [1, 2, 3, 4, 7]),  # part 4 leaves at 4: M2 takes a part, a slot frees at once
    ],
)
def test_blocking_after_service_deterministic(B, m1_departures):
    stations = [{"name": "M1", "process": det(1.0)}, {"name": "M2", "process": det(3.0)}]
    _, raw = engine_run(scenario(stations, [B]), 0.0, 3_000.0, trace=100)
    np.testing.assert_array_equal(raw.departures[0][:5], m1_departures)
    np.testing.assert_array_equal(raw.departures[1][:5], [4, 7, 10, 13, 16])
    assert raw.good == 999  # M2 releases at 4, 7, ..., 2998
    assert raw.state_time[0, STATE["busy"]] == pytest.approx(999 + B + 2, abs=1)
    assert raw.state_time[1, STATE["starved"]] == 1.0  # only before the first part arrives
    assert raw.buffer_time[0] == pytest.approx(B * 3000.0, abs=3 * (B + 3))


def test_blocking_after_service_random_times_part_by_part():
    """BAS with B slots: station 1 releases part k only once station 2 has
    released part k - B - 1, and station 2 starts part k at once if idle."""
    for B in (0, 2):
        stations = [{"name": "M1", "process": expo(1.0)}, {"name": "M2", "process": expo(1.0)}]
        _, raw = engine_run(scenario(stations, [B]), 0.0, 5_000.0, trace=10_000)
        d1, d2 = raw.departures
        n = len(d2)
        k = np.arange(B + 1, n)
        assert np.all(d1[k] >= d2[k - B - 1])
        assert np.sum(d1[k] == d2[k - B - 1]) > n // 10  # blocking does happen
        # M2's start of part k is max(d1[k], d2[k-1]); it is never earlier than both.
        assert np.all(d2[1:n] > np.maximum(d1[1:n], d2[: n - 1]))
        if B == 0:
            assert raw.buffer_time[0] == 0.0


# --------------------------------------------------------------------------
# campaigns and changeovers
# --------------------------------------------------------------------------

PRODUCTS = [{"name": "A", "lot_size": 40}, {"name": "B", "lot_size": 25}]


def test_campaigns_lots_and_changeovers_exact():
    co = 17.0
    sc = scenario(
        random_line(),
        [2, 1],
        products=PRODUCTS,
        campaigns=[{"product": "A", "lots": 2}, {"product": "B", "lots": 3}],
        changeover=det(co),
    )
    w1 = 4_000.0
    _, raw = engine_run(sc, 0.0, w1, trace=20_000)
    lots = raw.lots
    assert len(lots) >= 20
    # Campaign runs cycle A, A, B, B, B, A, A, ...
    pattern = [0, 0, 1, 1, 1]
    runs = lots[:, 2].astype(int)
    np.testing.assert_array_equal(runs, [pattern[j % 5] for j in range(len(runs))])
    # Every lot holds exactly lot_size good parts (scrap replaced).
    good = raw.departures[-1][~raw.scrap_flags[-1]]
    sizes = np.where(runs == 0, 40, 25)
    np.testing.assert_array_equal(lots[:, 1], good[np.cumsum(sizes) - 1])
    assert raw.scrapped.sum() > 0
    # A changeover follows the last lot of every campaign; the line is empty.
    ends = lots[[j for j in range(len(lots)) if j % 5 in (1, 4)], 1]
    expected_setup = sum(min(end + co, w1) - end for end in ends if end < w1)
    for i in range(3):
        assert raw.state_time[i, STATE["setup"]] == pytest.approx(expected_setup, rel=1e-12)
        deps = raw.departures[i]
        for end in ends:
            assert not np.any((deps > end) & (deps < end + co)), "a part moved during changeover"
    # After a changeover the first part starts no earlier than its end.
    for end in ends:
        later = raw.departures[0][raw.departures[0] > end]
        if len(later):
            assert later[0] > end + co


def test_one_product_line_never_changes_over():
    sc = scenario(
        random_line(),
        [2, 1],
        products=PRODUCTS,
        campaigns=[{"product": "A", "lots": 2}, {"product": "A", "lots": 3}],
        changeover=det(50.0),
    )
    _, raw = engine_run(sc, 0.0, 20_000.0, trace=30_000)
    assert np.all(raw.state_time[:, STATE["setup"]] == 0.0)
    assert len(raw.lots) > 100
    good = raw.departures[-1][~raw.scrap_flags[-1]]
    np.testing.assert_array_equal(raw.lots[:, 1], good[40 * np.arange(1, len(raw.lots) + 1) - 1])


def test_campaign_setup_time_in_results():
    """Through lotflow.run: setup fraction = changeovers x changeover time / window."""
    stations = [{"name": "M1", "process": det(1.0)}, {"name": "M2", "process": det(1.0)}]
    sc = scenario(
        stations,
        [0],
        products=[{"name": "A", "lot_size": 10}, {"name": "B", "lot_size": 10}],
        campaigns=[{"product": "A", "lots": 1}, {"product": "B", "lots": 1}],
        changeover=det(5.0),
    )
    # Each campaign: 10 parts leave at t0 + 2, ..., t0 + 11, then 5 of setup:
    # a period of 16 with 10 good parts, 5 setup for both stations.
    results = lotflow.run(sc, seed=1, replications=1, horizon=1_600.0, warmup=0.0)
    line = results.data["lines"]["L"]
    assert line["good_parts"]["mean"] == 1_000.0
    for name in ("M1", "M2"):
        assert line["stations"][name]["setup"]["mean"] == pytest.approx(500.0 / 1_600.0, rel=1e-12)


# --------------------------------------------------------------------------
# states, windows, memory
# --------------------------------------------------------------------------


def test_first_station_never_starved_last_never_blocked():
    for seed in range(5):
        _, raw = engine_run(scenario(random_line(), [0, 3]), 500.0, 20_000.0, seed=seed)
        assert raw.state_time[0, STATE["starved"]] == 0.0
        assert raw.state_time[-1, STATE["blocked"]] == 0.0
        assert raw.state_time[1, STATE["starved"]] > 0.0
        assert raw.state_time[1, STATE["blocked"]] > 0.0


def test_state_times_sum_to_the_window():
    w0, w1 = 1_234.5, 30_000.0
    sc = scenario(
        random_line(),
        [1, 0],
        products=PRODUCTS,
        campaigns=[{"product": "A", "lots": 1}, {"product": "B", "lots": 2}],
        changeover=expo(20.0),
    )
    _, raw = engine_run(sc, w0, w1)
    np.testing.assert_allclose(raw.state_time.sum(axis=1), w1 - w0, rtol=1e-12)
    assert np.all(raw.state_time >= 0.0)


def test_window_counts_events_at_the_warmup_not_at_the_horizon():
    """An event at t counts if warmup <= t < horizon: one station of process 1
    over the window [10, 20) makes parts at 1, 2, ...; those leaving at 10, ...,
    19 count, the one at 20 does not."""
    _, raw = engine_run(scenario([{"name": "M", "process": det(1.0)}], []), 10.0, 20.0)
    assert raw.good == 10
    assert raw.processed[0] == 10


def test_warmup_is_excluded_from_counts():
    w0, w1 = 5_000.0, 25_000.0
    _, raw = engine_run(scenario(random_line(), [2, 1]), w0, w1, trace=60_000)
    deps, scrap = raw.departures[-1], raw.scrap_flags[-1]
    assert len(deps) < 60_000
    inside = (deps >= w0) & (deps < w1)
    assert raw.good == int(np.sum(inside & ~scrap))
    assert raw.scrapped[-1] == int(np.sum(inside & scrap))
    assert raw.good < int(np.sum(~scrap))  # parts before w0 were made but not counted
    # The same through the public API: throughput = good parts / (horizon - warmup).
    line = lotflow.run(scenario(random_line(), [2, 1]), replications=1, horizon=w1, warmup=w0)
    block = line.data["lines"]["L"]
    assert block["throughput"]["mean"] == block["good_parts"]["mean"] / (w1 - w0)


def test_state_arrays_do_not_grow_with_horizon_or_parts():
    """Memory is O(stations + buffer slots): the kernel state has the same shape
    for 10x the horizon or 10x faster stations (more parts)."""
    slow = scenario(random_line(), [5, 7])
    fast_line = random_line()
    for st in fast_line:
        st["process"] = det(0.1)
    fast = scenario(fast_line, [5, 7])
    shapes = []
    for sc, w1 in ((slow, 10_000.0), (slow, 100_000.0), (fast, 100_000.0)):
        run, _ = engine_run(sc, 0.0, w1, bin_width=w1 / 10)
        shapes.append({key: value.shape for key, value in run.state.items()})
    assert shapes[0] == shapes[1] == shapes[2]
    # Each buffer's departure ring: its B + 1 slots, at least RING_MIN_SLOTS,
    # rounded up to whole blocks of min(B) + 1 = 6 parts.
    rings = [-(-max(b + 1, k.RING_MIN_SLOTS) // 6) * 6 for b in (5, 7)]
    assert shapes[0]["ring"][0] == sum(rings)


def test_python_memory_does_not_grow_with_parts():
    sc = scenario(random_line(), [5, 7])
    engine_run(sc, 0.0, 1_000.0)  # compile / warm up
    peaks = []
    for w1 in (20_000.0, 200_000.0):
        arrays = compile_line(sc.lines[0], sc.products)
        gens = spawn_generators(np.random.SeedSequence(1), arrays.n_streams)
        tracemalloc.start()
        LineRun(arrays, gens, 0.0, w1, w1 / 10).run()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] + 100_000, peaks


def test_reported_lots_complete_within_the_horizon():
    """Deterministic: M2 releases parts at 2, 3, ..., so lot j (10 parts) ends at
    10 j + 1. With horizon 100.5 the window holds 99 good parts and 9 lots; the
    10th lot ends at 101, after the simulated horizon, and is not complete."""
    stations = [{"name": "M1", "process": det(1.0)}, {"name": "M2", "process": det(1.0)}]
    sc = scenario(
        stations,
        [0],
        products=[{"name": "A", "lot_size": 10}],
        campaigns=[{"product": "A", "lots": 1}],
    )
    results = lotflow.run(sc, replications=1, horizon=100.5, warmup=0.0)
    assert results.data["lines"]["L"]["good_parts"]["mean"] == 99.0
    ends = [lot["end"] for lot in results.lots]
    assert ends[:9] == [10.0 * j + 1 for j in range(1, 10)]
    assert max(ends) < 100.5
