"""``lotflow capacity``: analytic capacity of each line, optionally beside simulated results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lotflow.cli_common import (
    ClaimOpt,
    ScenarioArg,
    check_outputs,
    check_positive,
    console,
    input_errors,
    load_or_exit,
)
from lotflow.io import write_atomic
from lotflow.scenario import ScenarioError


@input_errors()
def capacity_command(
    scenario: ScenarioArg,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the capacity as JSON here.")
    ] = None,
    results: Annotated[
        Path | None, typer.Option(help="A results JSON of this scenario to compare with.")
    ] = None,
    claim: ClaimOpt = None,
) -> None:
    """Analytic capacity of each line (no simulation), and the claim check."""
    loaded = load_or_exit(scenario)
    check_positive("--claim", claim)
    check_outputs({"--json": json_out})
    execute_capacity(loaded, json_out, results, claim, console)


def load_results(path: Path, scenario) -> dict:
    """A results JSON of ``scenario`` (ScenarioError if unreadable or of other lines)."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise ScenarioError(f"cannot read results: {exc.strerror}", file=str(path)) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ScenarioError(f"not a results JSON: {exc}", file=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("lines"), dict):
        raise ScenarioError("not a results JSON (no 'lines' block)", file=str(path))
    names = {line.name for line in scenario.lines}
    if set(data["lines"]) != names or not {"horizon", "warmup"} <= set(data):
        raise ScenarioError(
            f"results of lines {sorted(data['lines'])}, the scenario has {sorted(names)}",
            file=str(path),
        )
    return data


def execute_capacity(scenario, json_out, results_path, claim, console: Console) -> dict:
    """Print the capacity table (and the claim check: ``claim`` good parts a year,
    else the scenario's own claim, else none); write ``json_out`` if given."""
    from lotflow.analysis.capacity import capacity
    from lotflow.analysis.claim import claim_check, simulated_rates

    cap = capacity(scenario)
    data = load_results(results_path, scenario) if results_path is not None else None
    sim = simulated_rates(scenario, data, cap) if data is not None else None
    check = claim_check(scenario, data, claim, cap)
    console.print(_table(cap, sim))
    notes = sorted({note for line in cap.lines for note in line.notes})
    for note in notes:
        console.print(f"  note: {note}", style="dim", highlight=False)
    plant = plant_line(cap, check)
    if plant is not None:
        console.print(plant, highlight=False)
    if check is not None:
        console.print(check.one_line(), highlight=False)
    document = {
        "capacity": cap.to_dict(),
        "simulated": sim,
        "claim": check.to_dict() if check is not None else None,
    }
    if json_out is not None:
        write_atomic(json_out, json.dumps(document, indent=2, allow_nan=False) + "\n")
        console.print(f"capacity written to {json_out}")
    return document


def _table(cap, sim: dict | None) -> Table:
    from lotflow.calendar import UNIT_PER_HOUR

    per_hour = UNIT_PER_HOUR.get(cap.time_unit)
    scale, unit = (per_hour, "h") if per_hour else (1.0, cap.time_unit)
    methods = sorted({ln.flow.method + (" (exact)" if ln.flow.exact else "") for ln in cap.lines})
    table = Table(
        title=f"{cap.scenario}: analytic capacity, good parts per working {unit}",
        caption=f"flow: {', '.join(methods)}",
    )
    columns = ["line", "bottleneck", "ideal", "availability", "flow"]
    if sim is not None:
        columns += ["simulated (95 % CI)", "sim / flow"]
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i < 2 else "right")
    digits = 0 if scale > 10 else 4
    for line in cap.lines:
        row = [line.name, line.bottleneck]
        row += [f"{e.good_rate * scale:,.{digits}f}" for e in (line.ideal, line.availability)]
        row.append(f"{line.flow.good_rate * scale:,.{digits}f}")
        if sim is not None:
            s = sim[line.name]["good_rate"]
            row.append(f"{s['mean'] * scale:,.{digits}f} ± {s['ci95'] * scale:,.{digits}f}")
            row.append(f"{s['mean'] / line.flow.good_rate:.3f}")
        table.add_row(*row)
    return table


def plant_line(cap, check) -> str | None:
    """Good parts a year of all lines: nameplate, availability, flow (and simulated)."""
    if cap.working_per_year is None:
        return None
    text = (
        f"Plant, good parts a year on {cap.working_hours_per_year:,.0f} working h: "
        f"nameplate {cap.nameplate / 1e6:,.1f} M, availability "
        f"{cap.plant('availability') / 1e6:,.1f} M, flow {cap.plant('flow') / 1e6:,.1f} M"
    )
    if check is not None and check.simulated is not None:
        s = check.simulated
        text += f", simulated {s['mean'] / 1e6:,.1f} ± {s['ci95'] / 1e6:,.1f} M"
    return text
