"""docs/cli.md is the CLI reference generated from the Typer app: it names every
command and option and is regenerated whenever they change."""

from __future__ import annotations

from pathlib import Path

import typer

from lotflow.cli import app
from lotflow.cli_reference import render

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_docs_cli_md_is_up_to_date():
    assert DOC.read_text() == render(), (
        "docs/cli.md is out of date: python -m lotflow.cli_reference > docs/cli.md"
    )


def test_the_reference_names_every_command_and_option():
    text = render()
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert f"## `lotflow {name}`" in text
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("-"):
                    assert f"`{opt}`" in text, (name, opt)


def test_docs_results_md_is_up_to_date_and_covers_a_results_document():
    from lotflow.results_reference import documented
    from lotflow.results_reference import render as render_results

    doc = DOC.with_name("results.md")
    assert doc.read_text() == render_results(), (
        "docs/results.md is out of date: python -m lotflow.results_reference > docs/results.md"
    )
    for path in (
        "lines.L1.stations.M1.oee.nakajima.oee", "lines.L2.buffers[3].mean_level",
        "plant.lots.by_product.ball.retested", "plant.range.severity.tightened",
        "plant.backpressure.L1", "engine.wall_s",
    ):  # fmt: skip
        assert documented(path), path
