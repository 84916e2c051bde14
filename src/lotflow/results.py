"""The results of a run: the JSON document of interface.md plus lot records and series."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lotflow.io import write_atomic


@dataclass
class Results:
    """``data`` is the results JSON (a dict); ``lots`` the lot records of every
    replication (each with its ``replication``); ``series`` averaged time series."""

    data: dict
    lots: list[dict] = field(default_factory=list)
    series: dict = field(default_factory=dict)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.data, indent=indent, allow_nan=False)

    def write_json(self, path: str | Path) -> None:
        write_atomic(path, self.to_json() + "\n")

    def lots_frame(self):
        """Lot records as a pandas DataFrame (one row per lot and replication)."""
        import pandas as pd

        return pd.DataFrame(self.lots)

    def __getitem__(self, key: str):
        return self.data[key]
