# The two commands of the README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install clean ui-check demo

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/tuopin serve

# Every exit type from its first record to 销号 in about a minute, on a demo server of its own
# (namespace tuopin-demo, notices of seconds, never the production registry): starters/demo.py.
demo: $(STAMP)
	$(BIN)/tuopin demo $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .tuopin .pytest_cache

# Renders cases in the Temporal Web UI with headless Chromium (Debian's chromium: `.ci/chromium.sh`
# installs it when missing; .ci/run runs this after `make test`). Screenshots under each test's tmp
# folder (UI_CHECK_ARGS="--basetemp=DIR" to keep them in DIR).
UI_CHECK_ARGS ?=
ui-check: $(STAMP)
	$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/python -m pip install --quiet playwright
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/manual/check_web_ui.py $(UI_CHECK_ARGS)

# -- benchmarks (bench/, docs/performance.md) ------------------------------------------------------
# `make bench` (QUICK=1: a short run, under 3 minutes): tuopin, the engine's floor (a bare Temporal
# workflow of the same shape) and SpiffWorkflow in one run; prints a Markdown table and the line
# `tuopin / floor = X`, writes bench/results/*.json.
# `make bench-scale`: 10,000 cases in their notice window at once, then all the windows ending.
# SpiffWorkflow is the bench's own dependency, installed into .venv on first use.
BENCH_ARGS ?=

$(VENV)/.bench-deps: $(STAMP)
	$(BIN)/python -c "import SpiffWorkflow" 2>/dev/null || $(BIN)/python -m pip install --quiet 'spiffworkflow>=3,<4'
	touch $@

.PHONY: bench bench-scale
bench: $(VENV)/.bench-deps
	$(BIN)/python -m bench.run $(if $(filter-out 0,$(QUICK)),--quick) $(BENCH_ARGS)

bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale $(BENCH_ARGS)
