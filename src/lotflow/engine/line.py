"""The exact per-part recurrence of one flow line (the hot path), compiled with numba.

For every part k at station i (indices count the parts each station sees):

    S[i,k] = max(D[i,k-1], D[i-1,k])                   start (station free, part there)
    C[i,k] = S[i,k] + repairs + processing            completion (failures inside)
    D[i,k] = max(C[i,k], D[i+1, m - B_i - 1])         departure, blocking after service

where ``m`` is the index the part will have at station i+1 (it differs from k
once parts are scrapped) and ``D[i+1, m - B_i - 1]`` is read from a ring of the
recent departures of station i+1 (at least its last ``B_i + 1``; see
:func:`ring_lengths`). A scrapped part leaves at ``C``.
The last station leaves at ``max(C, gate)``, the plant's backpressure.

Order of computation: parts go in *blocks* of at most ``min(B) + 1`` parts;
the whole block passes station 1, then station 2, and so on. Inside a block
a part is blocked only by downstream departures of parts of earlier blocks
(``m - B_i - 1`` lies before the block), so every number is the one
part-by-part order would give, while each station's loop keeps its state in
registers. Most parts take a fast path (``_fast_run_at``) without failures,
scrap, counter edges, clipping or departure traces; the others take the full rules;
a test holds the two paths to identical results.

All times are *working* times (a calendar maps them to wall time outside).
Statistics stream into accumulators clipped to the observation window
``[w0, w1)``, so memory is O(stations + buffer slots), never O(parts); the
hourly counters (good departures and scrap per station and time bin from 0 to
w1) are O(stations x bins).

Random numbers come from one numpy Generator per (station, source): stream
``4 i + s`` with s = process, failure, repair, scrap, and the last stream for
changeovers. The kernel takes them as one array of stream handles
(:mod:`lotflow.streams`), so its argument types, and so its compiled code, are
the same for every line. Per-cycle failures and scrap are drawn as geometric counts of
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

from lotflow.dists import DETERMINISTIC
from lotflow.draws import draw, draw_geometric_count, stream
from lotflow.engine.compiled import BUSY_TIME, PER_CYCLE, STREAMS_PER_STATION
from lotflow.engine.layout import (
    ACT_END,
    ACT_START,
    ACTIVE_PERIODS,
    BIN,
    BIN_COUNT,
    BLOCKED,
    BUSY,
    CAMP,
    CYCLES_TO_FAIL,
    DONE,
    DOWN,
    FINISHED,
    GATE,
    GOOD_IN_LOT,
    GOOD_TOTAL,
    GOOD_WINDOW,
    HEAP_N,
    HEAP_OVERFLOW,
    LAST_DEP,
    LOT_CAMPAIGN_COL,
    LOT_COMPLETED,
    LOT_END_COL,
    LOT_START,
    LOT_START_COL,
    LOTS_FULL,
    N_LOTS,
    NEXT_EDGE,
    OLD_SCRAPS,
    OUT_CAMP,
    OUT_LOTS,
    PARTS_TO_SCRAP,
    PROCESSED,
    RELEASED,
    RING_POS,
    SCRAPPED,
    SETUP,
    TTF_LEFT,
)


def kernel_function(**options):
    """``numba.njit`` as the kernel compiles: cached, and without reference counting.

    The kernel allocates nothing; the array views it slices live only inside
    the call that makes them, while the caller's arrays stay alive. Numba's
    reference counting (``_nrt``) would add an atomic increment and decrement
    per array argument at every call of a station block and of a fast run,
    which cost about a third of the engine's time (docs/performance.md).
    """
    return numba.njit(cache=True, _nrt=False, **options)


@kernel_function(inline="always")
def _clip(a, b, w0, w1):
    """Length of [a, b) inside the window [w0, w1)."""
    lo = a if a > w0 else w0
    hi = b if b < w1 else w1
    return hi - lo if hi > lo else 0.0


@kernel_function(inline="always")
def _span(t, length, w0, w1):
    """Length of [t, t + length) inside the window [w0, w1): ``length`` itself
    when the span lies inside, so a sum of process or repair times inside the
    window is the sum of the times, whichever path of the kernel adds them."""
    end = t + length
    if t >= w0 and end <= w1:
        return length
    return _clip(t, end, w0, w1)


@kernel_function()
def _fail_while_busy(i, t, work, ttf, ttf_d, rep_d, dk, dp, dv, fail_gen, repair_gen, acc, w0, w1):
    """Busy-time failures inside one processing time (preemptive resume).

    ``ttf`` is the busy time left to the next failure, smaller than ``work``.
    Returns the time processing resumes after the last repair, the work left
    then, the time to failure left at that point and the busy time (inside the
    window) before it. Down time goes straight to ``acc``.
    """
    busy = 0.0
    while ttf < work:
        busy += _span(t, ttf, w0, w1)
        t += ttf
        work -= ttf
        d = rep_d[i]
        repair = draw(repair_gen, dk[d], dp[d], dv)
        acc[i, DOWN] += _span(t, repair, w0, w1)
        t += repair
        d = ttf_d[i]
        ttf = draw(fail_gen, dk[d], dp[d], dv)
    return t, work, ttf, busy


@kernel_function(inline="always")
def _parts_clear_of_failure(ttf, work):
    """A bound on the parts of fixed process time ``work`` that start with at
    least ``work`` of busy time to failure left, as ``ttf`` loses ``work``
    (rounded) at each part: all k < (ttf - work) / (work + u) do, with u =
    4.5e-16 ttf above the rounding error of one subtraction. Callers use
    ``int(bound) - 1`` parts; NaN or a huge bound means no limit."""
    return (ttf - work) / (work + ttf * 4.5e-16)


@kernel_function()
def _fail_at_cycle_start(i, t, fail_p, rep_d, dk, dp, dv, fail_gen, repair_gen, acc, w0, w1):
    """A per-cycle failure at the start of a cycle: down for a repair, then a new
    count of cycles to the next failure. Returns (time processing starts, count)."""
    d = rep_d[i]
    repair = draw(repair_gen, dk[d], dp[d], dv)
    acc[i, DOWN] += _span(t, repair, w0, w1)
    return t + repair, draw_geometric_count(fail_gen, fail_p[i])


@kernel_function()
def _flush_bin(row, b, count, t, bin_width, w1):
    """Add a station's running count to its bin ``b`` of ``row`` and move to the
    bin holding time ``t``. Bins are [b bw, (b+1) bw) cut at w1; past w1 nothing
    counts. Returns (new bin, its end)."""
    n_bins = row.shape[0]
    if b < n_bins:
        row[b] += count
    if t >= w1:
        return n_bins, np.inf
    b = min(int(t / bin_width), n_bins - 1)
    return b, min((b + 1) * bin_width, w1)


@kernel_function()
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


@kernel_function()
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


@kernel_function()
def _push_scrap(heap, li, when, bound):
    """Record a scrap at time ``when`` that the campaign release must make up.

    When the heap is full, scraps no later than ``bound`` (no later than every
    future release) are counted in OLD_SCRAPS instead: a release never waits
    for them. Returns False if the heap is still full (an engine bug)."""
    if li[HEAP_N] == heap.shape[0]:
        while li[HEAP_N] > 0 and heap[0] <= bound:
            _, li[HEAP_N] = _heap_pop(heap, li[HEAP_N])
            li[OLD_SCRAPS] += 1
        if li[HEAP_N] == heap.shape[0]:
            return False
    li[HEAP_N] = _heap_push(heap, li[HEAP_N], when)
    return True


@kernel_function()
def init_state(fail_mode, fail_p, ttf_d, scrap_q, dk, dp, dv, streams, sf, si):
    """Draw each station's first time-to-failure / cycles-to-failure / parts-to-scrap."""
    for i in range(fail_mode.shape[0]):
        base = STREAMS_PER_STATION * i
        if fail_mode[i] == BUSY_TIME:
            d = ttf_d[i]
            sf[i, TTF_LEFT] = draw(stream(streams, base + 1), dk[d], dp[d], dv)
        elif fail_mode[i] == PER_CYCLE:
            si[i, CYCLES_TO_FAIL] = draw_geometric_count(stream(streams, base + 1), fail_p[i])
        if scrap_q[i] > 0.0:
            si[i, PARTS_TO_SCRAP] = draw_geometric_count(stream(streams, base + 3), scrap_q[i])


@kernel_function()
def _close_station_period(i, sf, cnt, act_trace, act_n, w0, w1):
    """End station i's current active period (at ACT_END) and record it."""
    cnt[i, ACTIVE_PERIODS], act_n[i] = _close_period(
        sf[i, ACT_START], sf[i, ACT_END], cnt[i, ACTIVE_PERIODS], act_trace[i], act_n[i], w0, w1
    )


@kernel_function()
def _changeover(co_d, dk, dp, dv, streams, sf, acc, cnt, act_trace, act_n, w0, w1):
    """Run-empty changeover: the whole line is in setup from the moment it is empty."""
    n = sf.shape[0]
    empty_at = 0.0
    for i in range(n):
        empty_at = max(empty_at, sf[i, LAST_DEP])
    length = draw(stream(streams, STREAMS_PER_STATION * n), dk[co_d], dp[co_d], dv)
    end = empty_at + length
    for i in range(n):
        acc[i, SETUP] += _span(empty_at, length, w0, w1)
        _close_station_period(i, sf, cnt, act_trace, act_n, w0, w1)
        sf[i, ACT_START] = empty_at
        sf[i, ACT_END] = end
        sf[i, LAST_DEP] = end


@kernel_function()
def _finish(sf, si, cnt, act_trace, act_n, dep_bins, bin_width, w0, w1):
    """Window end: the hourly counters are written out and the active periods closed."""
    for i in range(sf.shape[0]):
        si[i, BIN], sf[i, NEXT_EDGE] = _flush_bin(
            dep_bins[i], si[i, BIN], si[i, BIN_COUNT], np.inf, bin_width, w1
        )
        si[i, BIN_COUNT] = 0
        _close_station_period(i, sf, cnt, act_trace, act_n, w0, w1)


@kernel_function()
def _close_period(start, end, periods, row, n, w0, w1):
    """End an active period [start, end): count it if any of it lies inside the
    window and record it (clipped) in trace ``row`` while there is room.
    Returns the updated (periods, n)."""
    if _clip(start, end, w0, w1) > 0.0:
        periods += 1
        if n < row.shape[0]:
            row[n, 0] = max(start, w0)
            row[n, 1] = min(end, w1)
            n += 1
    return periods, n


@kernel_function(inline="always")
def _ring(ring, ring_off, b):
    """The slots of buffer ``b``'s ring (departures of station b+1) in ``ring``."""
    end = ring_off[b + 1] if b + 1 < ring_off.shape[0] else ring.shape[0]
    return ring[ring_off[b] : end]


def _fast_run_at(first: bool, last: bool, tracing: bool):
    """The fast run compiled for one position in the line: the first station
    (it releases parts), the last (it leaves at the gate), one in between, or
    a station alone; with ``tracing``, for a station whose trace of active
    periods has room. ``first``, ``last`` and ``tracing`` are constants of the
    compiled loop, which then tests none of them at every part
    (docs/performance.md)."""

    @kernel_function()
    def fast_run(
        steps,
        arrivals,
        departures,
        rel_in,
        rel_out,
        copy_rels,
        own,
        down,
        floor,
        gate,
        limit,
        deterministic,
        gen,
        kind,
        params,
        dv,
        work,
        last_dep,
        act_start,
        act_end,
        ttf,
        buffered,
        busy,
        blocked,
        periods,
        act_row,
        n_act,
    ):
        """Up to ``steps`` parts through one station by the fast path (no failure, no
        scrap, no bin edge, nothing to clip; the caller has checked what it can
        beforehand, e.g. that no ring wraps, no counted event falls inside and,
        for fixed process times, that no busy-time failure does).

        Part k arrives at ``arrivals[k]`` (station 0: released at max(free, floor))
        and leaves into ``departures[k]`` (and ``own[k]``), blocked until ``down[k]``
        (the last station: until ``gate``); it must leave before ``limit`` (the
        next hourly-counter edge, at most the window's end). With ``tracing``
        a part that closes an active period records the period in ``act_row``
        while it has room (``n_act`` rows used), as ``_close_period`` does: the
        run lies inside the window, so nothing is clipped. Returns the number
        of parts done (fewer than ``steps`` when the next part needs the full
        rules), whether that next part's process time was drawn already, and the
        updated station state.
        """
        drawn = False
        for k in range(steps):
            if first:
                arrival = last_dep if last_dep > floor else floor
                rel_out[k] = arrival
            else:
                arrival = arrivals[k]
            if not deterministic:  # (fixed times: the caller bounds ``steps`` ahead)
                work = draw(gen, kind, params, dv)
                drawn = True
                if ttf < work:
                    return (
                        k, drawn, work, last_dep, act_start, act_end, ttf,
                        buffered, busy, blocked, periods, n_act,
                    )  # fmt: skip
            start = last_dep if last_dep > arrival else arrival
            done = start + work
            if last:
                dep = done if done > gate else gate
            else:
                unblock = down[k]
                dep = done if done > unblock else unblock
            closing = start > act_end
            if dep >= limit:  # an hourly-counter edge or the window's end
                return (
                    k, drawn, work, last_dep, act_start, act_end, ttf,
                    buffered, busy, blocked, periods, n_act,
                )  # fmt: skip
            drawn = False
            if not first:
                buffered += start - arrival
            busy += work
            blocked += dep - done
            ended = closing & (act_end > act_start)
            if tracing and ended and n_act < act_row.shape[0]:
                act_row[n_act, 0] = act_start
                act_row[n_act, 1] = act_end
                n_act += 1
            periods += ended
            act_start = start if closing else act_start
            act_end = done
            last_dep = dep
            ttf -= work
            own[k] = dep
            departures[k] = dep
            if copy_rels:
                rel_out[k] = rel_in[k]
        return (
            steps, drawn, work, last_dep, act_start, act_end, ttf,
            buffered, busy, blocked, periods, n_act,
        )  # fmt: skip

    return fast_run


_fast_run_alone = _fast_run_at(True, True, False)
_fast_run_first = _fast_run_at(True, False, False)
_fast_run_middle = _fast_run_at(False, False, False)
_fast_run_last = _fast_run_at(False, True, False)
_fast_run_alone_tracing = _fast_run_at(True, True, True)
_fast_run_first_tracing = _fast_run_at(True, False, True)
_fast_run_middle_tracing = _fast_run_at(False, False, True)
_fast_run_last_tracing = _fast_run_at(False, True, True)


@kernel_function(inline="always")
def _fast_run(first, last, tracing, args):
    """The fast run for the station's position and tracing (:func:`_fast_run_at`)."""
    if first and last:
        return _fast_run_alone_tracing(*args) if tracing else _fast_run_alone(*args)
    if first:
        return _fast_run_first_tracing(*args) if tracing else _fast_run_first(*args)
    if last:
        return _fast_run_last_tracing(*args) if tracing else _fast_run_last(*args)
    return _fast_run_middle_tracing(*args) if tracing else _fast_run_middle(*args)


@kernel_function(inline="always")
def _station_block(
    i, count, times, rels, floor, line, streams, window, gate, heap_on, state, traces
):
    """Pass ``count`` parts through station ``i``, one after another.

    ``times[j]`` holds part j's arrival (for station 0: ignored, each part is
    released when the station is free, but not before ``floor``); on return
    the first ``passed`` entries of ``times`` (and of ``rels``, the release
    times) describe the parts passed on, with their departure times. Station 0
    stops releasing at ``w1``. Blocking reads the downstream ring, which holds
    the downstream departures this block needs as long as ``count`` is at most
    the downstream buffer plus one (the caller sees to it).

    Most parts take a fast path: no failure or scrap at this part, no hourly
    counter edge crossed, no departure trace to write and everything inside
    the window, so nothing needs clipping. The others take the full rules. Both compute
    the same numbers in the same order, so results do not depend on the path.

    Where each rule of the simulation semantics (model.md) lives, in the order
    the full rules apply them to one part:

    - *A station with no part to start is starved; station 1 is never starved*:
      ``arrival`` is the part's arrival (station 1: its release, when the
      station is free and not before ``floor``); ``start = max(last_dep,
      arrival)``. Starved time is not summed: it is the rest of the window.
    - *Failures, per_cycle*: ``cycles_to_fail`` counts the cycles a station
      actually begins; at zero, ``_fail_at_cycle_start`` puts the station down
      for a repair before the cycle, which then runs in full with no new draw.
    - *Processing time drawn per part*: ``work`` (kept when a fast run drew it
      already, ``drawn``).
    - *Failures, busy_time, preemptive resume; a station ages only while
      busy*: ``ttf`` is busy time left to failure and loses exactly the busy
      time of each part (``ttf -= rest``), never blocked, starved or down
      time; ``_fail_while_busy`` splits the part's work at each failure.
    - *Scrap, decided at completion*: ``parts_to_scrap`` counts completions;
      a scrapped part leaves at ``done`` and is not passed on.
    - *Blocking after service*: ``dep = max(done, down[down_pos])``, the
      departure from station i+1 of the part ``B_i + 1`` places ahead
      (``ring_lengths``); the last station leaves at ``max(done, gate)``,
      the plant's backpressure.
    - *Station states*: busy (``_span`` of the processing inside the window),
      blocked (``done`` to ``dep``), down (in the failure helpers) add up in
      ``acc``; setup in ``_changeover``; buffer levels integrate waiting time
      (``arrival`` to ``start``) into ``buf_acc``.
    - *Statistics in the window*: every time is clipped to ``[w0, w1)``;
      departures are counted into hourly bins (``_flush_bin``); active periods
      (busy, down or setup without a gap) are closed by ``_close_period``.
    - *Campaign release*: a scrap under a campaign target is pushed on the
      heap (``_push_scrap``) so station 1 releases one more part after it.

    The fast path (``_fast_run_at``) applies the same rules to parts at which
    no failure, scrap, bin edge or clipping can occur.

    The arrays come packed as :func:`advance` receives them: ``line`` (its
    constant arrays), ``streams`` (the station's process, failure, repair and
    scrap streams), ``window`` (w0, w1, bin width), ``state`` and ``traces``.
    The block is inlined into :func:`advance` (``inline="always"``, which the
    packing makes possible): a call passed some 250 machine words per station
    and block, about 12 % of the engine's time (docs/performance.md).

    Returns (parts taken in, parts passed on, heap overflow?).
    """
    ring_off, buffers, proc_d, fail_mode, fail_p, ttf_d, rep_d, scrap_q, dk, dp, dv = line
    process_gen, fail_gen, repair_gen, scrap_gen = streams
    w0, w1, bin_width = window
    sf, si, acc, cnt, buf_acc, ring, li, heap, dep_bins, scrap_bins = state
    dep_trace, scrap_trace, trace_n, act_trace, act_n = traces
    n = proc_d.shape[0]
    first = i == 0
    last = i == n - 1
    mode = fail_mode[i]
    busy_failures = mode == BUSY_TIME
    cycle_failures = mode == PER_CYCLE
    has_scrap = scrap_q[i] > 0.0
    # Station state in locals for the whole block. Mechanisms the station
    # lacks get counters that never fire (and are not stored back).
    last_dep = sf[i, LAST_DEP]
    ttf = sf[i, TTF_LEFT] if busy_failures else np.inf
    act_start = sf[i, ACT_START]
    act_end = sf[i, ACT_END]
    next_edge = sf[i, NEXT_EDGE]
    never = np.int64(1) << 62
    cycles_to_fail = si[i, CYCLES_TO_FAIL] if cycle_failures else never
    parts_to_scrap = si[i, PARTS_TO_SCRAP] if has_scrap else never
    b = si[i, BIN]
    bin_count = si[i, BIN_COUNT]
    busy = acc[i, BUSY]
    blocked = acc[i, BLOCKED]
    processed = cnt[i, PROCESSED]
    scrapped_n = cnt[i, SCRAPPED]
    periods = cnt[i, ACTIVE_PERIODS]
    buffered = 0.0 if first else buf_acc[i - 1]
    act_row = act_trace[i]
    n_act = act_n[i]
    n_trace = trace_n[i]
    # Where this station writes its departures (its own ring, read upstream;
    # station 1 has none and gets a placeholder it never writes)...
    own = ring[:1] if first else _ring(ring, ring_off, i - 1)
    own_pos = si[i, RING_POS]
    own_top = own.shape[0] - 1
    # ... and where it reads the downstream departures that unblock it: part
    # m's departure from station i+1 lies B_i + 1 slots behind its next write.
    down = ring[:1] if last else _ring(ring, ring_off, i)
    down_pos = 0 if last else (si[i + 1, RING_POS] - buffers[i] - 1) % down.shape[0]
    down_top = down.shape[0] - 1
    d = proc_d[i]
    deterministic = dk[d] == DETERMINISTIC
    work = dp[d, 0]  # the process time of the part at hand
    per_bin = 1.0 / bin_width
    passed = 0
    overflow = False
    drawn = False
    j = 0
    while j < count:
        # Fast runs: as long as no ring wraps, no counted event (per-cycle
        # failure, scrap) falls inside and nothing needs clipping or a departure trace.
        if n_trace >= dep_trace.shape[1] and act_start >= w0 and (first or times[j] >= w0):
            steps = min(count - j, min(cycles_to_fail, parts_to_scrap) - 1)
            if not first:
                steps = min(steps, own_top + 1 - own_pos)
            if not last:
                steps = min(steps, down_top + 1 - down_pos)
            if deterministic and busy_failures:
                clear = _parts_clear_of_failure(ttf, work)
                if clear < steps:
                    steps = int(clear) - 1 if clear >= 1.0 else 0
            if steps > 0:
                gap = j - passed
                departures = times[passed:]
                fast_args = (
                    steps, times[j:], departures, rels[j:], rels[passed:], gap > 0 and not first,
                    departures if first else own[own_pos:], times if last else down[down_pos:],
                    floor, gate, min(next_edge, w1), deterministic, process_gen, dk[d], dp[d],
                    dv, work, last_dep, act_start, act_end, ttf, buffered, busy, blocked, periods,
                    act_row, n_act,
                )  # fmt: skip
                fast = _fast_run(first, last, n_act < act_row.shape[0], fast_args)
                (done_fast, drawn, work, last_dep, act_start, act_end, ttf, buffered, busy,
                 blocked, periods, n_act) = fast  # fmt: skip
                j += done_fast
                passed += done_fast
                processed += done_fast
                bin_count += done_fast
                cycles_to_fail -= done_fast
                parts_to_scrap -= done_fast
                own_pos = (own_pos + done_fast) % (own_top + 1)
                down_pos = (down_pos + done_fast) % (down_top + 1)
                if done_fast == steps:
                    continue
        if j == count:
            break
        # One part by the full rules.
        idle_since = last_dep
        if first:
            arrival = idle_since if idle_since > floor else floor
            if arrival >= w1:
                break
            rels[j] = arrival
        else:
            arrival = times[j]
        start = idle_since if idle_since > arrival else arrival
        if start != act_end:
            periods, n_act = _close_period(act_start, act_end, periods, act_row, n_act, w0, w1)
            act_start = start
        t = start
        if cycle_failures:
            cycles_to_fail -= 1
            if cycles_to_fail == 0:
                t, cycles_to_fail = _fail_at_cycle_start(
                    i, t, fail_p, rep_d, dk, dp, dv, fail_gen, repair_gen, acc, w0, w1
                )
        if not (deterministic or drawn):
            work = draw(process_gen, dk[d], dp[d], dv)
        drawn = False
        rest = work
        if ttf < rest:
            t, rest, ttf, busy_before = _fail_while_busy(
                i, t, rest, ttf, ttf_d, rep_d, dk, dp, dv, fail_gen, repair_gen, acc, w0, w1
            )
            busy += busy_before
        ttf -= rest
        done = t + rest
        processed += done >= w0 and done < w1
        scrapped = False
        if has_scrap:
            parts_to_scrap -= 1
            if parts_to_scrap == 0:
                scrapped = True
                parts_to_scrap = draw_geometric_count(scrap_gen, scrap_q[i])
        if scrapped:
            dep = done
        elif last:
            dep = done if done > gate else gate
        else:
            unblock = down[down_pos]
            dep = done if done > unblock else unblock
            down_pos = 0 if down_pos == down_top else down_pos + 1
        buffered += _clip(arrival, start, w0, w1)
        busy += _span(t, rest, w0, w1)
        blocked += _clip(done, dep, w0, w1)
        if scrapped:
            if dep < w1:
                scrap_bins[i, int(dep * per_bin)] += 1
                if dep >= w0:
                    scrapped_n += 1
        else:
            if dep >= next_edge:
                b, next_edge = _flush_bin(dep_bins[i], b, bin_count, dep, bin_width, w1)
                bin_count = 0
            bin_count += 1
            times[passed] = dep
            rels[passed] = rels[j]
            passed += 1
        act_end = done
        last_dep = dep
        if not first:
            own[own_pos] = dep
            own_pos = 0 if own_pos == own_top else own_pos + 1
        if n_trace < dep_trace.shape[1]:
            dep_trace[i, n_trace] = dep
            scrap_trace[i, n_trace] = scrapped
            n_trace += 1
        j += 1
        if scrapped and heap_on:
            bound = dep if first else sf[0, LAST_DEP]
            if not _push_scrap(heap, li, dep, bound):
                overflow = True
                break
    sf[i, LAST_DEP] = last_dep
    sf[i, ACT_START] = act_start
    sf[i, ACT_END] = act_end
    sf[i, NEXT_EDGE] = next_edge
    if busy_failures:
        sf[i, TTF_LEFT] = ttf
    if cycle_failures:
        si[i, CYCLES_TO_FAIL] = cycles_to_fail
    if has_scrap:
        si[i, PARTS_TO_SCRAP] = parts_to_scrap
    si[i, BIN] = b
    si[i, BIN_COUNT] = bin_count
    si[i, RING_POS] = own_pos
    if not first:
        buf_acc[i - 1] = buffered
    acc[i, BUSY] = busy
    acc[i, BLOCKED] = blocked
    cnt[i, PROCESSED] = processed
    cnt[i, SCRAPPED] = scrapped_n
    cnt[i, ACTIVE_PERIODS] = periods
    act_n[i] = n_act
    trace_n[i] = n_trace
    return j, passed, overflow


@kernel_function(nogil=True)
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
    camp_release,
    co_d,
    streams,
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
    times,
    rels,
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

    Parts go in blocks of at most ``times.shape[0]`` (which must not exceed the
    smallest buffer plus one): the block passes station 1, then station 2, and
    so on. The departures are those of part-by-part order exactly, because a
    part of the block is blocked only by downstream departures of parts released
    before the block. A block never crosses a lot's completion or the point
    where a campaign's release needs the outcome of scrapped parts. Station 1
    releases the first part of campaign ``c`` no earlier than ``camp_release[c]``
    (working time; a plan's release dates); a run whose next run is released
    later than station 1 could go on makes up its own scraps first, as before a
    changeover.

    Returns DONE, LOT_COMPLETED, LOTS_FULL or HEAP_OVERFLOW.
    """
    line = (ring_off, buffers, proc_d, fail_mode, fail_p, ttf_d, rep_d, scrap_q, dk, dp, dv)
    window = (w0, w1, bin_width)
    state = (sf, si, acc, cnt, buf_acc, ring, li, heap, dep_bins, scrap_bins)
    traces = (dep_trace, scrap_trace, trace_n, act_trace, act_n)
    n = proc_d.shape[0]
    n_camp = camp_target.shape[0]
    while True:
        if li[FINISHED] == 1:
            return DONE
        if li[N_LOTS] >= lots.shape[0]:
            return LOTS_FULL
        floor = -np.inf
        count = times.shape[0]
        heap_on = False
        old_scraps = 0
        if n_camp > 0:
            c = li[CAMP]
            if camp_target[c] >= 0:
                heap_on = True
                left = camp_target[c] - li[RELEASED]
                if left > 0:
                    count = min(count, left)
                    if li[RELEASED] == 0:
                        # A campaign's first part is released no earlier than its release time.
                        floor = camp_release[c]
                else:
                    nxt = (c + 1) % n_camp
                    release = sf[0, LAST_DEP]
                    old_scraps = li[OLD_SCRAPS]
                    count = 1
                    if old_scraps > 0:
                        # Scraps no release waits for: one part each, as a block.
                        count = min(times.shape[0], old_scraps)
                    elif li[HEAP_N] > 0 and (
                        # A next run released later than the line could go on
                        # waits like a changeover: this run makes up its own scraps.
                        camp_changeover[nxt] or camp_release[nxt] > release or heap[0] <= release
                    ):
                        floor, li[HEAP_N] = _heap_pop(heap, li[HEAP_N])
                    else:
                        # The run is complete: every part is good or (same
                        # product next) its later scraps are made up by the next run.
                        if camp_changeover[nxt]:
                            _changeover(
                                co_d, dk, dp, dv, streams, sf, acc, cnt, act_trace, act_n, w0, w1
                            )
                        li[CAMP] = nxt
                        li[RELEASED] = 0
                        continue
            count = min(count, camp_lot_size[li[OUT_CAMP]] - li[GOOD_IN_LOT])
            if old_scraps > 0:
                li[OLD_SCRAPS] -= count
        passed = count
        for i in range(n):
            base = STREAMS_PER_STATION * i
            station_streams = (
                stream(streams, base), stream(streams, base + 1), stream(streams, base + 2),
                stream(streams, base + 3),
            )  # fmt: skip
            taken, passed, overflow = _station_block(
                i, passed, times, rels, floor, line, station_streams, window, lf[GATE], heap_on,
                state, traces,
            )  # fmt: skip
            if overflow:
                return HEAP_OVERFLOW
            if i == 0:
                if taken == 0:
                    _finish(sf, si, cnt, act_trace, act_n, dep_bins, bin_width, w0, w1)
                    li[FINISHED] = 1
                    return DONE
                li[RELEASED] += taken
        if passed == 0:
            continue
        li[GOOD_TOTAL] += passed
        for j in range(passed):
            li[GOOD_WINDOW] += times[j] >= w0 and times[j] < w1
        if n_camp == 0:
            continue
        if li[GOOD_IN_LOT] == 0:
            lf[LOT_START] = rels[0]
        li[GOOD_IN_LOT] += passed
        oc = li[OUT_CAMP]
        if li[GOOD_IN_LOT] == camp_lot_size[oc]:
            row = li[N_LOTS]
            lots[row, LOT_START_COL] = lf[LOT_START]
            lots[row, LOT_END_COL] = times[passed - 1]
            lots[row, LOT_CAMPAIGN_COL] = oc
            li[N_LOTS] = row + 1
            li[GOOD_IN_LOT] = 0
            li[OUT_LOTS] += 1
            if li[OUT_LOTS] == camp_lots[oc]:
                li[OUT_CAMP] = (oc + 1) % n_camp
                li[OUT_LOTS] = 0
            if stop_each_lot:
                return LOT_COMPLETED
