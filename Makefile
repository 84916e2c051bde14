# lotflow: `make run` (set-up + the reference plant year) and `make test` (set-up + all tests,
# with branch coverage of src/lotflow, subprocesses included; fails under the floor in pyproject).
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
LOTFLOW := $(VENV)/bin/lotflow
OUT := out
# Replications run on every core; the results do not depend on the number of workers.
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: setup run test test-nojit test-fast fuzz bench bench-process lint browser clean

$(UV):
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --user --quiet uv || \
		python3 -m pip install --user --quiet --break-system-packages uv

# Bytecode is compiled at install (this machine sets PYTHONDONTWRITEBYTECODE=1, so
# otherwise every command would compile every module it imports), and the engine is
# compiled (numba's cache, and ahead of time: lotflow.native), so no user command
# compiles anything or loads numba (docs/performance.md).
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

setup: $(VENV)/.synced
	@$(PY) -m compileall -q src >/dev/null
	@$(PY) -m lotflow.engine.precompile

browser:
	@command -v chromium >/dev/null 2>&1 || ( (apt-get update -qq || true) && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null )

run: setup
	@mkdir -p $(OUT)
	$(LOTFLOW) run scenarios/maracay.yaml --workers $(WORKERS) --out $(OUT)/maracay.json --report $(OUT)/maracay.html

# Hypothesis runs from a fixed seed here, so CI sees the same examples every time;
# `make fuzz` explores new ones.
test: setup browser
	$(PY) -m pytest -n 2 -q --hypothesis-seed=0 --cov --cov-report=term-missing:skip-covered

# The engine's rule tests with numba's JIT off (the kernel as plain Python: slow, but
# it can be stepped through), with the coverage of the engine's own lines.
test-nojit: setup
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -q -p no:cacheprovider tests/test_engine_rules.py \
		--cov=lotflow.engine --cov=lotflow.streams --cov=lotflow.dists --cov=lotflow.draws --cov-report=term-missing

test-fast: setup
	$(PY) -m pytest -n 2 -q --hypothesis-seed=0 -m "not slow and not browser"

# The fuzz tests of the loader and the CLI with fresh random examples.
fuzz: setup
	$(PY) -m pytest -n 2 -q -p no:cacheprovider \
		tests/test_loader_fuzz.py tests/test_cli_fuzz.py

bench: setup
	$(PY) bench/run.py

# Whole processes as a user waits for them (issue 12); e.g. BENCH_ARGS="--lengths 2,6,9 --simpy-hours 100"
bench-process: setup
	$(PY) bench/whole_process.py $(BENCH_ARGS)

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache .mypy_cache .coverage .coverage.* \
		src/lotflow/_native_* src/lotflow/.build-*
