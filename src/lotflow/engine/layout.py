"""Where the line kernel keeps its state: columns, codes and the fresh arrays.

The kernel (:mod:`lotflow.engine.line`) keeps all its state in plain numpy
arrays so that it can stop and resume; this module names their columns and
builds them, without numba, so that code that only reads the state (results,
the plant model) never loads the compiler.
"""

from __future__ import annotations

import numpy as np

# Station float state columns. LAST_DEP is also the time up to which the
# station's states are accounted for (it is idle from then until its next start).
# NEXT_EDGE is the end of the station's current hourly-counter bin.
LAST_DEP, TTF_LEFT, ACT_START, ACT_END, NEXT_EDGE = range(5)
N_STATION_FLOAT = 5
# Station int state columns: BIN and BIN_COUNT are the current counter bin and
# the good departures counted in it but not yet written to ``dep_bins``.
CYCLES_TO_FAIL, PARTS_TO_SCRAP, RING_POS, BIN, BIN_COUNT = range(5)
N_STATION_INT = 5
# Per-station time accumulators (time in the window) and counters. A station
# is starved whenever it is in none of these states: that time is the rest of
# the window (``LineRun.raw``), so the kernel does not add it up.
BUSY, BLOCKED, DOWN, SETUP = range(4)
N_ACC = 4
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
# Fewest slots of a buffer's departure ring (see ``ring_lengths``).
RING_MIN_SLOTS = 2048
# Return codes of ``advance``.
DONE, LOT_COMPLETED, LOTS_FULL, HEAP_OVERFLOW = range(4)


def ring_lengths(buffers: np.ndarray, block: int) -> np.ndarray:
    """Slots of each buffer's departure ring for blocks of ``block`` parts.

    Blocking needs the last ``B + 1`` departures downstream; a longer ring,
    a multiple of the block, lets a station's fast runs go on without being
    cut where the ring wraps (with full blocks it wraps only between blocks).
    """
    blocks = np.maximum(-(-(buffers + 1) // block), -(-RING_MIN_SLOTS // block))
    return (blocks * block).astype(np.int64)


def empty_state(n_stations: int, rings: np.ndarray, heap_capacity: int, bin_width: float):
    """Fresh state arrays for a line (empty, all stations idle at time 0);
    ``rings`` holds the slots of each buffer's ring (:func:`ring_lengths`)."""
    sf = np.zeros((n_stations, N_STATION_FLOAT))
    sf[:, NEXT_EDGE] = bin_width
    return {
        "sf": sf,
        "si": np.zeros((n_stations, N_STATION_INT), dtype=np.int64),
        "acc": np.zeros((n_stations, N_ACC)),
        "cnt": np.zeros((n_stations, N_COUNT), dtype=np.int64),
        "buf_acc": np.zeros(max(n_stations - 1, 0)),
        "ring": np.zeros(max(int(np.sum(rings)), 1)),
        "li": np.zeros(N_LINE_INT, dtype=np.int64),
        "lf": np.zeros(N_LINE_FLOAT),
        "heap": np.zeros(heap_capacity),
    }
