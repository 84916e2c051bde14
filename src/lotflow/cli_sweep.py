"""``lotflow sweep``, ``results``, ``compare`` and ``run --warmup auto / --precision``:
option handling, progress bars and output around :mod:`lotflow.experiment`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lotflow.cli_progress import Bar
from lotflow.scenario import ScenarioError

FORMATS = ("table", "csv", "parquet")


# -- option parsing ----------------------------------------------------------------
def parse_warmup(text: str | None) -> float | str | None:
    """``--warmup``: a number, ``auto`` (MSER-5), or absent."""
    if text is None or text.strip().lower() == "auto":
        return None if text is None else "auto"
    try:
        return float(text)
    except ValueError:
        raise ScenarioError(f"--warmup {text!r}: give a time or 'auto'") from None


def parse_precision(text: str | None) -> float | None:
    from lotflow.experiment.precision import parse_precision as parse

    return None if text is None else parse(text)


# -- sweep -------------------------------------------------------------------------------
def execute_sweep(
    scenario, sets, sweep_file, replications, seed, horizon, warmup, precision,
    max_replications, store_dir, backend_name, scheduler, workers, console: Console,
):  # fmt: skip
    """Validate the whole grid, open the store, run what is missing, print the table."""
    from lotflow.experiment.backends import make_backend
    from lotflow.experiment.store import Store
    from lotflow.experiment.sweep import (
        SweepOptions,
        build_points,
        load_sweep_file,
        parse_sets,
        run_sweep,
        store_summary,
    )

    options = load_sweep_file(sweep_file) if sweep_file else SweepOptions()
    options.sets += parse_sets(sets)
    for key, value in (
        ("replications", replications),
        ("seed", seed),
        ("horizon", horizon),
        ("max_replications", max_replications),
    ):
        if value is not None:
            setattr(options, key, value)
    if warmup is not None:
        options.warmup = parse_warmup(warmup)
    if precision is not None:
        options.precision = parse_precision(precision)
    points = build_points(scenario, options)
    Store.check(store_dir, scenario)  # a bad store fails before a cluster is started
    backend = _backend(make_backend, backend_name, scheduler, workers)
    with backend, Store.open(store_dir, scenario) as store:  # no store if it fails to connect
        before = store.count()
        with Bar(console, f"{scenario.name} sweep") as bar:
            runs = run_sweep(points, store, backend, options, bar.plan, bar.done)
        added = store.count() - before
        keys = {run.key[:12] for run in runs}
        rows = [row for row in store_summary(store) if row["key"] in keys]
        console.print(_results_table(rows, _paths(points), f"{scenario.name}: sweep"))
        console.print(
            f"{len(points)} points; {added} records run now, {store.count()} in the store "
            f"{store_dir}"
        )


def _backend(make_backend, name, scheduler, workers):
    try:
        return make_backend(name, scheduler, workers)
    except (OSError, TimeoutError) as exc:
        raise ScenarioError(f"--scheduler {scheduler}: cannot connect ({exc})") from None


def _paths(points) -> list[str]:
    return [path for path, _ in points[0].assignments] if points else []


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None else str(value)


def _results_table(rows: list[dict], paths: list[str], title: str) -> Table:
    table = Table(title=f"{title} (mean and 95 % CI half-width over replications)")
    for column in ("#", *paths, "R", "metric"):
        table.add_column(column)
    table.add_column("mean", justify="right")
    table.add_column("± ci95", justify="right")
    for i, row in enumerate(rows):
        first = i == 0 or rows[i - 1]["point"] != row["point"]
        last = i == len(rows) - 1 or rows[i + 1]["point"] != row["point"]
        head = [str(row["point"]), *(_fmt(row.get(p)) for p in paths), str(row["replications"])]
        table.add_row(
            *(head if first else [""] * len(head)),
            row["metric"],
            _fmt(row["mean"]),
            _fmt(row["ci95"]),
            end_section=last,
        )
    return table


# -- results -------------------------------------------------------------------------
def execute_results(store_dir: Path, fmt: str, out: Path | None, all_metrics: bool, console):
    """Show or export the mean and ci95 of every point and metric of a store."""
    from lotflow.experiment.store import Store
    from lotflow.experiment.sweep import store_summary, swept_paths
    from lotflow.io import write_atomic

    if fmt not in FORMATS:
        raise ScenarioError(f"--format {fmt!r}: allowed: {', '.join(FORMATS)}")
    if fmt == "parquet" and out is None:
        raise ScenarioError("--format parquet needs --out FILE")
    with Store.existing(store_dir) as store:
        rows = store_summary(store, all_metrics)
        paths = swept_paths(store)
        name = store.meta().get("base_name", "store")
    if fmt == "table":
        table = _results_table(rows, paths, f"{name}: {store_dir}")
        if out is None:
            console.print(table)
        else:
            with open(out, "w", encoding="utf-8") as handle:
                Console(file=handle, width=200).print(table)
        return
    frame = _frame(rows, paths)
    if fmt == "csv":
        text = frame.to_csv(index=False)
        if out is None:
            sys.stdout.write(text)
        else:
            write_atomic(out, text)
    else:
        import io

        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        write_atomic(out, buffer.getvalue())
    if out is not None:
        console.print(f"{len(rows)} rows written to {out}")


def _frame(rows: list[dict], paths: list[str]):
    """Rows as a DataFrame; swept values that are not all numbers become text."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    for path in paths:
        values = [v for v in frame[path] if v is not None] if path in frame else []
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if path in frame and not numeric:
            frame[path] = [None if v is None else json.dumps(v) for v in frame[path]]
    return frame


# -- compare -------------------------------------------------------------------------
def execute_compare(
    first: str, second: str, store_dir, options: dict, json_out, console: Console
):  # fmt: skip
    """Paired differences B - A of every headline metric, from two scenario files
    (run now with common random numbers; ``options`` as :func:`run_pair` takes
    them) or two points of a store."""
    from lotflow.experiment.compare import compare

    info: dict = {}
    if store_dir is not None:
        reps_a, reps_b, label_a, label_b = _store_sides(store_dir, first, second)
    else:
        paired = _run_sides(first, second, options, console)
        reps_a, reps_b, info = paired.a, paired.b, paired.info
        label_a, label_b = first, second
    result = {"a": label_a, "b": label_b, **info, **compare(reps_a, reps_b)}
    _print_choices(info, console)
    console.print(_compare_table(result))
    if json_out is not None:
        text = json.dumps(result, indent=2, allow_nan=False) + "\n"
        if str(json_out) == "-":
            sys.stdout.write(text)
        else:
            from lotflow.io import write_atomic

            write_atomic(json_out, text)
            console.print(f"comparison written to {json_out}")
    return result


def _store_sides(store_dir, first: str, second: str):
    from lotflow.experiment.store import Store

    with Store.existing(store_dir) as store:
        pa, pb = store.find_point(first), store.find_point(second)
        reps_a, reps_b = store.records(pa.key), store.records(pb.key)

    def label(p) -> str:
        made = " ".join(f"{k}={v}" for k, v in p.assignments) or "(base)"
        return f"#{p.ordinal} {made}"

    if not reps_a or not reps_b:
        raise ScenarioError(f"{store_dir}: a point to compare has no stored records")
    return reps_a, reps_b, label(pa), label(pb)


def _run_sides(first, second, options: dict, console):
    """Run both scenarios with the same seed and replication indices."""
    from lotflow.experiment.paired_run import run_pair
    from lotflow.scenario import load_scenario

    scenarios = {"a": load_scenario(first), "b": load_scenario(second)}
    with Bar(console, "compare") as bar:
        return run_pair(
            scenarios, {"a": first, "b": second}, **options, on_done=bar.done, on_plan=bar.plan
        )


def _print_choices(info: dict, console: Console) -> None:
    """Say which warm-up MSER-5 chose and whether the precision target was met."""
    from lotflow.cli_run import precision_text

    if "warmup" in info:
        w = info["warmup"]
        sides = ", ".join(f"{side.upper()} {value:g}" for side, value in w["by_side"].items())
        console.print(f"warm-up (MSER-5, the larger of {sides}): {w['value']:g}")
    for side, p in info.get("precision", {}).items():
        console.print(f"{side.upper()}: {precision_text(p)}")


def _compare_table(result: dict) -> Table:
    n = result["replications"]
    table = Table(
        title=f"B - A over {n} paired replications (common random numbers)",
        caption=f"A = {result['a']}\nB = {result['b']}\n* = the 95 % interval of B - A excludes 0",
    )
    table.add_column("metric")
    for column in ("A", "B", "B - A", "± ci95", "relative", ""):
        table.add_column(column, justify="right")
    for row in result["metrics"]:
        diff = row["difference"]
        rel = row["relative"]
        table.add_row(
            row["metric"],
            _fmt(row["a"]["mean"]),
            _fmt(row["b"]["mean"]),
            _fmt(diff["mean"]),
            _fmt(diff["ci95"]),
            "" if rel is None else f"{rel:+.2%}",
            "*" if diff["significant"] else "",
            style="bold" if diff["significant"] else None,
        )
    return table
