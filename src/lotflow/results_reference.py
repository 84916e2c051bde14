"""The results JSON reference (``docs/results.md``): every key, its unit and meaning.

Units come from :func:`lotflow.numbers.metric_unit`, the same rule the CLI
tables use. ``python -m lotflow.results_reference > docs/results.md`` rewrites
the file; a test fails when it is out of date or a results key is missing.
"""

from __future__ import annotations

import sys

from lotflow.numbers import metric_unit

L, S, P = "lines.{line}", "lines.{line}.stations.{station}", "plant"
STATES = {
    "busy": "processing a part", "starved": "idle, nothing to take from upstream",
    "blocked": "holding a finished part, downstream full", "down": "failed or in repair",
    "setup": "changing over between products", "off_shift": "outside working time",
}  # fmt: skip
OEE = {
    "oee.iso22400.availability": "ISO 22400-2 availability",
    "oee.iso22400.effectiveness": "ISO 22400-2 effectiveness",
    "oee.iso22400.quality": "ISO 22400-2 quality rate",
    "oee.iso22400.oee": "ISO 22400-2 OEE",
    "oee.nakajima.availability": "Nakajima availability",
    "oee.nakajima.performance": "Nakajima performance",
    "oee.nakajima.quality": "Nakajima quality",
    "oee.nakajima.oee": "Nakajima OEE",
}
LOSSES = ("off_shift", "changeover", "breakdowns", "starved", "blocked", "speed_loss", "scrap",
          "value_adding")  # fmt: skip
LOT_EVENTS = {
    "completed": "lots finished by the lines", "tested": "tests begun (first tests and retests)",
    "accepted": "tests that accepted the lot", "rejected": "tests that rejected the lot",
    "screened": "rejected lots screened", "retested": "tests of a lot tested before",
    "destroyed": "lots destroyed", "stored": "lots put into storage",
    "shipped": "lots shipped",
}  # fmt: skip
UNIT_EVENTS = {
    "made": "parts made into lots", "sampled": "parts drawn for tests",
    "removed": "parts removed by screening", "accepted": "parts in accepted lots",
    "destroyed": "parts destroyed", "shipped": "parts shipped",
}  # fmt: skip

KEYS: list[tuple[str, str]] = [
    ("scenario", "the scenario's name"),
    ("seed", "master seed"),
    ("replications", "number of replications"),
    ("time_unit", "the scenario's time unit (s, min, h or cycle)"),
    ("horizon", "simulated time, warm-up included (scenario unit, wall clock)"),
    ("warmup", "discarded start of each replication (scenario unit, wall clock)"),
    ("warmup_method", "`mser5` with `--warmup auto` (absent otherwise)"),
    ("warmup_detail", "MSER-5 pilots and the choice per line (with `--warmup auto`)"),
    ("precision", "target, met, achieved share per line (with `--precision`)"),
    (f"{L}.throughput", "good parts leaving the line per time unit of the window"),
    (f"{L}.throughput_per_hour", "the same per wall-clock hour (time units s, min, h)"),
    (f"{L}.good_parts", "good parts made in the window"),
    (f"{L}.scrap_parts", "parts scrapped in the window"),
    *((f"{S}.{k}", f"fraction of the window {v}") for k, v in STATES.items()),
    *((f"{S}.{k}", f"station {v}") for k, v in OEE.items()),
    *(
        (f"{S}.loss_tree.{k}", f"share of the window lost to {k} (value_adding: kept)")
        for k in LOSSES
    ),
    (f"{S}.mean_active_period", "mean length of an uninterrupted active period"),
    *((f"{L}.{k}", f"line {v}") for k, v in OEE.items()),
    *((f"{L}.loss_tree.{k}", f"line share of the window lost to {k}") for k in LOSSES),
    (f"{L}.buffers[i].mean_level", "time-average parts in buffer i (working time)"),
    (f"{L}.bottleneck.stations.{{station}}.sole", "share of time the sole bottleneck"),
    (f"{L}.bottleneck.stations.{{station}}.shifting", "share of time a shifting bottleneck"),
    (f"{L}.bottleneck.traced_fraction", "share of the window the method could trace"),
    (f"{L}.bottleneck.active_period", "bottleneck by the active-period method (label)"),
    (f"{L}.bottleneck.blocked_starved", "bottleneck by the blocked/starved rule (label)"),
    *((f"{P}.lots.{k}", v) for k, v in LOT_EVENTS.items()),
    (f"{P}.lots.by_product.{{product}}.<event>", "the lot counts above, per product"),
    *((f"{P}.units.{k}", v) for k, v in UNIT_EVENTS.items()),
    (f"{P}.units.by_product.{{product}}.<event>", "the part counts above, per product"),
    (f"{P}.quality.incoming", "mean defective share of lots made (percent)"),
    (f"{P}.quality.outgoing", "defective parts in accepted lots (percent, AOQ)"),
    (f"{P}.range.utilisation", "busy share of the test lanes over working time"),
    (f"{P}.range.wait", "mean time a lot waits before its test starts"),
    (f"{P}.range.queue_length", "time-average number of lots waiting"),
    (f"{P}.range.p_wait", "share of lots that wait at all"),
    (f"{P}.range.tests", "tests begun in the window"),
    (f"{P}.range.service_time", "mean test duration"),
    (f"{P}.range.severity.{{normal,tightened,reduced}}", "share of tests at that severity"),
    (f"{P}.range.discontinuations", "times sampling was discontinued"),
    (f"{P}.staging.mean_lots", "time-average lots in staging"),
    (f"{P}.staging.max_lots", "most lots in staging"),
    (f"{P}.staging.time", "mean time a lot spends in staging"),
    (f"{P}.storage.mean_pallets", "time-average pallets in storage"),
    (f"{P}.storage.max_pallets", "most pallets in storage"),
    (f"{P}.storage.utilisation", "mean pallets over the places (with a place count)"),
    (f"{P}.storage.mean_lots", "time-average lots in storage"),
    (f"{P}.storage.max_lots", "most lots in storage"),
    (f"{P}.storage.mean_units", "time-average parts in storage"),
    (f"{P}.storage.wait", "mean time from test to storage"),
    (f"{P}.storage.dwell", "mean time a lot stays in storage"),
    (f"{P}.storage.by_product.{{product}}.mean_units", "time-average parts, per product"),
    (f"{P}.shipping.orders", "orders placed in the window"),
    (f"{P}.shipping.ordered", "parts ordered in the window"),
    (f"{P}.shipping.shipped", "parts shipped in the window"),
    (f"{P}.shipping.orders_due", "orders due in the window"),
    (f"{P}.shipping.fill_rate", "share of parts due that shipped on time"),
    (f"{P}.shipping.on_time", "share of orders due that shipped complete on time"),
    (f"{P}.shipping.lateness", "mean lateness of orders due"),
    (f"{P}.shipping.by_product.{{product}}.<key>", "the shipping figures, per product"),
    (f"{P}.backpressure.{{line}}", "time the line was held by a full staging area"),
    (f"{P}.backpressure_lots.{{line}}", "lots the line held back for a full staging area"),
    ("engine.name", "engine that ran the lines"),
    ("engine.version", "lotflow version"),
    ("engine.wall_s", "wall-clock seconds the run took (s)"),
]

HEAD = """# Results JSON reference

Generated by `python -m lotflow.results_reference > docs/results.md`;
`tests/test_cli_reference.py` fails when it is out of date. `lotflow run --out`
writes this document (interface.md); it never holds NaN or infinity: a metric
without a finite value makes the run exit with code 2 and say which.

Every statistic is `{"mean", "ci95"}`: the mean over replications and the
half-width of the 95 % Student-t interval (0 with one replication); headline
statistics (paths of at most three keys, e.g. `lines.L1.throughput`) also keep
`per_replication`. Statistics cover the observation window `[warmup, horizon)`.
`{line}`, `{station}` and `{product}` stand for names from the scenario; `T` is
the scenario's time unit. "share" is a fraction in [0, 1]. Rates are per
wall-clock time (the whole window, off-shift time included); `lotflow capacity`
gives rates per working hour and says so.

| key | unit | meaning |
|---|---|---|
"""


def render() -> str:
    """The reference as Markdown."""
    rows = []
    for key, meaning in KEYS:
        unit = metric_unit(key, "T") if "." in key else ""
        rows.append(f"| `{key}` | {unit} | {meaning} |")
    return HEAD + "\n".join(rows) + "\n"


def documented(path: str) -> bool:
    """Whether a concrete dotted results path (``lines.L1.stations.M1.busy``) is covered."""
    import re

    for key, _ in KEYS:
        pattern = re.escape(key)
        for name in (r"\{line\}", r"\{station\}", r"\{product\}", "<event>", "<key>"):
            pattern = pattern.replace(name, r"[^.]+")
        pattern = pattern.replace(r"\[i\]", r"\[\d+\]")
        pattern = pattern.replace(r"\{normal,tightened,reduced\}", "(normal|tightened|reduced)")
        if re.fullmatch(pattern, path):
            return True
    return False


if __name__ == "__main__":  # pragma: no cover - the generator script
    sys.stdout.write(render())
