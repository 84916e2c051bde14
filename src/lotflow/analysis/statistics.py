"""Output analysis for replicated simulation runs.

Conventions
-----------
* **Confidence intervals** are replication/deletion intervals (Law,
  *Simulation Modeling and Analysis*, 5th ed., ch. 9.4): each replication
  gives one observation (e.g. its throughput over the observation window);
  replications are independent, so the half-width of the ``confidence``
  interval for the mean is ``t_{n-1, 1-alpha/2} * s / sqrt(n)`` with ``s`` the
  sample standard deviation (divisor ``n - 1``) and ``t`` the Student-t
  quantile (:func:`t_quantile`). With one replication there is no
  interval; the half-width is reported as ``0.0`` (results contract:
  "0 when R = 1").
* **Warm-up** can be chosen by MSER-5 (White 1997; White, Cobb & Spratt 2000),
  see :func:`mser5`.
* **Comparisons** of two configurations run with common random numbers use the
  paired-t interval on the per-replication differences (Law, ch. 10.2.1),
  see :func:`paired_difference`.

Every number returned to callers is a plain Python ``float``/``int``/``bool``
so results serialise to JSON unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lotflow.analysis.student_t import t_quantile

__all__ = [
    "Mser5Result",
    "mser",
    "mser5",
    "paired_difference",
    "summarize",
    "t_halfwidth",
]


def _as_float_list(values: Sequence[float] | np.ndarray, what: str) -> list[float]:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be a one-dimensional sequence of numbers")
    if arr.size == 0:
        raise ValueError(f"{what} must not be empty")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must be finite numbers (got NaN or infinity)")
    return [float(v) for v in arr]


def _check_confidence(confidence: float) -> float:
    c = float(confidence)
    if not 0.0 < c < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return c


def _mean_and_halfwidth(xs: list[float], confidence: float) -> tuple[float, float]:
    """Mean and Student-t half-width of a list of finite floats (n >= 1)."""
    n = len(xs)
    if min(xs) == max(xs):
        # All equal: report the value exactly and no spread (avoids rounding
        # noise such as 1e-17 half-widths).
        return xs[0], 0.0
    mean = math.fsum(xs) / n  # n >= 2 here: one value is always "all equal"
    var = math.fsum((x - mean) ** 2 for x in xs) / (n - 1)
    return mean, t_halfwidth(math.sqrt(var), n, confidence)


def t_halfwidth(std: float, n: int, confidence: float = 0.95) -> float:
    """Half-width ``t_{n-1,(1+confidence)/2} * std / sqrt(n)``; ``0.0`` for ``n < 2``.

    ``std`` is the sample standard deviation (divisor ``n - 1``).
    """
    confidence = _check_confidence(confidence)
    if n < 2 or std == 0.0:
        return 0.0
    q = t_quantile(0.5 + confidence / 2.0, n - 1)
    return float(q * std / math.sqrt(n))


def summarize(values: Sequence[float] | np.ndarray, confidence: float = 0.95) -> dict[str, Any]:
    """Mean and confidence-interval half-width over replications.

    Parameters
    ----------
    values
        One observation per replication (finite numbers, at least one).
    confidence
        Confidence level of the two-sided Student-t interval. The key in the
        result is always ``"ci95"`` (the results contract); it holds the
        half-width at *this* level, 0.95 unless told otherwise.

    Returns
    -------
    dict
        ``{"mean": m, "ci95": h, "per_replication": [x_1, ..., x_n]}``; the
        interval is ``m +- h``; ``h == 0.0`` when ``n == 1`` or all values are
        equal. All entries are plain Python floats.
    """
    confidence = _check_confidence(confidence)
    xs = _as_float_list(values, "values")
    mean, hw = _mean_and_halfwidth(xs, confidence)
    return {"mean": float(mean), "ci95": float(hw), "per_replication": xs}


def paired_difference(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Paired-t comparison of two configurations run with common random numbers.

    Replication ``j`` of ``a`` and replication ``j`` of ``b`` must use the same
    random streams (same master seed, same replication index). The statistic
    is on the differences ``d_j = a_j - b_j`` (Law, ch. 10.2.1): mean
    difference ``dbar`` and Student-t half-width ``h`` with ``n - 1`` degrees
    of freedom.

    Returns
    -------
    dict
        ``{"mean": dbar, "ci95": h, "significant": bool, "per_replication":
        [d_1, ...]}``. ``significant`` is ``True`` when the interval
        ``dbar +- h`` excludes 0 (strictly). With a single pair there is no
        interval (``h = 0.0``) and the difference is never reported
        significant. With ``n >= 2`` identical non-zero differences the
        half-width is 0 and the difference is significant.
    """
    confidence = _check_confidence(confidence)
    xa = _as_float_list(a, "a")
    xb = _as_float_list(b, "b")
    if len(xa) != len(xb):
        raise ValueError(
            f"paired comparison needs the same number of replications, got {len(xa)} and {len(xb)}"
        )
    diffs = [x - y for x, y in zip(xa, xb, strict=True)]
    mean, hw = _mean_and_halfwidth(diffs, confidence)
    significant = len(diffs) >= 2 and abs(mean) > hw
    return {
        "mean": float(mean),
        "ci95": float(hw),
        "significant": bool(significant),
        "per_replication": diffs,
    }


@dataclass(frozen=True)
class Mser5Result:
    """Outcome of MSER-m warm-up detection.

    Attributes
    ----------
    truncation_index
        Number of *original observations* to delete from the start:
        ``truncation_batches * batch_size``.
    batch_size
        Observations per batch (5 for MSER-5).
    truncation_batches
        The minimising number of batches ``d*``.
    statistic
        ``statistic[d]`` is ``MSER(d)`` for every candidate ``d = 0 ..
        max_candidate`` (a float array).
    n_batches
        Number of complete batches ``k`` (trailing observations that do not
        fill a batch are ignored).
    truncated_mean
        Mean of the batch means kept after truncation (= mean of the kept
        observations of the complete batches).
    at_boundary
        ``True`` when the minimiser is the last admissible candidate. The
        series is then probably too short for its transient and the
        truncation should not be trusted (White, Cobb & Spratt 2000).
    """

    truncation_index: int
    batch_size: int
    truncation_batches: int
    statistic: np.ndarray
    n_batches: int
    truncated_mean: float
    at_boundary: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "truncation_index": self.truncation_index,
            "batch_size": self.batch_size,
            "truncation_batches": self.truncation_batches,
            "n_batches": self.n_batches,
            "truncated_mean": self.truncated_mean,
            "at_boundary": self.at_boundary,
            "statistic": [float(v) for v in self.statistic],
        }


def mser(series: Sequence[float] | np.ndarray, batch_size: int = 1) -> Mser5Result:
    """MSER-m warm-up detection with batches of ``batch_size`` observations.

    Algorithm (White 1997; White, Cobb & Spratt 2000, "A comparison of five
    steady-state truncation heuristics for simulation", WSC 2000):

    1. Split the series ``Y_1 .. Y_N`` into ``k = floor(N / m)`` non-overlapping
       batches of ``m`` consecutive observations and take their means
       ``Z_1 .. Z_k`` (the last ``N - k m`` observations are ignored).
    2. For each candidate truncation ``d`` (in batches) compute::

           MSER(d) = sum_{j=d+1}^{k} (Z_j - Zbar(d))^2 / (k - d)^2,
           Zbar(d) = sum_{j=d+1}^{k} Z_j / (k - d),

       i.e. the squared standard error of the truncated mean up to a constant.
    3. Only truncations in the first half are admissible: ``d < k / 2``,
       i.e. ``d = 0 .. floor((k - 1) / 2)``, so more than half the batches are
       always kept (the usual safeguard: a minimum in the second half means
       the run is too short).
    4. ``d*`` is the smallest minimiser; the warm-up is ``d* * m``
       observations.

    The curve is computed from suffix sums of the batch means (centred on
    their grand mean to limit cancellation), O(N) time.

    Raises ``ValueError`` for a non-1-D or non-finite series or fewer than two
    complete batches.
    """
    m = int(batch_size)
    if m < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    y = np.asarray(series, dtype=float)
    if y.ndim != 1:
        raise ValueError("series must be one-dimensional")
    if not np.all(np.isfinite(y)):
        raise ValueError("series must contain only finite numbers")
    k = y.size // m
    if k < 2:
        raise ValueError(
            f"MSER needs at least two complete batches of {m} observations, got {y.size} values"
        )
    z = y[: k * m].reshape(k, m).mean(axis=1)
    zc = z - z.mean()
    # suffix sums: s1[d] = sum_{j>=d} zc_j, s2[d] = sum_{j>=d} zc_j^2
    s1 = np.cumsum(zc[::-1])[::-1]
    s2 = np.cumsum((zc * zc)[::-1])[::-1]
    d_max = (k - 1) // 2
    d = np.arange(d_max + 1)
    rem = (k - d).astype(float)
    ssd = s2[: d_max + 1] - s1[: d_max + 1] ** 2 / rem
    np.maximum(ssd, 0.0, out=ssd)
    curve = ssd / rem**2
    d_star = int(np.argmin(curve))
    return Mser5Result(
        truncation_index=d_star * m,
        batch_size=m,
        truncation_batches=d_star,
        statistic=curve,
        n_batches=int(k),
        truncated_mean=float(z[d_star:].mean()),
        at_boundary=bool(d_star == d_max and d_max > 0),
    )


def mser5(series: Sequence[float] | np.ndarray) -> Mser5Result:
    """MSER-5: :func:`mser` with batches of 5 observations (White 1997).

    ``mser5(y).truncation_index`` is the number of leading observations of
    ``y`` to discard as warm-up.
    """
    return mser(series, batch_size=5)
