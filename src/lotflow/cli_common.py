"""What the ``lotflow`` commands share: consoles, option types, input errors, output targets.

Exit codes: 0 success; 2 invalid input (scenario, option, output target);
1 anything else. Input errors print one line on stderr (``error: ...``).
This module stays light (Typer, Rich, the scenario loader): ``lotflow
--version``, ``-h`` and ``validate`` import it, so the simulation and
analysis libraries are imported inside the commands that use them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from lotflow.cli_gc import start_up_done
from lotflow.io import OutputError, check_target
from lotflow.scenario import ScenarioError

# No console markup: names from scenarios (``[red]``, ``[/]``) are printed as written.
console = Console(markup=False)
errors = Console(stderr=True, markup=False)
# The scenario's cap (lotflow.scenario.fields, which imports pydantic: not at start-up).
MAX_REPLICATIONS = 1_000_000


# -- option types shared by several commands -------------------------------------------
ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.")]
SeedOpt = Annotated[int | None, typer.Option(help="Master seed (0 .. 2^63-1).")]
ReplicationsOpt = Annotated[
    int | None, typer.Option(help="Number of replications (1 .. 1,000,000).")
]
HorizonOpt = Annotated[
    float | None, typer.Option(help="Simulated time, warm-up included (scenario time unit).")
]
WarmupOpt = Annotated[
    str | None, typer.Option(help="Warm-up time discarded (scenario time unit), or auto.")
]
PrecisionOpt = Annotated[str | None, typer.Option(help="Throughput CI target, e.g. 1%.")]
MaxReplicationsOpt = Annotated[
    int, typer.Option(help="Cap for --precision.", min=2, max=MAX_REPLICATIONS)
]
WorkersOpt = Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")]
ClaimOpt = Annotated[
    float | None,
    typer.Option(
        help="Claimed good parts a year to check (overrides the scenario's claim).", min=1
    ),
]


# -- input errors ------------------------------------------------------------------------
def fail_input(message: object) -> NoReturn:
    """Print one clear line for invalid input (stderr) and exit with code 2."""
    text = " ".join(str(message).split()) if "\n" not in str(message) else str(message)
    errors.print(Text("error:", style="bold red"), text, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def input_errors(scenario_file: Path | str | None = None) -> Callable:
    """Decorate a command so that invalid input exits with code 2 and one message.

    ``ScenarioError`` (attributed to ``scenario_file`` when it names a field
    but no file) and :class:`~lotflow.io.OutputError` are input errors.
    """

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            try:
                return command(*args, **kwargs)
            except ScenarioError as exc:
                file = kwargs.get("scenario", scenario_file)
                if exc.file is None and exc.path and file is not None:
                    exc = exc.in_file(str(file))
                fail_input(exc)
            except OutputError as exc:
                fail_input(exc)

        return wrapper

    return decorate


def load_or_exit(path: Path):
    """The scenario at ``path``, or exit 2 with the loader's message. The
    command's start-up ends here (:func:`lotflow.cli_gc.start_up_done`)."""
    try:
        from lotflow.scenario import load_scenario

        scenario = load_scenario(path)
    except ScenarioError as exc:
        fail_input(exc)
    start_up_done()
    return scenario


# -- option parsing ----------------------------------------------------------------------
def parse_warmup(text: str | None) -> float | str | None:
    """``--warmup``: a number, ``auto`` (MSER-5), or absent."""
    if text is None or text.strip().lower() == "auto":
        return None if text is None else "auto"
    try:
        return float(text)
    except ValueError:
        raise ScenarioError(f"--warmup {text[:40]!r}: give a time or 'auto'") from None


def parse_precision(text: str | None) -> float | None:
    """``--precision``: ``1%`` or ``0.01`` -> 0.01, or None."""
    from lotflow.experiment.precision import parse_precision as parse

    return None if text is None else parse(text)


def check_run_options(scenario, **options):
    """``scenario`` with the options that override its ``run:`` block (and
    ``workers``) checked by the block's rules
    (:func:`lotflow.scenario.apply_run_options`); other options are ignored."""
    from lotflow.scenario import apply_run_options

    names = ("seed", "replications", "horizon", "warmup", "workers")
    return apply_run_options(scenario, **{k: v for k, v in options.items() if k in names})


def check_positive(option: str, value: float | None) -> None:
    """A number option (``--horizon``, ``--claim``) must be finite and > 0 when given
    (the scenario's own bounds apply too)."""
    if value is not None and not 0 < value < float("inf"):
        raise ScenarioError(f"{option} {value:g}: must be a finite number > 0")


# -- output targets ----------------------------------------------------------------------
def check_outputs(
    targets: dict[str, Path | str | None], stdout: bool = False, inputs: Iterable[Path] = ()
) -> None:
    """Refuse bad output targets before any work (``{"--out": path, ...}``).

    Each target must be writable by :func:`lotflow.io.write_atomic`, no two
    options may name the same file, and none may name one of the ``inputs``
    (the scenario). ``-`` means the standard output where the command allows
    it (``stdout``).
    """
    seen = {str(Path(p).resolve()): f"the input {p}" for p in inputs}
    for option, path in targets.items():
        if path is None or (stdout and str(path) == "-"):
            continue
        if str(path) == "-":
            raise OutputError(f"{option} -: give a file name (use /dev/stdout for the screen)")
        try:
            check_target(path)
        except OutputError as exc:
            raise OutputError(f"{option} {exc}") from None
        key = str(Path(path).resolve())
        if key in seen and not Path(path).is_char_device():
            raise OutputError(f"{option} and {seen[key]} name the same file {path}")
        seen[key] = option
