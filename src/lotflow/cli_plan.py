"""``lotflow plan`` (orders -> plan.json) and ``lotflow run --plan`` (simulate a plan)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lotflow.cli_common import (
    ScenarioArg,
    check_outputs,
    check_run_options,
    console,
    input_errors,
    load_or_exit,
)
from lotflow.io import write_atomic
from lotflow.numbers import duration
from lotflow.scenario import ScenarioError

MAX_WORKERS = 2  # CP-SAT search workers: the machines we plan on have 2 cores


@input_errors()
def plan_command(
    scenario: ScenarioArg,
    orders: Annotated[Path, typer.Option(help="Order book: CSV or Parquet.")],
    out: Annotated[Path, typer.Option(help="Write the plan JSON here.")],
    time_limit: Annotated[float, typer.Option(help="Solver time limit, seconds.")] = 60.0,
    rate: Annotated[str, typer.Option(help="Planning rate: nameplate or expected.")] = "expected",
    workers: Annotated[int, typer.Option(help="CP-SAT workers (1 is deterministic).")] = 1,
    seed: Annotated[int, typer.Option(help="CP-SAT random seed.")] = 1,
) -> None:
    """Plan an order book on the lines (CP-SAT): least weighted tardiness, then changeovers."""
    loaded = load_or_exit(scenario)
    check_outputs({"--out": out})
    execute_plan(loaded, orders, out, time_limit, rate, workers, seed, console)


def run_plan(
    scenario, plan_path: Path, seed, replications, workers: int, out, report, window: dict
) -> None:
    """``run --plan``: check the options (the window options do not apply), then simulate."""
    given = [option for option, value in window.items() if value is not None]
    if given:
        raise ScenarioError(f"{', '.join(given)}: do not apply to --plan")
    scenario = check_run_options(scenario, seed=seed, replications=replications, workers=workers)
    check_outputs({"--out": out, "--report": report})
    execute_plan_run(
        scenario, plan_path, scenario.run.seed, scenario.run.replications, workers, out, report,
        console,
    )  # fmt: skip


def execute_plan(
    scenario, orders_path: Path, out: Path, time_limit: float, rate: str, workers: int,
    seed: int, console: Console,
):  # fmt: skip
    """Load the orders, solve, write ``out`` (plan.json) and print the result."""
    from importlib.metadata import version

    from lotflow.plan.lines import RATES, Clock, plan_lines
    from lotflow.plan.model import SolverOptions, solve
    from lotflow.plan.orders import load_orders
    from lotflow.plan.schedule import build_plan

    if rate not in RATES:
        raise ScenarioError(f"must be one of {', '.join(RATES)}, got {rate!r}", path="--rate")
    if not time_limit > 0:
        raise ScenarioError(f"must be > 0 seconds, got {time_limit:g}", path="--time-limit")
    if not 1 <= workers <= MAX_WORKERS:
        raise ScenarioError(f"must be 1 or {MAX_WORKERS}, got {workers}", path="--workers")
    orders = load_orders(orders_path, scenario)
    clock = Clock.of(scenario)
    options = SolverOptions(time_limit, workers, seed)
    solution = solve(orders, plan_lines(scenario, rate), clock, options)
    solver = {
        "name": "OR-Tools CP-SAT",
        "version": version("ortools"),
        "time_limit": time_limit,
        "workers": workers,
        "seed": seed,
        "solve_s": round(solution.solve_s, 3),
        "ticks_per_time_unit": solution.resolution,
    }
    plan = build_plan(scenario, orders, solution, clock, rate, solver)
    write_atomic(out, plan.to_json())
    console.print(_campaign_table(plan))
    objective = plan.objective
    console.print(
        f"{plan.status}: weighted tardiness "
        f"{duration(objective['weighted_tardiness'], plan.time_unit)} (bound "
        f"{duration(objective['bound'], plan.time_unit)}, gap {objective['gap']:.2%}), "
        f"{objective['changeovers']} changeovers, {len(orders)} orders, "
        f"solved in {solution.solve_s:.1f} s",
        highlight=False,
    )
    console.print(f"plan written to {out}")
    return plan


def _campaign_table(plan) -> Table:
    table = Table(title=f"{plan.scenario}: plan at the {plan.rate} rate ({plan.time_unit})")
    for column in ("line", "product", "orders", "quantity", "start", "end", "late orders"):
        table.add_column(column, justify="left" if column in ("line", "product") else "right")
    for line in plan.sequence:
        for campaign in plan.campaigns(line):
            late = sum(plan.orders[oid].tardiness > 0 for oid in campaign["orders"])
            table.add_row(
                line, campaign["product"], str(len(campaign["orders"])),
                f"{campaign['quantity']:,}", _time(campaign["start"]), _time(campaign["end"]),
                str(late),
            )  # fmt: skip
    return table


def execute_plan_run(
    scenario, plan_path: Path, seed, replications, workers: int, out, report, console: Console
):  # fmt: skip
    """Simulate the plan at ``plan_path``; print per order on time; write ``out``/``report``."""
    from lotflow.cli_progress import Bar
    from lotflow.plan.schedule import load_plan
    from lotflow.plan.simulate import plan_results

    plan = load_plan(plan_path, scenario)
    with Bar(console, f"{scenario.name}: plan") as bar:
        bar.plan(replications, "replications")
        results = plan_results(
            scenario, plan, str(plan_path), seed, replications, workers, bar.done
        )
    console.print(_on_time_table(results.data))
    if out is not None:
        results.write_json(out)
        console.print(f"results written to {out}")
    if report is not None:
        from lotflow.report import write_report

        write_report(scenario, results, Path(report))
        console.print(f"report written to {report}")
    return results


def _on_time_table(data: dict) -> Table:
    block = data["plan"]
    unit = data["time_unit"]
    table = Table(
        title=f"{data['scenario']}: plan over {data['replications']} replications ({unit})"
    )
    columns = ("order", "line", "due", "planned", "simulated (95 % CI)", "on time")
    for column in columns:
        table.add_column(column, justify="left" if column in ("order", "line") else "right")
    for oid, entry in block["orders"].items():
        done = entry.get("completion")
        simulated = f"{_time(done['mean'])} ± {_time(done['ci95'])}" if done else "–"
        if entry["unfinished"]:
            simulated += f" ({entry['unfinished']} unfinished)"
        table.add_row(
            oid, entry["line"], _time(entry["due"]), _time(entry["planned_completion"]),
            simulated, f"{entry['on_time']:.0%}",
        )  # fmt: skip
    n = block["on_time_orders"]
    table.caption = f"orders on time: {n['mean']:.1f} ± {n['ci95']:.1f} of {len(block['orders'])}"
    return table


def _time(value: float) -> str:
    """A time for the tables: whole units from 1,000 on, else four significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.4g}"
