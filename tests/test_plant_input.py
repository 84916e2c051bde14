"""Bad ``plant:`` input is a ScenarioError naming the field path (exit code 2 in the CLI)."""

from __future__ import annotations

import copy

import pytest
import yaml
from typer.testing import CliRunner

from lotflow.cli import app
from lotflow.plant.packaging import Packaging
from lotflow.plant.sampling import AQLS, LEVELS, plan_for
from lotflow.scenario.errors import ScenarioError
from lotflow.scenario.loader import scenario_from_dict
from lotflow.scenario.models import Plant, SamplingSpec, TestTime

BASE = {
    "time_unit": "s",
    "products": [{"name": "ball", "lot_size": 250_000}],
    "lines": [
        {
            "name": "L1",
            "campaigns": [{"product": "ball", "lots": 1}],
            "stations": [{"name": "M1", "process": {"dist": "deterministic", "mean": 1}}],
        }
    ],
    "plant": {
        "range": {
            "lanes": 2,
            "sampling": {"standard": "MIL-STD-105E", "level": "II", "aql": 0.65},
            "test_time": {
                "setup": {"dist": "deterministic", "mean": 1800},
                "per_round": {"dist": "deterministic", "mean": 6},
            },
        },
        "staging": {"capacity_lots": 8},
        "quality": [{"product": "ball", "process_average": 0.2, "lot_to_lot_cv": 0.5}],
        "rejected": {"action": "screen", "rate": 1.0},
        "storage": {"pallet_places": 200},
        "shipping": {
            "lead_time": 86400,
            "orders": [{"product": "ball", "quantity": 100_000, "at": 0}],
            "demand": [
                {
                    "product": "ball",
                    "interarrival": {"dist": "exponential", "mean": 604800},
                    "quantity": {"dist": "gamma", "mean": 500000, "cv": 0.5},
                }
            ],
        },
    },
}


def _with(path: str, value) -> dict:
    """BASE with the value at a dotted path (list items as [i]) replaced; None deletes."""
    data = copy.deepcopy(BASE)
    node = data
    parts = path.replace("[", ".").replace("]", "").split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    key = int(last) if last.isdigit() else last
    if value is None:
        del node[key]
    else:
        node[key] = value
    return data


def test_the_scenario_accepts_exactly_the_standard_levels_and_aqls() -> None:
    for level in LEVELS:
        for aql in AQLS:
            spec = SamplingSpec(level=level, aql=aql)
            assert plan_for(250_000, spec.level, spec.aql, "normal").sample_size >= 1


def test_the_full_plant_block_is_valid() -> None:
    scenario = scenario_from_dict(BASE)
    assert scenario.plant.range.sampling.aql == 0.65
    assert isinstance(scenario.plant.range.test_time, TestTime)


def test_a_plant_with_only_a_range_is_valid() -> None:
    data = copy.deepcopy(BASE)
    data["plant"] = {"range": BASE["plant"]["range"]}
    plant = scenario_from_dict(data).plant
    assert isinstance(plant, Plant)
    assert plant.staging.capacity_lots is None and plant.storage.pallet_places is None
    assert plant.rejected.action == "destroy" and plant.shipping is None


@pytest.mark.parametrize(
    ("path", "value", "where", "says"),
    [
        ("plant.range.sampling.aql", 0.7, "plant.range.sampling.aql", "unknown AQL"),
        ("plant.range.sampling.level", "IV", "plant.range.sampling.level", "S-1"),
        ("plant.range.sampling.standard", "ISO", "plant.range.sampling.standard", "MIL-STD"),
        ("products[0].lot_size", 0, "products[0].lot_size", "greater than or equal"),
        ("products[0].lot_size", 1, "products[0].lot_size", "at least 2"),
        ("plant.range.lanes", 0, "plant.range.lanes", "greater than or equal"),
        ("plant.staging.capacity_lots", -1, "plant.staging.capacity_lots", "greater"),
        ("plant.storage.pallet_places", -5, "plant.storage.pallet_places", "greater"),
        ("plant.storage.pallet_places", 3, "plant.storage.pallet_places", "pallet places"),
        (
            "plant.storage.packaging",
            {"crates_per_pallet": 0},
            "plant.storage.packaging.crates_per_pallet",
            "greater",
        ),
        ("plant.rejected.rate", -2.0, "plant.rejected.rate", "greater"),
        ("plant.rejected.rate", None, "plant.rejected", "needs a rate"),
        ("plant.rejected.action", "scrap", "plant.rejected.action", "screen"),
        ("plant.quality[0].product", "laser", "plant.quality[0].product", "unknown product"),
        ("plant.quality[0].lot_to_lot_cv", 40.0, "plant.quality[0]", "lot_to_lot_cv"),
        ("plant.quality[0].process_average", 120, "plant.quality[0].process_average", "less"),
        (
            "plant.shipping.orders[0].product",
            "laser",
            "plant.shipping.orders[0].product",
            "unknown product",
        ),
        ("plant.shipping.orders[0].quantity", -1, "plant.shipping.orders[0].quantity", "greater"),
        (
            "plant.shipping.demand[0].product",
            "laser",
            "plant.shipping.demand[0].product",
            "unknown product",
        ),
        (
            "plant.range.test_time.setup",
            {"dist": "exponential"},
            "plant.range.test_time.setup.mean",
            "required",
        ),
        (
            "plant.range.arrivals",
            {"dist": "exponential", "mean": 1},
            "plant.range.arrivals",
            "standalone",
        ),
        ("plant.range.test_time", None, "plant.range.test_time", "required"),
        ("plant.staging.capacity", 3, "plant.staging.capacity", "unknown field"),
    ],
)
def test_bad_plant_input_names_the_field(path: str, value, where: str, says: str) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(_with(path, value))
    assert info.value.path == where
    assert says in info.value.message


def test_standalone_range_needs_one_test_time_distribution() -> None:
    data = {
        "time_unit": "h",
        "plant": {
            "range": {
                "lanes": 3,
                "arrivals": {"dist": "exponential", "mean": 0.4},
                "test_time": BASE["plant"]["range"]["test_time"],
            }
        },
    }
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert info.value.path == "plant.range.test_time"
    data["plant"]["range"]["test_time"] = {"dist": "exponential", "mean": 1}
    assert scenario_from_dict(data).plant.range.lanes == 3


def test_packaging_counts_whole_packages_per_lot() -> None:
    packaging = Packaging(
        units_per_box=20, boxes_per_can=33, cans_per_crate=2, crates_per_pallet=32
    )
    assert packaging.packages_for(250_000) == {
        "boxes": 12_500,
        "cans": 379,
        "crates": 190,
        "pallets": 6,
    }
    assert packaging.pallets_for(0) == 0
    assert packaging.pallets_for(packaging.units_per_pallet) == 1
    assert packaging.pallets_for(packaging.units_per_pallet + 1) == 2


def test_cli_rejects_bad_plant_input_with_exit_code_2(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_with("plant.range.sampling.aql", 0.7)))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    output = result.output
    assert "plant.range.sampling.aql" in output
    assert "Traceback" not in output
