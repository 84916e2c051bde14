"""Closed-form and exact numerical theory of flow lines (validation references).

All functions are pure (numpy/scipy only). They follow the simulation
semantics of ``docs/model.md``: stations in series, buffers of ``B`` physical
slots that do NOT count the stations' own work positions, blocking after
service (BAS), station 1 never starved, the last station never blocked, zero
transfer time, operation-dependent failures.

Contents
--------
Unreliable machines, deterministic unit processing time (discrete time)
    :func:`gershwin_deterministic_two_machine`
        Gershwin's exact closed form for the two-machine line of the
        deterministic processing time model (Gershwin 1994, *Manufacturing
        Systems Engineering*, ch. 3), in his buffer convention ``N``.
    :func:`gershwin_two_machine_markov`
        The same Markov chain built state by state and solved numerically
        (brute-force check of the closed form).
    :func:`per_cycle_two_machine_markov`, :func:`per_cycle_line_markov`
        Exact Markov chains written directly from the simulator's
        ``per_cycle`` semantics with ``B`` physical slots (2 or more stations).
    :func:`throughput_two_machine_deterministic`
        Production rate for the model's ``B`` (maps ``N = B + 2``).
    :func:`decomposition`
        DDX decomposition (Dallery, David & Xie 1988) of longer lines.
Reliable machines, exponential processing times (continuous time)
    :func:`two_machine_no_buffer_exponential`, :func:`two_station_birth_death`,
    :func:`exponential_tandem`.
Isolated efficiencies
    :func:`isolated_efficiency`, :func:`isolated_efficiency_busy_time`.

Gershwin's deterministic two-machine model and the simulator
------------------------------------------------------------
Gershwin's conventions (1994, ch. 3; the chain of
:func:`gershwin_two_machine_markov` implements exactly these). Time is slotted,
every operation takes one time unit. The state at time ``t`` is
``(n(t), alpha1(t), alpha2(t))`` with ``alpha_i = 1`` (up) or ``0`` (down) and
``0 <= n <= N``. In the step ``t -> t + 1`` the machine states change first,
then the buffer:

* ``M1`` is *blocked* in the step if ``n(t) = N``; ``M2`` is *starved* if
  ``n(t) = 0``. A machine that is up and neither starved nor blocked fails
  with probability ``p_i`` (operation-dependent failures); a starved or
  blocked machine cannot fail. A down machine is repaired with probability
  ``r_i``.
* ``M_i`` works during the step iff ``alpha_i(t+1) = 1`` and it is neither
  starved nor blocked; then
  ``n(t+1) = n(t) + [M1 works] - [M2 works]``.

So each period is spent down, working, starved or blocked; a failure means
the next ``D`` periods are down, ``D`` geometric on ``{1, 2, ...}`` with mean
``1 / r_i``, and the first period after the repair is a working one (no new
failure draw for it).

The simulator with ``per_cycle`` failures, all processing times
deterministic = 1 and geometric repair times (on ``{1, 2, ...}``, mean
``1 / r``) lives on integer times too. At every integer time ``t`` (after
all transfers at ``t``), each station is processing, down, blocked or
starved for the whole of ``(t, t+1]``. A station that *begins* a cycle at
``t`` fails with probability ``p``, is then down for a geometric repair
time ``T`` and afterwards processes its part for one unit with no new draw:
exactly Gershwin's per-machine behaviour. For the buffer, let
``n(t)`` = parts completed by M1 but not yet by M2. With zero transfer time
these parts fill, in order, M2's work position (1 part), the ``B`` slots,
and finally M1 itself, which holds its finished part while blocked. Hence

* M2 is starved in ``(t, t+1]``  iff ``n(t) = 0``,
* M1 is blocked in ``(t, t+1]`` iff ``n(t) = B + 2`` (M2 holds a part, the
  ``B`` slots are full and M1 holds a finished part),

and ``n`` moves by ``+[M1 processed] - [M2 processed]`` in each unit, with
M2's part counted in ``n`` while M2 is down (it took it from the buffer when
it began the cycle). This is Gershwin's chain with

    ``N = B + 2``   (``B = N - 2``),

including ``B = 0`` (``N = 2``). The mapping is exact for two machines (this
is checked in the tests by solving the physical chain of
:func:`per_cycle_two_machine_markov` independently). The physical buffer
occupancy (time-average number of parts in the ``B`` slots) is
``n - [n >= 1] - [n = N]``.

For three or more stations a station's single work position is shared: a
part being processed by ``M_{i+1}`` counts in ``n_i`` and a finished part
that ``M_{i+1}`` holds while blocked counts in ``n_{i+1}``. In the physical
line, while ``M_{i+1}`` is blocked the space between ``M_i`` and ``M_{i+1}``
is only ``B_i + 1`` parts, whereas Gershwin's long-line model always allows
``N_i``. So ``N_i = B_i + 2`` is then only an approximation (on top of the
decomposition's own approximation); :func:`per_cycle_line_markov` is the
exact reference for small lines.

Not covered exactly: non-geometric repair times (the efficiency
``r / (r + p)`` still holds with ``r = 1 / MTTR``, but not the blocking and
starvation probabilities), scrap, non-unit or random processing times.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "DecompositionResult",
    "TandemResult",
    "TwoMachineResult",
    "decomposition",
    "exponential_tandem",
    "gershwin_deterministic_two_machine",
    "gershwin_two_machine_markov",
    "isolated_efficiency",
    "isolated_efficiency_busy_time",
    "per_cycle_line_markov",
    "per_cycle_two_machine_markov",
    "throughput_two_machine_deterministic",
    "two_machine_no_buffer_exponential",
    "two_station_birth_death",
]


# --------------------------------------------------------------------------
# Isolated efficiencies
# --------------------------------------------------------------------------


def isolated_efficiency(p: float, r: float) -> float:
    """Isolated efficiency ``r / (r + p)`` of a machine with per-cycle failures.

    ``p`` is the failure probability per cycle begun (mean cycles between
    failures ``1 / p``) and ``r`` the repair probability per time unit (mean
    repair time ``1 / r`` cycles): a cycle lasts ``1 + p / r`` on average.
    """
    if p < 0 or r <= 0:
        raise ValueError("need p >= 0 and r > 0")
    return r / (r + p)


def isolated_efficiency_busy_time(mttf: float, mttr: float) -> float:
    """Isolated efficiency ``MTTF / (MTTF + MTTR)`` for busy-time failures.

    ``mttf`` is the mean busy time between failures, ``mttr`` the mean repair
    time, in the same unit; the fraction of time an unimpeded station is up.
    """
    if mttf <= 0 or mttr < 0:
        raise ValueError("need mttf > 0 and mttr >= 0")
    return mttf / (mttf + mttr)


# --------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class TwoMachineResult:
    """Steady state of a two-machine line, deterministic unit processing time.

    Attributes
    ----------
    N
        Gershwin's buffer size (``B + 2``).
    production_rate
        Parts per time unit (= per cycle), ``E1 = E2``. Also ``efficiency``.
    mean_level
        Mean of Gershwin's ``n`` (parts finished by M1 and not by M2,
        including M2's part and the part held by a blocked M1), ``0..N``.
    mean_buffer
        Time-average number of parts in the ``B`` physical slots.
    prob_starved
        Fraction of time M2 is starved, ``p(0, 0, 1)``.
    prob_blocked
        Fraction of time M1 is blocked, ``p(N, 1, 0)``.
    e1, e2
        Isolated efficiencies ``r_i / (r_i + p_i)``.
    distribution
        Stationary probabilities ``p[n, alpha1, alpha2]`` in Gershwin's
        state space (shape ``(N + 1, 2, 2)``), or ``None`` when computed from
        the physical chain.
    """

    N: int
    production_rate: float
    mean_level: float
    mean_buffer: float
    prob_starved: float
    prob_blocked: float
    e1: float
    e2: float
    distribution: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def B(self) -> int:
        """Physical buffer slots ``N - 2``."""
        return self.N - 2

    @property
    def efficiency(self) -> float:
        """Same as ``production_rate`` (one part per up, unimpeded cycle)."""
        return self.production_rate

    @property
    def down1(self) -> float:
        """Fraction of time M1 is down, ``1 - P - prob_blocked``."""
        return 1.0 - self.production_rate - self.prob_blocked

    @property
    def down2(self) -> float:
        """Fraction of time M2 is down, ``1 - P - prob_starved``."""
        return 1.0 - self.production_rate - self.prob_starved


@dataclass(frozen=True)
class TandemResult:
    """Steady state of a tandem line of ``S`` stations (``S - 1`` buffers).

    ``throughput`` is in parts per time unit; ``mean_buffer_levels`` are
    time averages of the physical buffer contents; ``busy``, ``starved``,
    ``blocked`` and ``down`` are per-station time fractions (they sum to 1
    per station). ``n_states`` is the size of the solved Markov chain (0 for
    closed forms).
    """

    throughput: float
    mean_buffer_levels: tuple[float, ...]
    busy: tuple[float, ...]
    starved: tuple[float, ...]
    blocked: tuple[float, ...]
    down: tuple[float, ...]
    n_states: int = 0


@dataclass(frozen=True)
class DecompositionResult:
    """Output of :func:`decomposition` (buffer ``j`` lies between stations ``j``, ``j+1``).

    ``throughput`` is the mean of the building blocks' production rates
    ``production_rates`` (equal at convergence). ``mean_buffer_levels`` are
    physical slot occupancies, ``mean_levels`` Gershwin's ``n_j``.
    ``prob_starved[j]`` / ``prob_blocked[j]`` are ``p_j(0,0,1)`` and
    ``p_j(N_j,1,0)`` of building block ``j``; ``pu, ru, pd, rd`` are the
    pseudo-machine parameters.
    """

    throughput: float
    production_rates: tuple[float, ...]
    mean_buffer_levels: tuple[float, ...]
    mean_levels: tuple[float, ...]
    prob_starved: tuple[float, ...]
    prob_blocked: tuple[float, ...]
    pu: tuple[float, ...]
    ru: tuple[float, ...]
    pd: tuple[float, ...]
    rd: tuple[float, ...]
    iterations: int
    converged: bool


# --------------------------------------------------------------------------
# Gershwin's deterministic two-machine line
# --------------------------------------------------------------------------


def _check_pr(p: float, r: float, name: str, *, closed_form: bool) -> None:
    if not (0.0 <= p <= 1.0) or not (0.0 < r <= 1.0):
        raise ValueError(f"{name}: need 0 <= p <= 1 and 0 < r <= 1, got p={p}, r={r}")
    if closed_form and not (0.0 < p < 1.0):
        raise ValueError(
            f"{name}: the closed form needs 0 < p < 1 (got p={p}); "
            "use gershwin_two_machine_markov for p = 0 or 1"
        )


def _summarise_gershwin(
    prob: np.ndarray, p1: float, r1: float, p2: float, r2: float
) -> TwoMachineResult:
    n_cap = prob.shape[0] - 1
    prob = prob / prob.sum()
    production = float(prob[1:, :, 1].sum())  # E2 = P(M2 up and not starved)
    level = prob.sum(axis=(1, 2))
    n = np.arange(n_cap + 1)
    mean_level = float(np.dot(n, level))
    # Physical slots in use: n minus M2's part (n >= 1) minus M1's held part (n = N).
    slots = np.maximum(n - 1, 0) - (n == n_cap)
    mean_buffer = float(np.dot(slots, level))
    return TwoMachineResult(
        N=n_cap,
        production_rate=production,
        mean_level=mean_level,
        mean_buffer=mean_buffer,
        prob_starved=float(prob[0, 0, 1]),
        prob_blocked=float(prob[n_cap, 1, 0]),
        e1=r1 / (r1 + p1),
        e2=r2 / (r2 + p2),
        distribution=prob,
    )


def gershwin_deterministic_two_machine(
    p1: float, r1: float, p2: float, r2: float, N: int
) -> TwoMachineResult:
    """Exact closed form of Gershwin's deterministic two-machine line.

    Model and conventions: see the module docstring (``N`` in Gershwin's
    convention; the simulator's ``B`` physical slots give ``N = B + 2``).
    Needs ``0 < p_i < 1``, ``0 < r_i <= 1``, ``N >= 2``.

    Solution (derived from the balance equations, as in Gershwin 1994 ch. 3;
    verified against :func:`gershwin_two_machine_markov`). Let
    ``s = r1 + r2 - r1 r2``.

    * Internal states, ``1 <= n <= N - 1``:
      ``p(n, a1, a2) = C X^n Y1^a1 Y2^a2`` with

        ``Y1 = (s - p2 r1) / (p1 + p2 - p1 p2 - p1 r2)``,
        ``Y2 = (s - p1 r2) / (p1 + p2 - p1 p2 - p2 r1)``,  ``X = Y2 / Y1``,

      which is the non-trivial solution of
      ``(1 - r1 + p1 Y1)(1 - r2 + p2 Y2) = 1`` and
      ``(r1 + (1 - p1) Y1)(r2 + (1 - p2) Y2) = Y1 Y2``.
    * Transient states (probability 0): ``(0,0,0), (0,1,0), (0,1,1), (1,1,0)``
      and ``(N,0,0), (N,0,1), (N,1,1), (N-1,0,1)``.
    * Boundary states:

        ``p(0,0,1)   = C X (s - p2 r1) / (p2 r1)``,
        ``p(1,1,1)   = C X (s - p2 r1) / (p2 (p1 + p2 - p1 p2 - p2 r1))``,
        ``p(N,1,0)   = C X^(N-1) (s - p1 r2) / (p1 r2)``,
        ``p(N-1,1,1) = C X^(N-1) (s - p1 r2) / (p1 (p1 + p2 - p1 p2 - p1 r2))``;

      ``C`` normalises. These hold for ``N >= 3``. For ``N = 2`` the only
      recurrent states are ``(0,0,1), (1,0,0), (1,1,1), (2,1,0)`` with
      probabilities proportional to ``p1 r2 (s - p2 r1)``, ``p1 p2 r1 r2``,
      ``r1 r2 s`` and ``p2 r1 (s - p1 r2)``.
    * Equal isolated efficiencies (``p1 / r1 = p2 / r2``, i.e.
      ``p1 r2 = p2 r1``): then ``Y_i = r_i / p_i`` and ``X = 1``; the non-trivial
      solution merges with the trivial one and the internal probabilities
      no longer depend on ``n``. The boundary expressions above are
      continuous there, so this case is evaluated with ``X = 1`` exactly
      (no ``1 - X`` denominators are used anywhere: the finite sums over
      ``n`` are evaluated term by term, in a scaled form that cannot
      overflow for any ``N``).

    Performance measures: production rate ``P = E2 = sum_{n>=1} p(n, ., 1)``
    (``= E1 = sum_{n<N} p(n, 1, .)``), ``P = e1 (1 - p(N,1,0))
    = e2 (1 - p(0,0,1))``, mean level ``sum n p(n, ., .)``.
    """
    _check_pr(p1, r1, "machine 1", closed_form=True)
    _check_pr(p2, r2, "machine 2", closed_form=True)
    if int(N) != N or N < 2:
        raise ValueError(f"N must be an integer >= 2, got {N!r}")
    N = int(N)
    s = r1 + r2 - r1 * r2
    prob = np.zeros((N + 1, 2, 2))
    if N == 2:
        prob[0, 0, 1] = p1 * r2 * (s - p2 * r1)
        prob[1, 0, 0] = p1 * p2 * r1 * r2
        prob[1, 1, 1] = r1 * r2 * s
        prob[2, 1, 0] = p2 * r1 * (s - p1 * r2)
        return _summarise_gershwin(prob, p1, r1, p2, r2)

    d1 = p1 + p2 - p1 * p2 - p1 * r2
    d2 = p1 + p2 - p1 * p2 - p2 * r1
    if abs(p1 * r2 - p2 * r1) <= 1e-14 * max(p1 * r2, p2 * r1):
        # Equal isolated efficiencies: X = 1 (the book's special case).
        y1, y2, log_x = r1 / p1, r2 / p2, 0.0
    else:
        y1 = (s - p2 * r1) / d1
        y2 = (s - p1 * r2) / d2
        log_x = math.log(y2) - math.log(y1)
    # Scaled powers g(n) = X^(n - m), m the index of the largest X^n (n in 1..N-1).
    m = 1 if log_x <= 0.0 else N - 1
    n_int = np.arange(1, N)
    g = np.exp((n_int - m) * log_x)
    prob[1:N, 0, 0] = g
    prob[1:N, 0, 1] = g * y2
    prob[1:N, 1, 0] = g * y1
    prob[1:N, 1, 1] = g * y1 * y2
    g_lo, g_hi = g[0], g[-1]
    prob[1, 1, 0] = 0.0
    prob[N - 1, 0, 1] = 0.0
    prob[1, 1, 1] = g_lo * (s - p2 * r1) / (p2 * d2)
    prob[N - 1, 1, 1] = g_hi * (s - p1 * r2) / (p1 * d1)
    prob[0, 0, 1] = g_lo * (s - p2 * r1) / (p2 * r1)
    prob[N, 1, 0] = g_hi * (s - p1 * r2) / (p1 * r2)
    return _summarise_gershwin(prob, p1, r1, p2, r2)


def _stationary_dtmc(rows: list[int], cols: list[int], vals: list[float], n: int) -> np.ndarray:
    """Stationary vector of a DTMC given as sparse (row=from, col=to, prob) triplets."""
    import scipy.sparse as sp  # here, not at import: scipy.sparse costs every command 0.3 s

    a = sp.coo_matrix((vals, (cols, rows)), shape=(n, n)).tocsr() - sp.identity(n, format="csr")
    return _solve_balance(a, n)


def _stationary_ctmc(rows: list[int], cols: list[int], rates: list[float], n: int) -> np.ndarray:
    """Stationary vector of a CTMC given as sparse (from, to, rate) triplets, from != to."""
    import scipy.sparse as sp

    q = sp.coo_matrix((rates, (rows, cols)), shape=(n, n)).tocsr()
    out = np.asarray(q.sum(axis=1)).ravel()
    a = (q - sp.diags(out)).T.tocsr()
    return _solve_balance(a, n)


def _solve_balance(a, n: int) -> np.ndarray:
    """Solve ``a x = 0``, ``sum x = 1`` (``a`` a scipy sparse matrix) by
    replacing the first equation."""
    from scipy.sparse.linalg import spsolve

    if n == 1:
        return np.ones(1)
    a = a.tolil()
    a[0, :] = np.ones(n)
    rhs = np.zeros(n)
    rhs[0] = 1.0
    x = spsolve(a.tocsc(), rhs)
    x = np.maximum(np.asarray(x, dtype=float), 0.0)
    return x / x.sum()


def gershwin_two_machine_markov(
    p1: float, r1: float, p2: float, r2: float, N: int
) -> TwoMachineResult:
    """Gershwin's deterministic two-machine line solved as a Markov chain.

    Builds the discrete-time chain on ``(n, alpha1, alpha2)``,
    ``0 <= n <= N``, with exactly the transition rules of the module
    docstring (machine states change first, failures only when neither
    starved nor blocked at ``t``, then
    ``n(t+1) = n(t) + [alpha1(t+1) = 1, n(t) < N] - [alpha2(t+1) = 1, n(t) > 0]``)
    and solves it with a sparse LU. Accepts ``0 <= p_i <= 1``,
    ``0 < r_i <= 1``, ``N >= 1``. Used to verify
    :func:`gershwin_deterministic_two_machine`.
    """
    _check_pr(p1, r1, "machine 1", closed_form=False)
    _check_pr(p2, r2, "machine 2", closed_form=False)
    if int(N) != N or N < 1:
        raise ValueError(f"N must be an integer >= 1, got {N!r}")
    N = int(N)

    def index(n: int, a1: int, a2: int) -> int:
        return 4 * n + 2 * a1 + a2

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for n in range(N + 1):
        for a1 in (0, 1):
            for a2 in (0, 1):
                if a1 == 1:
                    o1 = [(0, p1), (1, 1.0 - p1)] if n < N else [(1, 1.0)]
                else:
                    o1 = [(1, r1), (0, 1.0 - r1)]
                if a2 == 1:
                    o2 = [(0, p2), (1, 1.0 - p2)] if n > 0 else [(1, 1.0)]
                else:
                    o2 = [(1, r2), (0, 1.0 - r2)]
                for b1, q1 in o1:
                    for b2, q2 in o2:
                        q = q1 * q2
                        if q == 0.0:
                            continue
                        nn = n + int(b1 == 1 and n < N) - int(b2 == 1 and n > 0)
                        rows.append(index(n, a1, a2))
                        cols.append(index(nn, b1, b2))
                        vals.append(q)
    size = 4 * (N + 1)
    x = _stationary_dtmc(rows, cols, vals, size)
    return _summarise_gershwin(x.reshape(N + 1, 2, 2), p1, r1, p2, r2)


def throughput_two_machine_deterministic(
    p1: float, r1: float, p2: float, r2: float, B: int
) -> float:
    """Production rate (parts per cycle) of the two-station ``per_cycle`` line.

    Deterministic unit cycles, per-cycle failure probabilities ``p_i``,
    geometric repair with probability ``r_i`` per cycle (mean ``1 / r_i``),
    ``B >= 0`` physical buffer slots, BAS. Gershwin's closed form with
    ``N = B + 2`` (exact, see the module docstring). Reliable machines
    (``p1 = p2 = 0``) give 1; if only one ``p_i`` is 0 (or a ``p_i`` is 1) the
    exact chain :func:`gershwin_two_machine_markov` is used.
    """
    if int(B) != B or B < 0:
        raise ValueError(f"B must be a non-negative integer, got {B!r}")
    _check_pr(p1, r1, "machine 1", closed_form=False)
    _check_pr(p2, r2, "machine 2", closed_form=False)
    if p1 == 0.0 and p2 == 0.0:
        return 1.0
    n_cap = int(B) + 2
    if 0.0 < p1 < 1.0 and 0.0 < p2 < 1.0:
        return gershwin_deterministic_two_machine(p1, r1, p2, r2, n_cap).production_rate
    return gershwin_two_machine_markov(p1, r1, p2, r2, n_cap).production_rate


# --------------------------------------------------------------------------
# Exact chains of the simulator's own semantics (physical slots, BAS)
# --------------------------------------------------------------------------

# Station codes in a resolved state (valid for the whole next time unit).
_W, _D, _K, _S = 0, 1, 2, 3  # working, down (holds part), blocked, starved
# Transient codes used while resolving transfers at one instant.
_F, _E, _NEW = 4, 5, 6  # holds finished part, empty, begins a cycle now


def _resolve(m: list[int], b: list[int], caps: Sequence[int]) -> None:
    """Apply all transfers at one instant, in place (zero transfer time, BAS).

    ``_F`` stations hand their part downstream (the last one releases it),
    ``_E`` stations take one from upstream (station 1 always has material).
    Parts move straight through an empty buffer into an idle station.
    Afterwards ``_F`` -> blocked, ``_E`` -> starved; stations that received a
    part are ``_NEW`` (they begin a cycle now).
    """
    k = len(m)
    changed = True
    while changed:
        changed = False
        for i in range(k - 1, -1, -1):
            if m[i] == _F:
                if i == k - 1:
                    m[i] = _E
                    changed = True
                elif m[i + 1] == _E:
                    m[i + 1] = _NEW
                    m[i] = _E
                    changed = True
                elif b[i] < caps[i]:
                    b[i] += 1
                    m[i] = _E
                    changed = True
            if m[i] == _E:
                if i == 0:
                    m[i] = _NEW
                    changed = True
                elif b[i - 1] > 0:
                    b[i - 1] -= 1
                    m[i] = _NEW
                    changed = True
    for i in range(k):
        if m[i] == _F:
            m[i] = _K
        elif m[i] == _E:
            m[i] = _S


def _check_line(n_st: int, buffers: Sequence[int]) -> tuple[int, ...]:
    if n_st < 2:
        raise ValueError("a line needs at least two stations")
    if len(buffers) != n_st - 1:
        raise ValueError(f"need {n_st - 1} buffer sizes, got {len(buffers)}")
    caps = tuple(int(x) for x in buffers)
    if any(c != x or c < 0 for c, x in zip(caps, buffers, strict=True)):
        raise ValueError(f"buffer sizes must be non-negative integers, got {buffers!r}")
    return caps


def _explore(start: tuple, successors, max_states: int):
    """Breadth-first enumeration of reachable states; returns states and triplets."""
    index = {start: 0}
    states = [start]
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    head = 0
    while head < len(states):
        s = states[head]
        for t, w in successors(s).items():
            j = index.get(t)
            if j is None:
                j = len(states)
                if j >= max_states:
                    raise ValueError(f"more than {max_states} states; line too large for exact")
                index[t] = j
                states.append(t)
            rows.append(head)
            cols.append(j)
            vals.append(w)
        head += 1
    return states, rows, cols, vals


def _tandem_summary(arr: np.ndarray, x: np.ndarray, n_st: int, rate_last: float) -> TandemResult:
    ms = arr[:, :n_st]
    bs = arr[:, n_st:]
    frac = [tuple(float(x[ms[:, i] == code].sum()) for i in range(n_st)) for code in range(4)]
    busy, down, blocked, starved = frac
    return TandemResult(
        throughput=rate_last * busy[-1],
        mean_buffer_levels=tuple(float(v) for v in x @ bs) if bs.shape[1] else (),
        busy=busy,
        starved=starved,
        blocked=blocked,
        down=down,
        n_states=len(arr),
    )


def _per_cycle_successors(
    state: tuple, p: Sequence[float], r: Sequence[float], caps: Sequence[int]
) -> dict[tuple, float]:
    """One time unit of the ``per_cycle`` line from a resolved state (see below)."""
    n_st = len(p)
    m0 = list(state[:n_st])
    b0 = list(state[n_st:])
    down = [i for i in range(n_st) if m0[i] == _D]
    out: dict[tuple, float] = {}
    for rep in itertools.product((True, False), repeat=len(down)):
        q_rep = 1.0
        m = m0.copy()
        for i, ok in zip(down, rep, strict=True):
            q_rep *= r[i] if ok else 1.0 - r[i]
            m[i] = _W if ok else _D  # repaired: the held part is processed next
        if q_rep == 0.0:
            continue
        for i in range(n_st):
            if m0[i] in (_W, _K):
                m[i] = _F
            elif m0[i] == _S:
                m[i] = _E
        b = b0.copy()
        _resolve(m, b, caps)
        new = [i for i in range(n_st) if m[i] == _NEW]
        for fail in itertools.product((True, False), repeat=len(new)):
            q = q_rep
            mm = m.copy()
            for i, f in zip(new, fail, strict=True):
                q *= p[i] if f else 1.0 - p[i]
                mm[i] = _D if f else _W
            if q == 0.0:
                continue
            t = (*mm, *b)
            out[t] = out.get(t, 0.0) + q
    return out


def _per_cycle_chain(
    p: Sequence[float], r: Sequence[float], buffers: Sequence[int], max_states: int
) -> tuple[np.ndarray, np.ndarray]:
    n_st = len(p)
    if len(r) != n_st:
        raise ValueError("p and r must have the same length")
    caps = _check_line(n_st, buffers)
    for i in range(n_st):
        _check_pr(p[i], r[i], f"station {i + 1}", closed_form=False)
    start = (_W, *([_S] * (n_st - 1)), *([0] * (n_st - 1)))
    states, rows, cols, vals = _explore(
        start, lambda s: _per_cycle_successors(s, p, r, caps), max_states
    )
    x = _stationary_dtmc(rows, cols, vals, len(states))
    return np.array(states, dtype=np.int64), x


def per_cycle_line_markov(
    p: Sequence[float],
    r: Sequence[float],
    buffers: Sequence[int],
    *,
    max_states: int = 300_000,
) -> TandemResult:
    """Exact DTMC of a line under the simulator's ``per_cycle`` semantics.

    Stations ``1..S`` with deterministic processing time 1, per-cycle failure
    probability ``p[i]`` drawn when a station begins a cycle, geometric repair
    (probability ``r[i]`` of completing in each time unit, so mean ``1 / r[i]``,
    support ``{1, 2, ...}``), after which the cycle runs in full with no new
    draw; ``buffers[j]`` physical slots between stations ``j`` and ``j+1``
    (work positions not counted), BAS, zero transfer time, station 1 never
    starved, station ``S`` never blocked.

    State at integer time ``t``, after all transfers at ``t``: each station
    working, down (holds its part), blocked (holds a finished part) or
    starved, and the buffer contents; it holds for the whole of ``(t, t+1]``.
    Step ``t -> t+1``: working stations finish; each down station is repaired
    with probability ``r[i]`` and then works in ``(t+1, t+2]``; all
    transfers at ``t+1`` are resolved (downstream first, parts go straight
    through empty buffers into idle stations, unblocking is immediate);
    every station that begins a cycle at ``t+1`` fails with probability
    ``p[i]`` (down) or works. Reachable states are enumerated and the chain is
    solved with a sparse LU. Time fractions are per time unit, ``throughput``
    in parts per time unit. Exact for the simulator, but the state space
    grows quickly (``ValueError`` beyond ``max_states``): use for small lines.
    """
    arr, x = _per_cycle_chain(p, r, buffers, max_states)
    return _tandem_summary(arr, x, len(p), 1.0)


def per_cycle_two_machine_markov(
    p1: float, r1: float, p2: float, r2: float, B: int
) -> TwoMachineResult:
    """Exact two-station ``per_cycle`` line with ``B`` physical slots (simulator semantics).

    Solves the physical chain of :func:`per_cycle_line_markov` (built
    independently of Gershwin's formulation) and reports it as a
    :class:`TwoMachineResult` with ``N = B + 2``; ``mean_level`` is the
    physical count ``buffer + [M2 holds a part] + [M1 blocked]``. It agrees
    with :func:`gershwin_deterministic_two_machine` at ``N = B + 2`` to
    rounding, which proves the mapping.
    """
    if int(B) != B or B < 0:
        raise ValueError(f"B must be a non-negative integer, got {B!r}")
    arr, x = _per_cycle_chain((p1, p2), (r1, r2), (int(B),), 10_000_000)
    m1, m2, b = arr[:, 0], arr[:, 1], arr[:, 2]
    level = b + (m2 != _S) + (m1 == _K)
    return TwoMachineResult(
        N=int(B) + 2,
        production_rate=float(x[m2 == _W].sum()),
        mean_level=float(x @ level),
        mean_buffer=float(x @ b),
        prob_starved=float(x[m2 == _S].sum()),
        prob_blocked=float(x[m1 == _K].sum()),
        e1=r1 / (r1 + p1),
        e2=r2 / (r2 + p2),
        distribution=None,
    )


# --------------------------------------------------------------------------
# Reliable exponential lines (continuous time)
# --------------------------------------------------------------------------


def _check_rates(mus: Sequence[float]) -> None:
    for mu in mus:
        if not (mu > 0 and math.isfinite(mu)):
            raise ValueError(f"service rates must be positive and finite, got {mu!r}")


def two_machine_no_buffer_exponential(mu1: float, mu2: float) -> float:
    """Throughput of two reliable exponential stations, ``B = 0``, BAS.

    CTMC on three states: (M1 working, M2 starved) ``-mu1->`` (both working);
    (both working) ``-mu2->`` (M1 working, M2 starved) and ``-mu1->``
    (M1 blocked, M2 working); (M1 blocked, M2 working) ``-mu2->`` (both
    working), M2 taking M1's part at once. A birth-death chain with ratio
    ``rho = mu1 / mu2``, so

        ``TH = mu2 (rho + rho^2) / (1 + rho + rho^2)``
           ``= mu1 mu2 (mu1 + mu2) / (mu1^2 + mu1 mu2 + mu2^2)``

    (``2/3`` for ``mu1 = mu2 = 1``).
    """
    _check_rates((mu1, mu2))
    return mu1 * mu2 * (mu1 + mu2) / (mu1 * mu1 + mu1 * mu2 + mu2 * mu2)


def two_station_birth_death(mu1: float, mu2: float, B: int) -> TandemResult:
    """Two reliable exponential stations with ``B`` physical slots, BAS (closed form).

    Let ``k`` be the number of parts past M1 (in M2, in the buffer, or held
    by a blocked M1): ``k = 0`` M2 starved; ``1 <= k <= B + 1`` M2 busy with
    ``k - 1`` parts in the buffer; ``k = B + 2`` buffer full and M1 blocked.
    ``k -> k+1`` at rate ``mu1`` (``k <= B + 1``), ``k -> k-1`` at rate ``mu2``,
    so ``pi_k ∝ rho^k`` with ``rho = mu1 / mu2`` (uniform when ``rho = 1``), and

        ``TH = mu2 (1 - pi_0) = mu1 (1 - rho^(B+2)) / (1 - rho^(B+3))``
        (``= mu1 (B + 2) / (B + 3)`` for ``rho = 1``).

    Mean buffer level ``sum_{k=1}^{B+1} (k - 1) pi_k + B pi_{B+2}``; M1 is
    blocked ``pi_{B+2}`` of the time, M2 starved ``pi_0``.
    """
    _check_rates((mu1, mu2))
    if int(B) != B or B < 0:
        raise ValueError(f"B must be a non-negative integer, got {B!r}")
    B = int(B)
    k = np.arange(B + 3)
    log_rho = math.log(mu1) - math.log(mu2)
    # Scaled rho^k (largest term 1) so that no power overflows.
    w = np.exp((k - (B + 2 if log_rho > 0 else 0)) * log_rho)
    pi = w / w.sum()
    buf = np.where(k == B + 2, B, np.maximum(k - 1, 0))
    return TandemResult(
        throughput=mu2 * (1.0 - float(pi[0])),
        mean_buffer_levels=(float(pi @ buf),),
        busy=(1.0 - float(pi[-1]), 1.0 - float(pi[0])),
        starved=(0.0, float(pi[0])),
        blocked=(float(pi[-1]), 0.0),
        down=(0.0, 0.0),
        n_states=0,
    )


def _exp_successors(state: tuple, mus: Sequence[float], caps: Sequence[int]) -> dict[tuple, float]:
    n_st = len(mus)
    m0 = list(state[:n_st])
    b0 = list(state[n_st:])
    out: dict[tuple, float] = {}
    for i in range(n_st):
        if m0[i] != _W:
            continue
        m = [_F if (j == i or m0[j] == _K) else (_E if m0[j] == _S else m0[j]) for j in range(n_st)]
        b = b0.copy()
        _resolve(m, b, caps)
        t = (*(_W if v == _NEW else v for v in m), *b)
        out[t] = out.get(t, 0.0) + mus[i]
    return out


def exponential_tandem(
    mus: Sequence[float], buffers: Sequence[int], *, max_states: int = 300_000
) -> TandemResult:
    """Reliable exponential tandem line, finite buffers, BAS: exact CTMC.

    ``mus[i]`` is the service rate of station ``i`` (exponential processing
    times), ``buffers[j]`` the physical slots between stations ``j`` and
    ``j+1``. Station 1 is never starved, the last station never blocked. State:
    each station working, blocked (holding a finished part) or starved, plus
    the buffer contents. A completion at station ``i`` (rate ``mus[i]``)
    triggers all transfers at that instant (downstream first, zero transfer
    time, parts pass straight through empty buffers, unblocking cascades
    upstream). Reachable states are enumerated and ``pi Q = 0`` solved with a
    sparse LU. ``throughput = mus[-1] * busy[-1]``.
    """
    n_st = len(mus)
    _check_rates(mus)
    caps = _check_line(n_st, buffers)
    start = (_W, *([_S] * (n_st - 1)), *([0] * (n_st - 1)))
    states, rows, cols, vals = _explore(start, lambda s: _exp_successors(s, mus, caps), max_states)
    x = _stationary_ctmc(rows, cols, vals, len(states))
    return _tandem_summary(np.array(states, dtype=np.int64), x, n_st, float(mus[-1]))


# --------------------------------------------------------------------------
# Decomposition of longer unreliable lines (DDX)
# --------------------------------------------------------------------------


def _block(pu: float, ru: float, pd: float, rd: float, n_cap: int) -> TwoMachineResult:
    if not (0.0 < pu < 1.0 and 0.0 < ru <= 1.0 and 0.0 < pd < 1.0 and 0.0 < rd <= 1.0):
        raise ValueError(
            "decomposition produced pseudo-machine parameters outside (0, 1): "
            f"pu={pu}, ru={ru}, pd={pd}, rd={rd}"
        )
    return gershwin_deterministic_two_machine(pu, ru, pd, rd, n_cap)


def decomposition(
    p: Sequence[float],
    r: Sequence[float],
    buffers: Sequence[int],
    *,
    tol: float = 1e-10,
    max_iter: int = 1000,
) -> DecompositionResult:
    """Approximate analysis of a long deterministic line by DDX decomposition.

    Line: stations ``0..K-1`` with per-cycle failure probability ``p[i]`` and
    repair probability ``r[i]`` (deterministic unit cycles, Gershwin's
    deterministic processing time model), ``buffers[j]`` physical slots
    between stations ``j`` and ``j+1``, mapped to Gershwin's ``N_j = B_j + 2``
    (exact for ``K = 2``; for ``K >= 3`` an approximation, see the module
    docstring). Needs ``0 < p[i] < 1``.

    Method: Dallery, David & Xie (1988), "An efficient algorithm for analysis
    of transfer lines with unreliable machines and finite buffers", IIE
    Trans. 20(3), in the form given by Gershwin (1994, ch. 3). Buffer ``j``
    is represented by a two-machine line ``L(j)`` (solved exactly by
    :func:`gershwin_deterministic_two_machine`) whose upstream pseudo-machine
    ``(pu_j, ru_j)`` sees the line upstream of the buffer and downstream
    pseudo-machine ``(pd_j, rd_j)`` the line downstream. With ``e_i`` the
    isolated efficiency of station ``i``, ``E(j)`` the production rate,
    ``ps(j) = p_j(0,0,1)`` and ``pb(j) = p_j(N_j,1,0)`` of ``L(j)``:

    * forward, for ``j = 1..K-2`` (station ``j`` between buffers ``j-1``, ``j``):
      flow rate-idle time ``ru_j / pu_j = 1 / (1/E(j-1) + 1/e_j - 2 -
      pd_{j-1}/rd_{j-1})``; resumption of flow
      ``ru_j = ru_{j-1} X_j + r_j (1 - X_j)`` with
      ``X_j = ps(j-1) ru_j / (pu_j E(j-1))``, the fraction of ``M_u(j)``'s down
      time due to starvation;
    * backward, for ``j = K-3..0`` (station ``j+1``):
      ``rd_j / pd_j = 1 / (1/E(j+1) + 1/e_{j+1} - 2 - pu_{j+1}/ru_{j+1})``,
      ``rd_j = rd_{j+1} Y_j + r_{j+1} (1 - Y_j)`` with
      ``Y_j = pb(j+1) rd_j / (pd_j E(j+1))``;

    with ``(pu_0, ru_0) = (p_0, r_0)`` and ``(pd_{K-2}, rd_{K-2}) = (p_{K-1},
    r_{K-1})`` fixed, iterated until all ``E(j)`` agree within ``tol``
    (conservation of flow). For ``K = 2`` it is the exact two-machine line.
    """
    k = len(p)
    if len(r) != k:
        raise ValueError("p and r must have the same length")
    caps = _check_line(k, buffers)
    for i in range(k):
        _check_pr(p[i], r[i], f"station {i + 1}", closed_form=True)
    n_caps = [c + 2 for c in caps]
    e = [r[i] / (r[i] + p[i]) for i in range(k)]
    nb = k - 1
    pu = [float(p[j]) for j in range(nb)]
    ru = [float(r[j]) for j in range(nb)]
    pd = [float(p[j + 1]) for j in range(nb)]
    rd = [float(r[j + 1]) for j in range(nb)]
    res = [_block(pu[j], ru[j], pd[j], rd[j], n_caps[j]) for j in range(nb)]
    converged = nb == 1
    it = 0
    while not converged and it < max_iter:
        it += 1
        for j in range(1, nb):
            prev = res[j - 1]
            big_e = prev.production_rate
            ratio = 1.0 / (1.0 / big_e + 1.0 / e[j] - 2.0 - pd[j - 1] / rd[j - 1])
            x = prev.prob_starved * ratio / big_e
            ru[j] = ru[j - 1] * x + r[j] * (1.0 - x)
            pu[j] = ru[j] / ratio
            res[j] = _block(pu[j], ru[j], pd[j], rd[j], n_caps[j])
        for j in range(nb - 2, -1, -1):
            nxt = res[j + 1]
            big_e = nxt.production_rate
            ratio = 1.0 / (1.0 / big_e + 1.0 / e[j + 1] - 2.0 - pu[j + 1] / ru[j + 1])
            y = nxt.prob_blocked * ratio / big_e
            rd[j] = rd[j + 1] * y + r[j + 1] * (1.0 - y)
            pd[j] = rd[j] / ratio
            res[j] = _block(pu[j], ru[j], pd[j], rd[j], n_caps[j])
        rates = [b.production_rate for b in res]
        converged = max(rates) - min(rates) < tol
    rates = [b.production_rate for b in res]
    return DecompositionResult(
        throughput=float(np.mean(rates)),
        production_rates=tuple(rates),
        mean_buffer_levels=tuple(b.mean_buffer for b in res),
        mean_levels=tuple(b.mean_level for b in res),
        prob_starved=tuple(b.prob_starved for b in res),
        prob_blocked=tuple(b.prob_blocked for b in res),
        pu=tuple(pu),
        ru=tuple(ru),
        pd=tuple(pd),
        rd=tuple(rd),
        iterations=it,
        converged=converged,
    )
