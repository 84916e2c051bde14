"""``--precision 1%``: add replications until throughput is known to that share of its mean.

The rule (relative precision, Law, *Simulation Modeling and Analysis*,
ch. 9.4.1): with ``n`` replications, mean ``x`` and sample standard deviation
``s`` of a line's throughput, the 95 % half-width is ``t_{n-1} s / sqrt(n)``.
The target is met when it is at most ``target * |x|`` for every line. If not,
the next count is the smallest ``m > n`` (at most the cap) with
``t_{m-1} s / sqrt(m) <= target * |x|`` over every line, but at most ``2 n``
(the estimate of ``s`` from few replications is rough), and the check repeats
with the new replications. The counts depend only on the results, never on
the number of workers, so the final results are reproducible.
"""

from __future__ import annotations

import math

import numpy as np

from lotflow.analysis.statistics import summarize
from lotflow.experiment.replication import ReplicationResult
from lotflow.scenario.errors import ScenarioError

METRIC = "throughput"
MIN_REPLICATIONS = 2


def parse_precision(text: str | float) -> float:
    """``"1%"`` or ``"0.01"`` -> ``0.01``; must lie strictly between 0 and 1."""
    raw = str(text).strip()
    try:
        value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise ScenarioError(f"--precision {raw!r}: write a share such as 1% or 0.01") from None
    if not 0.0 < value < 1.0 or not math.isfinite(value):
        raise ScenarioError(f"--precision {raw!r}: must be between 0 and 100 % (exclusive)")
    return value


def check_cap(start: int, cap: int) -> None:
    if cap < max(start, MIN_REPLICATIONS):
        raise ScenarioError(
            f"--max-replications {cap} must be at least the starting replications "
            f"({max(start, MIN_REPLICATIONS)})"
        )


def target_keys(reps: list[ReplicationResult]) -> list[tuple]:
    """The metrics the target applies to: each line's throughput (else the plant's)."""
    keys = [k for k in reps[0].metrics if len(k) == 3 and k[0] == "lines" and k[2] == METRIC]
    if not keys:
        keys = [k for k in reps[0].metrics if len(k) <= 3 and k[-1] == METRIC]
    if not keys:
        raise ScenarioError("--precision needs a throughput to aim at; this scenario has none")
    return keys


def relative_halfwidths(reps: list[ReplicationResult]) -> dict[str, float]:
    """Half-width over |mean| per target metric (``0`` with no spread, ``inf`` at mean 0)."""
    out = {}
    for key in target_keys(reps):
        summary = summarize([r.metrics[key] for r in reps])
        hw, mean = summary["ci95"], abs(summary["mean"])
        out[".".join(map(str, key))] = 0.0 if hw == 0.0 else (hw / mean if mean else math.inf)
    return out


def next_count(reps: list[ReplicationResult], target: float, cap: int) -> int:
    """How many replications to have next; ``len(reps)`` when the target is met (or at cap)."""
    n = len(reps)
    if n < MIN_REPLICATIONS:
        return min(MIN_REPLICATIONS, cap)
    if n >= cap or max(relative_halfwidths(reps).values()) <= target:
        return n
    from scipy.special import stdtrit  # t quantiles for every m at once (t_quantile: one)

    needed = n + 1
    m = np.arange(n + 1, cap + 1)
    quantile = stdtrit(m - 1, 0.975)
    for key in target_keys(reps):
        xs = np.array([r.metrics[key] for r in reps], dtype=float)
        s, goal = float(np.std(xs, ddof=1)), target * abs(float(np.mean(xs)))
        enough = np.nonzero(quantile * s / np.sqrt(m) <= goal)[0]
        needed = max(needed, int(m[enough[0]]) if enough.size else cap)
    return min(needed, 2 * n, cap)


def report(reps: list[ReplicationResult], target: float, cap: int) -> dict:
    """The ``precision`` block of the results JSON."""
    achieved = relative_halfwidths(reps)
    return {
        "target": target,
        "metric": METRIC,
        "achieved": {k: (v if math.isfinite(v) else None) for k, v in achieved.items()},
        "met": max(achieved.values()) <= target,
        "replications": len(reps),
        "max_replications": cap,
    }
