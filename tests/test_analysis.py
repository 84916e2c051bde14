"""Tests of the pure analysis functions: statistics, OEE, bottlenecks."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from lotflow.analysis.bottleneck import active_period_bottleneck, blocked_starved_bottleneck
from lotflow.analysis.oee import STATES, loss_tree, station_oee
from lotflow.analysis.statistics import mser, mser5, paired_difference, summarize

# --------------------------------------------------------------------------
# statistics
# --------------------------------------------------------------------------

# Student-t quantiles from tables: t_{0.975, 4} and t_{0.975, 3}.
T975_4 = 2.7764451051977987
T975_3 = 3.182446305284263


def test_summarize_hand_computation():
    # mean 3, sample variance 10/4 = 2.5, s/sqrt(n) = sqrt(0.5)
    out = summarize([1.0, 2.0, 3.0, 4.0, 5.0])
    assert out["mean"] == 3.0
    assert out["ci95"] == pytest.approx(T975_4 * math.sqrt(0.5), rel=1e-12)
    assert out["per_replication"] == [1.0, 2.0, 3.0, 4.0, 5.0]
    # JSON-friendly: plain floats only
    assert all(type(v) is float for v in [out["mean"], out["ci95"], *out["per_replication"]])
    json.dumps(out)


def test_summarize_single_replication_and_constant():
    assert summarize([0.8469]) == {"mean": 0.8469, "ci95": 0.0, "per_replication": [0.8469]}
    out = summarize([0.1, 0.1, 0.1])
    assert out["mean"] == 0.1 and out["ci95"] == 0.0


def test_summarize_other_confidence_and_numpy_input():
    x = np.array([2.0, 4.0, 4.0, 6.0])  # mean 4, s^2 = 8/3
    out = summarize(x, confidence=0.90)
    t95_3 = 2.3533634348018264  # t_{0.95, 3}
    assert out["ci95"] == pytest.approx(t95_3 * math.sqrt(8 / 3) / 2, rel=1e-12)
    assert type(out["mean"]) is float


@pytest.mark.parametrize("bad", [[], [1.0, float("nan")], [[1.0, 2.0]]])
def test_summarize_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        summarize(bad)


def test_summarize_rejects_bad_confidence():
    with pytest.raises(ValueError):
        summarize([1.0, 2.0], confidence=1.0)


def test_paired_difference_hand_computation():
    a = [10.0, 12.0, 11.0, 13.0]
    b = [9.0, 11.5, 10.0, 12.0]
    # d = [1, .5, 1, 1]: mean .875, s = .25, n = 4
    out = paired_difference(a, b)
    assert out["mean"] == pytest.approx(0.875, rel=1e-15)
    assert out["ci95"] == pytest.approx(T975_3 * 0.25 / 2.0, rel=1e-12)
    assert out["significant"] is True
    assert out["per_replication"] == [1.0, 0.5, 1.0, 1.0]
    json.dumps(out)


def test_paired_difference_not_significant_and_edge_cases():
    out = paired_difference([1.0, 2.0, 3.0], [2.0, 1.0, 3.0])  # d = [-1, 1, 0]
    assert out["mean"] == 0.0 and out["significant"] is False
    one = paired_difference([5.0], [4.0])
    assert one["ci95"] == 0.0 and one["significant"] is False
    const = paired_difference([2.0, 3.0], [1.0, 2.0])  # CRN, identical gain
    assert const["ci95"] == 0.0 and const["significant"] is True
    with pytest.raises(ValueError):
        paired_difference([1.0, 2.0], [1.0])


def _mser_brute(y, m):
    k = len(y) // m
    z = [sum(y[j * m : (j + 1) * m]) / m for j in range(k)]
    out = []
    for d in range((k - 1) // 2 + 1):
        rest = z[d:]
        mean = sum(rest) / len(rest)
        out.append(sum((v - mean) ** 2 for v in rest) / len(rest) ** 2)
    return out


@pytest.mark.parametrize("m", [1, 5])
def test_mser_statistic_matches_definition(m):
    rng = np.random.default_rng(7)
    y = rng.normal(100.0, 3.0, size=203) + np.linspace(8.0, 0.0, 203) ** 2
    res = mser(y, batch_size=m)
    ref = _mser_brute(list(y), m)
    assert res.n_batches == 203 // m
    assert len(res.statistic) == len(ref)
    np.testing.assert_allclose(res.statistic, ref, rtol=1e-9, atol=1e-12)
    d_star = int(np.argmin(ref))
    assert res.truncation_batches == d_star
    assert res.truncation_index == d_star * m


def test_mser5_finds_end_of_exponential_transient():
    # Transient 10 exp(-t/100) over the first 500 points (10 -> 0.07), then
    # stationary N(0, 1) noise. MSER-5 cuts where the remaining bias is small
    # against the noise: late in the transient, well before its end + a bit.
    rng = np.random.default_rng(20240601)
    t = np.arange(5000)
    y = rng.standard_normal(t.size) + np.where(t < 500, 10.0 * np.exp(-t / 100.0), 0.0)
    res = mser5(y)
    assert res.batch_size == 5
    assert res.truncation_index % 5 == 0
    assert 200 <= res.truncation_index <= 550
    assert 10.0 * math.exp(-res.truncation_index / 100.0) < 1.0  # bias below 1 sd
    assert not res.at_boundary
    assert abs(res.truncated_mean) < 0.1
    json.dumps(res.to_dict())


def test_mser5_finds_end_of_linear_transient():
    rng = np.random.default_rng(3)
    t = np.arange(5000)
    y = rng.standard_normal(t.size) + np.where(t < 500, 10.0 * (1.0 - t / 500.0), 0.0)
    assert 400 <= mser5(y).truncation_index <= 550


def test_mser5_stationary_series_needs_little_truncation_and_short_input_fails():
    rng = np.random.default_rng(11)
    res = mser5(rng.standard_normal(10_000))
    assert res.truncation_index < 2500  # never more than half by construction
    assert len(res.statistic) == (2000 - 1) // 2 + 1
    with pytest.raises(ValueError):
        mser5(np.ones(9))  # fewer than two batches


# --------------------------------------------------------------------------
# OEE
# --------------------------------------------------------------------------

STATES_A = {
    "busy": 600.0,
    "starved": 100.0,
    "blocked": 50.0,
    "down": 80.0,
    "setup": 70.0,
    "off_shift": 100.0,
}  # window 1000, planned 900


def test_oee_hand_computation_both_conventions():
    res = station_oee(STATES_A, good=500, scrap=20, ideal_cycle=1.1, window=1000.0)
    iso, nak = res.iso22400, res.nakajima
    # ISO 22400-2: PBT = 900, APT = busy = 600
    assert iso.planned_busy_time == 900.0 and iso.actual_production_time == 600.0
    assert iso.availability == pytest.approx(600 / 900)
    assert iso.effectiveness == pytest.approx(1.1 * 520 / 600)
    assert iso.quality == pytest.approx(500 / 520)
    # Nakajima: loading 900, operating = 900 - down - setup = 750
    assert nak.loading_time == 900.0 and nak.operating_time == 750.0
    assert nak.availability == pytest.approx(750 / 900)
    assert nak.performance == pytest.approx(1.1 * 520 / 750)
    assert nak.quality == iso.quality
    # the identity: both OEE = ideal x good / planned time
    assert iso.oee == pytest.approx(1.1 * 500 / 900, rel=1e-12)
    assert nak.oee == pytest.approx(iso.oee, rel=1e-12)
    # the splits differ exactly by the starved + blocked time
    op = STATES_A["busy"] + STATES_A["starved"] + STATES_A["blocked"]
    assert nak.availability / iso.availability == pytest.approx(op / STATES_A["busy"])
    assert iso.effectiveness / nak.performance == pytest.approx(op / STATES_A["busy"])


def test_oee_to_dict_shape():
    d = station_oee(STATES_A, good=500, scrap=20, ideal_cycle=1.1).to_dict()
    assert set(d) == {"iso22400", "nakajima"}
    assert set(d["iso22400"]) == {"availability", "effectiveness", "quality", "oee"}
    assert set(d["nakajima"]) == {"availability", "performance", "quality", "oee"}
    assert all(type(v) is float for part in d.values() for v in part.values())
    json.dumps(d)


def test_oee_identity_random_inputs():
    rng = np.random.default_rng(5)
    for _ in range(200):
        raw = rng.exponential(1.0, size=6) * (rng.random(6) < 0.8)
        raw[0] += 0.1  # some busy time
        states = dict(zip(STATES, raw * 1000.0, strict=True))
        window = float(sum(states.values()))
        ideal = float(rng.uniform(0.1, 2.0))
        processed = math.floor(states["busy"] / ideal * rng.uniform(0.5, 1.0))
        scrap = int(rng.integers(0, processed + 1))
        good = processed - scrap
        res = station_oee(states, good, scrap, ideal, window)
        planned = window - states["off_shift"]
        expected = ideal * good / planned if planned > 0 else 0.0
        assert res.iso22400.oee == pytest.approx(expected, rel=1e-12, abs=1e-15)
        assert res.nakajima.oee == pytest.approx(expected, rel=1e-12, abs=1e-15)
        tree = loss_tree(states, good, scrap, ideal, window)
        assert math.fsum(tree.values()) == pytest.approx(window, rel=1e-12)


def test_loss_tree_hand_computation():
    tree = loss_tree(STATES_A, good=500, scrap=20, ideal_cycle=1.1, window=1000.0)
    assert list(tree) == [
        "off_shift",
        "changeover",
        "breakdowns",
        "starved",
        "blocked",
        "speed_loss",
        "scrap",
        "value_adding",
    ]
    assert tree["off_shift"] == 100.0
    assert tree["changeover"] == 70.0
    assert tree["breakdowns"] == 80.0
    assert tree["starved"] == 100.0 and tree["blocked"] == 50.0
    assert tree["speed_loss"] == pytest.approx(600 - 1.1 * 520)
    assert tree["scrap"] == pytest.approx(22.0)
    assert tree["value_adding"] == pytest.approx(550.0)
    assert math.fsum(tree.values()) == pytest.approx(1000.0, rel=1e-12)
    planned = 1000.0 - tree["off_shift"]
    oee = station_oee(STATES_A, 500, 20, 1.1).iso22400.oee
    assert tree["value_adding"] / planned == pytest.approx(oee)


def test_oee_degenerate_and_invalid_inputs():
    off = station_oee({"off_shift": 10.0}, good=0, scrap=0, ideal_cycle=1.0)
    assert off.to_dict()["iso22400"] == dict.fromkeys(
        ("availability", "effectiveness", "quality", "oee"), 0.0
    )
    with pytest.raises(ValueError, match="partition"):
        station_oee(STATES_A, 500, 20, 1.1, window=1200.0)
    with pytest.raises(ValueError, match="unknown"):
        station_oee({"idle": 1.0}, 0, 0, 1.0)
    with pytest.raises(ValueError):
        station_oee(STATES_A, 500, 20, 0.0)
    with pytest.raises(ValueError):
        loss_tree({"busy": -1.0}, 0, 0, 1.0)


# --------------------------------------------------------------------------
# bottlenecks
# --------------------------------------------------------------------------


def _fractions(res, name):
    s = res["stations"][name]
    return s["sole"], s["shifting"]


def test_always_active_station_is_sole_bottleneck():
    res = active_period_bottleneck(
        {"A": [(0.0, 100.0)], "B": [(0.0, 10.0), (20.0, 30.0), (50.0, 60.0)]}, 100.0
    )
    assert _fractions(res, "A") == (1.0, 0.0)
    assert _fractions(res, "B") == (0.0, 0.0)
    assert res["stations"]["A"]["mean_active_period"] == 100.0
    assert res["stations"]["B"]["mean_active_period"] == 10.0
    assert res["bottleneck"] == "A"
    json.dumps(res)


def test_alternating_long_periods_shifting_by_hand():
    # A: [0,50], [100,150]; B: [40,110], [140,200]. Momentary bottleneck:
    # [0,40) A1, [40,110) B1 (70 > 50), [110,140) A2, [140,200) B2 (60 > 50).
    # Overlaps of consecutive bottleneck periods: [40,50], [100,110], [140,150].
    # A1: shifting 10, sole 40; B1: shifting 10 + 10, sole 50;
    # A2: shifting 10 + 10, sole 30; B2: shifting 10, sole 50.
    res = active_period_bottleneck(
        {"A": [(0, 50), (100, 150)], "B": [(40, 110), (140, 200)]}, horizon=200
    )
    assert _fractions(res, "A") == pytest.approx((70 / 200, 30 / 200))
    assert _fractions(res, "B") == pytest.approx((100 / 200, 30 / 200))
    assert res["stations"]["A"]["mean_active_period"] == 50.0
    assert res["stations"]["B"]["mean_active_period"] == 65.0
    assert res["bottleneck"] == "B"


def test_short_overlaps_idle_time_and_third_station():
    # A: [0,10], [19,25]; B: [8,20]; C: [26,28] alone; nothing in (25,26), (28,30).
    # Sequence A1 [0,10] -> B [8,20] -> A2 [19,25] -> C [26,28].
    # A1: shifting [8,10] = 2, sole 8. B: shifting [8,10] + [19,20] = 3, sole 9.
    # A2: shifting [19,20] = 1, sole 5. C: no overlap, sole 2.
    res = active_period_bottleneck(
        {"A": [(0, 4), (4, 10), (19, 25)], "B": [(8, 20)], "C": [(26, 28)]}, 30.0
    )
    assert _fractions(res, "A") == pytest.approx((13 / 30, 3 / 30))
    assert _fractions(res, "B") == pytest.approx((9 / 30, 3 / 30))
    assert _fractions(res, "C") == pytest.approx((2 / 30, 0.0))
    assert res["stations"]["A"]["mean_active_period"] == 8.0  # (0,4)+(4,10) merge
    assert res["bottleneck"] == "B"


def test_bottleneck_middle_period_overlapping_both_neighbours():
    # A [0,100], B [10,150], C [90,400]: momentary A, B, C. B overlaps A on
    # [10,100] and C on [90,150]; union [10,150] = 140 -> B all shifting.
    res = active_period_bottleneck({"A": [(0, 100)], "B": [(10, 150)], "C": [(90, 400)]}, 400)
    assert _fractions(res, "A") == pytest.approx((10 / 400, 90 / 400))
    assert _fractions(res, "B") == pytest.approx((0.0, 140 / 400))
    assert _fractions(res, "C") == pytest.approx((250 / 400, 60 / 400))
    assert res["bottleneck"] == "C"


def test_bottleneck_clipping_input_forms_and_errors():
    res = active_period_bottleneck(
        {"A": np.array([[-5.0, 5.0], [8.0, 20.0]]), "B": [], "C": [(3.0, 3.0)]}, 10.0
    )
    # A clipped to [0,5] and [8,10]; idle (5,8) counts for no station.
    assert _fractions(res, "A") == pytest.approx((0.7, 0.0))
    assert res["stations"]["A"]["mean_active_period"] == pytest.approx(3.5)
    assert res["stations"]["B"] == {"sole": 0.0, "shifting": 0.0, "mean_active_period": 0.0}
    assert res["bottleneck"] == "A"
    assert active_period_bottleneck({"A": []}, 5.0)["bottleneck"] is None
    with pytest.raises(ValueError):
        active_period_bottleneck({"A": [(2.0, 1.0)]}, 5.0)
    with pytest.raises(ValueError):
        active_period_bottleneck({"A": [(0.0, 1.0)]}, 0.0)


def _reference_active_period(intervals, horizon):
    """Slow reference on integer traces: unit cells [t, t+1), plain Python."""
    periods = {}
    for name, ivs in intervals.items():
        cells = set()
        for s, e in ivs:
            cells.update(range(max(s, 0), min(e, horizon)))
        ps, run = [], None
        for t in range(horizon + 1):
            if t in cells and run is None:
                run = t
            elif t not in cells and run is not None:
                ps.append((run, t))
                run = None
        periods[name] = ps
    names = list(intervals)
    seq = []
    for t in range(horizon):
        cands = [
            (-(e - s), names.index(n), s, n, (s, e))
            for n in names
            for (s, e) in periods[n]
            if s <= t < e
        ]
        if cands:
            best = min(cands)
            key = (best[3], best[4])
            if not seq or seq[-1] != key:
                assert key not in seq  # a period is bottleneck only once
                seq.append(key)
    sole = dict.fromkeys(names, 0)
    shift = dict.fromkeys(names, 0)
    for k, (n, (s, e)) in enumerate(seq):
        neigh = [seq[j][1] for j in (k - 1, k + 1) if 0 <= j < len(seq)]
        for t in range(s, e):
            if any(a <= t < b for a, b in neigh):
                shift[n] += 1
            else:
                sole[n] += 1
    return sole, shift, periods


def test_active_period_matches_slow_reference_on_random_traces():
    rng = np.random.default_rng(42)
    for _trial in range(60):
        n_st = int(rng.integers(1, 5))
        horizon = 60
        intervals = {}
        for j in range(n_st):
            ivs = []
            for _ in range(int(rng.integers(0, 8))):
                s = int(rng.integers(-5, horizon))
                ivs.append((s, s + int(rng.integers(0, 20))))
            intervals[f"M{j}"] = ivs
        res = active_period_bottleneck(intervals, horizon)
        sole, shift, periods = _reference_active_period(intervals, horizon)
        for n in intervals:
            assert res["stations"][n]["sole"] == pytest.approx(sole[n] / horizon, abs=1e-12)
            assert res["stations"][n]["shifting"] == pytest.approx(shift[n] / horizon, abs=1e-12)
            lens = [e - s for s, e in periods[n]]
            mean = sum(lens) / len(lens) if lens else 0.0
            assert res["stations"][n]["mean_active_period"] == pytest.approx(mean)
        # The merged periods themselves (in time order and separated, as an
        # engine traces them: the path that neither sorts nor merges) give
        # exactly the same answer.
        assert active_period_bottleneck(periods, horizon) == res


def _episodes_by_brute_force(periods):
    """Bottleneck episodes straight from the definition: at every instant
    between two boundaries, the longest active period (ties: lowest station);
    consecutive equal ones are one episode."""
    flat = [(j, s, e) for j, station in enumerate(periods) for s, e in station]
    cuts = sorted({t for _, s, e in flat for t in (s, e)})
    out = []
    for lo in cuts[:-1]:
        active = [(-(e - s), j, k) for k, (j, s, e) in enumerate(flat) if s <= lo < e]
        if active and (not out or out[-1] != min(active)[2]):
            out.append(min(active)[2])
    return out


@pytest.mark.parametrize("n_stations", [1, 2, 3, 5, 8, 9])
def test_bottleneck_episodes_match_the_definition(n_stations):
    from lotflow.analysis.bottleneck import episode_work_space
    from lotflow.native import entry

    rng = np.random.default_rng(n_stations)
    for _trial in range(60):
        periods = []
        # Separated periods on a coarse grid: equal lengths and shared boundaries.
        for _ in range(n_stations):
            edges = np.unique(rng.integers(0, 40, 2 * int(rng.integers(0, 6))))
            edges = edges[: edges.size // 2 * 2].astype(float)
            periods.append(list(zip(edges[0::2], edges[1::2], strict=True)))
        counts = [len(p) for p in periods]
        starts = np.array([s for p in periods for s, _ in p], dtype=float)
        ends = np.array([e for p in periods for _, e in p], dtype=float)
        bounds = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        episodes = np.empty(max(sum(counts), 1), dtype=np.int64)
        args = (starts, ends, bounds, episodes, *episode_work_space(n_stations))
        n = entry("bottleneck_episodes", args)(*args)
        assert episodes[:n].tolist() == _episodes_by_brute_force(periods)


def test_active_period_large_trace_is_vectorised():
    # 200k intervals per station, 3 stations: must run quickly and sanely.
    rng = np.random.default_rng(1)
    horizon = 1.0e6
    intervals = {}
    for name in ("M1", "M2", "M3"):
        gaps = rng.exponential(1.0, 200_000)
        lens = rng.exponential(3.0 if name == "M2" else 2.0, 200_000)
        starts = np.cumsum(gaps + np.concatenate(([0.0], lens[:-1])))
        intervals[name] = np.column_stack((starts, starts + lens))
    res = active_period_bottleneck(intervals, horizon)
    assert res["bottleneck"] == "M2"
    total = sum(v["sole"] for v in res["stations"].values())
    assert 0.0 < total <= 1.0
    assert all(type(v["sole"]) is float for v in res["stations"].values())


def test_blocked_starved_single_local_bottleneck():
    states = {
        "M1": {"blocked": 0.30, "starved": 0.00},
        "M2": {"blocked": 0.05, "starved": 0.02},
        "M3": {"blocked": 0.00, "starved": 0.25},
    }
    res = blocked_starved_bottleneck(states)
    # BL1 .30 > ST2 .02: arrow M1 -> M2; BL2 .05 < ST3 .25: arrow M3 -> M2
    assert res["arrows"] == ["down", "up"]
    assert res["local_bottlenecks"] == ["M2"]
    assert res["bottleneck"] == "M2"
    assert res["severity"]["M2"] == pytest.approx(abs(0.30 - 0.02) + abs(0.25 - 0.05))
    json.dumps(res)


def test_blocked_starved_several_local_bottlenecks_by_severity():
    states = {
        "M1": {"blocked": 0.20, "starved": 0.0},
        "M2": {"blocked": 0.01, "starved": 0.05},
        "M3": {"blocked": 0.10, "starved": 0.0},
        "M4": {"blocked": 0.0, "starved": 0.02},
    }
    res = blocked_starved_bottleneck(states)
    # BL1 .20 > ST2 .05, BL2 .01 > ST3 0, BL3 .10 > ST4 .02: all arrows point downstream
    assert res["arrows"] == ["down", "down", "down"]
    assert res["local_bottlenecks"] == ["M4"]
    states["M3"]["starved"] = 0.30  # now M3 -> M2 (BL2 .01 < ST3 .30)
    res = blocked_starved_bottleneck(states)
    assert res["arrows"] == ["down", "up", "down"]
    assert res["local_bottlenecks"] == ["M2", "M4"]
    s2 = abs(0.20 - 0.05) + abs(0.30 - 0.01)
    s4 = abs(0.10 - 0.02)
    assert res["severity"] == pytest.approx({"M2": s2, "M4": s4})
    assert res["bottleneck"] == "M2"


def test_blocked_starved_ties_and_single_station():
    assert blocked_starved_bottleneck({"only": {}})["bottleneck"] == "only"
    res = blocked_starved_bottleneck({"A": {"blocked": 0.1}, "B": {"starved": 0.1}})
    assert res["arrows"] == ["none"]
    assert res["local_bottlenecks"] == ["A", "B"]
    assert res["bottleneck"] == "A"  # equal severity: upstream-most
    for perm in itertools.permutations(["x", "y", "z"]):
        out = blocked_starved_bottleneck({n: {"blocked": 0.0, "starved": 0.0} for n in perm})
        assert out["bottleneck"] == perm[0]
