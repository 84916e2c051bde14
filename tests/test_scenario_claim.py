"""A claim belongs to the scenario: ``claim: {good_per_year: N}``, absent = no claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from lotflow import ScenarioError, load_scenario
from lotflow.scenario import scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
LINE = {"name": "L", "stations": [{"name": "M", "process": {"dist": "deterministic", "mean": 1}}]}


def test_reference_plant_states_its_claim():
    assert load_scenario(ROOT / "scenarios" / "maracay.yaml").claim.good_per_year == 70e6


def test_no_claim_by_default():
    assert scenario_from_dict({"lines": [LINE]}).claim is None


@pytest.mark.parametrize("bad", [0, -5, "many", float("inf")])
def test_claim_must_be_a_positive_number(bad):
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"lines": [LINE], "claim": {"good_per_year": bad}})
    assert info.value.path == "claim.good_per_year"
