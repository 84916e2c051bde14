"""Hostile and careless input (issue 13, the scenario half): every class of
input that crashed, hung or misled the loader, each with a test.

Each message is checked to fit on one screen (:func:`assert_short`)."""

from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import pytest
import yaml

from lotflow import ScenarioError, load_scenario
from lotflow.experiment.paths import apply_assignment
from lotflow.scenario import apply_run_options, scenario_from_dict

HERE = Path(__file__).parent
ROOT = HERE.parent
GOOD = HERE / "scenarios" / "two_machine.yaml"
GOOD_TEXT = GOOD.read_text()
MARACAY = ROOT / "scenarios" / "maracay.yaml"


def assert_short(error: ScenarioError) -> str:
    text = str(error)
    assert len(text.splitlines()) <= 25 and len(text) <= 2000, text[:3000]
    return text


def load_text(tmp_path: Path, text: str | bytes) -> ScenarioError:
    """The error of loading ``text`` as a scenario file."""
    path = tmp_path / "s.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert_short(info.value)
    assert info.value.file == str(path)
    return info.value


def good_data() -> dict:
    return yaml.safe_load(GOOD_TEXT)


# --- the loader --------------------------------------------------------------


def test_yaml_1_2_numbers_are_numbers(tmp_path):
    text = GOOD_TEXT.replace("mean: 270", "mean: 2.7E2").replace("horizon: 20000", "horizon: 2e4")
    text = text.replace("lot_size: 2500", "lot_size: +2_500").replace("mean: 10}", "mean: 1e1}")
    path = tmp_path / "s.yaml"
    path.write_text(text.replace("scrap: 0.0", "scrap: .5e-1"))
    scenario = load_scenario(path)
    assert scenario.run.horizon == 2e4
    assert scenario.lines[0].changeover.mean == 270.0
    assert scenario.products[0].lot_size == 2500
    assert scenario.lines[0].stations[0].scrap == 0.05
    assert scenario.lines[0].stations[0].repair.mean == 10.0


def test_tiny_mean_written_as_1e_9_is_a_number():
    data = good_data()
    data["lines"][0]["stations"][0]["repair"] = {"dist": "exponential", "mean": 1e-9}
    assert scenario_from_dict(data).lines[0].stations[0].repair.mean == 1e-9


def test_duplicate_keys_name_both_lines(tmp_path):
    error = load_text(tmp_path, GOOD_TEXT.replace("time_unit: cycle", "time_unit: cycle\nname: b"))
    assert "duplicate key 'name'" in error.message and "line 2" in error.message
    assert "line 4" in error.message


def test_alias_bomb_is_refused_quickly(tmp_path):
    rows = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    started = time.perf_counter()
    error = load_text(tmp_path, "\n".join([*rows, "name: *a9", ""]))
    assert time.perf_counter() - started < 10
    assert "expands" in error.message


def test_recursive_alias_is_refused(tmp_path):
    assert "contains it" in load_text(tmp_path, "name: &a [*a]\n").message


@pytest.mark.parametrize("opening", ["[", "{a: ", "- "])
def test_deep_nesting_is_an_error_not_a_recursion_error(tmp_path, opening):
    if opening == "- ":
        text = "name:\n" + "".join(" " * (i + 1) + "-\n" for i in range(1000))
    else:
        closing = "]" if opening == "[" else "}"
        text = "name: " + opening * 3000 + "1" + closing * 3000 + "\n"
    assert "nested more than" in load_text(tmp_path, text).message


def test_deep_python_data_is_an_error():
    data: list = []
    for _ in range(3000):
        data = [data]
    with pytest.raises(ScenarioError):
        scenario_from_dict({"name": data})


def test_huge_integer_is_an_error(tmp_path):
    error = load_text(tmp_path, GOOD_TEXT.replace("seed: 1", "seed: " + "7" * 5000))
    assert "5000 digits" in error.message and "line 4" in error.message


@pytest.mark.parametrize(
    "value", ["!!float abc", "!!int abc", "!!bool maybe", "!!timestamp xyz", "!!int 0x"]
)
def test_explicit_tags_that_do_not_fit_the_value(tmp_path, value):
    error = load_text(tmp_path, f"name: {value}\n")
    assert "cannot read this value as" in error.message and "line 1" in error.message


def test_python_tags_are_not_constructed(tmp_path):
    error = load_text(tmp_path, "name: !!python/object/apply:os.system ['echo hi']\n")
    assert "constructor" in error.message


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("", "empty"),
        ("   \n\n", "empty"),
        ("# only a comment\n", "no data"),
        (b"\x00\x01\x02binary\xff", "not a text file"),
        ("name: caf\xe9\n".encode("latin-1"), "not UTF-8"),
        ("name: \x07bell\n", "not a text file"),
        ("- a\n- list\n", "mapping"),
    ],
)
def test_files_that_are_not_scenarios(tmp_path, content, needle):
    assert needle in load_text(tmp_path, content).message


@pytest.mark.parametrize("path", ["dir", "/dev/null", "/dev/zero"])
def test_directories_and_devices_are_refused(tmp_path, path):
    target = tmp_path if path == "dir" else Path(path)
    if not target.exists():
        pytest.skip(f"no {path}")
    with pytest.raises(ScenarioError) as info:
        load_scenario(target)
    assert "directory" in info.value.message or "not a regular file" in info.value.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(GOOD_TEXT)
    path.chmod(0)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(path)


def test_syntax_error_shows_line_and_caret(tmp_path):
    error = load_text(
        tmp_path, "name: x\nlines:\n  - name: L1\n    buffers: [4\n    stations: []\n"
    )
    lines = error.message.splitlines()
    assert lines[0].startswith("YAML syntax error at line")
    assert "|" in lines[1] and lines[2].strip().endswith("^")


# --- validation: every mistake, short ------------------------------------------


def test_every_mistake_at_once_with_closest_names():
    data = good_data()
    data["calender"] = data.pop("run")
    station = data["lines"][0]["stations"][0]
    station["proces"] = station.pop("process")
    data["lines"][0]["stations"][1]["failure"]["per_cycle"] = 7
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    text = assert_short(info.value)
    assert "3 problems" not in text  # four: the misspelt key is named beside the missing one
    assert "calender: unknown field; did you mean 'calendar'?" in text
    assert "lines[0].stations[0].proces: unknown field; did you mean 'process'?" in text
    assert "lines[0].stations[0].process: required field is missing" in text
    assert "lines[0].stations[1].failure.per_cycle:" in text
    assert len(info.value.problems) == 4


def test_many_mistakes_fit_on_one_screen():
    data = good_data()
    data["lines"] = [
        {"name": f"L{i}", "stations": [{"name": "M", "process": {"dist": "x" * 10_000}}]}
        for i in range(200)
    ]
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    text = assert_short(info.value)
    assert "and 188 more" in text and "xxxxx" in text


def test_long_values_are_quoted_by_a_prefix():
    data = good_data()
    data["lines"][0]["stations"][0]["process"]["mean"] = "9" * 100_000
    data["name"] = ["n" * 100_000] * 1000
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert len(assert_short(info.value)) < 600


def test_unknown_field_in_a_distribution_and_test_time():
    data = good_data()
    data["lines"][0]["stations"][0]["process"] = {"dist": "gamma", "mean": 1, "cv": 1, "maen": 2}
    with pytest.raises(ScenarioError, match="did you mean 'mean'"):
        scenario_from_dict(data)


# --- bounds that prevent crashes and hangs ----------------------------------------


@pytest.mark.parametrize(
    ("dist", "needle"),
    [
        ({"dist": "gamma", "mean": 1, "cv": 1e-200}, "at least 1e-06"),
        ({"dist": "gamma", "mean": 1, "cv": 1e200}, "less than or equal to 10"),
        ({"dist": "lognormal", "mean": 1, "cv": 1e-200}, "at least 1e-06"),
        ({"dist": "lognormal", "mean": 1, "cv": 1e200}, "less than or equal to 10"),
        ({"dist": "exponential", "mean": 1e308}, "less than or equal to"),
        ({"dist": "exponential", "mean": 1e-300}, "at least 1e-09"),
        ({"dist": "uniform", "low": 0, "high": 1e308}, "less than or equal to"),
        ({"dist": "empirical", "values": [1e308]}, "less than or equal to"),
    ],
)
def test_extreme_distribution_parameters_are_refused(dist, needle):
    data = good_data()
    data["lines"][0]["stations"][0]["repair"] = dist
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.path.startswith("lines[0].stations[0].repair")
    assert needle in info.value.message


@pytest.mark.parametrize("horizon", [1e308, float(2**63), 2**63])
def test_endless_horizons_are_refused(horizon):
    data = good_data()
    data["run"]["horizon"] = horizon
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.path == "run.horizon"


def test_horizon_is_bounded_by_the_parts_it_would_simulate():
    data = good_data()
    data["run"]["horizon"] = 1e14
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.path == "run.horizon"
    assert "part-stations" in info.value.message and "at most 5e+10" in info.value.message


def test_run_size_is_bounded_over_replications():
    data = good_data()
    data["run"].update(horizon=1e9, replications=10_000)
    with pytest.raises(ScenarioError, match="use at most 500 replications"):
        scenario_from_dict(data)


def test_calendar_without_working_time_in_the_window():
    data = good_data()
    data["time_unit"] = "h"
    data["calendar"] = {"shifts_per_day": 1, "hours_per_shift": 8, "days_per_week": 5}
    data["run"] = {"horizon": 5.0, "warmup": 0.0}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.path == "run.horizon" and "next shift starts at 6 h" in info.value.message
    data["run"] = {"horizon": 160.0, "warmup": 120.0}  # Friday 00:00 to Sunday 16:00
    with pytest.raises(ScenarioError, match="next shift starts at 174"):
        scenario_from_dict(data)


def test_reference_horizon_shorter_than_the_first_shift_is_refused():
    reference = load_scenario(MARACAY)
    with pytest.raises(ScenarioError) as info:
        apply_run_options(reference, horizon=8760)
    assert info.value.message.startswith("--horizon 8760: ")
    assert "21600" in info.value.message


# --- options obey the run block's rules -------------------------------------------------


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"replications": 1_000_000_000}, "--replications 1000000000: "),
        ({"seed": 10**24}, "--seed 1000000000000000000000000: "),
        ({"seed": -1}, "--seed -1: "),
        ({"horizon": 1e308}, "--horizon 1e+308: "),
        ({"horizon": float("nan")}, "--horizon nan: "),
        ({"warmup": 1e9}, "--warmup 1000000000.0: must be smaller than"),
        ({"workers": 0}, "--workers 0: "),
        ({"workers": 10**6}, "--workers 1000000: "),
        ({"replications": 2.5}, "--replications 2.5: "),
    ],
)
def test_run_options_follow_the_scenario_rules(options, needle):
    with pytest.raises(ScenarioError) as info:
        apply_run_options(load_scenario(GOOD), **options)
    assert needle in str(info.value)


def test_run_options_are_applied():
    scenario = apply_run_options(
        load_scenario(GOOD), seed=7, replications=2, horizon=5e4, warmup=10
    )
    assert scenario.run.model_dump() == {
        "horizon": 5e4, "warmup": 10.0, "replications": 2, "seed": 7
    }  # fmt: skip
    same = apply_run_options(scenario, warmup="auto", workers=2)
    assert same.run == scenario.run


# --- common what-ifs are one --set away --------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"), [("calendar.shifts_per_day", 3), ("calendar.days_per_week", 6)]
)
def test_third_shift_and_sixth_day_are_one_set_away(path, value):
    reference = load_scenario(MARACAY)
    changed = scenario_from_dict(apply_assignment(reference.model_dump(), path, value))
    calendar = changed.calendar
    assert calendar.start_hour + calendar.hours_per_day <= 24
    assert reference.calendar.start_hour == 6.0


def test_explicit_day_start_says_which_value_to_set():
    data = load_scenario(MARACAY).model_dump()
    data["calendar"]["day_start_hour"] = 6.0
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(apply_assignment(data, "calendar.shifts_per_day", 3))
    assert "set day_start_hour to at most 0" in info.value.message


# --- structure --------------------------------------------------------------------------


def test_plant_models_do_not_import_the_scenario_models():
    source = (ROOT / "src" / "lotflow" / "scenario" / "plant_models.py").read_text()
    imported = {
        node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)
    }
    assert "lotflow.scenario.models" not in imported


def test_horizon_is_bounded_by_the_hourly_counters_it_would_need():
    data = good_data()
    data["time_unit"] = "s"
    for station in data["lines"][0]["stations"]:
        station["process"]["mean"] = 1e9
    data["run"]["horizon"] = 1e15
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.path == "run.horizon" and "hourly output counters" in info.value.message


@pytest.mark.parametrize(
    ("name", "needle"),
    [("a\x1b[31mred", "printable"), ("L" * 500, "at most 100 characters"), ("", "at least 1")],
)
def test_names_are_short_printable_text(name, needle):
    data = good_data()
    data["lines"][0]["name"] = name
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.path == "lines[0].name" and needle in info.value.message


def test_any_error_fits_one_screen():
    error = ScenarioError("x" * 10_000 + "\n" * 100, file="f.yaml", path="a." * 2000 + "b")
    assert_short(error)


def test_sweep_files_are_read_like_scenarios(tmp_path):
    from lotflow.experiment.sweep import load_sweep_file

    rows = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = tmp_path / "sweep.yaml"
    path.write_text("\n".join([*rows, "set: {run.seed: *a9}", ""]))
    with pytest.raises(ScenarioError) as info:
        load_sweep_file(path)
    assert info.value.file == str(path) and "expands" in assert_short(info.value)
