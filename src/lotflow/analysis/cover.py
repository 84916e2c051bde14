"""The sequence of bottleneck periods: the core of the active-period bottleneck
method (:func:`lotflow.analysis.bottleneck.active_period_bottleneck`).

Compiled with numba, and ahead of time with the engine (entry point
``bottleneck_episodes`` of :mod:`lotflow.native`), since long runs trace
hundreds of thousands of periods. One sweep over the stations' period
boundaries in time order: a station has at most one active period at any
instant, so two tournament trees over the stations (the next boundary of
each, the strength of its current period) give the next boundary and the
strongest active period in O(log stations) per boundary, without sorting the
periods.
"""

from __future__ import annotations

import numba
import numpy as np

INACTIVE = -1.0  # the strength of a station with no active period (lengths are > 0)


@numba.njit(cache=True, _nrt=False)
def bottleneck_episodes(
    starts, ends, bounds, episodes, next_time, strength, cursor, time_tree, strength_tree
):
    """The strongest active period of every instant, as episodes in time order.

    Station ``j``'s periods are ``[starts[p], ends[p])`` for ``bounds[j] <= p <
    bounds[j + 1]``: in time order, each of positive length, and separated
    (``starts[p + 1] > ends[p]``), as the bottleneck analysis merges them. At
    an instant the strongest period is the longest active one, exact ties to
    the lowest station. Consecutive instants with the same strongest period
    form one episode; instants with no active period are skipped. On return
    ``episodes[:n]`` holds the period of each episode in time order (``n`` is
    returned; ``episodes`` needs room for every period, as a period is the
    strongest over one interval at most).

    Work space, ``size`` being the smallest power of two not below the number
    of stations: ``next_time`` and ``strength`` (float64) and ``cursor``
    (int64, the station's boundaries passed) of ``size`` items; ``time_tree`` and ``strength_tree``
    (int64) of ``2 size`` items (:func:`lotflow.analysis.bottleneck.episode_work_space`
    makes them, without importing numba). Time O(periods log stations).
    """
    n_stations = bounds.shape[0] - 1
    size = next_time.shape[0]
    for j in range(size):
        cursor[j] = 0
        strength[j] = INACTIVE
        next_time[j] = starts[bounds[j]] if j < n_stations and bounds[j] < bounds[j + 1] else np.inf
    for j in range(size):
        time_tree[size + j] = j
        strength_tree[size + j] = j
    for node in range(size - 1, 0, -1):
        time_tree[node] = _earlier(next_time, time_tree[2 * node], time_tree[2 * node + 1])
        strength_tree[node] = _stronger(
            strength, strength_tree[2 * node], strength_tree[2 * node + 1]
        )
    n = 0
    root = 1  # (with one station, its leaf)
    while next_time[time_tree[root]] < np.inf:
        at = next_time[time_tree[root]]
        while next_time[time_tree[root]] == at:  # every boundary at this instant
            j = time_tree[root]
            p = bounds[j] + cursor[j] // 2
            if cursor[j] % 2 == 0:  # a period starts
                strength[j] = ends[p] - starts[p]
                next_time[j] = ends[p]
            else:  # it ends; the station's next period starts later
                strength[j] = INACTIVE
                next_time[j] = starts[p + 1] if p + 1 < bounds[j + 1] else np.inf
            cursor[j] += 1
            _replay(time_tree, size, j, next_time, True)
            _replay(strength_tree, size, j, strength, False)
        best = strength_tree[root]
        if strength[best] > 0.0:  # active: its current period is its last started
            p = bounds[best] + (cursor[best] - 1) // 2
            if n == 0 or episodes[n - 1] != p:
                episodes[n] = p
                n += 1
    return n


@numba.njit(cache=True, _nrt=False, inline="always")
def _earlier(key, a, b):
    """The station with the earlier next boundary (ties: the lower)."""
    if key[b] < key[a] or (key[b] == key[a] and b < a):
        return b
    return a


@numba.njit(cache=True, _nrt=False, inline="always")
def _stronger(key, a, b):
    """The station with the longer current period (ties: the lower)."""
    if key[b] > key[a] or (key[b] == key[a] and b < a):
        return b
    return a


@numba.njit(cache=True, _nrt=False)
def _replay(tree, size, j, key, earliest):
    """Replay the matches on the path from leaf ``j`` to the root."""
    node = (size + j) // 2
    while node >= 1:
        left, right = tree[2 * node], tree[2 * node + 1]
        tree[node] = _earlier(key, left, right) if earliest else _stronger(key, left, right)
        node //= 2
