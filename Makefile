# liveloop — `make demo` runs the demo console, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
VENDOR := src/liveloop/console/static/vendor
# Two install stamps: the demo needs only the runtime dependencies; tests, lint and benchmarks
# add the dev extra (pyspark, playwright, mypy, the bench peers …) on top.
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: setup dev assets browser demo serve test lint format bench clean

setup: $(RUNTIME) assets

dev: $(DEV) assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(RUNTIME) $@

# Front-end libraries come from the npm registry through package.json + package-lock.json.
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	mkdir -p $(VENDOR)/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
	  node_modules/swagger-ui-dist/favicon-32x32.png $(VENDOR)/swagger-ui/
	touch $@

# Debian's Chromium (and a CJK font, so screenshots show Chinese) for the console's browser
# tests, driven by Playwright through executablePath; installed only when missing.
BROWSER_PKGS := chromium fonts-wqy-microhei
browser:
	@missing=$$(for p in $(BROWSER_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing $$missing (needs root): browser tests will be skipped"; fi; \
	fi

demo: setup
	$(BIN)/liveloop demo

serve: setup
	$(BIN)/liveloop serve

# Both cores: a test file per worker at a time (module fixtures stay per file).
test: dev browser
	$(BIN)/pytest -n 2 --dist loadfile

# lint-imports holds the layer order and the facades (pyproject.toml, docs/architecture.md).
lint: dev
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports

format: dev
	$(BIN)/ruff check --fix src tests bench tools
	$(BIN)/ruff format src tests bench tools

bench: dev
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
