"""docs/scenario.md is generated from the scenario models and kept up to date."""

from __future__ import annotations

from pathlib import Path

from lotflow.scenario.models import Scenario
from lotflow.scenario.reference import render

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenario.md"


def test_reference_is_up_to_date():
    assert DOC.read_text() == render(), (
        "docs/scenario.md is out of date: python -m lotflow.scenario.reference > docs/scenario.md"
    )


def test_reference_names_every_field_of_every_model():
    text = render()
    schema = Scenario.model_json_schema()
    for name, model in [("Scenario", schema), *schema["$defs"].items()]:
        assert f"## {name}\n" in text
        for field in model["properties"]:
            assert f"| `{field}` |" in text, (name, field)
    assert "| `mean` | number | time_unit | required | >= 10^-9, <= 10^12 |" in text
