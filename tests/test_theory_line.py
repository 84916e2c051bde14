"""The simulator against exact flow-line theory (model.md semantics).

Every comparison is statistical with a fixed seed: the simulated replication
mean must lie within ``Z`` standard errors of the exact value, the standard
error being ``s / sqrt(R)`` over ``R`` independent replications (taken from
``per_replication`` where the results keep it, otherwise from the reported
Student-t half-width, ``ci95 / t_{R-1, 0.975}``). Quantities that the rules
make exactly zero are checked to be exactly zero.

References: Gershwin, *Manufacturing Systems Engineering* (1994), ch. 3 (the
deterministic two-machine line, ``N = B + 2`` for our physical buffers, see
``lotflow.analysis.flowline``); birth-death chains for reliable exponential
lines with blocking after service (Buzacott & Shanthikumar 1993, ch. 4).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import lotflow
from lotflow.analysis.flowline import (
    exponential_tandem,
    gershwin_deterministic_two_machine,
    per_cycle_line_markov,
    two_machine_no_buffer_exponential,
    two_station_birth_death,
)
from lotflow.engine.compiled import compile_line
from lotflow.engine.line_run import LineRun, spawn_generators
from lotflow.scenario import scenario_from_dict

R = 20  # replications of every statistical check
Z = 4.0  # standard errors allowed
SEED = 20240611
FLOOR = 1e-12  # absolute floor, only matters when all replications agree exactly


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def station(name, process, *, p=None, mtbf=None, repair=None, scrap=0.0):
    out = {"name": name, "process": process, "scrap": scrap}
    if p is not None:
        out["failure"] = {"per_cycle": p}
    if mtbf is not None:
        out["failure"] = {"busy_time": mtbf}
    if repair is not None:
        out["repair"] = repair
    return out


def det(mean):
    return {"dist": "deterministic", "mean": mean}


def expo(mean):
    return {"dist": "exponential", "mean": mean}


def geom(mean):
    return {"dist": "geometric", "mean": mean}


def gamma(mean, cv):
    return {"dist": "gamma", "mean": mean, "cv": cv}


def lognormal(mean, cv):
    return {"dist": "lognormal", "mean": mean, "cv": cv}


def line_scenario(stations, buffers, name="theory"):
    return scenario_from_dict(
        {
            "name": name,
            "time_unit": "cycle",
            "lines": [{"name": "L", "buffers": list(buffers), "stations": stations}],
        }
    )


def simulate(stations, buffers, horizon, warmup):
    """Run R replications and return the results block of line L."""
    results = lotflow.run(
        line_scenario(stations, buffers), seed=SEED, replications=R, horizon=horizon, warmup=warmup
    )
    assert results.data["replications"] == R
    return results.data["lines"]["L"]


def standard_error(stat: dict) -> float:
    """Standard error of the replication mean of one results statistic."""
    if "per_replication" in stat:
        xs = np.asarray(stat["per_replication"], dtype=float)
        assert len(xs) == R
        return float(xs.std(ddof=1) / math.sqrt(R))
    return stat["ci95"] / float(stats.t.ppf(0.975, R - 1))


def assert_close(stat: dict, theory: float, what: str) -> None:
    se = standard_error(stat)
    err = abs(stat["mean"] - theory)
    assert err <= Z * se + FLOOR, (
        f"{what}: simulated {stat['mean']:.6f} vs theory {theory:.6f} "
        f"(|diff| = {err:.2e} > {Z} SE = {Z * se:.2e})"
    )


def assert_mean_close(values, theory: float, what: str) -> None:
    xs = np.asarray(values, dtype=float)
    se = float(xs.std(ddof=1) / math.sqrt(len(xs)))
    err = abs(xs.mean() - theory)
    assert err <= Z * se + FLOOR, (
        f"{what}: simulated {xs.mean():.6f} vs theory {theory:.6f} "
        f"(|diff| = {err:.2e} > {Z} SE = {Z * se:.2e})"
    )


def states(block: dict, name: str) -> dict:
    return block["stations"][name]


def assert_exact_zero(stat: dict, what: str) -> None:
    assert stat["mean"] == 0.0 and stat["ci95"] == 0.0, f"{what} must be exactly 0, got {stat}"


def engine_replications(stations, buffers, horizon, warmup, reps=R, seed=SEED):
    """Raw engine results of ``reps`` independent replications of line L."""
    arrays = compile_line(line_scenario(stations, buffers).lines[0], [])
    out = []
    for child in np.random.SeedSequence(seed).spawn(reps):
        gens = spawn_generators(child, arrays.n_streams)
        out.append(LineRun(arrays, gens, warmup, horizon, bin_width=horizon / 100).run())
    return out


# --------------------------------------------------------------------------
# (a) Gershwin's deterministic two-machine line, per_cycle failures
# --------------------------------------------------------------------------

GERSHWIN_CASES = [
    # (p1, r1, p2, r2, B): equal isolated efficiencies (X = 1) for several B ...
    (0.05, 0.25, 0.05, 0.25, 0),
    (0.05, 0.25, 0.05, 0.25, 1),
    (0.05, 0.25, 0.05, 0.25, 4),
    (0.05, 0.25, 0.05, 0.25, 20),
    # ... and unequal ones, upstream and downstream the weaker machine.
    (0.02, 0.1, 0.01, 0.2, 4),
    (0.05, 0.5, 0.1, 0.2, 1),
    (0.1, 0.3, 0.02, 0.2, 20),
]


@pytest.mark.parametrize(("p1", "r1", "p2", "r2", "B"), GERSHWIN_CASES)
def test_gershwin_two_machine_line_throughput_buffer_and_states(p1, r1, p2, r2, B):
    stations = [
        station("M1", det(1), p=p1, repair=geom(1 / r1)),
        station("M2", det(1), p=p2, repair=geom(1 / r2)),
    ]
    block = simulate(stations, [B], horizon=400_000, warmup=4_000)
    exact = gershwin_deterministic_two_machine(p1, r1, p2, r2, B + 2)
    case = f"(p1={p1}, r1={r1}, p2={p2}, r2={r2}, B={B})"
    assert_close(block["throughput"], exact.production_rate, f"throughput {case}")
    # mean_buffer: time-average number of parts in the B physical slots.
    assert_close(block["buffers"][0]["mean_level"], exact.mean_buffer, f"buffer level {case}")
    m1, m2 = states(block, "M1"), states(block, "M2")
    assert_close(m1["blocked"], exact.prob_blocked, f"M1 blocked {case}")
    assert_close(m2["starved"], exact.prob_starved, f"M2 starved {case}")
    assert_close(m1["down"], exact.down1, f"M1 down {case}")
    assert_close(m2["down"], exact.down2, f"M2 down {case}")
    assert_close(m1["busy"], exact.production_rate, f"M1 busy {case}")
    assert_close(m2["busy"], exact.production_rate, f"M2 busy {case}")
    assert_exact_zero(m1["starved"], "M1 starved")
    assert_exact_zero(m2["blocked"], "M2 blocked")
    if B == 0:
        assert_exact_zero(block["buffers"][0]["mean_level"], "buffer level with B = 0")


# --------------------------------------------------------------------------
# (b) two reliable exponential stations, no buffer
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("mu1", "mu2"), [(1.0, 1.0), (1.0, 2.0), (1.5, 1.0)])
def test_two_exponential_stations_without_buffer(mu1, mu2):
    stations = [station("M1", expo(1 / mu1)), station("M2", expo(1 / mu2))]
    block = simulate(stations, [0], horizon=100_000, warmup=1_000)
    assert_close(
        block["throughput"], two_machine_no_buffer_exponential(mu1, mu2), f"TH mu=({mu1}, {mu2})"
    )
    chain = two_station_birth_death(mu1, mu2, 0)
    assert_close(states(block, "M1")["blocked"], chain.blocked[0], "M1 blocked")
    assert_close(states(block, "M2")["starved"], chain.starved[1], "M2 starved")
    assert_exact_zero(block["buffers"][0]["mean_level"], "buffer level with B = 0")


# --------------------------------------------------------------------------
# (c) two reliable exponential stations, finite buffer (birth-death chain)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("mu1", "mu2", "B"), [(1.0, 1.25, 3), (1.0, 1.0, 2), (1.2, 1.0, 5)])
def test_two_exponential_stations_birth_death(mu1, mu2, B):
    stations = [station("M1", expo(1 / mu1)), station("M2", expo(1 / mu2))]
    block = simulate(stations, [B], horizon=100_000, warmup=1_000)
    chain = two_station_birth_death(mu1, mu2, B)
    case = f"(mu1={mu1}, mu2={mu2}, B={B})"
    assert_close(block["throughput"], chain.throughput, f"throughput {case}")
    assert_close(block["buffers"][0]["mean_level"], chain.mean_buffer_levels[0], f"level {case}")
    m1, m2 = states(block, "M1"), states(block, "M2")
    assert_close(m1["blocked"], chain.blocked[0], f"M1 blocked {case}")
    assert_close(m1["busy"], chain.busy[0], f"M1 busy {case}")
    assert_close(m2["starved"], chain.starved[1], f"M2 starved {case}")
    assert_close(m2["busy"], chain.busy[1], f"M2 busy {case}")
    for m in (m1, m2):
        assert_exact_zero(m["down"], "down without failures")
        assert_exact_zero(m["setup"], "setup without campaigns")
    assert_exact_zero(m1["starved"], "M1 starved")
    assert_exact_zero(m2["blocked"], "M2 blocked")


# --------------------------------------------------------------------------
# (d) three-station lines against exact Markov chains
# --------------------------------------------------------------------------


@pytest.mark.parametrize("buffers", [(1, 2), (0, 0)])
def test_three_station_exponential_tandem(buffers):
    mus = (1.0, 0.9, 1.2)
    stations = [station(f"M{i + 1}", expo(1 / mu)) for i, mu in enumerate(mus)]
    block = simulate(stations, buffers, horizon=100_000, warmup=1_000)
    chain = exponential_tandem(mus, buffers)
    assert_close(block["throughput"], chain.throughput, f"throughput buffers={buffers}")
    for j, level in enumerate(chain.mean_buffer_levels):
        assert_close(block["buffers"][j]["mean_level"], level, f"buffer {j} level")
    for i in range(3):
        m = states(block, f"M{i + 1}")
        for state in ("busy", "starved", "blocked"):
            assert_close(m[state], getattr(chain, state)[i], f"M{i + 1} {state}")


@pytest.mark.parametrize("buffers", [(1, 2), (0, 3)])
def test_three_station_per_cycle_line(buffers):
    p, r = (0.05, 0.08, 0.04), (0.25, 0.3, 0.2)
    stations = [station(f"M{i + 1}", det(1), p=p[i], repair=geom(1 / r[i])) for i in range(3)]
    block = simulate(stations, buffers, horizon=200_000, warmup=2_000)
    chain = per_cycle_line_markov(p, r, buffers)
    assert_close(block["throughput"], chain.throughput, f"throughput buffers={buffers}")
    for j, level in enumerate(chain.mean_buffer_levels):
        assert_close(block["buffers"][j]["mean_level"], level, f"buffer {j} level")
    for i in range(3):
        m = states(block, f"M{i + 1}")
        for state in ("busy", "starved", "blocked", "down"):
            assert_close(m[state], getattr(chain, state)[i], f"M{i + 1} {state}")


# --------------------------------------------------------------------------
# (e) operation-dependent failures of an isolated station
# --------------------------------------------------------------------------
# A single station is never starved (station 1) and never blocked (last), so
# it is busy or down. busy_time failures: failures arrive at rate 1/MTBF per
# unit of busy time (renewal-reward, any TTF distribution), each costs MTTR on
# average, so down = busy x MTTR / MTBF and busy + down = 1:
#     busy = MTBF / (MTBF + MTTR),   down = MTTR / (MTBF + MTTR),
# throughput = busy / mean_proc. per_cycle failures: a fraction p of the
# cycles carries a repair, so a part takes mean_proc + p MTTR on average:
#     busy = mean_proc / (mean_proc + p MTTR),  throughput = 1 / (mean_proc + p MTTR).

BUSY_TIME_CASES = [
    # (process, mean process time, time to failure (busy time), repair, MTTR)
    (det(1.0), 1.0, expo(20.0), expo(5.0), 5.0),
    (expo(2.0), 2.0, gamma(30.0, 0.5), lognormal(4.0, 1.0), 4.0),
    (det(0.7), 0.7, det(9.3), {"dist": "uniform", "low": 1.0, "high": 3.0}, 2.0),
]


@pytest.mark.parametrize(("process", "mean_proc", "ttf", "repair", "mttr"), BUSY_TIME_CASES)
def test_busy_time_failures_isolated_station(process, mean_proc, ttf, repair, mttr):
    mtbf = ttf["mean"]
    block = simulate(
        [station("M1", process, mtbf=ttf, repair=repair)], [], horizon=200_000, warmup=2_000
    )
    m = states(block, "M1")
    assert_close(m["down"], mttr / (mtbf + mttr), "down fraction")
    assert_close(m["busy"], mtbf / (mtbf + mttr), "busy fraction")
    assert_close(block["throughput"], mtbf / (mtbf + mttr) / mean_proc, "throughput")
    assert_exact_zero(m["starved"], "single station starved")
    assert_exact_zero(m["blocked"], "single station blocked")


@pytest.mark.parametrize(
    ("process", "p", "repair"),
    [
        (det(1.0), 0.05, geom(8.0)),
        (gamma(2.0, 0.8), 0.1, lognormal(6.0, 0.5)),
    ],
)
def test_per_cycle_failures_isolated_station(process, p, repair):
    mean_proc = process["mean"]
    mttr = repair["mean"]
    block = simulate(
        [station("M1", process, p=p, repair=repair)], [], horizon=200_000, warmup=2_000
    )
    cycle = mean_proc + p * mttr
    m = states(block, "M1")
    assert_close(m["busy"], mean_proc / cycle, "busy fraction")
    assert_close(m["down"], p * mttr / cycle, "down fraction")
    assert_close(block["throughput"], 1.0 / cycle, "throughput")


def test_busy_time_down_is_mttr_over_mtbf_times_busy_in_a_line():
    """Operation-dependent failures in a line: each station is down MTTR/MTBF per
    unit of its own busy time, however much it is starved or blocked."""
    mtbf, mttr = (40.0, 25.0, 60.0), (6.0, 5.0, 4.0)
    stations = [
        station("M1", expo(1.0), mtbf=expo(mtbf[0]), repair=expo(mttr[0])),
        station("M2", det(1.1), mtbf=gamma(mtbf[1], 0.7), repair=det(mttr[1])),
        station("M3", expo(0.9), mtbf=expo(mtbf[2]), repair=expo(mttr[2])),
    ]
    raws = engine_replications(stations, [2, 1], horizon=200_000, warmup=2_000)
    for i in range(3):
        down_per_busy = [raw.state_time[i, 3] / raw.state_time[i, 0] for raw in raws]
        assert_mean_close(down_per_busy, mttr[i] / mtbf[i], f"M{i + 1} down / busy")
    # Impeded stations really are impeded, so the identity is not the trivial one.
    assert min(raw.state_time[1, 1] + raw.state_time[1, 2] for raw in raws) > 0.05 * 198_000
