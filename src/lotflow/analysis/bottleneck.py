"""Bottleneck detection from station traces.

Two methods:

* :func:`active_period_bottleneck` - the active-period method of Roser,
  Nakano & Tanaka: "A practical bottleneck detection method" (WSC 2001) for
  the average bottleneck and "Shifting bottleneck detection" (WSC 2002) for
  sole/shifting bottleneck fractions. Needs the timed trace of each station.
* :func:`blocked_starved_bottleneck` - the arrow-based bottleneck indicator of
  Kuo, Lim & Meerkov, "Bottlenecks in serial production lines: a
  system-theoretic approach" (Math. Problems in Engineering 2, 1996), with
  the severity rule of Li & Meerkov, *Production Systems Engineering* (2009)
  to pick one among several local bottlenecks. Needs only the blocked and
  starved times of each station.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from lotflow.native import entry

__all__ = ["active_period_bottleneck", "blocked_starved_bottleneck"]


def _active_periods(
    name: str, raw: Sequence[tuple[float, float]] | np.ndarray, horizon: float
) -> tuple[np.ndarray, np.ndarray]:
    """Clip a station's intervals to [0, horizon] and merge them into periods.

    Overlapping or touching intervals (end == next start) form one
    uninterrupted active period. Returns sorted, disjoint ``(starts, ends)``.
    Intervals already in that form (an engine's trace: in time order, each
    starting after the previous one ended) are returned as clipped, unsorted
    and unmerged, which gives the same arrays.
    """
    a = np.asarray(raw, dtype=float)
    if a.size == 0:
        return np.empty(0), np.empty(0)
    if a.ndim != 2 or a.shape[1] != 2:
        try:
            a = a.reshape(-1, 2)
        except ValueError:
            raise ValueError(f"intervals of station {name!r} must be (start, end) pairs") from None
    s, e = a[:, 0], a[:, 1]
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(e))):
        raise ValueError(f"intervals of station {name!r} must be finite numbers")
    if np.any(e < s):
        raise ValueError(f"station {name!r} has an interval that ends before it starts")
    s = np.clip(s, 0.0, horizon)
    e = np.clip(e, 0.0, horizon)
    keep = e > s
    s, e = s[keep], e[keep]
    n = s.size
    if n == 0:
        return np.empty(0), np.empty(0)
    if np.all(s[1:] > e[:-1]):  # in time order and separated: already periods
        return s, e
    order = np.argsort(s, kind="stable")
    s, e = s[order], e[order]
    reach = np.maximum.accumulate(e)
    first = np.empty(n, dtype=bool)
    first[0] = True
    first[1:] = s[1:] > reach[:-1]
    idx = np.flatnonzero(first)
    last = np.empty_like(idx)
    last[:-1] = idx[1:] - 1
    last[-1] = n - 1
    return s[idx].copy(), reach[last].copy()


def active_period_bottleneck(
    intervals: Mapping[str, Sequence[tuple[float, float]] | np.ndarray],
    horizon: float,
) -> dict[str, Any]:
    """Sole and shifting bottleneck fractions by the active-period method.

    Parameters
    ----------
    intervals
        Station name -> its *active* intervals ``[(start, end), ...]`` (or an
        ``(n, 2)`` array) in time since the start of the observation window.
        A station is active while processing, in repair or in changeover;
        it is inactive while starved, blocked or off shift (Roser et al.
        2001). The order of the intervals and overlaps among them do not
        matter. Station order (mapping order) only breaks exact ties.
    horizon
        Length of the observation window (> 0); intervals are clipped to
        ``[0, horizon]``.

    Method
    ------
    1. *Active periods.* Each station's intervals, clipped to the window, are
       merged: overlapping or touching intervals form one uninterrupted
       active period. A period cut by the window's edges counts with its
       clipped length.
    2. *Momentary bottleneck* (Roser et al. 2002). At any instant ``t`` the
       bottleneck is the station whose *current* active period - the whole
       period that contains ``t``, including its part after ``t`` - is the
       longest. Exact ties go to the station listed first. Where no
       station is active there is no bottleneck, and that time counts for
       no station.
    3. *Bottleneck sequence.* In time order the momentary bottleneck runs
       through a sequence of active periods ``P_1, P_2, ...`` (each period
       appears once: a period cannot lose and regain the bottleneck role).
    4. *Sole and shifting.* For each ``P_k`` (of station ``s_k``), the part
       of ``P_k`` that overlaps the previous or the next bottleneck period,
       ``P_k & (P_{k-1} | P_{k+1})``, counts as *shifting* bottleneck time
       of ``s_k``; the rest of ``P_k`` counts as *sole* bottleneck time of
       ``s_k``. The whole period counts, so during an overlap both stations
       are shifting bottlenecks (their shifting times overlap), as in Roser
       et al. (2002).
    5. *Average bottleneck* (Roser et al. 2001): the station with the
       largest mean active-period length (ties: listed first; ``None`` if no
       station was ever active).

    Returns
    -------
    dict
        ``{"stations": {name: {"sole": f, "shifting": f,
        "mean_active_period": m}}, "bottleneck": name}`` where ``sole`` and
        ``shifting`` are fractions of ``horizon`` and ``mean_active_period``
        is in time units (0.0 for a station never active). Per station,
        ``sole + shifting`` is the fraction of time it is a bottleneck.
        Summed over stations this can exceed 1, because an overlap between
        two consecutive bottleneck periods is shifting time of both.

    Complexity: O(N log N) time and O(N) memory for N intervals (a
    station's own intervals are sorted; in a run's trace they come in time
    order), then one compiled sweep in O(N log S) for S stations
    (:mod:`lotflow.analysis.cover`).
    """
    h = float(horizon)
    if not math.isfinite(h) or h <= 0.0:
        raise ValueError(f"horizon must be a finite number > 0, got {horizon!r}")
    names = list(intervals)
    n_st = len(names)
    per_station = [_active_periods(str(nm), intervals[nm], h) for nm in names]

    counts = np.array([s.size for s, _ in per_station], dtype=np.int64)
    mean_len = [float(np.mean(e - s)) if s.size else 0.0 for s, e in per_station]
    sole: np.ndarray = np.zeros(n_st)
    shifting: np.ndarray = np.zeros(n_st)

    m_total = int(counts.sum())
    if m_total:
        all_s = np.concatenate([s for s, _ in per_station])
        all_e = np.concatenate([e for _, e in per_station])
        sid = np.repeat(np.arange(n_st), counts)
        bounds = np.concatenate(([0], np.cumsum(counts)))
        episodes = np.empty(m_total, dtype=np.int64)
        args = (all_s, all_e, bounds, episodes, *episode_work_space(n_st))
        p = episodes[: entry("bottleneck_episodes", args)(*args)]
        if p.size:
            a, c, st = all_s[p], all_e[p], sid[p]
            length = c - a
            ov_prev = np.zeros(p.size)
            ov_next = np.zeros(p.size)
            triple = np.zeros(p.size)
            if p.size > 1:
                ov = np.maximum(np.minimum(c[1:], c[:-1]) - np.maximum(a[1:], a[:-1]), 0.0)
                ov_prev[1:] = ov
                ov_next[:-1] = ov
            if p.size > 2:
                lo = np.maximum(np.maximum(a[:-2], a[1:-1]), a[2:])
                hi = np.minimum(np.minimum(c[:-2], c[1:-1]), c[2:])
                triple[1:-1] = np.maximum(hi - lo, 0.0)
            shift_k = ov_prev + ov_next - triple
            sole_k = np.maximum(length - shift_k, 0.0)
            sole = np.bincount(st, weights=sole_k, minlength=n_st)
            shifting = np.bincount(st, weights=shift_k, minlength=n_st)

    stations = {
        nm: {
            "sole": float(sole[j] / h),
            "shifting": float(shifting[j] / h),
            "mean_active_period": mean_len[j],
        }
        for j, nm in enumerate(names)
    }
    bottleneck = None
    if m_total:
        j_best = max(range(n_st), key=lambda j: (counts[j] > 0, mean_len[j], -j))
        bottleneck = names[j_best]
    return {"stations": stations, "bottleneck": bottleneck}


def episode_work_space(n_stations: int) -> tuple[np.ndarray, ...]:
    """The work arrays :func:`lotflow.analysis.cover.bottleneck_episodes` takes
    after ``episodes``, for ``n_stations`` stations."""
    size = 1
    while size < n_stations:
        size *= 2
    return (
        np.empty(size),
        np.empty(size),
        np.empty(size, dtype=np.int64),
        np.empty(2 * size, dtype=np.int64),
        np.empty(2 * size, dtype=np.int64),
    )


def blocked_starved_bottleneck(states: Mapping[str, Mapping[str, float]]) -> dict[str, Any]:
    """Bottleneck of a serial line from blocked and starved times (arrow method).

    Parameters
    ----------
    states
        Station name -> its state times (or fractions; only ``"blocked"`` and
        ``"starved"`` are read, missing = 0), in line order from the first
        (upstream) station to the last. All stations must use the same unit
        and window.

    Rule (Kuo, Lim & Meerkov 1996; Li & Meerkov 2009, "bottleneck
    indicator"): for each pair of neighbours ``(i, i+1)`` compare the time
    ``BL_i`` station ``i`` is blocked with the time ``ST_{i+1}`` station
    ``i+1`` is starved.

    * ``BL_i > ST_{i+1}``: arrow from ``i`` to ``i+1`` (``"down"``): the
      downstream side holds the flow back;
    * ``BL_i < ST_{i+1}``: arrow from ``i+1`` to ``i`` (``"up"``);
    * equal: no arrow (``"none"``).

    A station from which no arrow emanates is a *local bottleneck* (at least
    one always exists). If there are several, the *primary* bottleneck is the
    one with the largest severity::

        S_1 = |ST_2 - BL_1|,  S_M = |BL_{M-1} - ST_M|,
        S_i = |BL_{i-1} - ST_i| + |ST_{i+1} - BL_i|   (1 < i < M),

    ties going to the upstream-most station. A single station is its own
    bottleneck with severity 0.

    Returns
    -------
    dict
        ``{"bottleneck": name, "local_bottlenecks": [names],
        "severity": {local name: S}, "arrows": ["down" | "up" | "none", ...]}``
        (``arrows[i]`` is between the ``i``-th and ``i+1``-th stations).
    """
    names = list(states)
    if not names:
        raise ValueError("states must name at least one station")
    bl: list[float] = []
    st: list[float] = []
    for nm in names:
        rec = states[nm]
        for key in ("blocked", "starved"):
            v = float(rec.get(key, 0.0))
            if not math.isfinite(v) or v < 0.0:
                raise ValueError(f"{key} time of station {nm!r} must be finite and >= 0")
        bl.append(float(rec.get("blocked", 0.0)))
        st.append(float(rec.get("starved", 0.0)))

    m = len(names)
    arrows: list[str] = []
    emits = [False] * m
    for i in range(m - 1):
        if bl[i] > st[i + 1]:
            arrows.append("down")
            emits[i] = True
        elif bl[i] < st[i + 1]:
            arrows.append("up")
            emits[i + 1] = True
        else:
            arrows.append("none")

    def severity(i: int) -> float:
        s = 0.0
        if i > 0:
            s += abs(bl[i - 1] - st[i])
        if i < m - 1:
            s += abs(st[i + 1] - bl[i])
        return float(s)

    local = [i for i in range(m) if not emits[i]]
    sev = {names[i]: severity(i) for i in local}
    primary = max(local, key=lambda i: (sev[names[i]], -i))
    return {
        "bottleneck": names[primary],
        "local_bottlenecks": [names[i] for i in local],
        "severity": sev,
        "arrows": arrows,
    }
