# One command each: `make run` serves the mock, `make test` runs every test, on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

.PHONY: run test lint check bench bench-peers bench-smoke screenshots chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

# `make run` needs the package only, not the test and lint tools.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

run: $(RUN_STAMP)
	$(BIN)/coherta-mock serve --port 8080

# The browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: run 'sudo apt-get install chromium' once" >&2; exit 1; fi; }

test: $(STAMP) chromium
	$(BIN)/python -m pytest --cov --cov-report=term $(PYTEST_ARGS)

# pip-audit checks the installed environment against PyPI's advisory data over HTTPS (the
# editable project itself is skipped); PIP_AUDIT_FLAGS=--strict also fails on any package the
# service could not look up.
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile
	$(BIN)/pip-audit --local --skip-editable --progress-spinner off $(PIP_AUDIT_FLAGS)

check: $(RUN_STAMP)
	$(BIN)/coherta-mock check fixtures

# Benchmarks print figures with ratios against baselines measured in the same run (issue 9's
# targets at the end). `bench` takes a few minutes; `bench-peers` adds WireMock, Mockoon,
# json-server and oauth2-mock-server (npm packages in ~/.cache/coherta-mock-bench/peers, Java 17)
# and writes benchmarks/RESULTS.md. CI runs only the smoke version (tests/test_benchmarks.py).
bench: $(STAMP)
	$(BIN)/python -m benchmarks

bench-peers: $(STAMP)
	$(BIN)/python -m benchmarks --peers --results benchmarks/RESULTS.md --json benchmarks/results.json

bench-smoke: $(STAMP)
	$(BIN)/python -m benchmarks --profile smoke

screenshots: $(STAMP) chromium
	$(BIN)/python docs/screenshots.py --out docs/images

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage htmlcov dist build
