"""Lots and their records: where each lot is, and what happened to it (wall time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lotflow.plant.sampling import SamplingPlan

# Where a lot is. Every lot made is in exactly one of these at any time.
HELD = "held_at_line"  # completed, waiting for a staging place (its line is blocked)
STAGED = "staged"  # in quarantine, waiting for its test
ON_TEST = "on_test"  # on a range lane (original test), still in quarantine
AWAITING_STORAGE = "awaiting_storage"  # accepted, waiting for pallet places
REWORK = "rework"  # rejected: waiting for or in screening, or waiting for/on re-test
STORED = "stored"  # in storage (possibly partly shipped)
SHIPPED = "shipped"  # every unit shipped
DESTROYED = "destroyed"  # rejected and destroyed, or used up by testing
STATES = (HELD, STAGED, ON_TEST, AWAITING_STORAGE, REWORK, STORED, SHIPPED, DESTROYED)

# Event fields of a lot record; None until the event happens. ``tested_*``,
# ``severity`` ... ``verdict`` describe the original test, ``retest_*`` the last
# re-test after screening.
EVENT_FIELDS = (
    "tested_start", "tested_end", "lane", "severity", "code_letter", "sample_size",
    "accept", "reject", "defects", "verdict",
    "screened_start", "screened_end", "removed",
    "retest_start", "retest_end", "retest_severity", "retest_sample_size", "retest_defects",
    "retest_verdict",
    "stored_at", "pallets", "first_shipped_at", "shipped_at", "shipped_units",
    "shipped_nonconforming", "destroyed_at", "destroyed_reason",
)  # fmt: skip


@dataclass(slots=True, eq=False)
class Lot:
    """One lot. ``units`` and ``defective`` are what the lot holds now (sampled
    units of a destructive test and units removed by screening have left it);
    ``fraction`` is the nonconforming fraction it was made with."""

    number: int
    product: str
    line: str
    start: float
    end: float
    units: int
    fraction: float = 0.0
    defective: int = 0
    state: str = HELD
    made_units: int = 0
    in_staging: bool = False
    staged_at: float | None = None
    queued_at: float = 0.0
    tests: int = 0
    screenings: int = 0
    test_units: int = 0
    plan: SamplingPlan | None = None
    pallets: int = 0
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.made_units = self.units

    def record(self) -> dict:
        """Flat record for the lot table (times in wall time of the scenario unit)."""
        row = {
            "number": self.number,
            "product": self.product,
            "line": self.line,
            "units_made": self.made_units,
            "start": self.start,
            "end": self.end,
            "staged_at": self.staged_at,
            "nonconforming_pct": 100.0 * self.fraction,
            "state": self.state,
            "units": self.units,
            "tests": self.tests,
            "screenings": self.screenings,
        }
        row.update(dict.fromkeys(EVENT_FIELDS))
        row.update(self.info)
        return row
