"""User-facing scenario errors: one message naming the file and the field path."""

from __future__ import annotations


class ScenarioError(Exception):
    """Invalid input. ``path`` uses field paths like ``lines[1].stations[2].process.mean``
    (list indices count from 0); the CLI prints ``str(error)`` and exits with code 2."""

    def __init__(self, message: str, *, file: str | None = None, path: str | None = None):
        self.message = message
        self.file = file
        self.path = path
        super().__init__(self.render())

    def render(self) -> str:
        where = ": ".join(part for part in (self.file, self.path) if part)
        return f"{where}: {self.message}" if where else self.message

    def in_file(self, file: str) -> ScenarioError:
        """The same error, attributed to ``file``."""
        return ScenarioError(self.message, file=file, path=self.path)


def format_path(loc: tuple) -> str:
    """A pydantic location as a field path.

    ``('lines', 1, 'stations', 0, 'process', 'mean')`` -> ``lines[1].stations[0].process.mean``
    """
    out = ""
    for item in loc:
        if isinstance(item, int):
            out += f"[{item}]"
        else:
            out += f".{item}" if out else str(item)
    return out
