"""The CLI reference (``docs/cli.md``) generated from the Typer app.

``python -m lotflow.cli_reference > docs/cli.md`` rewrites it; a test fails
when the file and the app disagree.
"""

from __future__ import annotations

import sys

import click
import typer

from lotflow.cli import app

HEAD = """# lotflow command line reference

Generated from the Typer app by `python -m lotflow.cli_reference > docs/cli.md`;
`tests/test_cli_reference.py` fails when this file is out of date.

`lotflow --version` prints the version; `-h` and `--help` work on every command.
Options that override the scenario's `run:` block (`--seed`, `--replications`,
`--horizon`, `--warmup`) obey the same bounds as the block (the error names the
field, e.g. `run.replications`).

## Exit codes

| code | meaning |
|---|---|
| 0 | success |
| 2 | invalid input: scenario, option or output target; one message on stderr, no traceback |
| 1 | anything else (a bug: please report it) |

## Output files

Every file option (`--out`, `--report`, `--json`) is checked before any
simulation starts. A regular file (or a new path in an existing, writable
directory) is replaced atomically: readers, a kill or a full disk leave the old
file or the whole new one. A character device (`/dev/null`, `/dev/stdout`) or a
FIFO is written straight through and never replaced; a FIFO nobody reads is
refused. A directory, a missing directory, a read-only file system, a block
device or a socket are refused with exit code 2, and so is one file named by
two options. A symbolic link is followed (its target is replaced).
"""


def _type(param: click.Parameter) -> str:
    if getattr(param, "is_flag", False):
        return "flag"
    return param.type.name.upper() if param.type is not None else ""


def _default(param: click.Parameter) -> str:
    default = param.default
    if getattr(param, "is_flag", False) or default is None or callable(default):
        return ""
    if isinstance(default, list | tuple):
        return ", ".join(map(str, default)) if default else ""
    return f"`{default}`"


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def command_section(name: str, command: click.Command) -> str:
    """One command: usage line, help, and a table of its arguments and options."""
    ctx = click.Context(command, info_name=f"lotflow {name}")
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines = [f"## `lotflow {name}`", "", f"```\nlotflow {name} {usage}\n```", ""]
    lines += [_cell(command.help).replace(" \b ", "\n\n"), ""]
    lines += ["| argument / option | type | default | meaning |", "|---|---|---|---|"]
    for param in command.params:
        if isinstance(param, click.Argument):
            label = f"`{param.human_readable_name}`"
            what = getattr(param, "help", "")
        else:
            label = ", ".join(f"`{opt}`" for opt in [*param.opts, *param.secondary_opts])
            what = param.help
        required = " (required)" if param.required else ""
        lines.append(f"| {label} | {_type(param)} | {_default(param)} | {_cell(what)}{required} |")
    lines.append("| `-h`, `--help` | flag |  | Show the help and exit. |")
    return "\n".join(lines) + "\n"


def render() -> str:
    """The whole reference as Markdown."""
    group = typer.main.get_command(app)
    assert isinstance(group, click.Group)
    sections = [HEAD]
    for name, command in group.commands.items():
        sections.append(command_section(name, command))
    return "\n".join(sections)


if __name__ == "__main__":  # pragma: no cover - the generator script
    sys.stdout.write(render())
