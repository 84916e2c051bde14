"""``lotflow validate`` and ``lotflow schema``: the scenario file without a simulation."""

from __future__ import annotations

import json
import sys

from lotflow.cli_common import ScenarioArg, console, load_or_exit


def validate(scenario: ScenarioArg) -> None:
    """Check a scenario and say what is wrong."""
    loaded = load_or_exit(scenario)
    console.print(
        f"{scenario}: ok ({len(loaded.lines)} lines, time unit {loaded.time_unit})",
        markup=False,
        highlight=False,
    )


def schema() -> None:
    """Print the scenario JSON Schema."""
    from lotflow.scenario.models import Scenario

    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2) + "\n")
