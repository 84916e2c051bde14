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
