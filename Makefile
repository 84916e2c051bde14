# lotflow: `make run` (set-up + the reference plant year) and `make test` (set-up + all tests).
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
LOTFLOW := $(VENV)/bin/lotflow
OUT := out

.PHONY: setup run test test-fast bench bench-process lint browser clean

$(UV):
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --user --quiet uv || \
		python3 -m pip install --user --quiet --break-system-packages uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

setup: $(VENV)/.synced

browser:
	@command -v chromium >/dev/null 2>&1 || ( (apt-get update -qq || true) && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null )

run: setup
	@mkdir -p $(OUT)
	$(LOTFLOW) run scenarios/maracay.yaml --out $(OUT)/maracay.json --report $(OUT)/maracay.html

test: setup browser
	$(PY) -m pytest -n 2 -q

test-fast: setup
	$(PY) -m pytest -n 2 -q -m "not slow and not browser"

bench: setup
	$(PY) bench/run.py

# Whole processes as a user waits for them (issue 12); e.g. BENCH_ARGS="--lengths 2,6,9 --simpy-hours 100"
bench-process: setup
	$(PY) bench/whole_process.py $(BENCH_ARGS)

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
