"""The exact per-part recurrence of one flow line (the hot path), compiled with numba.

Parts are computed in order, each through every station before the next one
(part-major order); everything a part needs is then already known:

    S[i,k] = max(D[i,k-1], D[i-1,k])                   start (station free, part there)
    C[i,k] = S[i,k] + repairs + processing            completion (failures inside)
    D[i,k] = max(C[i,k], D[i+1, m - B_i - 1])         departure, blocking after service

where ``m`` is the index the part will have at station i+1 (it differs from k
once parts are scrapped) and ``D[i+1, m - B_i - 1]`` is read from a ring of the
last ``B_i + 1`` departures of station i+1, at the slot station i+1 writes
next. A scrapped part leaves at ``C``. The last station leaves at
``max(C, gate)``, the plant's backpressure.

All times are *working* times (a calendar maps them to wall time outside).
Statistics stream into accumulators clipped to the observation window
``[w0, w1)``, so memory is O(stations + buffer slots), never O(parts); the
hourly counters (good departures and scrap per station and time bin from 0 to
w1) are O(stations x bins).

Random numbers come from one numpy Generator per (station, source): stream
``4 i + s`` with s = process, failure, repair, scrap, and the last stream for
changeovers. Per-cycle failures and scrap are drawn as geometric counts of
cycles until the next event, which is the same law as a Bernoulli draw per cycle.

Campaign release (model.md leaves it open; see docs/model.md): station 1
releases parts while the parts released in the campaign, less those already
scrapped, are fewer than the campaign's good-part target; each scrapped part
lets one more part in, released no earlier than the scrap. When the next
campaign makes another product, the line waits for the outcome of every part,
runs empty, then the changeover runs for the whole line (setup for every
station): the campaign yields exactly its target in good parts. When the next
run makes the same product (the campaign list wrapping around), it starts as
soon as no scrap is pending at that moment; later scraps of the old run are
made up by the new one.
"""

from __future__ import annotations

import numba
import numpy as np

from lotflow.dists import DETERMINISTIC, draw, draw_geometric_count
from lotflow.engine.compiled import BUSY_TIME, PER_CYCLE, STREAMS_PER_STATION

# Station float state columns. LAST_DEP is also the time up to which the
# station's states are accounted for (it is idle from then until its next start).
# NEXT_EDGE is the end of the station's current hourly-counter bin.
LAST_DEP, TTF_LEFT, ACT_START, ACT_END, NEXT_EDGE = range(5)
N_STATION_FLOAT = 5
# Station int state columns: BIN and BIN_COUNT are the current counter bin and
# the good departures counted in it but not yet written to ``dep_bins``.
CYCLES_TO_FAIL, PARTS_TO_SCRAP, RING_POS, BIN, BIN_COUNT = range(5)
N_STATION_INT = 5
# Per-station time accumulators (time in the window) and counters.
BUSY, STARVED, BLOCKED, DOWN, SETUP, ACTIVE_CLOSED = range(6)
N_ACC = 6
PROCESSED, SCRAPPED, ACTIVE_PERIODS = range(3)
N_COUNT = 3
# Line int state.
CAMP, RELEASED, HEAP_N, OLD_SCRAPS, OUT_CAMP, OUT_LOTS, GOOD_IN_LOT, N_LOTS, GOOD_WINDOW = range(9)
GOOD_TOTAL, FINISHED = 9, 10
N_LINE_INT = 11
# Line float state.
GATE, LOT_START = range(2)
N_LINE_FLOAT = 2
# Lot record columns.
LOT_START_COL, LOT_END_COL, LOT_CAMPAIGN_COL = range(3)
N_LOT_COLS = 3
# Return codes of ``advance``.
DONE, LOT_COMPLETED, LOTS_FULL, HEAP_OVERFLOW = range(4)


@numba.njit(cache=True, inline="always")
def _clip(a, b, w0, w1):
    """Length of [a, b) inside the window [w0, w1)."""
    lo = a if a > w0 else w0
    hi = b if b < w1 else w1
    return hi - lo if hi > lo else 0.0


@numba.njit(cache=True)
def _close_active(i, sf, acc, cnt, act_trace, act_n, w0, w1):
    """End station i's current active period (at ACT_END) and record it."""
    start = sf[i, ACT_START]
    end = sf[i, ACT_END]
    length = _clip(start, end, w0, w1)
    if length > 0.0:
        acc[i, ACTIVE_CLOSED] += length
        cnt[i, ACTIVE_PERIODS] += 1
        n = act_n[i]
        if n < act_trace.shape[1]:
            act_trace[i, n, 0] = max(start, w0)
            act_trace[i, n, 1] = min(end, w1)
            act_n[i] = n + 1


@numba.njit(cache=True)
def _fail_while_busy(i, t, work, ttf_d, rep_d, dk, dp, dv, gens, sf, acc, w0, w1):
    """Busy-time failures inside one processing time (preemptive resume).

    Returns the time processing resumes after the last repair and the work
    left then; ``sf[i, TTF_LEFT]`` holds the time to failure left at that point.
    """
    base = STREAMS_PER_STATION * i
    ttf = sf[i, TTF_LEFT]
    while ttf < work:
        acc[i, BUSY] += _clip(t, t + ttf, w0, w1)
        t += ttf
        work -= ttf
        d = rep_d[i]
        repair = draw(gens[base + 2], dk[d], dp[d], dv)
        acc[i, DOWN] += _clip(t, t + repair, w0, w1)
        t += repair
        d = ttf_d[i]
        ttf = draw(gens[base + 1], dk[d], dp[d], dv)
    sf[i, TTF_LEFT] = ttf
    return t, work


@numba.njit(cache=True)
def _fail_at_cycle_start(i, t, fail_p, rep_d, dk, dp, dv, gens, si, acc, w0, w1):
    """A per-cycle failure at the start of a cycle: down for a repair, then a new
    count of cycles to the next failure. Returns the time processing starts."""
    base = STREAMS_PER_STATION * i
    d = rep_d[i]
    repair = draw(gens[base + 2], dk[d], dp[d], dv)
    acc[i, DOWN] += _clip(t, t + repair, w0, w1)
    si[i, CYCLES_TO_FAIL] = draw_geometric_count(gens[base + 1], fail_p[i])
    return t + repair


@numba.njit(cache=True)
def _next_bin(i, t, sf, si, dep_bins, bin_width, w1):
    """Write station i's running count to its bin and move to the bin holding
    time ``t``. Bins are [b bw, (b+1) bw) cut at w1; past w1 nothing counts."""
    n_bins = dep_bins.shape[1]
    b = si[i, BIN]
    if b < n_bins:
        dep_bins[i, b] += si[i, BIN_COUNT]
    si[i, BIN_COUNT] = 0
    if t >= w1:
        si[i, BIN] = n_bins
        sf[i, NEXT_EDGE] = np.inf
    else:
        b = min(int(t / bin_width), n_bins - 1)
        si[i, BIN] = b
        sf[i, NEXT_EDGE] = min((b + 1) * bin_width, w1)


@numba.njit(cache=True)
def _heap_push(heap, n, value):
    heap[n] = value
    j = n
    while j > 0:
        parent = (j - 1) // 2
        if heap[parent] <= heap[j]:
            break
        heap[parent], heap[j] = heap[j], heap[parent]
        j = parent
    return n + 1


@numba.njit(cache=True)
def _heap_pop(heap, n):
    top = heap[0]
    n -= 1
    heap[0] = heap[n]
    j = 0
    while True:
        left = 2 * j + 1
        if left >= n:
            break
        child = left
        if left + 1 < n and heap[left + 1] < heap[left]:
            child = left + 1
        if heap[j] <= heap[child]:
            break
        heap[j], heap[child] = heap[child], heap[j]
        j = child
    return top, n


@numba.njit(cache=True)
def init_state(fail_mode, fail_p, ttf_d, scrap_q, dk, dp, dv, gens, sf, si):
    """Draw each station's first time-to-failure / cycles-to-failure / parts-to-scrap."""
    for i in range(fail_mode.shape[0]):
        base = STREAMS_PER_STATION * i
        if fail_mode[i] == BUSY_TIME:
            d = ttf_d[i]
            sf[i, TTF_LEFT] = draw(gens[base + 1], dk[d], dp[d], dv)
        elif fail_mode[i] == PER_CYCLE:
            si[i, CYCLES_TO_FAIL] = draw_geometric_count(gens[base + 1], fail_p[i])
        if scrap_q[i] > 0.0:
            si[i, PARTS_TO_SCRAP] = draw_geometric_count(gens[base + 3], scrap_q[i])


@numba.njit(cache=True)
def _changeover(co_d, dk, dp, dv, gens, sf, acc, cnt, act_trace, act_n, w0, w1):
    """Run-empty changeover: the whole line is in setup from the moment it is empty."""
    n = sf.shape[0]
    empty_at = 0.0
    for i in range(n):
        empty_at = max(empty_at, sf[i, LAST_DEP])
    length = draw(gens[STREAMS_PER_STATION * n], dk[co_d], dp[co_d], dv)
    end = empty_at + length
    for i in range(n):
        acc[i, STARVED] += _clip(sf[i, LAST_DEP], empty_at, w0, w1)
        acc[i, SETUP] += _clip(empty_at, end, w0, w1)
        _close_active(i, sf, acc, cnt, act_trace, act_n, w0, w1)
        sf[i, ACT_START] = empty_at
        sf[i, ACT_END] = end
        sf[i, LAST_DEP] = end


@numba.njit(cache=True)
def _finish(sf, si, acc, cnt, act_trace, act_n, dep_bins, bin_width, w0, w1):
    """Window end: stations idle since their last departure were starved;
    the hourly counters are written out."""
    for i in range(sf.shape[0]):
        _next_bin(i, np.inf, sf, si, dep_bins, bin_width, w1)
        acc[i, STARVED] += _clip(sf[i, LAST_DEP], w1, w0, w1)
        _close_active(i, sf, acc, cnt, act_trace, act_n, w0, w1)


@numba.njit(cache=True, nogil=True)
def advance(
    buffers,
    ring_off,
    proc_d,
    fail_mode,
    fail_p,
    ttf_d,
    rep_d,
    scrap_q,
    dk,
    dp,
    dv,
    camp_target,
    camp_lots,
    camp_lot_size,
    camp_changeover,
    co_d,
    gens,
    w0,
    w1,
    bin_width,
    stop_each_lot,
    sf,
    si,
    acc,
    cnt,
    buf_acc,
    ring,
    li,
    lf,
    heap,
    lots,
    dep_bins,
    scrap_bins,
    dep_trace,
    scrap_trace,
    trace_n,
    act_trace,
    act_n,
):
    """Advance the line until the window ends, a lot completes (``stop_each_lot``)
    or the lot table is full. Resumable: all state lives in the arrays passed in.

    Returns DONE, LOT_COMPLETED, LOTS_FULL or HEAP_OVERFLOW.
    """
    n = proc_d.shape[0]
    n_camp = camp_target.shape[0]
    per_bin = 1.0 / bin_width
    while True:
        if li[FINISHED] == 1:
            return DONE
        if li[N_LOTS] >= lots.shape[0]:
            return LOTS_FULL
        release = sf[0, LAST_DEP]
        if n_camp > 0:
            c = li[CAMP]
            if camp_target[c] >= 0 and li[RELEASED] >= camp_target[c]:
                nxt = (c + 1) % n_camp
                if li[OLD_SCRAPS] > 0:
                    li[OLD_SCRAPS] -= 1
                elif li[HEAP_N] > 0 and (camp_changeover[nxt] or heap[0] <= release):
                    scrap_time, li[HEAP_N] = _heap_pop(heap, li[HEAP_N])
                    release = max(release, scrap_time)
                else:
                    # The run is complete: every part is good or (same product
                    # next) its later scraps are made up by the next run.
                    if camp_changeover[nxt]:
                        _changeover(co_d, dk, dp, dv, gens, sf, acc, cnt, act_trace, act_n, w0, w1)
                    li[CAMP] = nxt
                    li[RELEASED] = 0
                    continue
        if release >= w1:
            _finish(sf, si, acc, cnt, act_trace, act_n, dep_bins, bin_width, w0, w1)
            li[FINISHED] = 1
            return DONE
        li[RELEASED] += 1

        arrival = release
        scrapped = False
        for i in range(n):
            base = STREAMS_PER_STATION * i
            idle_since = sf[i, LAST_DEP]
            start = max(idle_since, arrival)
            acc[i, STARVED] += _clip(idle_since, start, w0, w1)
            if i > 0:
                buf_acc[i - 1] += _clip(arrival, start, w0, w1)
            if start != sf[i, ACT_END]:
                _close_active(i, sf, acc, cnt, act_trace, act_n, w0, w1)
                sf[i, ACT_START] = start
            t = start
            mode = fail_mode[i]
            if mode == PER_CYCLE:
                si[i, CYCLES_TO_FAIL] -= 1
                if si[i, CYCLES_TO_FAIL] == 0:
                    t = _fail_at_cycle_start(i, t, fail_p, rep_d, dk, dp, dv, gens, si, acc, w0, w1)
            d = proc_d[i]
            work = dp[d, 0] if dk[d] == DETERMINISTIC else draw(gens[base], dk[d], dp[d], dv)
            if mode == BUSY_TIME:
                if sf[i, TTF_LEFT] < work:
                    t, work = _fail_while_busy(
                        i, t, work, ttf_d, rep_d, dk, dp, dv, gens, sf, acc, w0, w1
                    )
                sf[i, TTF_LEFT] -= work
            acc[i, BUSY] += _clip(t, t + work, w0, w1)
            done = t + work
            in_window = done >= w0 and done < w1
            cnt[i, PROCESSED] += in_window
            if scrap_q[i] > 0.0:
                si[i, PARTS_TO_SCRAP] -= 1
                if si[i, PARTS_TO_SCRAP] == 0:
                    scrapped = True
                    si[i, PARTS_TO_SCRAP] = draw_geometric_count(gens[base + 3], scrap_q[i])
            if scrapped:
                dep = done
                if in_window:
                    cnt[i, SCRAPPED] += 1
            elif i < n - 1:
                dep = max(done, ring[ring_off[i] + si[i + 1, RING_POS]])
            else:
                dep = max(done, lf[GATE])
            acc[i, BLOCKED] += _clip(done, dep, w0, w1)
            if scrapped:
                if dep < w1:
                    scrap_bins[i, int(dep * per_bin)] += 1
            else:
                if dep >= sf[i, NEXT_EDGE]:
                    _next_bin(i, dep, sf, si, dep_bins, bin_width, w1)
                si[i, BIN_COUNT] += 1
            sf[i, ACT_END] = done
            sf[i, LAST_DEP] = dep
            if i > 0:
                pos = si[i, RING_POS]
                ring[ring_off[i - 1] + pos] = dep
                si[i, RING_POS] = 0 if pos == buffers[i - 1] else pos + 1
            k = trace_n[i]
            if k < dep_trace.shape[1]:
                dep_trace[i, k] = dep
                scrap_trace[i, k] = scrapped
                trace_n[i] = k + 1
            if scrapped:
                if n_camp > 0 and camp_target[li[CAMP]] >= 0:
                    if li[HEAP_N] == heap.shape[0]:
                        while li[HEAP_N] > 0 and heap[0] <= sf[0, LAST_DEP]:
                            _, li[HEAP_N] = _heap_pop(heap, li[HEAP_N])
                            li[OLD_SCRAPS] += 1
                        if li[HEAP_N] == heap.shape[0]:
                            return HEAP_OVERFLOW
                    li[HEAP_N] = _heap_push(heap, li[HEAP_N], dep)
                break
            arrival = dep

        if scrapped:
            continue
        li[GOOD_TOTAL] += 1
        if arrival >= w0 and arrival < w1:
            li[GOOD_WINDOW] += 1
        if n_camp == 0:
            continue
        if li[GOOD_IN_LOT] == 0:
            lf[LOT_START] = release
        li[GOOD_IN_LOT] += 1
        oc = li[OUT_CAMP]
        if li[GOOD_IN_LOT] == camp_lot_size[oc]:
            row = li[N_LOTS]
            lots[row, LOT_START_COL] = lf[LOT_START]
            lots[row, LOT_END_COL] = arrival
            lots[row, LOT_CAMPAIGN_COL] = oc
            li[N_LOTS] = row + 1
            li[GOOD_IN_LOT] = 0
            li[OUT_LOTS] += 1
            if li[OUT_LOTS] == camp_lots[oc]:
                li[OUT_CAMP] = (oc + 1) % n_camp
                li[OUT_LOTS] = 0
            if stop_each_lot:
                return LOT_COMPLETED


def empty_state(n_stations: int, buffers: np.ndarray, heap_capacity: int, bin_width: float):
    """Fresh state arrays for a line (empty, all stations idle at time 0)."""
    sf = np.zeros((n_stations, N_STATION_FLOAT))
    sf[:, NEXT_EDGE] = bin_width
    return {
        "sf": sf,
        "si": np.zeros((n_stations, N_STATION_INT), dtype=np.int64),
        "acc": np.zeros((n_stations, N_ACC)),
        "cnt": np.zeros((n_stations, N_COUNT), dtype=np.int64),
        "buf_acc": np.zeros(max(n_stations - 1, 0)),
        "ring": np.zeros(int(np.sum(buffers + 1)) if len(buffers) else 1),
        "li": np.zeros(N_LINE_INT, dtype=np.int64),
        "lf": np.zeros(N_LINE_FLOAT),
        "heap": np.zeros(heap_capacity),
    }
