"""One replication of one line: owns the kernel's state arrays and random streams."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lotflow.engine import layout as k
from lotflow.engine.compiled import LineArrays
from lotflow.native import entry
from lotflow.streams import stream_handles

LOT_TABLE_ROWS = 4096
MAX_BLOCK = 4096  # parts the kernel moves through the line station by station
STARVED_ROUNDING = 1e-9  # share of the window below which a starved time is rounding


@dataclass(frozen=True)
class Trace:
    """Optional per-station records for verification and bottleneck analysis.

    ``departures`` keeps the first ``departures`` departure times of every
    station (scrapped parts included); ``active_periods`` the first that many
    active periods (busy, down or setup, clipped to the window)."""

    departures: int = 0
    active_periods: int = 0


@dataclass
class LineRaw:
    """What one replication of one line produced, in working time.

    ``state_time[i]`` holds the time station ``i`` spent busy, starved,
    blocked, down and in setup inside the window; ``buffer_time[b]`` the
    integral of buffer ``b``'s level over the window; ``lots`` rows of
    (start, end, campaign run). ``departure_bins[i, b]`` counts the good parts
    station ``i`` passed on (for the last station: the line's output) in
    working-time bin ``b`` of ``bin_width`` from time 0, ``scrap_bins[i, b]`` the
    parts it scrapped. The parts between the departure from station ``i`` and
    from station ``i+1`` (buffer ``i`` plus station ``i+1``) at a bin edge are the
    cumulative difference of these counters, exactly.
    """

    name: str
    good: int
    processed: np.ndarray
    scrapped: np.ndarray
    state_time: np.ndarray
    active_time: np.ndarray
    active_periods: np.ndarray
    buffer_time: np.ndarray
    lots: np.ndarray
    departure_bins: np.ndarray
    scrap_bins: np.ndarray

    @property
    def output_bins(self) -> np.ndarray:
        """Good parts leaving the line per bin."""
        return self.departure_bins[-1]

    def wip_between(self, i: int) -> np.ndarray:
        """Parts in buffer ``i`` plus station ``i+1`` at each bin's end."""
        entered = np.cumsum(self.departure_bins[i])
        left = np.cumsum(self.departure_bins[i + 1] + self.scrap_bins[i + 1])
        return entered - left

    departures: list[np.ndarray] = field(default_factory=list)
    scrap_flags: list[np.ndarray] = field(default_factory=list)
    active_intervals: list[np.ndarray] = field(default_factory=list)
    active_trace_capacity: int = 0


def spawn_generators(seed: np.random.SeedSequence, n: int) -> tuple[np.random.Generator, ...]:
    """``n`` independent Generators, one per random source."""
    return tuple(np.random.default_rng(child) for child in seed.spawn(n))


class LineRun:
    """A line being simulated over the working-time window ``[w0, w1)``.

    ``advance(stop_each_lot=True)`` returns after each completed lot so that a
    plant model can react (and set ``gate``, the earliest working time the last
    station may release its next part); ``run()`` goes to the end.
    """

    def __init__(
        self,
        arrays: LineArrays,
        generators: tuple[np.random.Generator, ...],
        w0: float,
        w1: float,
        bin_width: float,
        trace: Trace | None = None,
    ) -> None:
        if len(generators) != arrays.n_streams:
            raise ValueError(f"line {arrays.name} needs {arrays.n_streams} random streams")
        self.arrays = arrays
        self.gens = generators
        self.streams = stream_handles(generators)  # what the kernel draws from
        self.w0, self.w1, self.bin_width = float(w0), float(w1), float(bin_width)
        trace = trace or Trace()
        n = arrays.n_stations
        wip = n + int(arrays.buffers.sum())
        block = min(MAX_BLOCK, int(arrays.buffers.min()) + 1 if n > 1 else MAX_BLOCK)
        rings = k.ring_lengths(arrays.buffers, block)
        self.state = k.empty_state(n, rings, wip + 8, min(self.bin_width, self.w1))
        self.ring_off = np.concatenate([[0], np.cumsum(rings)[:-1]]).astype(np.int64)
        self.lot_table = np.zeros((LOT_TABLE_ROWS, k.N_LOT_COLS))
        self.block_times = np.zeros(block)
        self.block_releases = np.zeros(block)
        n_bins = int(self.w1 // self.bin_width) + 1
        self.dep_bins = np.zeros((n, n_bins), dtype=np.int64)
        self.scrap_bins = np.zeros((n, n_bins), dtype=np.int64)
        self.dep_trace = np.zeros((n, trace.departures))
        self.scrap_trace = np.zeros((n, trace.departures), dtype=np.bool_)
        self.trace_n = np.zeros(n, dtype=np.int64)
        self.act_trace = np.zeros((n, trace.active_periods, 2))
        self.act_n = np.zeros(n, dtype=np.int64)
        self._lots: list[np.ndarray] = []
        # the kernel compiled for this line's argument types
        self._compiled: Callable[..., Any] | None = None
        init = self.init_args()
        entry("init_state", init)(*init)

    @property
    def gate(self) -> float:
        return float(self.state["lf"][k.GATE])

    @gate.setter
    def gate(self, value: float) -> None:
        self.state["lf"][k.GATE] = value

    @property
    def finished(self) -> bool:
        return bool(self.state["li"][k.FINISHED])

    def advance(self, stop_each_lot: bool) -> int:
        """Run the kernel; collect completed lots. Returns the kernel's code."""
        while True:
            code = self._kernel(stop_each_lot)
            self._collect_lots()
            if code == k.HEAP_OVERFLOW:
                raise RuntimeError(
                    f"line {self.arrays.name}: scrap bookkeeping overflow (engine bug)"
                )
            if code != k.LOTS_FULL:
                return code

    def init_args(self) -> tuple:
        """Arguments of :func:`lotflow.engine.line.init_state` for this line:
        the stations' first failure and scrap counts, drawn into the state."""
        a = self.arrays
        return (
            a.fail_mode, a.fail_p, a.ttf_d, a.scrap_q, a.dist_kinds, a.dist_params,
            a.dist_values, self.streams, self.state["sf"], self.state["si"],
        )  # fmt: skip

    def kernel_args(self, stop_each_lot: bool) -> tuple:
        """Arguments of :func:`lotflow.engine.line.advance` on this line's arrays."""
        a, s = self.arrays, self.state
        before = (
            a.buffers, self.ring_off, a.proc_d, a.fail_mode, a.fail_p, a.ttf_d, a.rep_d,
            a.scrap_q, a.dist_kinds, a.dist_params, a.dist_values, a.camp_target,
            a.camp_lots, a.camp_lot_size, a.camp_changeover, a.camp_release, a.changeover_d,
            self.streams, self.w0, self.w1, self.bin_width,
        )  # fmt: skip
        after = (
            s["sf"], s["si"], s["acc"], s["cnt"], s["buf_acc"], s["ring"], s["li"], s["lf"],
            s["heap"], self.block_times, self.block_releases, self.lot_table, self.dep_bins,
            self.scrap_bins, self.dep_trace, self.scrap_trace, self.trace_n, self.act_trace,
            self.act_n,
        )  # fmt: skip
        return (*before, stop_each_lot, *after)

    def _kernel(self, stop_each_lot: bool) -> int:
        """One call of :func:`lotflow.engine.line.advance` on this line's arrays.

        Every line has the same argument types (the random streams come as
        one array of handles, :mod:`lotflow.streams`), so one compiled kernel
        serves every line; its code is looked up once per line
        (:func:`lotflow.native.entry`) rather than typed at every call."""
        args = self.kernel_args(stop_each_lot)
        if self._compiled is None:
            self._compiled = entry("advance", args)
        return self._compiled(*args)

    def snapshot(self) -> dict:
        """A copy of everything that advancing changes, for :meth:`restore`.

        Full trace tables no longer change and are shared, not copied."""
        copied = {key: value.copy() for key, value in self.state.items()}
        for name in ("dep_bins", "scrap_bins", "trace_n", "act_n"):
            copied[name] = getattr(self, name).copy()
        for name, count in (("act_trace", self.act_n), ("dep_trace", self.trace_n)):
            table = getattr(self, name)
            full = bool(np.all(count >= table.shape[1]))
            copied[name] = table if full else table.copy()
        if not bool(np.all(self.trace_n >= self.scrap_trace.shape[1])):
            copied["scrap_trace"] = self.scrap_trace.copy()
        copied["lots"] = len(self._lots)
        copied["generators"] = [g.bit_generator.state for g in self.gens]
        return copied

    def restore(self, snap: dict) -> None:
        """Return to the moment ``snap`` was taken (random streams included)."""
        for key in self.state:
            self.state[key][...] = snap[key]
        for name in ("dep_bins", "scrap_bins", "trace_n", "act_n", "act_trace", "dep_trace"):
            target = getattr(self, name)
            if snap[name] is not target:
                target[...] = snap[name]
        if "scrap_trace" in snap:
            self.scrap_trace[...] = snap["scrap_trace"]
        del self._lots[snap["lots"] :]
        for gen, state in zip(self.gens, snap["generators"], strict=True):
            gen.bit_generator.state = state

    def _collect_lots(self) -> None:
        count = int(self.state["li"][k.N_LOTS])
        if count:
            self._lots.append(self.lot_table[:count].copy())
            self.state["li"][k.N_LOTS] = 0

    def last_lot(self) -> np.ndarray:
        """The (start, end, campaign run) row of the most recently completed lot."""
        return self._lots[-1][-1]

    def run(self) -> LineRaw:
        """Simulate to the end of the window and return the raw results."""
        while not self.finished:
            self.advance(stop_each_lot=False)
        return self.raw()

    def _state_time(self) -> np.ndarray:
        """Busy, starved, blocked, down and setup time of each station in the window.

        Starved is the rest of the window. A rest within rounding of the sums
        (below ``STARVED_ROUNDING`` of the window, either sign) is read as 0."""
        acc = self.state["acc"]
        window = self.w1 - self.w0
        starved = window - (acc[:, k.BUSY] + acc[:, k.BLOCKED] + acc[:, k.DOWN] + acc[:, k.SETUP])
        starved[np.abs(starved) <= STARVED_ROUNDING * window] = 0.0
        return np.column_stack(
            [acc[:, k.BUSY], starved, acc[:, k.BLOCKED], acc[:, k.DOWN], acc[:, k.SETUP]]
        )

    def raw(self) -> LineRaw:
        s = self.state
        acc, cnt = s["acc"], s["cnt"]
        lots = np.concatenate(self._lots) if self._lots else np.zeros((0, k.N_LOT_COLS))
        return LineRaw(
            name=self.arrays.name,
            good=int(s["li"][k.GOOD_WINDOW]),
            processed=cnt[:, k.PROCESSED].copy(),
            scrapped=cnt[:, k.SCRAPPED].copy(),
            state_time=self._state_time(),
            active_time=acc[:, k.BUSY] + acc[:, k.DOWN] + acc[:, k.SETUP],
            active_periods=cnt[:, k.ACTIVE_PERIODS].copy(),
            buffer_time=s["buf_acc"].copy(),
            lots=lots,
            departure_bins=self.dep_bins.copy(),
            scrap_bins=self.scrap_bins.copy(),
            departures=[
                self.dep_trace[i, : self.trace_n[i]].copy() for i in range(len(self.trace_n))
            ],
            scrap_flags=[
                self.scrap_trace[i, : self.trace_n[i]].copy() for i in range(len(self.trace_n))
            ],
            active_intervals=[
                self.act_trace[i, : self.act_n[i]].copy() for i in range(len(self.act_n))
            ],
        )
