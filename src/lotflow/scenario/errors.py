"""User-facing scenario errors: every problem found, each naming its field path,
in one message that fits on one screen.

A message never quotes more than a short prefix of any value (:func:`quote`),
and lists at most :data:`MAX_SHOWN` problems, then says how many more there are.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

MAX_SHOWN = 12
MAX_LINE = 160


class _ShortRepr(reprlib.Repr):
    """``reprlib`` limits, and integers too long for ``repr`` described, not written."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxstring, self.maxlong, self.maxother = 2, 40, 30, 40
        self.maxdict = self.maxlist = self.maxtuple = self.maxset = 3

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 1000:
            return f"<an integer of about {int(x.bit_length() * 0.30103)} digits>"
        return super().repr_int(x, level)


_REPR = _ShortRepr()


def quote(value: object, limit: int = 60) -> str:
    """A short ``repr`` of ``value``: bounded however large or deep it is."""
    return clip(_REPR.repr(value), limit)


def clip(text: str, limit: int = MAX_LINE) -> str:
    """``text`` on one line, cut to ``limit`` characters with '...' when longer."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _fit(text: str, lines: int = 20, width: int = 2 * MAX_LINE) -> str:
    """At most ``lines`` lines of at most ``width`` characters (one screen)."""
    rows = [row if len(row) <= width else row[: width - 3] + "..." for row in text.splitlines()]
    return "\n".join(rows[:lines])


@dataclass(frozen=True)
class Problem:
    """One mistake: ``path`` like ``lines[1].stations[2].process.mean`` (or None
    for the whole file) and what is wrong and what is allowed."""

    path: str | None
    message: str

    def render(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(Exception):
    """Invalid input. ``path`` uses field paths like ``lines[1].stations[2].process.mean``
    (list indices count from 0); the CLI prints ``str(error)`` and exits with code 2.

    ``message`` and ``path`` describe the first problem; ``problems`` holds all
    of them (the first included) when there are several."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        path: str | None = None,
        problems: tuple[Problem, ...] = (),
        count: int | None = None,
    ):
        self.message = message
        self.file = file
        self.path = path
        self.problems = problems or (Problem(path, message),)
        self.count = max(count or 0, len(self.problems))
        super().__init__(self.render())

    @classmethod
    def of(
        cls, problems: list[Problem], file: str | None = None, count: int | None = None
    ) -> ScenarioError:
        """One error for ``problems`` (at least one); ``count``: how many there are
        in all when only the first few were described."""
        first = problems[0]
        return cls(first.message, file=file, path=first.path, problems=tuple(problems), count=count)

    def render(self) -> str:
        if self.count == 1:
            where = ": ".join(part for part in (self.file, self.path) if part)
            return _fit(f"{where}: {self.message}" if where else self.message)
        head = f"{self.count} problems"
        lines = [f"{self.file}: {head}" if self.file else head]
        lines += [f"  {clip(p.render())}" for p in self.problems[:MAX_SHOWN]]
        if self.count > MAX_SHOWN:
            lines.append(f"  ... and {self.count - MAX_SHOWN} more")
        return _fit("\n".join(lines))

    def in_file(self, file: str) -> ScenarioError:
        """The same error, attributed to ``file``."""
        return ScenarioError(
            self.message, file=file, path=self.path, problems=self.problems, count=self.count
        )


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
