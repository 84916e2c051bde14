"""Closed-form / exact-numerical theory used to validate the simulator.

Everything here is deterministic and fast: closed forms are checked against
independently built Markov chains, hand-computed values and known limits.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from lotflow.analysis.flowline import (
    decomposition,
    exponential_tandem,
    gershwin_deterministic_two_machine,
    gershwin_two_machine_markov,
    isolated_efficiency,
    isolated_efficiency_busy_time,
    per_cycle_line_markov,
    per_cycle_two_machine_markov,
    throughput_two_machine_deterministic,
    two_machine_no_buffer_exponential,
    two_station_birth_death,
)
from lotflow.analysis.queueing import erlang_b, erlang_c, md_c, md_c_numerical

# --------------------------------------------------------------------------
# M/M/c and M/D/c
# --------------------------------------------------------------------------


def test_erlang_b_hand_values():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_b(3, 2.0) == pytest.approx(4.0 / 19.0)


def test_erlang_c_hand_values():
    # M/M/2, a = 1: P0 = 1/3, C = 1/3, Wq = C / (2 mu - lam) = 1/3.
    m = erlang_c(2, 1.0, 1.0)
    assert m.rho == pytest.approx(0.5)
    assert m.p_wait == pytest.approx(1.0 / 3.0, rel=1e-14)
    assert m.wq == pytest.approx(1.0 / 3.0, rel=1e-14)
    assert m.lq == pytest.approx(1.0 / 3.0, rel=1e-14)
    assert m.w == pytest.approx(4.0 / 3.0, rel=1e-14)
    assert m.l == pytest.approx(4.0 / 3.0, rel=1e-14)
    # M/M/3, lam = 2, mu = 1: B(3, 2) = 4/19, C = 12/27 = 4/9, Wq = 4/9.
    m = erlang_c(3, 2.0, 1.0)
    assert m.p_wait == pytest.approx(4.0 / 9.0, rel=1e-14)
    assert m.wq == pytest.approx(4.0 / 9.0, rel=1e-14)
    assert m.lq == pytest.approx(8.0 / 9.0, rel=1e-14)


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9, 0.99])
def test_erlang_c_single_server_is_mm1(rho):
    mu = 2.0
    m = erlang_c(1, rho * mu, mu)
    assert m.p_wait == pytest.approx(rho, rel=1e-12)
    assert m.wq == pytest.approx(rho / (mu - rho * mu), rel=1e-12)


def test_erlang_c_large_c_is_stable():
    m = erlang_c(500, 480.0, 1.0)
    assert 0.0 < m.p_wait < 1.0
    assert math.isfinite(m.wq)


@pytest.mark.parametrize("func", [erlang_c, md_c, md_c_numerical])
def test_unstable_queue_raises(func):
    with pytest.raises(ValueError):
        func(2, 2.0, 1.0)
    with pytest.raises(ValueError):
        func(2, 3.0, 1.0)


@pytest.mark.parametrize("rho", [0.05, 0.3, 0.7, 0.9, 0.95, 0.99])
def test_md1_equals_pollaczek_khinchine(rho):
    d = 2.5
    lam = rho / d
    m = md_c(1, lam, d)
    wq = rho * d / (2.0 * (1.0 - rho))
    assert m.wq == pytest.approx(wq, rel=1e-12)
    assert m.lq == pytest.approx(lam * wq, rel=1e-12)
    assert m.p_wait == pytest.approx(rho, rel=1e-12)
    assert m.w == pytest.approx(wq + d, rel=1e-12)
    assert m.l == pytest.approx(lam * (wq + d), rel=1e-12)


@pytest.mark.parametrize("c", [1, 2, 3, 7, 20])
@pytest.mark.parametrize("rho", [0.2, 0.6, 0.85, 0.95])
def test_md_c_roots_method_matches_embedded_chain(c, rho):
    d = 0.75
    lam = rho * c / d
    exact = md_c(c, lam, d)
    num = md_c_numerical(c, lam, d)
    assert exact.rho == pytest.approx(rho)
    assert exact.p_wait == pytest.approx(num.p_wait, rel=1e-8)
    assert exact.wq == pytest.approx(num.wq, rel=1e-7)
    assert exact.lq == pytest.approx(lam * exact.wq, rel=1e-14)


@pytest.mark.parametrize("c", [2, 5, 10])
@pytest.mark.parametrize("rho", [0.5, 0.9])
def test_md_c_waits_less_than_mm_c(c, rho):
    d = 1.0
    lam = rho * c
    det = md_c(c, lam, d)
    exp = erlang_c(c, lam, 1.0 / d)
    assert 0.0 < det.wq < exp.wq
    assert 0.0 < det.p_wait < 1.0


# --------------------------------------------------------------------------
# Gershwin's deterministic two-machine line
# --------------------------------------------------------------------------

# (p1, r1, p2, r2): unequal efficiencies both ways, equal efficiencies
# (p1 r2 = p2 r1), nearly equal, fast repairs (r = 1).
CASES = [
    (0.05, 0.2, 0.03, 0.15),
    (0.1, 0.3, 0.02, 0.4),
    (0.02, 0.4, 0.1, 0.3),
    (0.1, 0.2, 0.05, 0.1),  # equal isolated efficiencies 2/3
    (0.01, 0.1, 0.01, 0.1),  # identical machines
    (0.1, 0.2, 0.05, 0.1000001),  # nearly equal
    (0.3, 0.9, 0.1, 1.0),
    (0.5, 0.5, 0.4, 0.7),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("N", [2, 3, 4, 5, 10, 40])
def test_gershwin_closed_form_matches_markov_chain(case, N):
    p1, r1, p2, r2 = case
    cf = gershwin_deterministic_two_machine(p1, r1, p2, r2, N)
    mc = gershwin_two_machine_markov(p1, r1, p2, r2, N)
    np.testing.assert_allclose(cf.distribution, mc.distribution, atol=1e-12, rtol=0)
    assert cf.production_rate == pytest.approx(mc.production_rate, rel=1e-11)
    assert cf.mean_level == pytest.approx(mc.mean_level, rel=1e-10)
    assert cf.prob_starved == pytest.approx(mc.prob_starved, abs=1e-12)
    assert cf.prob_blocked == pytest.approx(mc.prob_blocked, abs=1e-12)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("N", [2, 3, 7])
def test_gershwin_identities(case, N):
    p1, r1, p2, r2 = case
    res = gershwin_deterministic_two_machine(p1, r1, p2, r2, N)
    dist = res.distribution
    assert dist.sum() == pytest.approx(1.0)
    assert dist.min() >= 0.0
    # Transient states.
    for state in [(0, 0, 0), (0, 1, 0), (0, 1, 1), (1, 1, 0), (N, 0, 0), (N, 0, 1), (N, 1, 1)]:
        assert dist[state] == 0.0
    # Conservation of flow E1 = E2 and the flow rate-idle time relations.
    e1_rate = dist[:N, 1, :].sum()
    assert e1_rate == pytest.approx(res.production_rate, rel=1e-12)
    assert res.production_rate == pytest.approx(res.e1 * (1.0 - res.prob_blocked), rel=1e-12)
    assert res.production_rate == pytest.approx(res.e2 * (1.0 - res.prob_starved), rel=1e-12)
    assert res.production_rate < min(res.e1, res.e2)
    # Time fractions of each machine sum to 1.
    assert res.down1 == pytest.approx(dist[:, 0, :].sum(), abs=1e-12)
    assert res.down2 == pytest.approx(dist[:, :, 0].sum(), abs=1e-12)


def test_equal_efficiency_internal_distribution_flat():
    p1, r1, p2, r2 = 0.1, 0.2, 0.05, 0.1
    res = gershwin_deterministic_two_machine(p1, r1, p2, r2, 12)
    level = res.distribution[2:11].sum(axis=(1, 2))
    np.testing.assert_allclose(level, level[0], rtol=1e-12)
    near = gershwin_deterministic_two_machine(p1, r1, p2, r2 * (1 + 1e-9), 12)
    assert near.production_rate == pytest.approx(res.production_rate, rel=1e-7)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("B", [0, 1, 2, 5])
def test_simulator_semantics_chain_equals_gershwin_with_N_B_plus_2(case, B):
    """The physical per_cycle chain with B slots is Gershwin's model with N = B + 2."""
    p1, r1, p2, r2 = case
    phys = per_cycle_two_machine_markov(p1, r1, p2, r2, B)
    cf = gershwin_deterministic_two_machine(p1, r1, p2, r2, B + 2)
    assert phys.N == cf.N == B + 2
    assert phys.B == B
    assert phys.production_rate == pytest.approx(cf.production_rate, rel=1e-11)
    assert phys.mean_buffer == pytest.approx(cf.mean_buffer, abs=1e-11)
    assert phys.mean_level == pytest.approx(cf.mean_level, abs=1e-11)
    assert phys.prob_starved == pytest.approx(cf.prob_starved, abs=1e-12)
    assert phys.prob_blocked == pytest.approx(cf.prob_blocked, abs=1e-12)
    assert throughput_two_machine_deterministic(p1, r1, p2, r2, B) == pytest.approx(
        cf.production_rate, rel=1e-14
    )
    assert 0.0 <= cf.mean_buffer <= B


def test_two_machine_limits():
    # No failures: one part per cycle.
    assert throughput_two_machine_deterministic(0.0, 0.5, 0.0, 0.5, 0) == 1.0
    assert per_cycle_two_machine_markov(0.0, 0.5, 0.0, 0.5, 0).production_rate == pytest.approx(1)
    # First machine perfectly reliable: the second is never starved.
    assert throughput_two_machine_deterministic(0.0, 0.2, 0.05, 0.1, 3) == pytest.approx(2 / 3)
    # Large buffer: production rate -> min isolated efficiency (geometrically
    # fast when the efficiencies differ), increasing in B.
    rates = [throughput_two_machine_deterministic(0.05, 0.2, 0.03, 0.15, b) for b in range(60)]
    assert all(b > a for a, b in itertools.pairwise(rates))
    big = throughput_two_machine_deterministic(0.05, 0.2, 0.03, 0.15, 2000)
    assert big == pytest.approx(0.8, rel=1e-12)
    eq = [throughput_two_machine_deterministic(0.1, 0.2, 0.05, 0.1, b) for b in (10, 100, 2000)]
    assert eq[0] < eq[1] < eq[2] < 2 / 3
    assert eq[2] == pytest.approx(2 / 3, abs=2e-3)


def test_closed_form_huge_buffer_does_not_overflow():
    for p1, p2 in [(0.05, 0.01), (0.01, 0.05)]:
        res = gershwin_deterministic_two_machine(p1, 0.2, p2, 0.15, 100_000)
        assert res.production_rate == pytest.approx(min(res.e1, res.e2), rel=1e-12)
        assert math.isfinite(res.mean_level)


def test_isolated_efficiency():
    assert isolated_efficiency(0.05, 0.2) == pytest.approx(0.8)
    assert isolated_efficiency(0.0, 0.2) == 1.0
    assert isolated_efficiency_busy_time(90.0, 10.0) == pytest.approx(0.9)


def test_invalid_parameters():
    with pytest.raises(ValueError):
        gershwin_deterministic_two_machine(0.0, 0.2, 0.1, 0.2, 5)
    with pytest.raises(ValueError):
        gershwin_deterministic_two_machine(0.1, 0.0, 0.1, 0.2, 5)
    with pytest.raises(ValueError):
        gershwin_deterministic_two_machine(0.1, 0.2, 0.1, 0.2, 1)
    with pytest.raises(ValueError):
        throughput_two_machine_deterministic(0.1, 0.2, 0.1, 0.2, -1)
    with pytest.raises(ValueError):
        exponential_tandem([1.0, 1.0], [1, 1])


# --------------------------------------------------------------------------
# Reliable exponential lines
# --------------------------------------------------------------------------


@pytest.mark.parametrize("mu1,mu2", [(1.0, 1.0), (1.0, 2.0), (3.0, 1.5), (0.2, 7.0)])
def test_no_buffer_exponential(mu1, mu2):
    th = two_machine_no_buffer_exponential(mu1, mu2)
    assert th == pytest.approx(exponential_tandem([mu1, mu2], [0]).throughput, rel=1e-12)
    assert th == pytest.approx(two_station_birth_death(mu1, mu2, 0).throughput, rel=1e-12)
    assert th < min(mu1, mu2)


def test_no_buffer_exponential_hand_value():
    assert two_machine_no_buffer_exponential(1.0, 1.0) == pytest.approx(2.0 / 3.0)


@pytest.mark.parametrize("mu1,mu2", [(1.0, 1.0), (1.0, 2.0), (3.0, 1.5)])
@pytest.mark.parametrize("B", [0, 1, 4, 15])
def test_birth_death_matches_general_ctmc(mu1, mu2, B):
    bd = two_station_birth_death(mu1, mu2, B)
    ct = exponential_tandem([mu1, mu2], [B])
    assert bd.throughput == pytest.approx(ct.throughput, rel=1e-12)
    for field in ("mean_buffer_levels", "busy", "starved", "blocked", "down"):
        np.testing.assert_allclose(getattr(bd, field), getattr(ct, field), atol=1e-12)
    # Closed form of the throughput.
    rho = mu1 / mu2
    if rho == 1.0:
        th = mu1 * (B + 2) / (B + 3)
    else:
        th = mu1 * (1 - rho ** (B + 2)) / (1 - rho ** (B + 3))
    assert bd.throughput == pytest.approx(th, rel=1e-12)


def test_birth_death_limits():
    assert two_station_birth_death(1.0, 2.0, 400).throughput == pytest.approx(1.0, rel=1e-12)
    assert two_station_birth_death(3.0, 2.0, 400).throughput == pytest.approx(2.0, rel=1e-12)
    big = two_station_birth_death(5.0, 1.0, 5000)  # no overflow
    assert big.mean_buffer_levels[0] == pytest.approx(5000, rel=1e-3)


def test_three_exponential_stations_no_buffers():
    # Known result for three balanced exponential stations, no buffers, BAS:
    # throughput 22/39 = 0.5641 (e.g. Hillier & Boling 1967; Altiok 1997).
    res = exponential_tandem([1.0, 1.0, 1.0], [0, 0])
    assert res.throughput == pytest.approx(22.0 / 39.0, rel=1e-12)


def test_exponential_tandem_consistency():
    mus = [1.0, 1.3, 0.9, 1.1]
    res = exponential_tandem(mus, [1, 0, 2])
    for i, mu in enumerate(mus):
        # Conservation of flow: every station processes at the line's rate.
        assert mu * res.busy[i] == pytest.approx(res.throughput, rel=1e-10)
        total = res.busy[i] + res.starved[i] + res.blocked[i] + res.down[i]
        assert total == pytest.approx(1.0)
    assert res.starved[0] == 0.0
    assert res.blocked[-1] == 0.0
    # More buffer space never hurts.
    assert exponential_tandem(mus, [2, 1, 2]).throughput > res.throughput


# --------------------------------------------------------------------------
# Longer unreliable lines: exact physical chain and decomposition
# --------------------------------------------------------------------------


def test_line_chain_two_stations_equals_two_machine():
    line = per_cycle_line_markov([0.05, 0.03], [0.2, 0.15], [2])
    two = gershwin_deterministic_two_machine(0.05, 0.2, 0.03, 0.15, 4)
    assert line.throughput == pytest.approx(two.production_rate, rel=1e-11)
    assert line.mean_buffer_levels[0] == pytest.approx(two.mean_buffer, abs=1e-11)
    assert line.starved[1] == pytest.approx(two.prob_starved, abs=1e-12)
    assert line.blocked[0] == pytest.approx(two.prob_blocked, abs=1e-12)
    assert line.down[0] == pytest.approx(two.down1, abs=1e-12)


def test_line_chain_consistency():
    p, r = [0.05, 0.1, 0.03], [0.2, 0.3, 0.25]
    res = per_cycle_line_markov(p, r, [1, 2])
    for i in range(3):
        assert res.busy[i] == pytest.approx(res.throughput, rel=1e-10)
        # Each cycle is followed by a failure w.p. p, lasting 1/r on average.
        assert res.down[i] == pytest.approx(res.busy[i] * p[i] / r[i], rel=1e-10)
        total = res.busy[i] + res.starved[i] + res.blocked[i] + res.down[i]
        assert total == pytest.approx(1.0)
    assert res.throughput < min(isolated_efficiency(a, b) for a, b in zip(p, r, strict=True))
    assert per_cycle_line_markov([0, 0, 0], [1, 1, 1], [0, 0]).throughput == pytest.approx(1.0)


def test_decomposition_two_machines_is_exact():
    dec = decomposition([0.05, 0.03], [0.2, 0.15], [3])
    cf = gershwin_deterministic_two_machine(0.05, 0.2, 0.03, 0.15, 5)
    assert dec.converged
    assert dec.throughput == pytest.approx(cf.production_rate, rel=1e-14)
    assert dec.mean_buffer_levels[0] == pytest.approx(cf.mean_buffer, rel=1e-14)


@pytest.mark.parametrize(
    "p,r,buffers",
    [
        ([0.05, 0.03, 0.04], [0.2, 0.15, 0.25], [3, 3]),
        ([0.1, 0.1, 0.1], [0.3, 0.3, 0.3], [1, 1]),
        ([0.01, 0.05, 0.02, 0.03], [0.1, 0.2, 0.1, 0.3], [5, 2, 4]),
        ([0.05, 0.05, 0.05, 0.05], [0.25, 0.25, 0.25, 0.25], [0, 0, 0]),
    ],
)
def test_decomposition_long_lines(p, r, buffers):
    dec = decomposition(p, r, buffers)
    assert dec.converged
    np.testing.assert_allclose(dec.production_rates, dec.throughput, rtol=1e-9)
    emin = min(isolated_efficiency(a, b) for a, b in zip(p, r, strict=True))
    assert dec.throughput < emin
    exact = per_cycle_line_markov(p, r, buffers)
    # Approximate method (and approximate N = B + 2 mapping for K >= 3).
    assert dec.throughput == pytest.approx(exact.throughput, rel=0.02)
    for j, cap in enumerate(buffers):
        assert 0.0 <= dec.mean_buffer_levels[j] <= cap
