# The two commands a new user needs: `make build` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: build build-deps test lint typecheck pytest coverage bench golden system-deps node-deps screenshots clean

build: $(STAMP) build-deps
	$(VENV)/bin/qbank build bank --out site

# The virtual environment, reinstalled when the dependency lists change.
$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[ml,dev]'
	touch $(STAMP)

# Debian packages, installed with apt only when missing (sudo when not root).
# `make build` needs bubblewrap (every snippet runs in it); the tests also drive
# Chromium, and npm for axe-core.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	$(2) \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi; \
	fi
endef
BUILD_PACKAGES := bubblewrap
APT_PACKAGES := $(BUILD_PACKAGES) chromium

build-deps:
	$(call apt_install,$(BUILD_PACKAGES),)

system-deps:
	$(call apt_install,$(APT_PACKAGES),command -v npm >/dev/null 2>&1 || missing="$$missing npm";)

# axe-core for the accessibility checks in the browser tests (npm registry).
NODE_STAMP := node_modules/.installed-stamp
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(NODE_STAMP)
node-deps: $(NODE_STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check generator tests bench tools
	$(VENV)/bin/ruff format --check generator tests bench tools

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# Everything, slow tests included (a bare `pytest` skips them).
PYTEST := $(VENV)/bin/pytest -n 2 -q -m "" --durations=25

pytest: $(STAMP) system-deps $(NODE_STAMP)
	$(PYTEST)

test: lint typecheck pytest

# The same run as `make pytest`, measured (qbank's subprocesses and forks too), then a
# figure per stage folder, printed whether or not a test failed (the exit code says).
# Code that runs only in the jail is measured by tests that run it outside
# (tests/test_inside.py).
coverage: $(STAMP) system-deps $(NODE_STAMP)
	rm -rf .qbank-cache/coverage
	$(PYTEST) --cov --cov-report=; code=$$?; $(PY) -m tools.stage_coverage && exit $$code

bench: $(STAMP) system-deps
	$(PY) -m bench

# Rebuild the golden copy of the small site; review the change with `git diff tests/golden`.
golden: $(STAMP)
	$(PY) -m tools golden

# Screenshots of the site at 375 px and 1280 px for docs/screenshots/.
screenshots: $(STAMP) system-deps
	$(PY) -m tools screenshots

clean:
	rm -rf site .qbank-cache
