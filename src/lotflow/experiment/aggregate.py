"""Replications -> the results JSON of interface.md (Student-t CIs on every leaf)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from lotflow.analysis.statistics import summarize
from lotflow.results import no_finite_value

HEADLINE_DEPTH = 3


def aggregate(replications) -> dict:
    """Nest the flat metrics of all replications; each leaf gets mean and ci95.

    Headline leaves (paths of at most three items, e.g. ``lines.L1.throughput``
    or ``plant.range.wait``) also keep ``per_replication``.

    A metric without a finite value in some replication is an input error
    (:func:`lotflow.results.no_finite_value`), never NaN in the results.

    Integer path items become list positions (e.g. buffers). Labels (verdicts
    such as a bottleneck station) become the most frequent value, with ties to
    the first replication's.
    """
    ordered = sorted(replications, key=lambda r: r.index)
    keys = list(ordered[0].metrics)
    tree: dict = {}
    for key in keys:
        values = [r.metrics[key] for r in ordered]
        if not all(math.isfinite(v) for v in values):
            raise no_finite_value(".".join(map(str, key)))
        summary = summarize(values)
        if len(key) > HEADLINE_DEPTH:
            del summary["per_replication"]
        _insert(tree, key, summary)
    for key in ordered[0].labels:
        votes = Counter(r.labels[key] for r in ordered)
        best = max(votes.values())
        winner = next(r.labels[key] for r in ordered if votes[r.labels[key]] == best)
        _insert(tree, key, winner)
    return _lists(tree)


def mean_series(replications, group: str) -> dict[str, list[float]]:
    """Per-name average over replications of equally long count series."""
    ordered = sorted(replications, key=lambda r: r.index)
    names = ordered[0].series.get(group, {})
    return {
        name: np.mean([r.series[group][name] for r in ordered], axis=0).tolist() for name in names
    }


def _insert(tree: dict, key: tuple, value) -> None:
    node = tree
    for part in key[:-1]:
        node = node.setdefault(part, {})
    node[key[-1]] = value


def _lists(node):
    """Dicts keyed 0..n-1 by ints become lists."""
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if converted and all(isinstance(k, int) for k in converted):
        return [converted[i] for i in sorted(converted)]
    return converted
