"""The order book of ``lotflow plan``: read from CSV or Parquet, checked against a scenario.

Columns (interface.md): ``order, product, quantity, due`` and the optional
``release``, ``weight`` and ``line``. ``quantity`` is in good parts (a whole
number > 0); ``due`` and ``release`` (default 0) are wall-clock times in the
scenario's time unit from its start; ``weight`` (a whole number > 0, default 1)
multiplies the order's tardiness in the objective; ``line`` pins the order to
one line. Column names are read without case or surrounding blanks. Rows
count data rows from 1 (the header is not a row).

Every problem is one :class:`~lotflow.scenario.ScenarioError` naming the file,
the row and the column, e.g. ``orders.csv: row 3, column 'quantity': ...``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from lotflow.scenario import ScenarioError

REQUIRED = ("order", "product", "quantity", "due")
OPTIONAL = ("release", "weight", "line")


@dataclass(frozen=True)
class Order:
    """One order: ``quantity`` good parts of ``product`` wanted by wall time
    ``due``, to be started no earlier than wall time ``release`` (time unit of
    the scenario). ``line`` is a line the order is pinned to, or None."""

    id: str
    product: str
    quantity: int
    due: float
    release: float = 0.0
    weight: int = 1
    line: str | None = None


def eligible_lines(scenario, product: str) -> list[str]:
    """Names of the lines that may make ``product`` (a line without ``products`` makes any)."""
    return [ln.name for ln in scenario.lines if ln.products is None or product in ln.products]


def load_orders(path: str | Path, scenario) -> list[Order]:
    """Read and check the order book at ``path`` (``.parquet`` or CSV) against ``scenario``."""
    file = str(path)
    rows = _read_table(Path(path), file)
    orders: list[Order] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        order = _order(row, _Where(file, number), scenario)
        if order.id in seen:
            raise _Where(file, number).error("order", f"duplicate order id {order.id!r}")
        seen.add(order.id)
        orders.append(order)
    return orders


def _read_table(path: Path, file: str) -> list[dict]:
    """Rows as dicts of column -> raw value (strings from CSV, typed values from Parquet)."""
    import pandas as pd

    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise ScenarioError("file not found", file=file) from None
    except pd.errors.EmptyDataError:
        raise ScenarioError("empty file: no header and no orders", file=file) from None
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        kind = "Parquet" if path.suffix.lower() in (".parquet", ".pq") else "CSV"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ScenarioError(f"cannot read the file as {kind}: {reason}", file=file) from None
    columns = [str(c).strip().lower() for c in frame.columns]
    for column in columns:
        if column not in REQUIRED + OPTIONAL:
            allowed = ", ".join(REQUIRED + OPTIONAL)
            raise ScenarioError(
                f"unknown column {column!r}; columns: {allowed}", file=file, path="header"
            )
    for column in REQUIRED:
        if column not in columns:
            raise ScenarioError(
                f"missing column {column!r}; required: {', '.join(REQUIRED)}",
                file=file,
                path="header",
            )
    if frame.empty:
        raise ScenarioError("empty file: a header but no orders", file=file)
    frame.columns = columns
    return frame.to_dict("records")


@dataclass(frozen=True)
class _Where:
    file: str
    row: int

    def error(self, column: str, message: str) -> ScenarioError:
        return ScenarioError(message, file=self.file, path=f"row {self.row}, column {column!r}")


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(row: dict, column: str, where: _Where) -> str:
    value = row.get(column)
    if _blank(value):
        raise where.error(column, "empty; a value is required")
    return str(value).strip()


def _number(row: dict, column: str, where: _Where, default: float | None = None) -> float:
    """A finite number; ``default`` when the column is absent or the cell empty."""
    value = row.get(column)
    if _blank(value):
        if default is None:
            raise where.error(column, "empty; a number is required")
        return default
    assert value is not None  # _blank(None) is True
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise where.error(column, f"not a number: {value!r}") from None
    if not math.isfinite(number):
        raise where.error(column, f"must be a finite number, got {value!r}")
    return number


def _whole(row: dict, column: str, where: _Where, default: int | None = None) -> int:
    """A whole number > 0 (``1.0`` from Parquet is 1; ``2.5`` is an error)."""
    number = _number(row, column, where, None if default is None else float(default))
    if number != int(number):
        raise where.error(column, f"must be a whole number, got {row.get(column)!r}")
    if number <= 0:
        raise where.error(column, f"must be > 0, got {row.get(column)!r}")
    return int(number)


def _order(row: dict, where: _Where, scenario) -> Order:
    order_id = _text(row, "order", where)
    product = _text(row, "product", where)
    known = [p.name for p in scenario.products]
    if product not in known:
        allowed = ", ".join(known) or "none defined under 'products'"
        raise where.error("product", f"unknown product {product!r}; the scenario has: {allowed}")
    lines = eligible_lines(scenario, product)
    if not lines:
        raise where.error("product", f"no line of the scenario may make {product!r}")
    quantity = _whole(row, "quantity", where)
    release = _number(row, "release", where, default=0.0)
    if release < 0:
        raise where.error("release", f"must be >= 0, got {row.get('release')!r}")
    due = _number(row, "due", where)
    if due < release:
        raise where.error("due", f"due {due:g} is before the release {release:g}")
    weight = _whole(row, "weight", where, default=1)
    line = None if _blank(row.get("line")) else str(row["line"]).strip()
    if line is not None and line not in lines:
        names = [ln.name for ln in scenario.lines]
        reason = "no such line" if line not in names else f"it may not make {product!r}"
        may = ", ".join(lines)
        raise where.error("line", f"cannot use line {line!r}: {reason}; may use: {may}")
    return Order(order_id, product, quantity, due, release, weight, line)
