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


TOTALS = (
    ("parts made (all lines)", lambda m: _sum_lines(m, "good_parts")),
    ("plant parts made", lambda m: m.get(("plant", "units", "made"))),
    ("plant parts accepted", lambda m: m.get(("plant", "units", "accepted"))),
    ("plant parts shipped", lambda m: m.get(("plant", "units", "shipped"))),
)


def _sum_lines(metrics: dict, leaf: str) -> float | None:
    values = [v for k, v in metrics.items() if len(k) == 3 and k[0] == "lines" and k[2] == leaf]
    return float(sum(values)) if values else None


def _side(values: list[float | None]) -> dict | None:
    """``{"mean", "ci95"}`` of one side, or None when a replication lacks the metric."""
    if any(v is None or not math.isfinite(v) for v in values):
        return None
    stat = summarize(values)
    return {"mean": stat["mean"], "ci95": stat["ci95"]}


def _row(metric: str, xa: list, xb: list) -> dict:
    """One compared metric; a side without it is None and so is the difference."""
    a, b = _side(xa), _side(xb)
    diff = relative = None
    if a is not None and b is not None:
        diff = paired_difference(xb, xa)
        del diff["per_replication"]
        relative = diff["mean"] / a["mean"] if a["mean"] else None
    return {"metric": metric, "a": a, "b": b, "difference": diff, "relative": relative}


def compare(a: list[ReplicationResult], b: list[ReplicationResult]) -> dict:
    """Paired differences ``B - A`` over the replication indices both have.

    Returns ``{"replications": n, "indices": [...], "totals": [...], "metrics":
    [{"metric", "a", "b", "difference", "relative"}...], "only_in_a": [...],
    "only_in_b": [...]}``; ``a``/``b`` are ``{"mean", "ci95"}`` (None for a
    metric the side does not have, e.g. a line only B has), ``difference`` is
    ``{"mean", "ci95", "significant"}`` (None unless both sides have the metric)
    and ``relative`` the mean difference over A's mean (None when A's mean is 0
    or absent). ``totals`` are rows of the same shape for the parts made by all
    lines and the plant's parts made, accepted and shipped.
    """
    by_a = {r.index: r for r in a}
    by_b = {r.index: r for r in b}
    indices = sorted(set(by_a) & set(by_b))
    if not indices:
        raise ValueError("the two sides have no replication index in common")
    pa = [by_a[i] for i in indices]
    pb = [by_b[i] for i in indices]
    keys_a, keys_b = headline_keys(pa), headline_keys(pb)
    keys = list(dict.fromkeys(keys_a + keys_b))
    rows = []
    for key in keys:
        xa = [r.metrics.get(key) for r in pa]
        xb = [r.metrics.get(key) for r in pb]
        row = _row(name(key), xa, xb)
        if row["a"] is not None or row["b"] is not None:
            rows.append(row)
    totals = []
    for label, total in TOTALS:
        row = _row(label, [total(r.metrics) for r in pa], [total(r.metrics) for r in pb])
        if row["a"] is not None or row["b"] is not None:
            totals.append(row)
    return {
        "replications": len(indices),
        "indices": indices,
        "totals": totals,
        "metrics": rows,
        "only_in_a": [name(k) for k in keys_a if k not in set(keys_b)],
        "only_in_b": [name(k) for k in keys_b if k not in set(keys_a)],
    }
