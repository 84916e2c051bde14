"""A new user's first hour: --version and -h, a claim only when one is stated, numbers
with separators and units, the plant's tests and retests, bounded intervals, the sweep
pivot with --metric, compare with a line on one side only, make run on all cores."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from lotflow.cli import app
from lotflow.numbers import bounded, duration, metric_unit, number, plus_minus
from lotflow.summary import plant_table

HERE = Path(__file__).parent
SHIFTS = HERE / "scenarios" / "two_lines_shifts.yaml"  # minutes, a calendar, no claim
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SHORT = ["--replications", "2", "--horizon", "4320", "--warmup", "0"]


def invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    return result.exit_code, ANSI.sub("", result.stdout), ANSI.sub("", result.stderr)


@pytest.mark.parametrize("args", [["--version"], ["-h"], ["run", "-h"], ["sweep", "-h"]])
def test_version_and_short_help_work(args):
    code, out, err = invoke(*args)
    assert code == 0, err
    assert ("lotflow " in out) if args == ["--version"] else ("Usage" in out)


@pytest.fixture(scope="module")
def shifts_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("first") / "r.json"
    code, stdout, err = invoke("run", SHIFTS, *SHORT, "--out", out)
    assert code == 0, err
    return stdout, json.loads(out.read_text())


def test_a_scenario_without_a_claim_prints_no_claim(shifts_run):
    stdout, _ = shifts_run
    assert "Claim" not in stdout and "FAILS" not in stdout


def test_claim_option_adds_the_check_to_run_and_capacity():
    code, stdout, err = invoke("run", SHIFTS, *SHORT, "--claim", "1000000")
    assert code == 0, err
    assert "Claim 1.0 M a year" in stdout
    code, stdout, err = invoke("capacity", SHIFTS)
    assert code == 0 and "Claim" not in stdout, err
    code, stdout, err = invoke("capacity", SHIFTS, "--claim", "2e6")
    assert code == 0 and "Claim 2.0 M a year" in stdout, err


@pytest.mark.parametrize("bad", ["0", "-5", "nan", "inf", "lots"])
def test_a_bad_claim_exits_2(bad):
    code, _, err = invoke("capacity", SHIFTS, "--claim", bad)
    assert code == 2 and "--claim" in err and "Traceback" not in err


def test_rates_say_which_hour(shifts_run):
    stdout, _ = shifts_run
    assert "per wall-clock h" in stdout
    code, cap, _ = invoke("capacity", SHIFTS)
    assert code == 0 and "per working h" in " ".join(cap.split())


def test_counts_have_separators_and_never_an_exponent():
    assert number(12_247_400.0) == "12,247,400"
    assert plus_minus(12_247_400.0, 52_000.0) == "12,247,400 ± 52,000"
    assert "e+" not in number(1.22474e7) and "e+" not in plus_minus(1e15, 1e13)


def test_time_metrics_carry_units_and_hours():
    assert duration(7200.0, "s", 0) == "7,200 s (2.00 h)"
    assert duration(3.0, "h", 1) == "3.0 h"
    assert metric_unit("plant.range.wait", "s") == "s"
    assert metric_unit("lines.L1.throughput", "min") == "parts per wall-clock min"
    assert metric_unit("plant.units.accepted", "s") == "parts"
    assert metric_unit("plant.lots.accepted", "s") == "lots"
    assert metric_unit("lines.L1.stations.M1.busy", "s") == "share"


def test_an_interval_that_crosses_a_bound_is_clipped():
    assert bounded(0.941, 0.100, 0.0, 1.0) == "0.941 [0.841, 1.000]"
    assert bounded(0.5, 0.1, 0.0, 1.0) == "0.500 ± 0.100"
    assert bounded(5_640.0, 34_987.0, 0.0, float("inf"), 0) == "5,640 [0, 40,627]"


def test_the_plant_table_shows_tests_and_retests():
    stat = lambda m: {"mean": m, "ci95": 0.0}  # noqa: E731
    plant = {
        "lots": {k: stat(v) for k, v in
                 {"completed": 10, "tested": 12, "retested": 2, "accepted": 9,
                  "rejected": 3}.items()},
        "range": {"wait": stat(5400.0)},
        "shipping": {"fill_rate": {"mean": 0.941, "ci95": 0.1}},
    }  # fmt: skip
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(plant_table(plant, "s"))
    text = console.export_text()
    assert "of which retests" in text and "accepted + rejected = tested" in text
    assert "5,400 ± 0 s (1.50 h)" in text and "0.941 [0.841, 1.000]" in text


LINE = {
    "buffers": [2],
    "stations": [
        {"name": "M1", "process": {"dist": "exponential", "mean": 1}},
        {"name": "M2", "process": {"dist": "exponential", "mean": 1}},
    ],
}


def scenario(lines: int) -> dict:
    return {
        "name": f"{lines}-lines",
        "time_unit": "cycle",
        "run": {"horizon": 2000, "warmup": 0, "replications": 2, "seed": 4},
        "lines": [{"name": f"L{i + 1}", **LINE} for i in range(lines)],
    }


def test_compare_keeps_a_line_that_one_side_lacks_and_shows_totals(tmp_path):
    fa, fb, out = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "c.json"
    fa.write_text(yaml.safe_dump(scenario(1)))
    fb.write_text(yaml.safe_dump(scenario(2)))
    code, stdout, err = invoke("compare", fa, fb, "--workers", "1", "--json", out)
    assert code == 0, err
    data = json.loads(out.read_text())
    row = next(m for m in data["metrics"] if m["metric"] == "lines.L2.throughput")
    assert row["a"] is None and row["b"]["mean"] > 0 and row["difference"] is None
    made = next(t for t in data["totals"] if t["metric"] == "parts made (all lines)")
    assert made["b"]["mean"] > made["a"]["mean"]
    assert "absent" in stdout and "Totals" in stdout


def test_sweep_prints_a_pivot_by_point_filtered_by_metric(tmp_path):
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(scenario(1)))
    store = tmp_path / "store"
    code, stdout, err = invoke(
        "sweep", file, "--set", "lines[0].buffers[0]=1,4", "--store", store, "--workers", "1",
        "--metric", "lines.*.good_parts",
    )  # fmt: skip
    assert code == 0, err
    assert "lines.L1.good_parts" in stdout and "lines.L1.throughput" not in stdout
    assert "(parts)" in stdout
    rows = [line for line in stdout.splitlines() if re.match(r"^[│|]\s+[12]\s+[│|]", line)]
    assert len(rows) == 2  # one row per point
    code, stdout, err = invoke("results", store, "--metric", "*.throughput")
    assert code == 0 and "lines.L1.throughput" in stdout and "good_parts" not in stdout, err


def test_make_run_uses_every_core():
    makefile = (HERE.parent / "Makefile").read_text()
    run = next(line for line in makefile.splitlines() if "$(LOTFLOW) run" in line)
    assert "--workers" in run


def leaf_paths(node, path=""):
    """Dotted paths of the statistics and plain values of a results document."""
    if isinstance(node, dict) and not {"mean", "ci95"} <= node.keys():
        for key, value in node.items():
            yield from leaf_paths(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        for i, value in enumerate(node):
            yield from leaf_paths(value, f"{path}[{i}]")
    else:
        yield path


def test_every_key_of_a_results_document_is_in_docs_results_md(shifts_run):
    from lotflow.results_reference import documented

    _, data = shifts_run
    missing = [p for p in leaf_paths(data) if not documented(p)]
    assert not missing, missing


@pytest.mark.parametrize("args", [["--version"], ["-h"], ["validate", str(SHIFTS)]])
def test_the_cli_starts_without_the_heavy_libraries(args):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lotflow", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip(), "the command printed nothing"
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    heavy = {"scipy", "pandas", "pyarrow", "plotly", "dask", "jinja2", "numba"}
    assert not heavy & {m.split(".")[0] for m in modules}
    assert not any(m.startswith("lotflow.engine") for m in modules)


def test_names_that_look_like_console_markup_are_printed_as_written(tmp_path):
    spec = scenario(1)
    spec["name"] = "x[/]y [bold]z"
    spec["lines"][0]["name"] = "[/]"
    spec["lines"][0]["stations"][0]["name"] = "[red]"
    file = tmp_path / "markup.yaml"
    file.write_text(yaml.safe_dump(spec))
    code, stdout, err = invoke("run", file, "--replications", "1", "--horizon", "200")
    assert code == 0, err
    assert "[/] / [red]" in stdout and "x[/]y [bold]z" in stdout
