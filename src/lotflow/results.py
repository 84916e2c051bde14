"""The results of a run: the JSON document of interface.md plus lot records and series."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lotflow.io import write_atomic
from lotflow.scenario.errors import ScenarioError


def non_finite(node, path: str = "") -> Iterator[str]:
    """Paths of the NaN or infinite numbers in a results tree (none in valid results)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from non_finite(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from non_finite(value, f"{path}[{i}]")
    elif isinstance(node, float) and not math.isfinite(node):
        yield path


def no_finite_value(path: str) -> ScenarioError:
    """The input error of a run whose metric ``path`` has no finite value."""
    return ScenarioError(
        f"the simulation gives no finite value for {path}: the observation window is "
        "too short or holds no working time for it; lengthen run.horizon"
    )


def check_finite(data: dict) -> None:
    """Raise :func:`no_finite_value` for the first metric without a finite value."""
    bad = next(non_finite(data), None)
    if bad is not None:
        raise no_finite_value(bad)


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
