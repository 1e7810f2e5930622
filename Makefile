# Two commands set everything up on a fresh machine:
#   make demo   install, build, serve at http://127.0.0.1:$(PORT)
#   make test   install (Debian Chromium too), build, run every test lane
# The quick lane for your own loop, with no build: make test-unit (under a minute)
PYTHON ?= python3.12
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
# Fixed timestamp so a rebuild of the same code gives the same model bundles.
export SOURCE_DATE_EPOCH ?= 1735689600

.PHONY: install chromium nginx promtool wrk build serve demo example-vite example-vite-build test test-unit test-host test-runtime test-browser bench bench-ready bench-browser bench-server bench-engines bench-file bench-score bench-csv-limit bench-column-path bench-feature-package bench-families bench-boosters bench-explain bench-explain-page bench-drift clean

install: $(VENV)/.installed node_modules/.installed

# The demo's feature package (feature_packages/machine_physics) is installed editable: the recipes
# fit with its transformer. The bundles carry its wheel, built by the training step.
# --no-compile: pip would byte-compile every module of every package (about 30 of its 75 s on a
# fresh machine); Python compiles what is imported, once, on first use.
$(VENV)/.installed: requirements.lock pyproject.toml feature_packages/machine_physics/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-compile -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . -e feature_packages/machine_physics
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Browser tests drive Debian's Chromium (never `playwright install`, which downloads a browser).
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# nginx (Debian's, with its brotli_static module) runs the tested hosting example.
nginx:
	@test -x /usr/sbin/nginx -a -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-http-brotli-static >/dev/null)

# promtool (Debian's prometheus package) tests the alert rules in deploy/prometheus/.
promtool:
	@command -v promtool >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null)

# wrk (Debian's package) drives the server benchmark.
wrk:
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)

# Models are trained again only when what they are made from changed (the recipes, their data,
# py_pipeline, the feature packages, the Pyodide check): `make demo` twice trains once. The site is
# assembled every time (cheap: compressed copies are cached).
MODEL_INPUTS := $(shell find build_scripts py_pipeline feature_packages -type f \( -name '*.py' -o -name '*.json' -o -name '*.toml' -o -name '*.mjs' \) -not -path '*/__pycache__/*' 2>/dev/null) web/lib/bundle_files.js

build: install
	$(BIN)/python -m build_scripts.pyodide_dist
	$(BIN)/python -m build_scripts.wheel
	$(MAKE) --no-print-directory dist/models/.trained
	$(BIN)/python -m build_scripts.site
	node_modules/.bin/tsc -p web/lib

dist/models/.trained: $(MODEL_INPUTS) requirements.lock
	$(BIN)/python -m build_scripts.train --no-site
	touch $@

serve:
	PORT=$(PORT) $(BIN)/python -m server_fallback.serve

demo: build serve

# The Vite example (examples/vite): a site that installs the client package from this repository
# and serves the assets folder at /predict/. `example-vite-build` expects an existing build.
example-vite: build example-vite-build
	cd examples/vite && node_modules/.bin/vite preview --strictPort --port 5173

example-vite-build:
	rm -rf examples/vite/public/predict && mkdir -p examples/vite/public && cp -r dist/assets examples/vite/public/predict
	cd examples/vite && npm ci --no-audit --no-fund --loglevel=error && node_modules/.bin/vite build --logLevel warn

# Lanes are folders of tests/ (tests/README.md): unit needs no build; the others need `make build`.
# `make test` runs the browser lane beside the others (two processes: a lane mostly waits on one
# core, Chromium's or Python's; its report is printed when both are done), then the tests marked
# `timing` (a wall-clock bound, which a busy machine would make flaky) alone. It fails if any does.
test: install chromium nginx promtool build
	node --test tests/unit/js/
	@log=$$(mktemp); \
	$(BIN)/pytest -p no:cacheprovider -m "not timing" tests/browser > $$log 2>&1 & browser=$$!; \
	$(BIN)/pytest -m "not timing" tests/unit tests/runtime tests/host; others=$$?; \
	wait $$browser; lane=$$?; echo "--- the browser lane ---"; cat $$log; rm -f $$log; \
	$(BIN)/pytest -m timing; alone=$$?; \
	test $$others -eq 0 -a $$lane -eq 0 -a $$alone -eq 0

test-unit: install
	node --test tests/unit/js/
	$(BIN)/pytest tests/unit

test-host: install promtool build
	$(BIN)/pytest tests/host

test-runtime: install build
	$(BIN)/pytest tests/runtime

test-browser: install chromium nginx build
	$(BIN)/pytest tests/browser

bench: bench-ready bench-browser bench-server bench-engines bench-file bench-score bench-csv-limit bench-column-path bench-feature-package bench-families bench-boosters bench-explain bench-explain-page bench-drift

bench-ready: install chromium build
	$(BIN)/python bench/page_ready.py

bench-browser: install chromium build
	$(BIN)/python bench/browser_timing.py

bench-server: install wrk build
	$(BIN)/python bench/app_cost.py
	$(BIN)/python bench/server_load.py

bench-file: install chromium build
	$(BIN)/python bench/file_scoring.py

bench-score: install build
	$(BIN)/python bench/score_files.py

bench-csv-limit: install build
	$(BIN)/python bench/csv_limit.py

bench-column-path: install build
	$(BIN)/python bench/column_path.py

bench-feature-package: install chromium build
	$(BIN)/python bench/feature_package_ready.py

bench-families: install build
	$(BIN)/python bench/families.py

bench-boosters: install build
	$(BIN)/python bench/boosters.py

bench-explain: install wrk build
	$(BIN)/python bench/explain.py

# Evidently goes into a venv of its own (.venv-bench-evidently), made on the first run.
bench-drift: install wrk build
	$(BIN)/python bench/drift.py

bench-explain-page: install chromium build
	$(BIN)/python bench/page_ready.py --explain

bench-engines: install wrk build
	$(BIN)/python bench/engines.py

clean:
	rm -rf dist build .pytest_cache
