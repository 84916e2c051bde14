"""``lotflow run`` on a plant scenario with ``--report``: the HTML report is
written with its sections, and the summary prints the plant table.

The run is in this process (Typer's runner) over two days of the backpressure
scenario, once for the module; the subprocess path is covered in test_cli.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lotflow.cli import app

PLANT = Path(__file__).parent / "scenarios" / "plant_backpressure.yaml"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SECTIONS = ("lines", "capacity", "output", "states", "bottlenecks", "buffers", "plant")
PLANT_ROWS = (
    "lots completed",
    "lots accepted",
    "lots rejected",
    "range utilisation",
    "range wait per lot",
    "staging, max lots",
    "storage, max pallets",
    "L1 held by full staging",
    "L2 held by full staging",
)


@pytest.fixture(scope="module")
def plant_run(tmp_path_factory):
    """Exit code, plain stdout and report path of one two-day run of the plant."""
    report = tmp_path_factory.mktemp("cli") / "plant.html"
    args = ["run", str(PLANT), "--horizon", "172800", "--seed", "3", "--report", str(report)]
    result = CliRunner().invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": "200"})
    return result.exit_code, ANSI.sub("", result.stdout), report, result.exception


def test_run_report_writes_html_with_every_section(plant_run):
    code, stdout, report, exc = plant_run
    assert code == 0, (stdout, exc)
    assert f"report written to {report}" in stdout.replace("\n", "")
    html = report.read_text()
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert re.findall(r'<section id="([a-z]+)">', html) == list(SECTIONS)
    assert "plant-backpressure" in html
    assert "Plant statistics (mean ± 95 % CI)" in html


def test_run_prints_the_plant_summary_table(plant_run):
    code, stdout, _, exc = plant_run
    assert code == 0, (stdout, exc)
    assert "Plant: lots, parts, range, storage, shipping (95 % CI)" in stdout
    rows = {line.split("│")[1].strip() for line in stdout.splitlines() if line.count("│") == 3}
    for row in PLANT_ROWS:
        assert row in rows, row
    completed = re.search(r"│ lots completed\s+│\s+([\d.]+) ± ", stdout)
    assert completed is not None and float(completed.group(1)) >= 1.0
