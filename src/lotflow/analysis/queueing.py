"""Exact steady-state metrics of the M/M/c and M/D/c queues.

These are the reference values the firing range (``lanes`` = c servers, Poisson
arrivals of lots, exponential or deterministic test time) is validated
against when it runs standalone.

Notation (all functions)
------------------------
``c``    number of servers (lanes), ``lam`` arrival rate, ``mu`` service rate
(M/M/c) or ``d`` the deterministic service time (M/D/c), in one time unit.
``a = lam / mu`` (resp. ``lam * d``) is the offered load in Erlang and
``rho = a / c`` the server utilisation; a stationary regime exists iff
``rho < 1`` and both functions raise ``ValueError`` otherwise.

Every function returns a :class:`QueueMetrics` with

* ``rho``    utilisation ``a / c``,
* ``p_wait`` probability that an arriving customer has to wait (``P(Wq > 0)``;
  by PASTA the time-stationary probability that all ``c`` servers are busy),
* ``wq``     mean waiting time in the queue (before service),
* ``lq``     mean number waiting (``lam * wq``, Little),
* ``w``      mean sojourn time ``wq + E[S]``,
* ``l``      mean number in system ``lam * w`` (``= lq + a``).

Pure functions, numpy/scipy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.special import lambertw

__all__ = [
    "QueueMetrics",
    "erlang_b",
    "erlang_c",
    "md_c",
    "md_c_numerical",
]


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state metrics of a multi-server queue (see module docstring)."""

    rho: float
    p_wait: float
    wq: float
    lq: float
    w: float
    l: float  # noqa: E741 - the standard queueing symbol L


def _check(c: int, lam: float, service: float, name: str) -> None:
    if int(c) != c or c < 1:
        raise ValueError(f"c must be a positive integer, got {c!r}")
    if not (lam > 0 and math.isfinite(lam)):
        raise ValueError(f"lam must be positive and finite, got {lam!r}")
    if not (service > 0 and math.isfinite(service)):
        raise ValueError(f"{name} must be positive and finite, got {service!r}")


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability ``B(c, a)`` of M/M/c/c with offered load ``a``.

    Stable recursion ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))``.
    """
    if int(c) != c or c < 0:
        raise ValueError(f"c must be a non-negative integer, got {c!r}")
    if a < 0:
        raise ValueError(f"a must be non-negative, got {a!r}")
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, lam: float, mu: float) -> QueueMetrics:
    """M/M/c (FCFS, infinite waiting room): Erlang C and the derived means.

    ``C(c, a) = c B / (c - a (1 - B))`` with ``B = erlang_b(c, a)``, then
    ``Wq = C / (c mu - lam)``, ``Lq = lam Wq``, ``W = Wq + 1/mu``, ``L = lam W``.
    """
    _check(c, lam, mu, "mu")
    a = lam / mu
    rho = a / c
    if rho >= 1.0:
        raise ValueError(f"unstable queue: rho = {rho} >= 1")
    b = erlang_b(c, a)
    p_wait = c * b / (c - a * (1.0 - b))
    wq = p_wait / (c * mu - lam)
    lq = lam * wq
    w = wq + 1.0 / mu
    return QueueMetrics(rho=rho, p_wait=p_wait, wq=wq, lq=lq, w=w, l=lam * w)


def _md_c_roots(c: int, a: float) -> np.ndarray:
    """The ``c - 1`` roots ``z != 1`` of ``z**c = exp(a (z - 1))`` in ``|z| < 1``.

    Writing ``w_k = exp(2 pi i k / c)``, every root in the closed unit disk
    solves ``z = w_k exp(s (z - 1))`` for exactly one ``k`` (``s = a/c < 1``;
    the right-hand side is a contraction of the disk, so one root per ``k``,
    Rouche). Put ``u = -s z``: ``u e^u = -s w_k e^{-s}``, hence
    ``z = -W0(-s w_k e^{-s}) / s`` with the principal branch of Lambert W
    (``|u| < s < 1`` lies in the range of ``W0``). ``k = 0`` gives ``z = 1``.
    Each root is polished by Newton steps on ``z - w_k exp(s (z - 1))``.
    """
    s = a / c
    k = np.arange(1, c)
    wk = np.exp(2j * np.pi * k / c)
    z = -lambertw(-s * wk * math.exp(-s), 0) / s
    for _ in range(3):
        e = wk * np.exp(s * (z - 1.0))
        z = z - (z - e) / (1.0 - s * e)
    return z


def md_c(c: int, lam: float, d: float) -> QueueMetrics:
    """M/D/c (FCFS, deterministic service time ``d``), exact, by Crommelin's method.

    Method (Crommelin 1932; also in Tijms, *A First Course in Stochastic
    Models*, 2003, and Franx, Oper. Res. Lett. 2001). Let ``N(t)`` be the number in
    system and ``a = lam d``. Every customer in service at ``t`` has left by
    ``t + d`` and nobody who starts after ``t`` has, so

        ``N(t + d) = max(N(t) - c, 0) + A``,  ``A ~ Poisson(a)``

    independent of ``N(t)``. The time-stationary distribution ``p_j`` of ``N``
    is therefore the stationary law of this Markov chain. Its generating
    function ``P(z)`` satisfies

        ``P(z) (z^c - A(z)) = A(z) Q(z)``,  ``A(z) = exp(a (z - 1))``,
        ``Q(z) = sum_{k<c} p_k (z^c - z^k)``.

    ``P`` is analytic in ``|z| < 1``, so the degree-``c`` polynomial ``Q``
    vanishes at the ``c`` roots of ``z^c = A(z)`` in the closed unit disk:
    ``z = 1`` and ``z_1..z_{c-1}`` (found in closed form with Lambert W, see
    :func:`_md_c_roots`). Hence ``Q(z) = K (z - 1) prod_m (z - z_m)``; the
    normalisation ``P(1) = 1`` (l'Hopital: ``Q'(1) = c - a``) fixes
    ``K = (c - a) / prod_m (1 - z_m)``. Since ``K`` is the leading coefficient
    of ``Q``, ``K = sum_{k<c} p_k = P(N < c)``, and by PASTA

        ``P_W = P(wait > 0) = 1 - K``.

    Taking the logarithmic derivative of ``P(z) = K A(z) prod(z - z_m) / g(z)``
    with ``g(z) = (z^c - A(z)) / (z - 1)`` at ``z = 1`` gives
    ``E[N] = a + sum_m 1/(1 - z_m) - (c (c - 1) - a^2) / (2 (c - a))``, and,
    since the mean number in service is ``a``,

        ``Lq = sum_m 1/(1 - z_m) - (c (c - 1) - a^2) / (2 (c - a))``,
        ``Wq = Lq / lam`` (Little).

    For ``c = 1`` this is Pollaczek-Khinchine, ``Wq = rho d / (2 (1 - rho))``.

    Accuracy: agrees with :func:`md_c_numerical` to ``~1e-10`` relative or
    better for ``0.3 <= rho <= 0.98`` and ``c`` up to 200 (checked). Both
    ``P_W = 1 - K`` and ``Lq`` are differences of O(1) terms, so their
    *absolute* error is ``~1e-14``: at very light load with many servers
    (``P_W`` or ``Lq`` below ``~1e-8``) the relative error grows accordingly.
    """
    _check(c, lam, d, "d")
    c = int(c)
    a = lam * d
    rho = a / c
    if rho >= 1.0:
        raise ValueError(f"unstable queue: rho = {rho} >= 1")
    z = _md_c_roots(c, a)
    one_minus = 1.0 - z
    k_const = (c - a) / float(np.real(np.prod(one_minus)))
    p_wait = 1.0 - k_const
    lq = float(np.real(np.sum(1.0 / one_minus))) - (c * (c - 1) - a * a) / (2.0 * (c - a))
    lq = max(lq, 0.0)
    wq = lq / lam
    w = wq + d
    return QueueMetrics(rho=rho, p_wait=p_wait, wq=wq, lq=lq, w=w, l=lam * w)


def md_c_numerical(c: int, lam: float, d: float, tol: float = 1e-15) -> QueueMetrics:
    """M/D/c by direct numerical solution of Crommelin's embedded chain.

    Same chain as :func:`md_c` (``N(t + d) = max(N(t) - c, 0) + Poisson(a)``),
    truncated at a level ``n_max`` (arrivals that would exceed it are lumped
    into ``n_max``) and solved as a dense linear system. ``n_max`` is chosen
    from the geometric tail decay ``z0**-n`` (``z0 > 1`` the real root of
    ``z^c = exp(a (z - 1))``) so that the neglected mass is below ``tol``.
    Meant as an independent cross-check of :func:`md_c` (it is slower,
    O(n_max^3), and for ``rho`` close to 1 ``n_max`` grows like
    ``1 / (1 - rho)``).
    """
    _check(c, lam, d, "d")
    c = int(c)
    a = lam * d
    rho = a / c
    if rho >= 1.0:
        raise ValueError(f"unstable queue: rho = {rho} >= 1")

    # The stationary tail decays geometrically like z0**-n, z0 > 1 the real root
    # of c ln z = a (z - 1); truncate where that tail is below ``tol``.
    def f(z: float) -> float:
        return c * math.log(z) - a * (z - 1.0)

    hi = 2.0
    while f(hi) >= 0.0:
        hi *= 2.0
    z0 = brentq(f, 1.0 + 1e-9 * (1.0 - rho), hi)
    n_max = c + 32 + math.ceil(1.25 * math.log(tol) / -math.log(z0))
    j = np.arange(n_max + 1)
    logpmf = -a + j * math.log(a) - np.array([math.lgamma(x + 1.0) for x in j])
    pmf = np.exp(logpmf)  # Poisson(a) pmf
    tail = np.maximum(1.0 - np.cumsum(pmf), 0.0)  # P(A > j)
    size = n_max + 1
    t_mat = np.zeros((size, size))
    for k in range(size):
        base = max(k - c, 0)
        m = n_max - base  # arrivals 0..m-1 land exactly, m and more lump at n_max
        t_mat[k, base:n_max] = pmf[:m]
        t_mat[k, n_max] = pmf[m] + tail[m]
    lhs = t_mat.T - np.eye(size)
    lhs[-1, :] = 1.0
    rhs = np.zeros(size)
    rhs[-1] = 1.0
    p = np.linalg.solve(lhs, rhs)
    p = np.maximum(p, 0.0)
    p /= p.sum()
    n = np.arange(p.size)
    p_wait = float(p[c:].sum())
    lq = float(np.sum(np.maximum(n - c, 0) * p))
    wq = lq / lam
    w = wq + d
    return QueueMetrics(rho=rho, p_wait=p_wait, wq=wq, lq=lq, w=w, l=lam * w)
