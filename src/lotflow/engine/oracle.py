"""The flow-line rules of model.md as a plain SimPy model: the reference for the fast engine.

Slow, written to be read. :func:`simulate_line_oracle` takes the same
:class:`~lotflow.engine.compiled.LineArrays` and the same random streams as
:class:`~lotflow.engine.line_run.LineRun` and draws every random number from
the same stream, in the same order, with the same samplers
(:func:`lotflow.draws.draw`, :func:`lotflow.draws.draw_geometric_count`), so
the two models must agree part by part. The test
``tests/test_oracle_equivalence.py`` checks that they do.

How the rules are built (one SimPy process per station):

- **Parts** are objects that flow through ``simpy.Store`` buffers, first in
  first out. A part is *in buffer i* from its departure from station i until
  station i+1 starts it.
- **Blocking after service (BAS).** Buffer i and the work position of station
  i+1 together hold at most ``B_i + 1`` parts. That capacity is a
  ``simpy.Container`` of ``B_i + 1`` space tokens: station i takes a token
  before its finished part may leave (it is *blocked* while it waits), and
  station i+1 gives it back when the part leaves station i+1 (downstream,
  scrapped or out of the line). SimPy grants a token given back at time t at
  time t, so unblocking is immediate; a part put into a buffer that an idle
  station waits on starts at once (zero transfer time).
- **Station 1** is never starved: it starts a new part as soon as it is free,
  unless the campaign rule holds it back, and starts none at or after the end
  ``w1`` of the window (working time). The simulation then runs until every
  released part has left.
- **Processing**: one draw per part from stream ``4 i`` (deterministic
  distributions consume nothing), made when the station starts the part.
- **Failures** (stream ``4 i + 1`` for the time or cycles to failure, ``4 i + 2``
  for repairs; first draw at time 0):

  * ``per_cycle``: a count of cycles to the next failure, geometric with the
    failure probability. Each part the station starts counts one cycle; when
    the count reaches zero the station is *down* for a repair before it
    processes that part, then the count is drawn anew. The part is processed in
    full after the repair.
  * ``busy_time``: a time to failure measured in busy time. While it is
    strictly shorter than the work left on the part, the station is busy for
    it, then down for a repair, then a new time to failure is drawn; the work
    left is then done and the time to failure shrinks by it (preemptive
    resume; a time to failure of exactly the work left fails at the start of
    the next part).
- **Scrap** (stream ``4 i + 3``): a geometric count of parts to the next scrap,
  drawn at time 0 and anew after each scrap. Each completed part counts one;
  the part on which it reaches zero is scrapped: it leaves the station and the
  line at completion, not blocked, counted as scrap at that station.
- **The last station** releases a good part at ``max(completion, gate)``
  (``gate`` in working time, the plant's backpressure; 0 = none).
- **Campaigns** (``arrays.camp_target`` not empty): run ``c`` must yield
  ``camp_target[c]`` good parts (-1 = infinite). Station 1 starts a part of
  run c only while *parts released in c - parts scrapped since c began (by
  now)* is below the target; otherwise it waits for the next scrap. When that
  difference equals the target the run is done releasing, and the next run is
  ``(c + 1) % C``:

  * ``camp_changeover[next]``: the line runs empty (station 1 waits until
    every released part has left), then every station is in *setup* for a
    changeover time drawn from stream ``4 S``, then the next run starts.
  * otherwise (same product, no changeover) the next run starts at once: the
    line does not run empty, and a part of the previous run scrapped later
    counts as a scrap of the current run (it lets one more part in). The
    good parts are the same product, so the lots below stay exact.

  Good parts leaving the line fill lots in output order: run c takes
  ``camp_lots[c]`` lots (-1 = infinite) of ``camp_lot_size[c]`` parts, then
  lots go to the next run. A lot is recorded as (start = when station 1
  started its first good part, end = when its last part left the line, run c).
  At each changeover the oracle asserts that the finished run filled exactly
  its lots (no part more, none less).
- **States**: *busy* (processing), *down* (in repair), *blocked* (holding a
  finished part), *setup* (changeover), *starved* (otherwise: no part to start,
  including station 1 held back by the campaign rule or waiting for the line to
  run empty). Time in each state, and each buffer's level, are integrated over
  the window ``[w0, w1)``.
- **Counts**: a part is *processed* / *scrapped* at a station when it
  completes there inside the window; *good* parts are those leaving the last
  station unscrapped inside the window.
- **Calendar** (optional): the model then runs in *wall-clock* time. Every
  delay of working length d ends at the first wall time at which d working
  time has passed (found by walking the shift intervals, so a delay that ends
  exactly at a shift end ends there, not at the next shift start); nothing
  progresses off shift, and the model starts at the first working instant.
  Departures and lot times are reported in wall time; state times and buffer
  integrals count on-shift time only (so they equal the working-time figures
  of the fast engine), and ``off_shift`` is the off-shift time in the wall
  window. The window ``[w0, w1)``, ``gate`` and the release horizon are given
  in working time and converted the same way.

Units: the scenario's time unit throughout.
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass

import numpy as np
import simpy
from simpy.events import NORMAL

from lotflow.draws import draw, draw_geometric_count
from lotflow.engine.compiled import (
    BUSY_TIME,
    FAILURE_STREAM,
    INFINITE,
    PER_CYCLE,
    PROCESS_STREAM,
    REPAIR_STREAM,
    SCRAP_STREAM,
    STREAMS_PER_STATION,
    LineArrays,
)

BUSY, STARVED, BLOCKED, DOWN, SETUP = range(5)
STATE_NAMES = ("busy", "starved", "blocked", "down", "setup")


@dataclass
class OracleResult:
    """What the oracle observed; the same quantities as :class:`LineRaw`.

    ``departures[i]`` / ``scrap_flags[i]``: every departure from station i in
    order (scrapped parts included), in wall time when a calendar is given.
    ``state_time[i]``: time of station i busy, starved, blocked, down, setup in
    the window (on-shift time with a calendar). ``buffer_time[b]``: integral of
    buffer b's level over the window. ``lots``: rows (start, end, campaign run).
    ``off_shift``: off-shift wall time inside the window (0 without calendar).
    """

    departures: list[list[float]]
    scrap_flags: list[list[bool]]
    state_time: np.ndarray
    buffer_time: np.ndarray
    good: int
    processed: np.ndarray
    scrapped: np.ndarray
    lots: np.ndarray
    off_shift: float = 0.0


class _Clock:
    """Working time -> wall time, by walking the calendar's shift intervals.

    Without a calendar every instant is working time and the clock is the
    identity (``after(t, d) == t + d``, the same floating-point operation as
    the fast engine's).
    """

    def __init__(self, calendar) -> None:
        self.calendar = calendar
        if calendar is not None:
            self.starts = [float(s) for s in calendar.starts]
            self.ends = [float(e) for e in calendar.ends]
            self.period = float(calendar.period)

    def _shift(self, n: int, j: int) -> tuple[float, float]:
        """Wall bounds of shift j of period n."""
        offset = n * self.period
        return self.starts[j] + offset, self.ends[j] + offset

    def _first_shift_ending_at_or_after(self, t: float) -> tuple[int, int]:
        n = math.floor(t / self.period)
        j = bisect.bisect_left(self.ends, t - n * self.period)
        if j == len(self.ends):
            n, j = n + 1, 0
        return n, j

    def after(self, t: float, d: float) -> float:
        """The first wall time at which working time ``d`` has passed since wall time ``t``."""
        if self.calendar is None:
            return t + d
        n, j = self._first_shift_ending_at_or_after(t)
        while True:
            start, end = self._shift(n, j)
            t = max(t, start)
            room = end - t
            if d <= room:
                return t + d
            d -= room
            j += 1
            if j == len(self.ends):
                n, j = n + 1, 0

    def on_shift(self, a: float, b: float) -> float:
        """Working time inside the wall interval ``[a, b)``."""
        if b <= a:
            return 0.0
        if self.calendar is None:
            return b - a
        total = 0.0
        n, j = self._first_shift_ending_at_or_after(a)
        while True:
            start, end = self._shift(n, j)
            if start >= b:
                return total
            total += max(0.0, min(end, b) - max(start, a))
            j += 1
            if j == len(self.ends):
                n, j = n + 1, 0


class _TimeIntegral:
    """Time-weighted bookkeeping of one piecewise-constant quantity over a window."""

    def __init__(self, clock: _Clock, t0: float, w0: float, w1: float) -> None:
        self.clock, self.w0, self.w1 = clock, w0, w1
        self.since = t0

    def _in_window(self, now: float) -> float:
        length = self.clock.on_shift(max(self.since, self.w0), min(now, self.w1))
        self.since = now
        return length


class _StateLog(_TimeIntegral):
    """A station's state and the (on-shift) time it spent in each inside the window."""

    def __init__(self, clock, t0, w0, w1) -> None:
        super().__init__(clock, t0, w0, w1)
        self.state = STARVED
        self.totals = np.zeros(5)

    def set(self, now: float, state: int) -> None:
        self.totals[self.state] += self._in_window(now)
        self.state = state


class _LevelLog(_TimeIntegral):
    """A buffer's level and its (on-shift) time integral inside the window."""

    def __init__(self, clock, t0, w0, w1) -> None:
        super().__init__(clock, t0, w0, w1)
        self.level = 0
        self.integral = 0.0

    def change(self, now: float, delta: int) -> None:
        self.integral += self.level * self._in_window(now)
        self.level += delta


class _At(simpy.Event):
    """A timeout at an absolute time.

    ``env.timeout(t - now)`` would fire at ``now + (t - now)``, which rounding
    can move off ``t`` by an ulp (and no delay lands exactly on some ``t``);
    the gate and the calendar need the exact instant. Scheduled like SimPy's
    own ``Timeout`` (normal priority, in creation order).
    """

    def __init__(self, env: simpy.Environment, t: float) -> None:
        if not t >= env.now:
            raise ValueError(f"cannot wait until {t}: it is already {env.now}")
        super().__init__(env)
        self._ok = True
        self._value = None
        heapq.heappush(env._queue, (t, NORMAL, next(env._eid), self))


@dataclass
class _Part:
    number: int
    released: float  # wall time station 1 started it


class _LineOracle:
    """One line as SimPy processes; see the module docstring for the rules."""

    def __init__(self, arrays: LineArrays, generators, w0, w1, gate, calendar) -> None:
        if len(generators) != arrays.n_streams:
            raise ValueError(f"line {arrays.name} needs {arrays.n_streams} random streams")
        self.a = arrays
        self.gens = generators
        self.n = arrays.n_stations
        self.clock = _Clock(calendar)
        origin = self.clock.after(0.0, 0.0)  # the first working instant
        self.env = simpy.Environment(initial_time=origin)
        # Window, release horizon and gate: working times -> wall times.
        self.w0 = self.clock.after(0.0, float(w0))
        self.w1 = self.clock.after(0.0, float(w1))
        self.gate = self.clock.after(0.0, float(gate)) if gate > 0 else -math.inf
        self.off_shift = (self.w1 - self.w0) - self.clock.on_shift(self.w0, self.w1)

        a = arrays
        self.buffers = [simpy.Store(self.env) for _ in range(self.n - 1)]
        self.space = [
            simpy.Container(self.env, capacity=int(b) + 1, init=int(b) + 1) for b in a.buffers
        ]
        self.levels = [_LevelLog(self.clock, origin, self.w0, self.w1) for _ in self.buffers]
        self.states = [_StateLog(self.clock, origin, self.w0, self.w1) for _ in range(self.n)]
        self.departures: list[list[float]] = [[] for _ in range(self.n)]
        self.scrap_flags: list[list[bool]] = [[] for _ in range(self.n)]
        self.processed = np.zeros(self.n, dtype=np.int64)
        self.scrapped = np.zeros(self.n, dtype=np.int64)
        self.good = 0

        # Time 0: first time / cycles to failure and parts to scrap of each station.
        self.ttf = [0.0] * self.n
        self.cycles_to_fail = [0] * self.n
        self.parts_to_scrap = [0] * self.n
        for i in range(self.n):
            if a.fail_mode[i] == BUSY_TIME:
                self.ttf[i] = self._draw(i, FAILURE_STREAM, a.ttf_d[i])
            elif a.fail_mode[i] == PER_CYCLE:
                self.cycles_to_fail[i] = int(
                    draw_geometric_count(self._gen(i, FAILURE_STREAM), a.fail_p[i])
                )
            if a.scrap_q[i] > 0.0:
                self.parts_to_scrap[i] = int(
                    draw_geometric_count(self._gen(i, SCRAP_STREAM), a.scrap_q[i])
                )

        # Campaign bookkeeping (release side and output side).
        self.n_camp = len(a.camp_target)
        self.camp = 0  # run being released
        self.released_in_run = 0
        self.scrapped_in_run = 0
        self.in_line = 0  # parts released and not yet out (good or scrap)
        self.n_released = 0
        self.wakeup: simpy.Event | None = None
        self.out_run = 0  # run the next lot belongs to
        self.out_lots = 0
        self.good_in_lot = 0
        self.lot_start = 0.0
        self.lots: list[tuple[float, float, int]] = []

        for i in range(self.n):
            self.env.process(self._station(i))

    # --- helpers ----------------------------------------------------------------------

    def _gen(self, i: int, stream: int):
        return self.gens[STREAMS_PER_STATION * i + stream]

    def _draw(self, i: int, stream: int, row: int) -> float:
        a = self.a
        return float(
            draw(self._gen(i, stream), a.dist_kinds[row], a.dist_params[row], a.dist_values)
        )

    def _until(self, t: float) -> simpy.Event:
        """An event that fires exactly at wall time ``t`` (>= now)."""
        return _At(self.env, t)

    def _set_state(self, i: int, state: int) -> None:
        self.states[i].set(self.env.now, state)

    def _hold(self, i: int, state: int, working: float):
        """Station i spends ``working`` working time in ``state``."""
        self._set_state(i, state)
        yield self._until(self.clock.after(self.env.now, working))

    def _in_window(self, t: float) -> bool:
        return self.w0 <= t < self.w1

    def _notify_release(self) -> None:
        """A part left the line (scrap or out): station 1 may be waiting for that."""
        if self.wakeup is not None and not self.wakeup.triggered:
            self.wakeup.succeed()

    # --- station 1: release and campaigns -----------------------------------------------

    def _release(self):
        """Wait until station 1 may start a new part; return it, or None past the horizon."""
        a = self.a
        while True:
            if self.env.now >= self.w1:
                return None
            if self.n_camp > 0:
                target = a.camp_target[self.camp]
                if target != INFINITE and self.released_in_run - self.scrapped_in_run >= target:
                    nxt = (self.camp + 1) % self.n_camp
                    if a.camp_changeover[nxt]:
                        if self.in_line > 0:  # wait for a scrap or for the line to run empty
                            self.wakeup = self.env.event()
                            yield self.wakeup
                            continue
                        yield from self._changeover(nxt)
                    self.camp = nxt
                    self.released_in_run = 0
                    self.scrapped_in_run = 0
                    continue
            self.released_in_run += 1
            self.in_line += 1
            self.n_released += 1
            return _Part(self.n_released, self.env.now)

    def _changeover(self, nxt: int):
        """The (empty) line changes over to run ``nxt``: every station in setup."""
        a = self.a
        assert self.good_in_lot == 0 and self.out_run == nxt and self.out_lots == 0, (
            "the finished run did not yield exactly its lots"
        )
        length = float(
            draw(
                self.gens[STREAMS_PER_STATION * self.n],
                a.dist_kinds[a.changeover_d],
                a.dist_params[a.changeover_d],
                a.dist_values,
            )
        )
        for i in range(self.n):
            self._set_state(i, SETUP)
        yield self._until(self.clock.after(self.env.now, length))
        for i in range(self.n):
            self._set_state(i, STARVED)

    # --- every station ------------------------------------------------------------------

    def _work(self, i: int):
        """Failures and processing of the part station i has just started."""
        a = self.a
        if a.fail_mode[i] == PER_CYCLE:
            self.cycles_to_fail[i] -= 1
            if self.cycles_to_fail[i] == 0:
                yield from self._hold(i, DOWN, self._draw(i, REPAIR_STREAM, a.rep_d[i]))
                self.cycles_to_fail[i] = int(
                    draw_geometric_count(self._gen(i, FAILURE_STREAM), a.fail_p[i])
                )
        work = self._draw(i, PROCESS_STREAM, a.proc_d[i])
        if a.fail_mode[i] == BUSY_TIME:
            while self.ttf[i] < work:
                yield from self._hold(i, BUSY, self.ttf[i])
                work -= self.ttf[i]
                yield from self._hold(i, DOWN, self._draw(i, REPAIR_STREAM, a.rep_d[i]))
                self.ttf[i] = self._draw(i, FAILURE_STREAM, a.ttf_d[i])
            self.ttf[i] -= work
        yield from self._hold(i, BUSY, work)

    def _scrap_decision(self, i: int) -> bool:
        """Count one completed part at station i; True if it is the one to scrap."""
        q = self.a.scrap_q[i]
        if q <= 0.0:
            return False
        self.parts_to_scrap[i] -= 1
        if self.parts_to_scrap[i] > 0:
            return False
        self.parts_to_scrap[i] = int(draw_geometric_count(self._gen(i, SCRAP_STREAM), q))
        return True

    def _depart(self, i: int, scrapped: bool) -> None:
        """The part leaves station i now: record it, free station i's work position."""
        self.departures[i].append(self.env.now)
        self.scrap_flags[i].append(scrapped)
        if i > 0:
            self.space[i - 1].put(1)
        self._set_state(i, STARVED)

    def _station(self, i: int):
        env = self.env
        last = i == self.n - 1
        while True:
            # Get a part (the station is starved meanwhile).
            if i == 0:
                part = yield from self._release()
                if part is None:
                    return
            else:
                part = yield self.buffers[i - 1].get()
                self.levels[i - 1].change(env.now, -1)

            yield from self._work(i)
            done = env.now
            if self._in_window(done):
                self.processed[i] += 1

            if self._scrap_decision(i):
                if self._in_window(done):
                    self.scrapped[i] += 1
                self._depart(i, scrapped=True)
                self.in_line -= 1
                self.scrapped_in_run += 1
                self._notify_release()
                continue

            # Blocking after service: wait for space downstream (or for the gate).
            self._set_state(i, BLOCKED)
            if not last:
                yield self.space[i].get(1)
            elif self.gate > env.now:
                yield self._until(self.gate)
            self._depart(i, scrapped=False)
            if not last:
                self.levels[i].change(env.now, +1)
                yield self.buffers[i].put(part)
            else:
                self._leave_line(part)

    def _leave_line(self, part: _Part) -> None:
        """A good part leaves the last station: count it and fill the lots."""
        now = self.env.now
        if self._in_window(now):
            self.good += 1
        self.in_line -= 1
        self._notify_release()
        if self.n_camp == 0:
            return
        a = self.a
        if self.good_in_lot == 0:
            self.lot_start = part.released
        self.good_in_lot += 1
        if self.good_in_lot == a.camp_lot_size[self.out_run]:
            self.lots.append((self.lot_start, now, self.out_run))
            self.good_in_lot = 0
            self.out_lots += 1
            if self.out_lots == a.camp_lots[self.out_run]:
                self.out_run = (self.out_run + 1) % self.n_camp
                self.out_lots = 0

    # --- run ----------------------------------------------------------------------------

    def simulate(self) -> OracleResult:
        self.env.run()
        assert self.in_line == 0, "parts left in the line"
        end = max(self.env.now, self.w1)
        for log in self.states:
            log.set(end, log.state)
        for level in self.levels:
            level.change(end, 0)
        return OracleResult(
            departures=self.departures,
            scrap_flags=self.scrap_flags,
            state_time=np.array([log.totals for log in self.states]).reshape(self.n, 5),
            buffer_time=np.array([log.integral for log in self.levels]),
            good=self.good,
            processed=self.processed,
            scrapped=self.scrapped,
            lots=np.array(self.lots, dtype=np.float64).reshape(len(self.lots), 3),
            off_shift=self.off_shift,
        )


def simulate_line_oracle(
    arrays: LineArrays,
    generators: tuple[np.random.Generator, ...],
    w0: float,
    w1: float,
    gate: float = 0.0,
    calendar=None,
) -> OracleResult:
    """Simulate one line with the SimPy reference model (see the module docstring).

    ``generators``: ``arrays.n_streams`` numpy Generators, stream ``4 i + s``
    for station i and source s (process, failure, repair, scrap), the last for
    changeovers; they are consumed exactly as :class:`LineRun` consumes them.
    ``w0``, ``w1``: the observation window in working time; no part is started
    at or after ``w1``, and the run goes on until every started part has left.
    ``gate``: working time before which the last station releases no part
    (0 = none). ``calendar``: a :class:`lotflow.calendar.Calendar`; the model
    then runs in wall time (see the module docstring).
    """
    return _LineOracle(arrays, generators, w0, w1, gate, calendar).simulate()
