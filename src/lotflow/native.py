"""The engine's compiled code, reached without loading the compiler.

Numba's start-up and the loading of a kernel from its cache cost a process
about 1.3 s, twenty times what a short run simulates. So the set-up step
(``make setup``: :mod:`lotflow.engine.precompile`) also compiles the
engine's entry points ahead of time, with numba's own ``numba.pycc``, into
one extension module beside this file. It holds the very code the JIT
compiles (same numba, same source), so results are bit-identical; the
module imports in milliseconds and never imports numba.

Like the JIT's code, the module's code is tuned for the processor of the
machine that builds it (LLVM's ``host`` CPU: its instruction set and
scheduling, e.g. AVX's three-operand forms on x86-64; about 10 % less time
per replication of the reference line than the architecture's generic CPU,
docs/performance.md), where the processor can be identified
(:func:`cpu_identity`); elsewhere it is built for the generic CPU.

The module's name carries a fingerprint of everything its code comes from:
the source files in ``SOURCES``, the versions of numba, llvmlite and
numpy, and the processor it was tuned for. A module built from other
sources, or on another processor, is never found, so an edited kernel can
never run stale code and a copied one never runs instructions the processor
lacks: until the next set-up it runs through numba's JIT, as before.
:func:`entry` also checks that the arguments have the exact types the
module was compiled for (numba's ahead-of-time wrappers check only an
array's item size), and falls back to the JIT otherwise.

Environment: ``LOTFLOW_ENGINE=jit`` skips the module (tests compare the
two); ``NUMBA_DISABLE_JIT=1`` runs the plain Python functions, slowly.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
PREFIX = "_native_"
ENGINE_VARIABLE = "LOTFLOW_ENGINE"  # "jit": skip the ahead-of-time module
# name -> (module, function): what the ahead-of-time module exports.
ENTRY_POINTS: dict[str, tuple[str, str]] = {
    "advance": ("lotflow.engine.line", "advance"),
    "init_state": ("lotflow.engine.line", "init_state"),
    "fill": ("lotflow.draws", "fill"),
    "bottleneck_episodes": ("lotflow.analysis.cover", "bottleneck_episodes"),
}
# Sources of the exported code, relative to the package.
SOURCES = (
    "native.py",
    "dists.py",
    "draws.py",
    "streams.py",
    "analysis/cover.py",
    "engine/compiled.py",
    "engine/layout.py",
    "engine/line.py",
)
DEPENDENCIES = ("numba", "llvmlite", "numpy")


def jit_disabled() -> bool:
    """True when numba's JIT is off (``NUMBA_DISABLE_JIT``, read as numba reads
    it: an integer, non-zero meaning off), without importing numba."""
    numba = sys.modules.get("numba")
    if numba is not None:
        return bool(numba.config.DISABLE_JIT)
    try:
        return int(os.environ.get("NUMBA_DISABLE_JIT", "0") or 0) != 0
    except ValueError:
        return False


def describe(arg: Any) -> str:
    """The type of one argument as compiled code sees it: ``float64[2]`` for a
    C-contiguous two-dimensional float64 array (``float64[2]A`` if it is not
    contiguous), ``int``, ``float``, ``bool`` or the class name otherwise."""
    import numpy as np

    if isinstance(arg, np.ndarray):
        return f"{arg.dtype}[{arg.ndim}]" + ("" if arg.flags.c_contiguous else "A")
    if isinstance(arg, bool | np.bool_):
        return "bool"
    if isinstance(arg, int | np.integer):
        return "int"
    if isinstance(arg, float | np.floating):
        return "float"
    return type(arg).__name__


def fingerprint() -> str:
    """Hex digest of the exported code's sources, of the compiler's versions
    and of the processor the code is tuned for (:func:`cpu_identity`)."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode())
        digest.update((PACKAGE / name).read_bytes())
    for dist in _dist_infos():
        digest.update(dist.encode())
    cpu = cpu_identity()
    if cpu is not None:
        digest.update(cpu.encode())
    return digest.hexdigest()[:20]


CPUINFO = Path("/proc/cpuinfo")
CPUINFO_READ = 16_384  # bytes: the first processor's entry (the whole file can be slow to make)


def cpu_identity() -> str | None:
    """The processor the module's code is tuned for: the model name and
    feature flags of the first processor in ``/proc/cpuinfo`` (Linux), or
    None where they cannot be read; the module is then built for the
    architecture's generic CPU, which every processor of it runs."""
    try:
        with CPUINFO.open(encoding="ascii", errors="replace") as info:
            text = info.read(CPUINFO_READ)
    except OSError:
        return None
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # the end of the first processor's entry
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    flags = fields.get("flags")
    return f"{fields.get('model name', '')}|{flags}" if flags else None


def _dist_infos() -> list[str]:
    """Names of the installed distributions of ``DEPENDENCIES`` (their
    ``*.dist-info`` folders carry the version), without importing them."""
    import importlib.util

    found = []
    for package in DEPENDENCIES:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        site = Path(spec.origin).parent.parent
        found.extend(sorted(p.name for p in site.glob(f"{package}-*.dist-info")))
    return found


def module_name() -> str:
    return f"{PREFIX}{fingerprint()}"


@cache
def _native() -> tuple[Any, dict[str, list[str]]] | None:
    """The ahead-of-time module built from the current sources and the
    argument types of its entry points, or None."""
    name = module_name()
    try:
        types = json.loads((PACKAGE / f"{name}.json").read_text())
        return importlib.import_module(f"lotflow.{name}"), types
    except (OSError, ValueError, ImportError):  # not built, or damaged: the JIT runs
        return None


def native_ready() -> bool:
    """True when runs will use the ahead-of-time module."""
    return not jit_disabled() and _use_native() and _native() is not None


def _use_native() -> bool:
    return os.environ.get(ENGINE_VARIABLE, "native") != "jit"


def entry(name: str, args: Sequence[Any]) -> Callable[..., Any]:
    """The compiled code of entry point ``name`` for arguments like ``args``,
    callable directly: the ahead-of-time module's when it is current and
    compiled for exactly these types, else numba's (JIT, from its cache),
    else, with the JIT off, the plain Python function."""
    module, function = ENTRY_POINTS[name]
    if native_ready():
        native, types = _native()  # type: ignore[misc]
        if types.get(name) == [describe(arg) for arg in args]:
            return getattr(native, name)
    dispatcher = getattr(importlib.import_module(module), function)
    return jit_compiled(dispatcher, args)


def jit_compiled(dispatcher, args: Sequence[Any]) -> Callable[..., Any]:
    """The code ``dispatcher`` (a numba function) compiled for the types of
    ``args``, callable directly: calling the dispatcher itself would type every
    argument at every call (a numpy Generator takes tens of microseconds).
    With the JIT disabled it is the plain function."""
    if jit_disabled():
        return dispatcher
    import numba

    return dispatcher.compile(tuple(numba.typeof(arg) for arg in args))


def build(samples: Mapping[str, Sequence[Any]], verbose: bool = False) -> Path:
    """Compile every entry point ahead of time for the argument types of
    ``samples[name]`` into the fingerprinted module beside this file (about
    25 s), and delete modules of older fingerprints. Written to a temporary
    folder first and moved into place, so no process sees half a module.
    Returns the module's path."""
    import numba
    from numba.pycc import CC

    name = module_name()
    with tempfile.TemporaryDirectory(dir=PACKAGE, prefix=".build-") as tmp:
        compiler = CC(name)
        compiler.output_dir = tmp
        compiler.use_nrt = False  # the kernel allocates nothing (lotflow.engine.line)
        # LLVM's name for this machine's processor (the fingerprint records which).
        compiler.target_cpu = "host" if cpu_identity() is not None else ""
        compiler.verbose = verbose
        types = {}
        for entry_name, (module, function) in ENTRY_POINTS.items():
            args = samples[entry_name]
            dispatcher = getattr(importlib.import_module(module), function)
            signature = tuple(numba.typeof(arg) for arg in args)
            compiler.export(entry_name, signature)(dispatcher.py_func)
            types[entry_name] = [describe(arg) for arg in args]
        with warnings.catch_warnings(), _releasing_the_gil():
            warnings.simplefilter("ignore")  # numba.pycc's pending deprecation
            compiler.compile()
        built = next(Path(tmp).glob(f"{name}.*"))
        types_file = Path(tmp) / f"{name}.json"
        types_file.write_text(json.dumps(types))
        _remove_old_modules()
        target = PACKAGE / built.name
        os.replace(built, target)
        os.replace(types_file, PACKAGE / types_file.name)
    _native.cache_clear()
    return target


@contextmanager
def _releasing_the_gil():
    """numba.pycc compiles its exports with default flags, so their wrappers
    would hold the GIL; the JIT's kernel is ``nogil`` (a plant's lines run on
    threads). For the duration of a build, its flags release the GIL: every
    export works on arrays and numbers only."""
    from numba.core.compiler import Flags
    from numba.pycc import compiler as pycc_compiler

    class ReleasingFlags(Flags):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.release_gil = True

    pycc_compiler.Flags = ReleasingFlags
    try:
        yield
    finally:
        pycc_compiler.Flags = Flags


def _remove_old_modules() -> None:
    for path in PACKAGE.glob(f"{PREFIX}*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
