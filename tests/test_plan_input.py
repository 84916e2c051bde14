"""Bad order books: ``lotflow plan`` exits 2 with one message naming the file,
the row and the column, and never a traceback. A Parquet order book plans
like the same CSV."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from lotflow.cli import app

ANSI = re.compile(r"\x1b\[[0-9;]*m")
SCENARIO = """
name: input
time_unit: cycle
products: [{name: a, lot_size: 10}, {name: b, lot_size: 10}, {name: c, lot_size: 10}]
lines:
  - name: L1
    products: [a, b]
    changeover: {dist: deterministic, mean: 2}
    stations: [{name: M1, process: {dist: deterministic, mean: 1}}]
"""
GOOD = "order,product,quantity,due,release\nA,a,10,30,0\nB,b,5,20,2\n"


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    return path


def invoke(args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    exc = result.exception
    uncaught = None if exc is None or isinstance(exc, SystemExit) else exc
    return result.exit_code, ANSI.sub("", result.stdout + result.stderr), uncaught


def plan_error(tmp_path, scenario, text: str | bytes, name: str = "orders.csv"):
    orders = tmp_path / name
    if isinstance(text, bytes):
        orders.write_bytes(text)
    else:
        orders.write_text(text)
    out = tmp_path / "plan.json"
    code, output, uncaught = invoke(["plan", scenario, "--orders", orders, "--out", out])
    assert uncaught is None
    assert code == 2, output
    assert "Traceback" not in output
    assert str(orders) in output
    assert not out.exists()
    return " ".join(output.split())


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        ("order,product,quantity,due\nA,a,10,30\nB,zz,5,20\n", 2, "product", "unknown product"),
        ("order,product,quantity,due\nA,c,10,30\n", 1, "product", "no line"),
        ("order,product,quantity,due\nA,a,0,30\n", 1, "quantity", "> 0"),
        ("order,product,quantity,due\nA,a,-5,30\n", 1, "quantity", "> 0"),
        ("order,product,quantity,due\nA,a,2.5,30\n", 1, "quantity", "whole number"),
        ("order,product,quantity,due\nA,a,ten,30\n", 1, "quantity", "not a number"),
        ("order,product,quantity,due\nA,a,,30\n", 1, "quantity", "empty"),
        ("order,product,quantity,due,release\nA,a,5,30,0\nB,a,5,3,4\n", 2, "due", "before"),
        ("order,product,quantity,due\nA,a,5,30\nB,a,5,40\nA,b,5,9\n", 3, "order", "duplicate"),
        ("order,product,quantity,due,weight\nA,a,5,30,0\n", 1, "weight", "> 0"),
        ("order,product,quantity,due,line\nA,a,5,30,L9\n", 1, "line", "no such line"),
        ("order,product,quantity,due,release\nA,a,5,30,-1\n", 1, "release", ">= 0"),
    ],
)
def test_bad_cell_names_file_row_and_column(tmp_path, scenario, text, row, column, words):
    message = plan_error(tmp_path, scenario, text)
    assert f"row {row}, column '{column}'" in message
    assert words in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty file"),
        ("order,product,quantity,due\n", "empty file"),
        ("order,product,due\nA,a,30\n", "missing column 'quantity'"),
        ("order,product,quantity,due,qty\nA,a,5,30,5\n", "unknown column 'qty'"),
    ],
)
def test_empty_or_malformed_file_is_named(tmp_path, scenario, text, words):
    assert words in plan_error(tmp_path, scenario, text)


def test_unreadable_parquet_and_missing_file(tmp_path, scenario):
    assert "cannot read the file as Parquet" in plan_error(
        tmp_path, scenario, b"not parquet at all", name="orders.parquet"
    )
    out = tmp_path / "plan.json"
    missing = tmp_path / "nope.csv"
    code, output, uncaught = invoke(["plan", scenario, "--orders", missing, "--out", out])
    assert (code, uncaught) == (2, None)
    assert f"{missing}: file not found" in " ".join(output.split())


def test_bad_options_exit_2(tmp_path, scenario):
    orders = tmp_path / "orders.csv"
    orders.write_text(GOOD)
    for option, value in (("--rate", "fast"), ("--time-limit", "0"), ("--workers", "3")):
        args = ["plan", scenario, "--orders", orders, "--out", tmp_path / "p.json", option, value]
        code, output, uncaught = invoke(args)
        assert (code, uncaught) == (2, None), output
        assert option in output


def test_parquet_plans_like_csv(tmp_path, scenario):
    csv = tmp_path / "orders.csv"
    csv.write_text(GOOD)
    parquet = tmp_path / "orders.parquet"
    frame = pd.read_csv(csv)
    frame["quantity"] = frame["quantity"].astype("int64")
    frame.to_parquet(parquet)
    plans = []
    for source in (csv, parquet):
        out = tmp_path / f"{source.suffix[1:]}.json"
        code, output, uncaught = invoke(["plan", scenario, "--orders", source, "--out", out])
        assert (code, uncaught) == (0, None), output
        plan = json.loads(out.read_text())
        plan["solver"] = None
        plans.append(plan)
    assert plans[0] == plans[1]
    assert plans[0]["status"] == "optimal"
    assert set(plans[0]["orders"]) == {"A", "B"}


def test_line_products_must_be_known(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO.replace("products: [a, b]", "products: [a, zz]"))
    code, output, uncaught = invoke(["validate", scenario])
    assert (code, uncaught) == (2, None)
    assert "lines[0].products[1]: unknown product 'zz'" in " ".join(output.split())


def test_column_names_ignore_case_and_blanks(tmp_path, scenario):
    orders = tmp_path / "orders.csv"
    orders.write_text("Order , PRODUCT,Quantity,due\nA,a,10,30\n")
    code, output, uncaught = invoke(
        ["plan", scenario, "--orders", orders, "--out", tmp_path / "p.json"]
    )
    assert (code, uncaught) == (0, None), output
