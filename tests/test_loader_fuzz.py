"""Property-based fuzzing of the scenario loader (Hypothesis) and of ``lotflow validate``.

Whatever the input, loading either returns a valid :class:`Scenario` or raises
:class:`ScenarioError` with a message that fits on one screen; nothing else
escapes. Example counts stay modest: the whole file runs in well under a minute.
"""

from __future__ import annotations

import copy
import math
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lotflow import ScenarioError, load_scenario
from lotflow.cli import app
from lotflow.scenario import Scenario, scenario_from_dict
from lotflow.scenario.plain_data import MAX_NODES
from lotflow.scenario.yaml_reader import parse_yaml

HERE = Path(__file__).parent
SEEDS = [HERE / "scenarios" / "two_machine.yaml", HERE.parent / "scenarios" / "maracay.yaml"]
SEED_TEXTS = [path.read_text() for path in SEEDS]
SEED_DATA = [yaml.safe_load(text) for text in SEED_TEXTS]
MAX_LINES, MAX_CHARS = 25, 2000
ANSI = re.compile(r"\x1b\[[0-9;]*m")
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HOSTILE_NUMBERS = [
    1e308, -1e308, -0.0, 0.0, float("nan"), float("inf"), float("-inf"), 5e-324, 1e-200,
    1e200, 2**63, 2**64, -(2**63), 10**30, 10**5000, -1, 0, 1, 0.5, True, False,
]  # fmt: skip
HOSTILE_VALUES = [*HOSTILE_NUMBERS, None, "", "x" * 5000, "1e-9", [], {}, [[[[[]]]]], {"a": 1}]


def check_outcome(load) -> Scenario | None:
    """Run ``load``: a Scenario, or a ScenarioError that fits on one screen."""
    try:
        return load()
    except ScenarioError as exc:
        text = str(exc)
        assert len(text.splitlines()) <= MAX_LINES, text[:3000]
        assert len(text) <= MAX_CHARS, text[:3000]
        return None


def load_file(tmp_path: Path, content: str | bytes) -> Scenario | None:
    path = tmp_path / "fuzz.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return check_outcome(lambda: load_scenario(path))


def paths_of(node, prefix=()) -> list[tuple]:
    """Every key path into plain data, containers included, down to 12 levels."""
    out = [prefix]
    if len(prefix) >= 12:
        return out
    if isinstance(node, dict):
        for key, value in node.items():
            out += paths_of(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += paths_of(value, (*prefix, i))
    return out


def deep(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)
TOKENS = [*string.printable, "&a ", "*a", "<<: ", "!!", "é", "\x00", "name: ", "lines:", "- "]
yaml_text = st.lists(st.sampled_from(TOKENS), max_size=120).map("".join)


@FUZZ
@given(text=st.text(max_size=400))
def test_random_text(tmp_path_factory, text):
    load_file(tmp_path_factory.mktemp("t"), text.encode("utf-8", "replace"))


@FUZZ
@given(text=yaml_text)
def test_random_yaml_like_text(tmp_path_factory, text):
    load_file(tmp_path_factory.mktemp("t"), text)


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["name", "run", "lines", "x", "plant"]), json_like))
def test_random_structures(data):
    check_outcome(lambda: scenario_from_dict(data))


@FUZZ
@given(data=st.data(), seed=st.sampled_from(SEED_DATA))
def test_mutated_valid_scenarios(data, seed):
    mutant = copy.deepcopy(seed)
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(paths_of(mutant)[1:]))
        parent = mutant
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["delete", "hostile", "deep", "random"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "hostile":
            # drawn by position: Hypothesis need not print a 5,000-digit number
            parent[path[-1]] = HOSTILE_VALUES[data.draw(st.integers(0, len(HOSTILE_VALUES) - 1))]
        elif action == "deep":
            parent[path[-1]] = deep(data.draw(st.integers(10, 3000)))
        else:
            parent[path[-1]] = data.draw(json_like)
    check_outcome(lambda: scenario_from_dict(mutant))


@FUZZ
@given(data=st.data(), text=st.sampled_from(SEED_TEXTS))
def test_mutated_scenario_text(tmp_path_factory, data, text):
    """Lines of a valid file deleted, repeated, cut or given a hostile number."""
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        actions = ["delete", "repeat", "cut", "number", "alias", "tag"]
        action = data.draw(st.sampled_from(actions))
        if action == "delete":
            del lines[i]
        elif action == "repeat":
            lines.insert(i, lines[i])
        elif action == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
        elif action == "number":
            number = data.draw(
                st.sampled_from(["1e308", "-0.0", ".nan", ".inf", "9" * 5000, "1e-9", "0x10"])
            )
            lines[i] = re.sub(r"\d+(\.\d+)?", number, lines[i], count=1)
        elif action == "tag":
            tag = data.draw(st.sampled_from(["!!float", "!!int", "!!bool", "!!timestamp", "!x"]))
            lines[i] = lines[i].replace(": ", f": {tag} ", 1)
        else:
            lines[i] = re.sub(r": (\S)", r": &z \1", lines[i], count=1) + "\nx-bomb: [*z, *z]"
    load_file(tmp_path_factory.mktemp("t"), "\n".join(lines) + "\n")


@settings(max_examples=20, deadline=None)
@given(width=st.integers(2, 12), levels=st.integers(2, 12))
def test_alias_expansion_is_bounded(width, levels):
    rows = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    rows += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    text = "\n".join([*rows, f"name: *a{levels - 1}", ""])
    sizes = [1 + width]
    for _ in range(1, levels):
        sizes.append(1 + width * sizes[-1])
    total = 1 + sum(1 + size for size in sizes) + 1 + sizes[-1]
    try:
        parse_yaml(text)
    except ScenarioError as exc:
        assert "expands" in exc.message
        assert total > MAX_NODES
    else:
        assert total <= MAX_NODES


@settings(max_examples=40, deadline=None)
@given(number=st.floats() | st.integers(min_value=-(10**400), max_value=10**400))
def test_every_number_in_yaml_reads_back_or_is_refused(number):
    text = f"value: {number!r}".replace("inf", ".inf").replace("nan", ".nan")
    try:
        value = parse_yaml(text)["value"]
    except ScenarioError as exc:
        assert "digits" in exc.message
        return
    if isinstance(number, float) and math.isnan(number):
        assert math.isnan(value)
    else:
        assert value == number


# --- the command ---------------------------------------------------------------

BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    + ["name: *a9", ""]
)
HOSTILE_FILES = {
    "bomb.yaml": BOMB,
    "deep.yaml": "name: " + "[" * 3000 + "]" * 3000 + "\n",
    "bigint.yaml": SEED_TEXTS[0].replace("seed: 1", "seed: " + "9" * 5000),
    "duplicate.yaml": SEED_TEXTS[0] + "name: again\n",
    "empty.yaml": "",
    "binary.yaml": bytes(range(256)) * 8,
    "latin1.yaml": "name: caf\xe9\n".encode("latin-1"),
    "python.yaml": "name: !!python/object/apply:os.system ['true']\n",
    "horizon.yaml": SEED_TEXTS[0].replace("horizon: 20000", "horizon: 1e308"),
    "horizon63.yaml": SEED_TEXTS[0].replace("horizon: 20000", f"horizon: {2**63}"),
    "cv.yaml": SEED_TEXTS[1].replace("cv: 1.0", "cv: 1e-200"),
    "repair.yaml": SEED_TEXTS[1].replace("mean: 600", "mean: 1e308"),
    "no-work.yaml": SEED_TEXTS[1].replace("horizon: 31536000", "horizon: 8760"),
    "typos.yaml": SEED_TEXTS[0].replace("process:", "proces:").replace("run:", "calender:"),
    "syntax.yaml": "name: [unclosed\nlines: {\n",
    "long-line.yaml": "name: " + "é" * 200_000 + ": [\n",
}


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name, content in HOSTILE_FILES.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


@pytest.mark.parametrize("name", [*HOSTILE_FILES, "<directory>", "/dev/null"])
def test_validate_hostile_files_exit_2_on_one_screen(hostile_dir, name):
    target = hostile_dir if name == "<directory>" else Path(name)
    if not target.is_absolute() and name != "<directory>":
        target = hostile_dir / name
    result = CliRunner().invoke(app, ["validate", str(target)])
    err = ANSI.sub("", result.stderr)
    assert result.exit_code == 2, (result.exit_code, err, result.exception)
    assert "Traceback" not in result.stdout + err
    assert err.startswith("error: ") and str(target) in err
    assert len(err.strip().splitlines()) <= MAX_LINES and len(err) <= MAX_CHARS, err[:3000]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bomb.yaml", "deep.yaml", "binary.yaml"])
def test_validate_as_a_process(hostile_dir, name):
    """The installed command, as a user runs it: exit 2, no traceback, one screen."""
    env = dict(os.environ, NO_COLOR="1", COLUMNS="200")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "lotflow"), "validate", str(hostile_dir / name)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= MAX_LINES


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=yaml_text | st.sampled_from(list(HOSTILE_FILES.values())))
def test_validate_command_on_random_input(tmp_path_factory, text):
    """``lotflow validate``: exit 0 or exit 2 with one screen, never a traceback."""
    path = tmp_path_factory.mktemp("cli") / "fuzz.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    result = CliRunner().invoke(app, ["validate", str(path)])
    err = ANSI.sub("", result.stderr)
    assert result.exit_code in (0, 2), (result.exit_code, err, result.exception)
    assert "Traceback" not in result.stdout + err
    assert len(err.strip().splitlines()) <= MAX_LINES and len(err) <= MAX_CHARS
