# liveloop — `make demo` runs the demo console, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
VENDOR := src/liveloop/console/static/vendor

.PHONY: setup assets browser demo serve test lint format bench clean

setup: $(INSTALLED) assets

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Front-end libraries come from the npm registry through package.json + package-lock.json.
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/echarts/dist/echarts.min.js node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
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

test: setup browser
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
