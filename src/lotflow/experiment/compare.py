"""Comparing two configurations run with common random numbers: paired differences.

Replication ``r`` of A and of B use the same random streams (same master seed
and index), so the difference ``B_r - A_r`` cancels much of the noise both
share; the paired-t interval over those differences (Law, ch. 10.2.1,
:func:`lotflow.analysis.statistics.paired_difference`) says whether B differs
from A. Headline metrics are the leaves of at most three path items
(``lines.L1.throughput``, ``lines.L1.good_parts``, ``plant.range.wait``), as in
the results JSON.
"""

from __future__ import annotations

import math

from lotflow.analysis.statistics import paired_difference, summarize
from lotflow.experiment.aggregate import HEADLINE_DEPTH
from lotflow.experiment.replication import ReplicationResult


def headline_keys(reps: list[ReplicationResult]) -> list[tuple]:
    """Headline metric paths present in every replication, in their first order."""
    keys = [k for k in reps[0].metrics if len(k) <= HEADLINE_DEPTH]
    return [k for k in keys if all(k in r.metrics for r in reps)]


def name(key: tuple) -> str:
    return ".".join(str(item) for item in key)


def compare(a: list[ReplicationResult], b: list[ReplicationResult]) -> dict:
    """Paired differences ``B - A`` over the replication indices both have.

    Returns ``{"replications": n, "indices": [...], "metrics": [{"metric",
    "a", "b", "difference", "relative"}...], "only_in_a": [...],
    "only_in_b": [...]}``; ``a``/``b`` are ``{"mean", "ci95"}``, ``difference``
    is ``{"mean", "ci95", "significant"}`` and ``relative`` the mean
    difference over A's mean (``None`` when A's mean is 0).
    """
    by_a = {r.index: r for r in a}
    by_b = {r.index: r for r in b}
    indices = sorted(set(by_a) & set(by_b))
    if not indices:
        raise ValueError("the two sides have no replication index in common")
    pa = [by_a[i] for i in indices]
    pb = [by_b[i] for i in indices]
    keys_a, keys_b = headline_keys(pa), headline_keys(pb)
    common = [k for k in keys_a if k in set(keys_b)]
    rows = []
    for key in common:
        xa = [r.metrics[key] for r in pa]
        xb = [r.metrics[key] for r in pb]
        if not all(math.isfinite(x) for x in xa + xb):
            continue
        diff = paired_difference(xb, xa)
        del diff["per_replication"]
        sa, sb = summarize(xa), summarize(xb)
        rows.append(
            {
                "metric": name(key),
                "a": {"mean": sa["mean"], "ci95": sa["ci95"]},
                "b": {"mean": sb["mean"], "ci95": sb["ci95"]},
                "difference": diff,
                "relative": diff["mean"] / sa["mean"] if sa["mean"] else None,
            }
        )
    return {
        "replications": len(indices),
        "indices": indices,
        "metrics": rows,
        "only_in_a": [name(k) for k in keys_a if k not in set(keys_b)],
        "only_in_b": [name(k) for k in keys_b if k not in set(keys_a)],
    }
