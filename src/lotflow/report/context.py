"""The numbers and tables of the report (everything but the figures), as plain dicts."""

from __future__ import annotations

import numpy as np

from lotflow.analysis.statistics import summarize
from lotflow.calendar import UNIT_PER_HOUR
from lotflow.report.style import num, pct

ISO = ("availability", "effectiveness", "quality", "oee")
NAKAJIMA = ("availability", "performance", "quality", "oee")


def _total(data: dict, key: str) -> dict | None:
    """Sum over lines per replication of a headline statistic, with its CI."""
    per_rep = [line[key].get("per_replication") for line in data["lines"].values()]
    if not per_rep or any(p is None for p in per_rep):
        return None
    out = summarize(np.sum(np.asarray(per_rep, dtype=float), axis=0))
    return {"mean": out["mean"], "ci95": out["ci95"]}


def meta(scenario, data: dict) -> dict:
    engine = data.get("engine", {})
    return {
        "scenario": data.get("scenario", scenario.name),
        "replications": data.get("replications"),
        "seed": data.get("seed"),
        "time_unit": data.get("time_unit", scenario.time_unit),
        "horizon": f"{data['horizon']:,.0f}",
        "warmup": f"{data['warmup']:,.0f}",
        "engine": f"{engine.get('name', '?')} {engine.get('version', '')}",
        "wall_s": engine.get("wall_s"),
        "lines": len(data["lines"]),
        "calendar": scenario.calendar is not None,
    }


def kpis(data: dict, cap, check) -> list[dict]:
    """Headline cards: good parts, share of nameplate, bottleneck, claim verdict."""
    cards = []
    good = _total(data, "good_parts")
    if good is not None:
        cards.append(
            {
                "label": "good parts in the window",
                "value": f"{good['mean']:,.0f}",
                "note": f"± {good['ci95']:,.0f} (95 % CI)",
            }
        )
    if check is not None and check.simulated is not None:
        s = check.simulated
        cards.append(
            {
                "label": "good parts a year",
                "value": f"{s['mean'] / 1e6:,.2f} M",
                "note": f"± {s['ci95'] / 1e6:,.2f} M (95 % CI)",
            }
        )
    oee = [
        line["oee"]["iso22400"]["oee"]["mean"] for line in data["lines"].values() if "oee" in line
    ]
    if oee:
        cards.append(
            {"label": "line OEE (mean of lines)", "value": f"{np.mean(oee):.1%}", "note": ""}
        )
    verdicts = {line.get("bottleneck", {}).get("active_period") for line in data["lines"].values()}
    verdicts.discard(None)
    if verdicts:
        cards.append({"label": "bottleneck", "value": ", ".join(sorted(verdicts)), "note": ""})
    if check is not None:
        cards.append(
            {
                "label": f"claim {check.claim / 1e6:,.0f} M a year",
                "value": {"holds": "holds", "fails": "not met", "undecided": "undecided"}[
                    check.verdict
                ],
                "note": f"{check.simulated_share['mean']:.1%} of it"
                if check.simulated_share
                else "",
                "tone": check.verdict,
            }
        )
    return cards


def line_rows(data: dict, time_unit: str) -> list[dict]:
    per_hour = UNIT_PER_HOUR.get(time_unit)
    rows = []
    for name, line in data["lines"].items():
        rate = line.get("throughput_per_hour", line["throughput"])
        block = line.get("bottleneck", {})
        rows.append(
            {
                "name": name,
                "good": num(line["good_parts"]),
                "rate": num(rate, 1 if per_hour else 4),
                "scrap": num(line["scrap_parts"]),
                "oee": pct(line["oee"]["iso22400"]["oee"]) if "oee" in line else "–",
                "active_period": block.get("active_period", "–"),
                "arrows": block.get("blocked_starved", "–"),
            }
        )
    return rows


def station_rows(data: dict) -> list[dict]:
    rows = []
    for name, line in data["lines"].items():
        for station, values in line["stations"].items():
            oee = values.get("oee")
            if not oee:
                continue
            rows.append(
                {
                    "line": name,
                    "station": station,
                    "iso": [pct(oee["iso22400"][k]) for k in ISO],
                    "nakajima": [pct(oee["nakajima"][k]) for k in NAKAJIMA],
                }
            )
    return rows


def capacity_rows(cap, sim: dict | None) -> list[dict]:
    per_hour = UNIT_PER_HOUR.get(cap.time_unit)
    scale = per_hour or 1.0
    digits = 0 if per_hour else 4
    rows = []
    for line in cap.lines:
        row = {
            "name": line.name,
            "bottleneck": line.bottleneck,
            "ideal": f"{line.ideal.good_rate * scale:,.{digits}f}",
            "availability": f"{line.availability.good_rate * scale:,.{digits}f}",
            "flow": f"{line.flow.good_rate * scale:,.{digits}f}",
            "method": line.flow.method + (" (exact)" if line.flow.exact else ""),
            "simulated": "–",
        }
        if sim is not None:
            s = sim[line.name]["good_rate"]
            row["simulated"] = num({"mean": s["mean"] * scale, "ci95": s["ci95"] * scale}, digits)
        rows.append(row)
    return rows


def plant_rows(plant: dict | None, prefix: str = "") -> list[dict]:
    """Every ``{"mean", "ci95"}`` leaf of the results' ``plant`` block, flattened."""
    if not isinstance(plant, dict):
        return []
    if "mean" in plant and "ci95" in plant:
        digits = 3 if abs(plant["mean"]) < 10 else 1
        return [{"name": prefix, "value": num(plant, digits)}]
    rows = []
    for key, value in plant.items():
        rows += plant_rows(value, f"{prefix}.{key}" if prefix else str(key))
    return rows


def plan_summary(block: dict | None, tb) -> dict | None:
    """The plan of ``run --plan``: its solver status and one row per order (times
    in the time base's display unit), or None for other runs."""
    if not block:
        return None
    rows = []
    for oid, entry in block["orders"].items():
        done = entry.get("completion")
        rows.append(
            {
                "order": oid,
                "line": entry["line"],
                "product": entry["product"],
                "due": f"{entry['due'] / tb.scale:,.2f}",
                "planned": f"{entry['planned_completion'] / tb.scale:,.2f}",
                "simulated": f"{done['mean'] / tb.scale:,.2f} ± {done['ci95'] / tb.scale:,.2f}"
                if done
                else "–",
                "on_time": f"{entry['on_time']:.0%}",
            }
        )
    objective = block["objective"]
    return {
        "status": block["status"],
        "rate": block["rate"],
        "gap": f"{objective['gap']:.2%}",
        "changeovers": objective["changeovers"],
        "on_time": num(block["on_time_orders"], 1),
        "orders": len(rows),
        "unit": tb.unit,
        "rows": rows,
    }
