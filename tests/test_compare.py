"""Comparisons: common random numbers sharpen differences; ``lotflow compare`` pairs
replications and marks significant differences."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from lotflow.cli import app
from lotflow.experiment.backends import LocalBackend, Task
from lotflow.experiment.compare import compare
from lotflow.experiment.replication import RunSpec
from lotflow.scenario import scenario_from_dict


def line(buffer: int, mean_m2: float = 1.0) -> dict:
    return {
        "name": "crn-line",
        "time_unit": "cycle",
        "run": {"horizon": 10000, "warmup": 500, "replications": 12, "seed": 21},
        "lines": [
            {
                "name": "L1",
                "buffers": [buffer, buffer],
                "stations": [
                    {
                        "name": "M1",
                        "process": {"dist": "exponential", "mean": 1},
                        "failure": {"per_cycle": 0.02},
                        "repair": {"dist": "geometric", "mean": 5},
                    },
                    {"name": "M2", "process": {"dist": "exponential", "mean": mean_m2}},
                    {"name": "M3", "process": {"dist": "exponential", "mean": 1}},
                ],
            }
        ],
    }


def replications(data: dict, seed: int, n: int = 12):
    spec = RunSpec(scenario_from_dict(data), 10000.0, 500.0, seed)
    out = []
    LocalBackend(1).run([Task(spec, i) for i in range(n)], lambda _, r: out.append(r))
    return out


def halfwidth(result: dict, metric: str) -> float:
    return next(m for m in result["metrics"] if m["metric"] == metric)["difference"]["ci95"]


def test_common_random_numbers_give_a_narrower_ci_of_a_difference():
    a = replications(line(2), seed=21)
    b_common = replications(line(3), seed=21)
    b_independent = replications(line(3), seed=9021)
    crn = compare(a, b_common)
    independent = compare(a, b_independent)
    metric = "lines.L1.throughput"
    assert halfwidth(crn, metric) < 0.5 * halfwidth(independent, metric)
    row = next(m for m in crn["metrics"] if m["metric"] == metric)
    assert row["difference"]["mean"] > 0 and row["difference"]["significant"]


def test_compare_pairs_only_common_indices_and_lists_every_headline_metric():
    a = replications(line(2), seed=21, n=5)
    b = replications(line(2), seed=21, n=3)
    result = compare(a, b)
    assert result["replications"] == 3 and result["indices"] == [0, 1, 2]
    names = {m["metric"] for m in result["metrics"]}
    assert {"lines.L1.throughput", "lines.L1.good_parts", "lines.L1.scrap_parts"} <= names
    # the same configuration with the same streams: no difference at all
    assert all(m["difference"]["mean"] == 0 for m in result["metrics"])
    assert not any(m["difference"]["significant"] for m in result["metrics"])


def test_compare_two_scenario_files_on_the_command_line(tmp_path):
    fa, fb = tmp_path / "a.yaml", tmp_path / "b.yaml"
    fa.write_text(yaml.safe_dump(line(2)))
    fb.write_text(yaml.safe_dump(line(2, mean_m2=1.3)))
    out = tmp_path / "c.json"
    result = CliRunner().invoke(
        app, ["compare", str(fa), str(fb), "--replications", "6", "--workers", "1",
              "--json", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "B - A over 6 paired replications" in result.output
    data = json.loads(out.read_text())
    row = next(m for m in data["metrics"] if m["metric"] == "lines.L1.throughput")
    assert row["difference"]["mean"] < 0 and row["difference"]["significant"]
    assert data["a"] == str(fa)
    missing = CliRunner().invoke(app, ["compare", str(fa), str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2


def invoke_compare(tmp_path, *options):
    fa, fb = tmp_path / "a.yaml", tmp_path / "b.yaml"
    fa.write_text(yaml.safe_dump(line(2)))
    fb.write_text(yaml.safe_dump(line(2, mean_m2=1.3)))
    out = tmp_path / "c.json"
    result = CliRunner().invoke(
        app, ["compare", str(fa), str(fb), "--workers", "1", "--json", str(out), *options]
    )
    return result, out, (fa, fb)


def test_compare_warmup_auto_uses_the_larger_mser5_warmup_of_the_two_sides(tmp_path):
    result, out, files = invoke_compare(tmp_path, "--warmup", "auto", "--replications", "4")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    chosen = data["warmup"]
    assert chosen["method"] == "mser5"
    assert chosen["value"] == max(chosen["by_side"].values())
    assert "warm-up (MSER-5" in result.output
    # each side's choice is the one `lotflow run --warmup auto` makes on its own
    for side, file in zip(("a", "b"), files, strict=True):
        alone = tmp_path / f"{side}.json"
        ran = CliRunner().invoke(
            app, ["run", str(file), "--warmup", "auto", "--replications", "4",
                  "--workers", "1", "--out", str(alone)],
        )  # fmt: skip
        assert ran.exit_code == 0, ran.output
        assert json.loads(alone.read_text())["warmup"] == chosen["by_side"][side]


def test_compare_precision_adds_paired_replications_until_both_sides_meet_it(tmp_path):
    result, out, _ = invoke_compare(
        tmp_path, "--precision", "1%", "--replications", "3", "--max-replications", "40"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    for side in ("a", "b"):
        report = data["precision"][side]
        assert report["replications"] == data["replications"] > 3
        assert report["met"] == all(v <= 0.01 for v in report["achieved"].values())
        assert report["met"] or report["replications"] == 40


def test_compare_rejects_bad_precision_and_warmup_with_exit_code_2(tmp_path):
    for options in (("--precision", "150%"), ("--warmup", "soon")):
        result, out, _ = invoke_compare(tmp_path, *options)
        assert result.exit_code == 2, result.output
        assert not out.exists()
