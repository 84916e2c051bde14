"""``--set`` field paths and the sweep grid: paths, values, validation, common seeds."""

from __future__ import annotations

import pytest

from lotflow.experiment.paths import (
    apply_assignment,
    parse_assignment,
    parse_path,
    split_values,
)
from lotflow.experiment.sweep import SweepOptions, build_points, load_sweep_file
from lotflow.scenario import ScenarioError, scenario_from_dict

LINE = {
    "name": "grid",
    "time_unit": "cycle",
    "run": {"horizon": 5000, "warmup": 0, "replications": 3, "seed": 5},
    "lines": [
        {
            "name": name,
            "buffers": [2, 2],
            "stations": [
                {"name": f"M{i}", "process": {"dist": "exponential", "mean": 1}} for i in (1, 2, 3)
            ],
        }
        for name in ("L1", "L2")
    ],
}


def base():
    return scenario_from_dict(LINE)


def test_paths_read_names_positions_and_stars():
    assert parse_path("lines[*].buffers[2]") == ("lines", "*", "buffers", 2)
    assert parse_path("plant.range.lanes") == ("plant", "range", "lanes")
    assert parse_path("lines[1].stations[0].process.mean") == (
        "lines",
        1,
        "stations",
        0,
        "process",
        "mean",
    )
    with pytest.raises(ScenarioError, match="cannot read the field path"):
        parse_path("lines[x].buffers")


def test_values_are_yaml_and_split_at_top_level_commas_only():
    assert split_values("100,200") == [100, 200]
    assert split_values("0.5, 1e3, true, ball") == [0.5, 1000.0, True, "ball"]
    assert split_values("{dist: exponential, mean: 2},[1, 2]") == [
        {"dist": "exponential", "mean": 2},
        [1, 2],
    ]
    assert parse_assignment("plant.range.lanes=1,2,3") == ("plant.range.lanes", [1, 2, 3])
    with pytest.raises(ScenarioError, match="PATH=V1"):
        parse_assignment("lanes")


def test_star_sets_every_item_and_leaves_the_input_unchanged():
    data = base().model_dump(mode="json")
    out = apply_assignment(data, "lines[*].buffers[1]", 9)
    assert [line["buffers"] for line in out["lines"]] == [[2, 9], [2, 9]]
    assert [line["buffers"] for line in data["lines"]] == [[2, 2], [2, 2]]


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("lines[*].bufers[1]", "no field 'bufers' at lines[0]"),
        ("lines[5].buffers[0]", "lines has 2 items"),
        ("lines[0].buffers[2]", "lines[0].buffers has 2 items"),
        ("plant.range.lanes", "plant is not set"),
        ("name[0]", "name is not a list"),
        ("run.horizon.value", "run.horizon is not a group of fields"),
    ],
)
def test_a_path_that_does_not_exist_is_named_with_the_reason(path, why):
    data = base().model_dump(mode="json")
    with pytest.raises(ScenarioError, match="the path does not exist") as err:
        apply_assignment(data, path, 1)
    assert why in str(err.value)


def test_the_grid_has_every_combination_and_validates_each_point():
    options = SweepOptions(sets=[("lines[*].buffers[1]", [1, 4]), ("run.horizon", [4000, 6000])])
    points = build_points(base(), options)
    assert len(points) == 4
    assert [(p.scenario.lines[1].buffers[1], p.scenario.run.horizon) for p in points] == [
        (1, 4000),
        (1, 6000),
        (4, 4000),
        (4, 6000),
    ]
    # common random numbers: every point keeps the one master seed
    assert {p.scenario.run.seed for p in points} == {5}


def test_a_value_of_the_wrong_type_names_the_field_and_the_point():
    options = SweepOptions(sets=[("lines[*].buffers[1]", [1, "many"])])
    with pytest.raises(ScenarioError, match="valid integer") as err:
        build_points(base(), options)
    assert err.value.path == "lines[0].buffers[1]"
    assert "sweep point" in str(err.value)


def test_options_go_into_the_run_block_and_set_overrides_them():
    options = SweepOptions(sets=[("run.horizon", [7000])], horizon=3000.0, replications=9)
    (point,) = build_points(base(), options)
    assert point.scenario.run.horizon == 7000
    assert point.scenario.run.replications == 9


def test_a_sweep_file_lists_the_same_as_the_options(tmp_path):
    file = tmp_path / "sweep.yaml"
    file.write_text(
        "set:\n  lines[*].buffers[1]: [1, 4]\n  run.horizon: 3000\n"
        "replications: 4\nwarmup: auto\nprecision: 2%\n"
    )
    options = load_sweep_file(file)
    assert options.sets == [("lines[*].buffers[1]", [1, 4]), ("run.horizon", [3000])]
    assert (options.replications, options.warmup, options.precision) == (4, "auto", 0.02)
    file.write_text("sets: {}\n")
    with pytest.raises(ScenarioError, match="unknown keys"):
        load_sweep_file(file)
