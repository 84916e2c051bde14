"""Bad optimization specs exit with code 2 and one message naming the spec file and
the field path; good ones parse their linear constraints. Nothing is simulated."""

from __future__ import annotations

import re

import pytest
import yaml
from typer.testing import CliRunner

from lotflow.cli import app
from lotflow.optimize.space import Space
from lotflow.optimize.spec import spec_from_dict
from lotflow.scenario import scenario_from_dict

ANSI = re.compile(r"\x1b\[[0-9;]*m")

SCENARIO = {
    "name": "three",
    "time_unit": "cycle",
    "run": {"horizon": 2000, "warmup": 100, "replications": 2, "seed": 1},
    "lines": [
        {
            "name": "L1",
            "buffers": [1, 1],
            "stations": [
                {"name": f"M{i}", "process": {"dist": "exponential", "mean": 1.0}} for i in range(3)
            ],
        }
    ],
}


def good_spec() -> dict:
    return {
        "variables": {
            "b1": {"path": "lines[0].buffers[0]", "integers": [0, 4]},
            "b2": {"path": "lines[0].buffers[1]", "integers": [0, 4]},
        },
        "constraints": ["b1 + b2 <= 4"],
        "objective": {"maximize": "lines.L1.throughput"},
        "budget": {"evaluations": 10},
    }


def invoke(tmp_path, spec: dict) -> tuple[int, str, BaseException | None]:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO))
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(spec))
    args = ["optimize", scenario, "--spec", spec_file, "--out", tmp_path / "best.json"]
    result = CliRunner().invoke(app, [str(a) for a in args])
    exc = result.exception
    uncaught = None if exc is None or isinstance(exc, SystemExit) else exc
    return result.exit_code, ANSI.sub("", result.stderr), uncaught


def broken(edit) -> dict:
    spec = good_spec()
    edit(spec)
    return spec


CASES = {
    "unknown path": (
        lambda s: s["variables"]["b1"].update(path="lines[0].bufers[0]"),
        "variables.b1.path",
        "no field 'bufers'",
    ),
    "position out of range": (
        lambda s: s["variables"]["b2"].update(path="lines[0].buffers[7]"),
        "variables.b2.path",
        "positions 0..1",
    ),
    "empty range": (
        lambda s: s["variables"]["b1"].update(integers=[5, 2]),
        "variables.b1",
        "empty range",
    ),
    "invalid value": (
        lambda s: s["variables"]["b1"].update(integers=[-1, 2]),
        "variables.b1.integers",
        "invalid scenario",
    ),
    "unknown variable in a constraint": (
        lambda s: s.update(constraints=["b1 + b3 <= 4"]),
        "constraints[0]",
        "unknown variable 'b3'",
    ),
    "non-linear constraint": (
        lambda s: s.update(constraints=["b1 * b2 <= 4"]),
        "constraints[0]",
        "not linear",
    ),
    "no comparison": (
        lambda s: s.update(constraints=["b1 + b2"]),
        "constraints[0]",
        "one comparison",
    ),
    "zero evaluations": (
        lambda s: s.update(budget={"evaluations": 0}),
        "budget.evaluations",
        "greater than or equal to 1",
    ),
    "no budget": (lambda s: s.update(budget={}), "budget", "evaluations"),
    "negative seconds": (
        lambda s: s.update(budget={"seconds": -5}),
        "budget.seconds",
        "greater than 0",
    ),
    "unknown metric root": (
        lambda s: s.update(objective={"maximize": "line.L1.throughput"}),
        "objective.maximize",
        "not a metric path",
    ),
    "unknown line in a metric": (
        lambda s: s.update(objective={"maximize": "lines.L9.throughput"}),
        "objective.maximize",
        "no line 'L9'",
    ),
    "plant metric without a plant": (
        lambda s: s.update(
            requirements=[{"metric": "plant.units.accepted", "at_least": 1}],
        ),
        "requirements[0].metric",
        "no plant",
    ),
    "constraints nothing meets": (
        lambda s: s.update(constraints=["b1 + b2 >= 9"]),
        "constraints",
        "no candidate meets all the constraints",
    ),
    "unknown field": (lambda s: s.update(objectives={}), "objectives", "unknown field"),
    "cost of an unknown variable": (
        lambda s: s.update(costs={"b7": 3}),
        "costs.b7",
        "unknown variable",
    ),
    "minimize cost without requirements": (
        lambda s: s.update(objective={"minimize": "cost"}, costs={"b1": 1}),
        "objective",
        "needs requirements",
    ),
    "two kinds of values": (
        lambda s: s["variables"]["b1"].update(choices=[1, 2]),
        "variables.b1",
        "give one of",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_spec_exits_2_naming_the_file_and_field(tmp_path, case):
    edit, where, what = CASES[case]
    code, err, uncaught = invoke(tmp_path, broken(edit))
    assert uncaught is None
    assert code == 2, err
    assert "Traceback" not in err
    message = " ".join(err.split())
    assert f"spec.yaml: {where}" in message
    assert what in message
    assert not (tmp_path / "best.json").exists()


def test_a_missing_spec_file_exits_2(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO))
    args = ["optimize", scenario, "--spec", tmp_path / "nope.yaml", "--out", tmp_path / "b.json"]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 2
    assert "nope.yaml: file not found" in ANSI.sub("", result.stderr)


def test_linear_constraints_parse_to_coefficients():
    spec = good_spec()
    spec["constraints"] = ["2*b1 - (b2 - 1) >= 3 - b2 / 2", "b1 == b2"]
    parsed = spec_from_dict(spec, "spec.yaml").constraints
    assert parsed[0].coefficients == {"b1": 2.0, "b2": -0.5}
    assert parsed[0].op == ">=" and parsed[0].rhs == 2.0
    assert parsed[1].holds({"b1": 2, "b2": 2}) and not parsed[1].holds({"b1": 2, "b2": 1})


def test_labelled_choices_and_list_length_build_their_scenarios():
    spec = good_spec()
    spec["variables"]["lines"] = {"path": "lines", "length": [1, 2]}
    spec["variables"]["first"] = {
        "path": "lines[*].stations[0].process",
        "choices": {
            "slow": {"dist": "exponential", "mean": 2.0},
            "fast": {"dist": "exponential", "mean": 0.5},
        },
    }
    spec["costs"] = {"lines": {2: 100.0}, "first": {"fast": 7.0}, "b1": 2.0}
    space = Space(spec_from_dict(spec, "spec.yaml"), scenario_from_dict(SCENARIO))
    candidate = space.candidate({"b1": 3, "b2": 0, "lines": 2, "first": "fast"})
    scenario = space.scenario(candidate)
    assert [line.name for line in scenario.lines] == ["L1", "L1_copy1"]
    assert all(line.stations[0].process.mean == 0.5 for line in scenario.lines)
    assert space.cost(candidate) == 100.0 + 7.0 + 2.0 * (3 - 1)  # per unit above the base
    assert space.size() == 5 * 5 * 2 * 2


def test_block_choices_make_hashable_candidates():
    spec = good_spec()
    spec["variables"]["last"] = {
        "path": "lines[0].stations[2].process",
        "choices": [{"dist": "exponential", "mean": 1.5}, {"dist": "deterministic", "mean": 1.0}],
    }
    space = Space(spec_from_dict(spec, "spec.yaml"), scenario_from_dict(SCENARIO))
    block = {"mean": 1.0, "dist": "deterministic"}  # same block, other key order
    a = space.candidate({"b1": 1, "b2": 0, "last": block})
    b = space.candidate({"b1": 1, "b2": 0, "last": dict(reversed(block.items()))})
    assert a == b and len({a, b}) == 1
    assert space.scenario(a).lines[0].stations[2].process.dist == "deterministic"
