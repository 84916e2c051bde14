"""The strongest covering period of every segment: the core of the active-period
bottleneck method (:func:`lotflow.analysis.bottleneck.active_period_bottleneck`).

Compiled with numba, and ahead of time with the engine (entry point
``strongest_cover`` of :mod:`lotflow.native`), since long lines have hundreds
of thousands of periods: near-linear time, where a vectorised maximum over
stations costs stations x segments.
"""

from __future__ import annotations

import numba


@numba.njit(cache=True, _nrt=False)
def strongest_cover(first, after, strength_order, best, next_free):
    """Paint each segment with the strongest period that covers it.

    Period ``p`` covers segments ``first[p] <= i < after[p]``;
    ``strength_order`` lists the periods from the strongest down. On return
    ``best[i]`` is the position in ``strength_order`` of the strongest period
    covering segment ``i`` (its rank: 0 is the strongest), or
    ``len(strength_order)`` where no period covers it. ``next_free`` is work
    space of ``len(best) + 1`` integers. Each segment is painted once, by the
    first (strongest) period to reach it; a union-find over the unpainted
    segments (path halving) skips the painted ones: time
    O((periods + segments) log segments) at worst, memory none beyond the
    arguments.
    """
    n_seg = best.shape[0]
    m = strength_order.shape[0]
    for i in range(n_seg + 1):
        next_free[i] = i
    for i in range(n_seg):
        best[i] = m
    for rank in range(m):
        p = strength_order[rank]
        i = _find(next_free, first[p])
        end = after[p]
        while i < end:
            best[i] = rank
            next_free[i] = i + 1
            i = _find(next_free, i + 1)


@numba.njit(cache=True, _nrt=False)
def _find(next_free, i):
    """The first unpainted segment at or after ``i`` (path halving)."""
    while next_free[i] != i:
        next_free[i] = next_free[next_free[i]]
        i = next_free[i]
    return i
