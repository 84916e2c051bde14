"""Lines computed ahead on threads while the plant model consumes their lots.

The plant model (SimPy) needs each line's lots in time order and may hold a
line back (its ``gate``) when staging is full. A :class:`LookaheadLine`
computes the line's next lots on a worker thread (the kernel releases the GIL)
under the gate in force, taking a snapshot after each lot. The plant consumes
lots as they are ready; if it sets a gate that changes the future (later than
the end of the last lot it consumed), the line returns to the snapshot of that
lot and computes again. The lots the plant sees are therefore exactly those
of a line advanced one lot at a time: results are bit-identical, only faster.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Executor, Future

from lotflow.engine import layout as kernel
from lotflow.engine.line_run import LineRun

LOTS_AHEAD = 3


class LookaheadLine:
    """The part of :class:`LineRun`'s interface the plant uses, computed ahead."""

    def __init__(self, run: LineRun, pool: Executor, lots_ahead: int = LOTS_AHEAD) -> None:
        self._run = run
        self._pool = pool
        self._lots_ahead = lots_ahead
        self._ready: deque = deque()
        self._pending: Future | None = None
        self._committed = run.snapshot()
        self._last_row = None
        self._last_end = 0.0
        self._gate = run.gate
        self._done = False  # the worker has computed DONE
        self._consumed_done = False  # the plant has seen DONE
        self._submit()

    @property
    def arrays(self):
        return self._run.arrays

    @property
    def state(self) -> dict:
        """The line's state arrays (after the work in flight is done)."""
        self._wait()
        return self._run.state

    @property
    def w1(self) -> float:
        return self._run.w1

    @property
    def finished(self) -> bool:
        return self._consumed_done

    @property
    def gate(self) -> float:
        return self._gate

    @gate.setter
    def gate(self, value: float) -> None:
        if value <= self._gate:
            return
        self._gate = value
        if value <= self._last_end:
            return  # every later part leaves after the last lot's end anyway
        self._wait()
        self._ready.clear()
        self._run.restore(self._committed)
        self._run.gate = value
        self._done = False
        self._submit()

    def advance(self, stop_each_lot: bool) -> int:
        """Like :meth:`LineRun.advance`; lot by lot from the look-ahead queue."""
        if not stop_each_lot:
            self._wait()
            self._ready.clear()
            self._run.restore(self._committed)
            self._run.gate = self._gate
            code = self._run.advance(stop_each_lot=False)
            self._consumed_done = code == kernel.DONE
            return code
        if not self._ready:
            self._wait()
            if not self._ready:
                self._submit()
                self._wait()
        code, row, snap = self._ready.popleft()
        self._committed = snap
        if code == kernel.LOT_COMPLETED:
            self._last_row = row
            self._last_end = float(row[kernel.LOT_END_COL])
        else:
            self._consumed_done = True
        if len(self._ready) < self._lots_ahead and not self._done:
            self._submit()
        return code

    def last_lot(self):
        return self._last_row

    def raw(self):
        self._wait()
        return self._run.raw()

    def _submit(self) -> None:
        if self._pending is None and not self._done:
            self._pending = self._pool.submit(self._compute, self._lots_ahead - len(self._ready))

    def _wait(self) -> None:
        if self._pending is not None:
            self._ready.extend(self._pending.result())
            self._pending = None

    def _compute(self, count: int) -> list:
        out = []
        for _ in range(max(count, 1)):
            code = self._run.advance(stop_each_lot=True)
            row = self._run.last_lot().copy() if code == kernel.LOT_COMPLETED else None
            out.append((code, row, self._run.snapshot()))
            if code == kernel.DONE:
                self._done = True
                break
        return out
