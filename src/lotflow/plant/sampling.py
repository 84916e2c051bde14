"""Lot acceptance sampling by attributes per MIL-STD-105E (single sampling).

MIL-STD-105E (10 May 1989) is a public-domain US military standard; the same
tables are in ANSI/ASQ Z1.4 and ISO 2859-1:1989. This module holds, written
out as the standard prints them:

- Table I (sample size code letters): lot size x inspection level -> letter.
- Tables II-A, II-B, II-C (single sampling master tables for normal,
  tightened and reduced inspection): code letter -> sample size, and for each
  AQL an Ac/Re pair or an arrow.
- Table VIII (limit numbers for reduced inspection).

and the procedures around them:

- :func:`plan_for` turns (lot size, level, AQL, severity) into a
  :class:`SamplingPlan`.
- :class:`SwitchingState` applies the normal/tightened/reduced switching rules
  and the discontinuation rule to one stream of lots.
- :func:`probability_of_acceptance` is the plan's operating characteristic.
- :func:`draw_defects` draws the nonconforming count found in one sample.

Conventions. ``d`` is the number of nonconforming items (or nonconformities,
for AQLs above 10 expressed per hundred units) found in the sample. A lot is
accepted when ``d <= Ac`` and rejected when ``d >= Re``. Only reduced plans can
have ``Ac < d < Re``: the lot is then accepted but normal inspection is
reinstated (4.9.4 of the standard). AQLs are in percent, as in the standard.

Choices where the printed tables need reading:

- An arrow's plan is the first plan in its direction in the same AQL column;
  its own sample size is used. Where the direction leads off the table (normal
  and reduced A/10, R/0.015 in all three tables) the first plan the other way
  is used; the tightened row S (n = 3150) has one plan only, at AQL 0.025.
- Reduced rows A and B (all n = 2) do not follow the diagonal pattern of the
  rest of Table II-C: row A repeats normal row A, row B reads 0/2 1/3 2/4 3/5
  then 5/6 7/8 ... 30/31 for AQL 15 ... 1000.
- Table VIII cells the standard leaves empty (large AQLs with many sample
  units, totals that single sampling of 10 lots cannot reach) count like "*":
  the condition for reduced inspection fails.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Final, Literal

import numpy as np

__all__ = [
    "AQLS",
    "CODE_LETTERS",
    "LEVELS",
    "SEVERITIES",
    "SamplingPlan",
    "SwitchingState",
    "code_letter",
    "draw_defects",
    "plan_for",
    "probability_of_acceptance",
    "reduced_limit_number",
    "table_plan",
]

Severity = Literal["normal", "tightened", "reduced"]
Verdict = Literal["accept", "reject", "accept_resume_normal"]

LEVELS: Final = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
SEVERITIES: Final = ("normal", "tightened", "reduced")
AQLS: Final = (
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5,
    4.0, 6.5, 10.0, 15.0, 25.0, 40.0, 65.0, 100.0, 150.0, 250.0, 400.0, 650.0, 1000.0,
)  # fmt: skip
CODE_LETTERS: Final = "ABCDEFGHJKLMNPQR"

# Table I. Columns: lowest lot size of the range, then the letter for
# S-1 S-2 S-3 S-4 I II III. Each range runs up to the next row's lowest size - 1;
# the last one ("500 001 and over") is open.
_TABLE_I = """
2       A A A A A A B
9       A A A A A B C
16      A A B B B C D
26      A B B C C D E
51      B B C C C E F
91      B B C D D F G
151     B C D E E G H
281     B C D E F H J
501     C C E F G J K
1201    C D E G H K L
3201    C D F G J L M
10001   C D F H K M N
35001   D E G J L N P
150001  D E G J M P Q
500001  D E H K N Q R
"""

# Master tables II-A, II-B, II-C. One row per code letter: letter, sample size,
# then one cell per AQL in the order of AQLS (0.010 ... 1000):
#   "Ac/Re"  a plan;
#   "v"      arrow down: use the first sampling plan below the arrow;
#   "^"      arrow up: use the first sampling plan above the arrow;
#   "."      empty cell (only in row S of Table II-B).
# With an arrow, the plan's own sample size (its row's) is used, not the one of
# the letter from Table I.
_TABLE_II_A = """
A    2 v v v v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31
B    3 v v v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45
C    5 v v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ^
D    8 v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ^ ^
E   13 v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31 44/45 ^ ^ ^
F   20 v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^
G   32 v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^
H   50 v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^
J   80 v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^
K  125 v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
L  200 v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
M  315 v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
N  500 v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
P  800 v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
Q 1250 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
R 2000 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
"""

_TABLE_II_B = """
A    2 v v v v v v v v v v v v v v v v v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28
B    3 v v v v v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42
C    5 v v v v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42 ^
D    8 v v v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42 ^ ^
E   13 v v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 27/28 41/42 ^ ^ ^
F   20 v v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^
G   32 v v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^
H   50 v v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^
J   80 v v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^
K  125 v v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
L  200 v v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
M  315 v v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
N  500 v v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
P  800 v v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
Q 1250 v 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
R 2000 0/1 v v 1/2 2/3 3/4 5/6 8/9 12/13 18/19 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
S 3150 . . 1/2 . . . . . . . . . . . . . . . . . . . . . . .
"""

_TABLE_II_C = """
A    2 v v v v v v v v v v v v v v 0/1 ^ v 1/2 2/3 3/4 5/6 7/8 10/11 14/15 21/22 30/31
B    2 v v v v v v v v v v v v v 0/1 ^ v 0/2 1/3 2/4 3/5 5/6 7/8 10/11 14/15 21/22 30/31
C    2 v v v v v v v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 14/17 21/24 ^
D    3 v v v v v v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 14/17 21/24 ^ ^
E    5 v v v v v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 14/17 21/24 ^ ^ ^
F    8 v v v v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^
G   13 v v v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^
H   20 v v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^ ^
J   32 v v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^ ^ ^
K   50 v v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
L   80 v v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
M  125 v v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
N  200 v v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
P  315 v 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
Q  500 0/1 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
R  800 ^ v 0/2 1/3 1/4 2/5 3/6 5/8 7/10 10/13 ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^ ^
"""

# Table VIII. Rows: lowest number of sample units from the last 10 lots (each
# range runs to the next row's lowest - 1; "50 000 and over" is open). Cells per
# AQL in the order of AQLS: the limit number; "*" where the number of sample
# units is not sufficient for reduced inspection at this AQL; "." where the
# standard tabulates nothing (these totals cannot arise from 10 lots of single
# sampling at that AQL).
_TABLE_VIII = """
20    * * * * * * * * * * * * * * * 0 0 2 4 8 14 22 40 68 115 181
30    * * * * * * * * * * * * * * 0 0 1 3 7 13 22 36 63 105 178 277
50    * * * * * * * * * * * * * 0 0 2 3 7 14 25 40 63 110 181 301 .
80    * * * * * * * * * * * * 0 0 2 4 7 14 24 42 68 105 181 297 . .
130   * * * * * * * * * * * 0 0 2 4 7 13 25 42 72 115 177 301 490 . .
200   * * * * * * * * * * 0 0 2 4 8 14 22 40 68 115 181 277 471 . . .
320   * * * * * * * * * 0 0 1 4 8 14 24 39 68 113 189 . . . . . .
500   * * * * * * * * 0 0 2 3 7 14 25 40 63 110 181 . . . . . . .
800   * * * * * * * 0 0 2 4 7 14 24 42 68 105 181 . . . . . . . .
1250  * * * * * * 0 0 2 4 7 13 24 40 69 110 169 . . . . . . . . .
2000  * * * * * 0 0 2 4 8 14 22 40 68 115 181 . . . . . . . . . .
3150  * * * * 0 0 1 4 8 14 24 38 67 111 186 . . . . . . . . . . .
5000  * * * 0 0 2 3 7 14 25 40 63 110 181 . . . . . . . . . . . .
8000  * * 0 0 2 4 7 14 24 42 68 105 181 . . . . . . . . . . . . .
12500 * 0 0 2 4 7 13 24 40 69 110 169 . . . . . . . . . . . . . .
20000 0 0 2 4 8 14 22 40 68 115 181 . . . . . . . . . . . . . . .
31500 0 1 4 8 14 24 38 67 111 186 . . . . . . . . . . . . . . . .
50000 2 3 7 14 25 40 63 110 181 301 . . . . . . . . . . . . . . . .
"""

Cell = tuple[int, int] | Literal["v", "^"] | None


def _parse_table_i(text: str) -> tuple[tuple[int, ...], tuple[tuple[str, ...], ...]]:
    lows: list[int] = []
    letters: list[tuple[str, ...]] = []
    for line in text.strip().splitlines():
        low, *row = line.split()
        assert len(row) == len(LEVELS)
        lows.append(int(low))
        letters.append(tuple(row))
    return tuple(lows), tuple(letters)


def _parse_cell(token: str) -> Cell:
    if token in ("v", "^"):
        return token  # type: ignore[return-value]
    if token == ".":
        return None
    ac, re = token.split("/")
    return int(ac), int(re)


def _parse_master(text: str) -> tuple[tuple[str, int, tuple[Cell, ...]], ...]:
    rows = []
    for line in text.strip().splitlines():
        letter, size, *cells = line.split()
        assert len(cells) == len(AQLS), letter
        rows.append((letter, int(size), tuple(_parse_cell(c) for c in cells)))
    return tuple(rows)


def _parse_table_viii(text: str) -> tuple[tuple[int, ...], tuple[tuple[int | None, ...], ...]]:
    lows: list[int] = []
    rows: list[tuple[int | None, ...]] = []
    for line in text.strip().splitlines():
        low, *cells = line.split()
        assert len(cells) == len(AQLS), low
        lows.append(int(low))
        rows.append(tuple(int(c) if c.isdigit() else None for c in cells))
    return tuple(lows), tuple(rows)


_LOT_LOWS, _LETTERS_BY_LOT = _parse_table_i(_TABLE_I)
_MASTER = {
    "normal": _parse_master(_TABLE_II_A),
    "tightened": _parse_master(_TABLE_II_B),
    "reduced": _parse_master(_TABLE_II_C),
}
_LIMIT_LOWS, _LIMIT_ROWS = _parse_table_viii(_TABLE_VIII)


@dataclass(frozen=True)
class SamplingPlan:
    """One single sampling plan.

    Attributes:
        code_letter: letter of the master-table row the plan comes from. After
            an arrow this is the arrow's target letter, not the Table I letter.
        sample_size: number of units to inspect. When the tabulated sample size
            is >= the lot size the whole lot is inspected: ``full_inspection``
            is then True and ``sample_size`` is the lot size.
        accept: acceptance number Ac (accept the lot when d <= Ac).
        reject: rejection number Re (reject the lot when d >= Re).
        severity: "normal", "tightened" or "reduced".
        full_inspection: True when the lot is 100 % inspected (see above).
        lot_code_letter: Table I letter for the lot, before any arrow; None when
            the plan was taken from a master table directly (:func:`table_plan`).
    """

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    severity: str
    full_inspection: bool = False
    lot_code_letter: str | None = None

    def __post_init__(self) -> None:
        if self.sample_size < 1 or not 0 <= self.accept < self.reject:
            raise ValueError(
                f"invalid plan: n={self.sample_size}, Ac={self.accept}, Re={self.reject}"
            )
        _check_severity(self.severity)

    def verdict(self, defects: int) -> Verdict:
        """Decision for ``defects`` found in the sample.

        ``"accept"`` when d <= Ac, ``"reject"`` when d >= Re, and
        ``"accept_resume_normal"`` when Ac < d < Re (reduced plans only: the lot
        is accepted and normal inspection is reinstated, 4.9.4).
        """
        if defects <= self.accept:
            return "accept"
        if defects >= self.reject:
            return "reject"
        return "accept_resume_normal"

    def accepts(self, defects: int) -> bool:
        """True when the lot is accepted with ``defects`` found (d < Re)."""
        return defects < self.reject


# --- validation -------------------------------------------------------------


def _check_lot_size(lot_size: object) -> int:
    if isinstance(lot_size, bool) or not isinstance(lot_size, Integral) or lot_size < 2:
        raise ValueError(
            f"lot size must be an integer >= 2 (MIL-STD-105E Table I starts at 2), got {lot_size!r}"
        )
    return int(lot_size)


def _check_level(level: object) -> str:
    name = level.strip().upper() if isinstance(level, str) else level
    if name not in LEVELS:
        raise ValueError(f"unknown inspection level {level!r}; allowed: {', '.join(LEVELS)}")
    return name


def _aql_index(aql: object) -> int:
    if isinstance(aql, Real) and not isinstance(aql, bool):
        for k, value in enumerate(AQLS):
            if math.isclose(float(aql), value, rel_tol=1e-9):
                return k
    allowed = ", ".join(f"{a:g}" for a in AQLS)
    raise ValueError(f"unknown AQL {aql!r} (percent); allowed: {allowed}")


def _check_severity(severity: object) -> Severity:
    if severity not in SEVERITIES:
        raise ValueError(
            f"unknown inspection severity {severity!r}; allowed: {', '.join(SEVERITIES)}"
        )
    return severity


# --- tables -----------------------------------------------------------------


def code_letter(lot_size: int, level: str) -> str:
    """Sample size code letter of Table I for ``lot_size`` and ``level``."""
    n = _check_lot_size(lot_size)
    column = LEVELS.index(_check_level(level))
    row = max(k for k, low in enumerate(_LOT_LOWS) if low <= n)
    return _LETTERS_BY_LOT[row][column]


def _resolve(severity: Severity, letter: str, j: int) -> tuple[str, int, int, int]:
    """Follow arrows in a master table: (letter, sample size, Ac, Re) of the plan.

    An arrow means the first plan in its direction in the same AQL column,
    passing over further arrows and empty cells. In three cells the arrow's
    direction leads off the table (the ``^`` of normal A/10 and reduced A/10,
    the ``v`` of R/0.015 in all three tables); the only plan the column has is
    then the first one in the opposite direction, which is what is used.
    """
    rows = _MASTER[severity]
    i = next(k for k, row in enumerate(rows) if row[0] == letter)
    start = rows[i][2][j]
    if isinstance(start, tuple):
        return rows[i][0], rows[i][1], start[0], start[1]
    step = 1 if start == "v" else -1
    for direction in (step, -step):
        k = i + direction
        while 0 <= k < len(rows):
            cell = rows[k][2][j]
            if isinstance(cell, tuple):
                return rows[k][0], rows[k][1], cell[0], cell[1]
            k += direction
    raise AssertionError(f"no plan in column {AQLS[j]:g} of the {severity} table")


def table_plan(letter: str, aql: float, severity: str) -> SamplingPlan:
    """Plan of the master table for code ``letter`` (after arrows), no lot size.

    ``letter`` is one of A..R (S is reachable only through an arrow of Table
    II-B). The returned plan's ``code_letter`` is the arrow's target.
    """
    sev = _check_severity(severity)
    if not isinstance(letter, str) or letter not in CODE_LETTERS:
        raise ValueError(f"unknown code letter {letter!r}; allowed: {', '.join(CODE_LETTERS)}")
    target, n, ac, re = _resolve(sev, letter, _aql_index(aql))
    return SamplingPlan(target, n, ac, re, sev)


def plan_for(lot_size: int, level: str, aql: float, severity: str) -> SamplingPlan:
    """Single sampling plan for one lot.

    Args:
        lot_size: number of units in the lot (integer >= 2).
        level: "S-1", "S-2", "S-3", "S-4", "I", "II" or "III".
        aql: one of :data:`AQLS`, in percent (above 10: nonconformities per
            hundred units).
        severity: "normal", "tightened" or "reduced".

    Raises:
        ValueError: for an invalid lot size, level, AQL or severity; the message
            lists what is allowed.
    """
    lot = _check_lot_size(lot_size)
    letter = code_letter(lot, level)
    plan = table_plan(letter, aql, severity)
    full = plan.sample_size >= lot
    return SamplingPlan(
        code_letter=plan.code_letter,
        sample_size=lot if full else plan.sample_size,
        accept=plan.accept,
        reject=plan.reject,
        severity=plan.severity,
        full_inspection=full,
        lot_code_letter=letter,
    )


def reduced_limit_number(aql: float, sample_units: int) -> int | None:
    """Table VIII limit number for the last 10 lots, or None.

    ``sample_units`` is the total number of sample units inspected in the last
    10 lots. None means the condition for reduced inspection cannot be met:
    fewer than 20 units, a "*" cell (not enough sample units for this AQL), or
    a cell the standard leaves empty.
    """
    j = _aql_index(aql)
    if sample_units < _LIMIT_LOWS[0]:
        return None
    row = max(k for k, low in enumerate(_LIMIT_LOWS) if low <= sample_units)
    return _LIMIT_ROWS[row][j]


# --- switching rules -----------------------------------------------------------


class SwitchingState:
    """Normal / tightened / reduced switching for one product stream (4.7).

    Use per lot: ``plan = state.plan(lot_size)``, inspect ``plan.sample_size``
    units, then ``state.record(accepted, defects_found)``. Only original
    inspection is recorded (resubmitted lots are not). Inspection starts on
    normal. The rules, checked after each recorded lot:

    - normal -> tightened: 2 lots rejected among at most 5 consecutive lots on
      normal inspection (the current rejection and one more within the 4 lots
      before it).
    - tightened -> normal: 5 consecutive lots accepted on tightened.
    - normal -> reduced: all of (a) the preceding 10 lots were on normal
      inspection (counted since normal was last entered) and all accepted;
      (b) the total of ``defects_found`` in those 10 samples is <= the Table VIII
      limit number for the AQL and the total of their sample units (a "*" or
      empty cell, or fewer than 20 units, fails; the standard's option of using
      more than 10 lots is not implemented); (c) production is steady
      (``steady_production``); (d) the responsible authority approves
      (``authority_approves_reduced``). The switch takes effect for the next lot.
    - reduced -> normal: a lot is rejected (d >= Re); or a lot is accepted with
      Ac < d < Re; or production becomes irregular (:meth:`set_steady_production`).
    - discontinuation: when the cumulative number of lots not accepted in the
      sequence of consecutive lots on tightened inspection (since tightened was
      entered) reaches ``discontinue_after`` (default 5, as worded in ANSI/ASQ
      Z1.4 and ISO 2859-1; MIL-STD-105D counted 10 consecutive lots on
      tightened instead), :attr:`discontinued` becomes True; :meth:`plan` and
      :meth:`record` then raise RuntimeError until :meth:`resume` (after
      corrective action), which restarts on tightened inspection.

    Every switch starts the new severity with fresh counters.
    """

    def __init__(
        self,
        level: str,
        aql: float,
        *,
        steady_production: bool = True,
        authority_approves_reduced: bool = True,
        discontinue_after: int = 5,
    ) -> None:
        self.level = _check_level(level)
        self.aql = AQLS[_aql_index(aql)]
        if discontinue_after < 1:
            raise ValueError(f"discontinue_after must be >= 1, got {discontinue_after!r}")
        self.steady_production = steady_production
        self.authority_approves_reduced = authority_approves_reduced
        self.discontinue_after = discontinue_after
        self.severity: Severity = "normal"
        self.discontinued = False
        self._normal: deque[tuple[bool, int, int]] = deque(maxlen=10)
        self._tightened_accepted_run = 0
        self._tightened_rejected = 0
        self._pending: SamplingPlan | None = None

    def plan(self, lot_size: int) -> SamplingPlan:
        """Plan for the next lot under the current severity."""
        self._check_running()
        self._pending = plan_for(lot_size, self.level, self.aql, self.severity)
        return self._pending

    def record(self, accepted: bool, defects_found: int) -> None:
        """Record the outcome of the lot inspected with the last :meth:`plan`.

        ``accepted`` must agree with the plan: d <= Ac accepts, d >= Re rejects,
        Ac < d < Re (reduced only) accepts; a contradiction raises ValueError.
        """
        self._check_running()
        plan = self._pending
        if plan is None:
            raise RuntimeError("record() needs a plan: call plan(lot_size) for the lot first")
        if isinstance(defects_found, bool) or not isinstance(defects_found, Integral):
            raise ValueError(f"defects_found must be an integer >= 0, got {defects_found!r}")
        if defects_found < 0:
            raise ValueError(f"defects_found must be an integer >= 0, got {defects_found!r}")
        if bool(accepted) != plan.accepts(int(defects_found)):
            raise ValueError(
                f"accepted={accepted} contradicts the plan (Ac={plan.accept}, "
                f"Re={plan.reject}) with {defects_found} defects found"
            )
        self._pending = None
        d = int(defects_found)
        if self.severity == "normal":
            self._normal.append((bool(accepted), d, plan.sample_size))
            last5 = list(self._normal)[-5:]
            if not accepted and sum(not ok for ok, _, _ in last5) >= 2:
                self._switch("tightened")
            elif accepted and self._reduced_allowed():
                self._switch("reduced")
        elif self.severity == "tightened":
            if accepted:
                self._tightened_accepted_run += 1
                if self._tightened_accepted_run >= 5:
                    self._switch("normal")
            else:
                self._tightened_accepted_run = 0
                self._tightened_rejected += 1
                if self._tightened_rejected >= self.discontinue_after:
                    self.discontinued = True
        elif not accepted or d > plan.accept or not self.steady_production:
            self._switch("normal")

    def set_steady_production(self, steady: bool) -> None:
        """Declare production steady or not; irregular production ends reduced."""
        self.steady_production = steady
        if not steady and self.severity == "reduced":
            self._switch("normal")

    def resume(self) -> None:
        """Resume after discontinuation, on tightened inspection."""
        if not self.discontinued:
            raise RuntimeError("resume() is only for a discontinued inspection")
        self.discontinued = False
        self._switch("tightened")

    def _reduced_allowed(self) -> bool:
        if len(self._normal) < 10 or not all(ok for ok, _, _ in self._normal):
            return False
        if not (self.steady_production and self.authority_approves_reduced):
            return False
        units = sum(n for _, _, n in self._normal)
        limit = reduced_limit_number(self.aql, units)
        return limit is not None and sum(d for _, d, _ in self._normal) <= limit

    def _switch(self, severity: Severity) -> None:
        self.severity = severity
        self._normal.clear()
        self._tightened_accepted_run = 0
        self._tightened_rejected = 0
        self._pending = None

    def _check_running(self) -> None:
        if self.discontinued:
            raise RuntimeError(
                "inspection is discontinued (too many lots rejected on tightened "
                "inspection); call resume() after corrective action"
            )


# --- operating characteristic and sampling ---------------------------------------


def _defectives_in_lot(fraction: float, lot_size: int) -> int:
    """round(fraction * lot_size), Python rounding (half to even)."""
    return round(fraction * lot_size)


def probability_of_acceptance(
    plan: SamplingPlan,
    p: float | np.ndarray,
    lot_size: int | None = None,
    model: str = "binomial",
) -> float | np.ndarray:
    """Probability that a lot is accepted (d < Re) under ``plan``.

    For normal and tightened plans d < Re is d <= Ac; for reduced plans it also
    counts the lots accepted with Ac < d < Re.

    Args:
        plan: the plan (its ``sample_size`` is the number inspected).
        p: fraction nonconforming in [0, 1], scalar or array.
        lot_size: lot size, required for ``model="hypergeometric"``.
        model: ``"binomial"`` (d ~ Binomial(n, p): infinite lot, or the process
            fraction), or ``"hypergeometric"`` (exact for a finite lot of
            ``lot_size`` units holding round(p * lot_size) nonconforming ones,
            sampled without replacement).
    """
    from scipy import stats  # loaded on use: keeps scenario loading light

    arr = np.asarray(p, dtype=float)
    if np.any(~np.isfinite(arr)) or np.any(arr < 0.0) or np.any(arr > 1.0):
        raise ValueError(f"p must be a fraction in [0, 1], got {p!r}")
    c = plan.reject - 1
    n = plan.sample_size
    if model == "binomial":
        result = stats.binom.cdf(c, n, arr)
    elif model == "hypergeometric":
        if lot_size is None:
            raise ValueError("model='hypergeometric' needs lot_size")
        lot = _check_lot_size(lot_size)
        if n > lot:
            raise ValueError(f"sample size {n} exceeds lot size {lot}")
        defectives = np.vectorize(_defectives_in_lot, otypes=[int])(arr, lot)
        result = stats.hypergeom.cdf(c, lot, defectives, n)
    else:
        raise ValueError(f"unknown model {model!r}; allowed: binomial, hypergeometric")
    return float(result) if np.ndim(result) == 0 else np.asarray(result, dtype=float)


def draw_defects(rng: np.random.Generator, sample_size: int, fraction: float, lot_size: int) -> int:
    """Number of nonconforming items found in a random sample of one lot.

    The lot holds D = round(fraction * lot_size) nonconforming units and the
    sample is drawn without replacement, so the count is hypergeometric
    (population ``lot_size``, D successes, ``sample_size`` draws). This is exact
    for a finite lot and keeps the finite-population correction that matters
    when the sample is a large part of the lot (up to 100 % inspection, where
    the draw is exactly D).
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator")
    lot = _check_lot_size(lot_size)
    if isinstance(sample_size, bool) or not isinstance(sample_size, Integral):
        raise ValueError(f"sample size must be an integer, got {sample_size!r}")
    if not 1 <= sample_size <= lot:
        raise ValueError(f"sample size must be in [1, lot size {lot}], got {sample_size}")
    if not (isinstance(fraction, Real) and 0.0 <= fraction <= 1.0):
        raise ValueError(f"fraction nonconforming must be in [0, 1], got {fraction!r}")
    defectives = _defectives_in_lot(float(fraction), lot)
    return int(rng.hypergeometric(defectives, lot - defectives, int(sample_size)))
