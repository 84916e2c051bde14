"""The ahead-of-time engine (:mod:`lotflow.native`): used only when it is current
and called with the types it was built for; runs that use it never load numba.

That it gives the JIT's numbers bit for bit is tested in test_engine_builds.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
import yaml

from lotflow import native
from lotflow.dists import compile_dist
from lotflow.engine.precompile import _LINE, samples
from lotflow.samplers import BufferedSampler
from lotflow.scenario.distributions import Exponential


@pytest.fixture
def built():
    """The module that ``make setup`` built (runs before the tests)."""
    if native.jit_disabled():
        pytest.skip("the JIT is off: plain Python, no compiled module")
    assert native.native_ready(), "make setup did not build the ahead-of-time engine"
    return native._native()[0]


def test_entry_points_are_the_modules_functions_for_their_types(built):
    for name, args in samples().items():
        assert native.entry(name, args) is getattr(built, name)


def test_arguments_of_other_types_go_through_the_jit(built):
    sampler = BufferedSampler(
        compile_dist(Exponential(dist="exponential", mean=2.0)), np.random.default_rng(1)
    )
    handles, kind, params, values, out = sampler.args
    for args in (
        (handles, kind, params, values, np.zeros(out.size, np.float32)),  # another type
        (handles, kind, params, values, np.zeros((4, 2))[:, 0]),  # not contiguous
    ):
        compiled = native.entry("fill", args)
        assert compiled is not built.fill
        compiled(*args)  # and the JIT's code runs them


@pytest.fixture
def copied_package(built, tmp_path, monkeypatch):
    """A copy of the exported sources and the built module, as the package."""
    for name in native.SOURCES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(native.PACKAGE / name, tmp_path / name)
    for path in native.PACKAGE.glob(f"{native.PREFIX}*"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(native, "PACKAGE", tmp_path)
    native._native.cache_clear()
    yield tmp_path
    native._native.cache_clear()


def test_a_module_built_from_other_sources_is_never_used(built, copied_package):
    assert native.module_name() == built.__name__.split(".")[-1]
    with (copied_package / "engine" / "line.py").open("a") as line:
        line.write("\n# an edit\n")
    assert native.module_name() != built.__name__.split(".")[-1]
    assert not native.native_ready()


def test_a_module_built_on_another_processor_is_never_used(built, copied_package, monkeypatch):
    assert native.module_name() == built.__name__.split(".")[-1]
    monkeypatch.setattr(native, "cpu_identity", lambda: "another processor|fpu sse2")
    assert native.module_name() != built.__name__.split(".")[-1]
    assert not native.native_ready()


def test_cpu_identity_is_the_first_processors_model_and_flags(tmp_path, monkeypatch):
    info = tmp_path / "cpuinfo"
    monkeypatch.setattr(native, "CPUINFO", info)
    assert native.cpu_identity() is None  # no such file: the generic CPU
    info.write_text(
        "processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu sse2 avx2\n\n"
        "processor\t: 1\nmodel name\t: Other CPU\nflags\t\t: fpu\n"
    )
    assert native.cpu_identity() == "Some CPU|fpu sse2 avx2"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU\n\nflags\t\t: fpu\n")
    assert native.cpu_identity() is None  # no flags in the first entry
    info.write_bytes(b"model name\t: \xff\xfe CPU\nflags\t\t: fpu\n")
    assert native.cpu_identity() == "\ufffd\ufffd CPU|fpu"  # bytes that are not text


def test_a_damaged_types_file_leaves_the_jit_to_run(copied_package):
    (copied_package / f"{native.module_name()}.json").write_text("{not json")
    assert not native.native_ready()


def test_jit_variable_skips_the_module(built, monkeypatch):
    monkeypatch.setenv(native.ENGINE_VARIABLE, "jit")
    assert not native.native_ready()
    args = samples()["fill"]
    assert native.entry("fill", args) is not built.fill


@pytest.mark.parametrize(
    ("arg", "described"),
    [
        (np.zeros((2, 3)), "float64[2]"),
        (np.zeros((2, 3), dtype=np.int64)[:, 1], "int64[1]A"),
        (np.zeros(3, dtype=np.uint64), "uint64[1]"),
        (True, "bool"),
        (np.bool_(False), "bool"),
        (3, "int"),
        (np.int64(3), "int"),
        (2.5, "float"),
        ("x", "str"),
    ],
)
def test_describe_names_what_compiled_code_sees(arg, described):
    assert native.describe(arg) == described


@pytest.mark.parametrize(("value", "off"), [("1", True), ("0", False), ("", False), ("x", False)])
def test_jit_disabled_reads_the_variable_as_numba_does(monkeypatch, value, off):
    monkeypatch.setitem(sys.modules, "numba", None)  # as if numba were not loaded
    monkeypatch.setenv("NUMBA_DISABLE_JIT", value)
    assert native.jit_disabled() is off


def test_a_run_of_a_line_and_plant_never_imports_numba(built, tmp_path):
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(yaml.safe_dump(_LINE))
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lotflow.cli", "run", str(scenario),
         "--out", str(tmp_path / "out.json")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "out.json").exists()  # it did run
    modules = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "numba" not in {m.split(".")[0] for m in modules}
    assert "lotflow.engine.line" not in modules


def test_the_kernel_releases_the_gil_as_the_jits_does(built):
    # A plant's lines run on threads: while one line's kernel runs, Python
    # code on another thread must go on. This thread stamps the clock while
    # the kernel runs on another for about 0.3 s. Holding the GIL, the call
    # would let Python run only around its ends (a switch interval, 5 ms),
    # never in the middle half of the call.
    import threading
    import time

    from lotflow.engine.compiled import compile_line
    from lotflow.engine.line_run import LineRun, spawn_generators
    from lotflow.scenario import scenario_from_dict

    station = {"process": {"dist": "exponential", "mean": 1.0}}
    doc = {
        "name": "gil", "time_unit": "s", "run": {"horizon": 10.0},
        "lines": [{"name": "L1", "buffers": [3],
                   "stations": [dict(station, name="M1"), dict(station, name="M2")]}],
    }  # fmt: skip
    scenario = scenario_from_dict(doc)
    arrays = compile_line(scenario.lines[0], scenario.products)
    gens = spawn_generators(np.random.SeedSequence(0), arrays.n_streams)
    args = LineRun(arrays, gens, 0.0, 2e6, 1e5).kernel_args(False)
    kernel = native.entry("advance", args)
    assert kernel is built.advance
    call: list[float] = []

    def in_thread() -> None:
        call.append(time.perf_counter())
        kernel(*args)
        call.append(time.perf_counter())

    worker = threading.Thread(target=in_thread)
    stamps = []
    worker.start()
    while worker.is_alive():
        stamps.append(time.perf_counter())
    worker.join()
    start, end = call
    quarter = (end - start) / 4
    assert any(start + quarter < stamp < end - quarter for stamp in stamps)
