# Targets named in the README. `make` alone lists them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help venv system-deps run test test-slow lint bench docker clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-12s %s\n", $$1, $$2}'

venv: $(VENV)/.installed ## create .venv with the project and its test extras (again when pyproject.toml changes)

# The stamp is newer than pyproject.toml once the install has succeeded.
$(VENV)/.installed: pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# `make run` needs only the runtime dependencies, not the test extras.
$(VENV)/.runtime: pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

system-deps: ## install the Debian packages the tests need (redis-server, chromium, wrk, prometheus)
	scripts/install-system-deps

run: $(VENV)/.runtime ## start the service on 127.0.0.1:8000 with the bundled policies, no Redis
	$(BIN)/hukou-points serve --host 127.0.0.1 --port 8000

# Recipes rather than prerequisites, so the order holds under `make -j` too:
# the Debian packages (python3-venv among them) come before the virtualenv.
test: ## install everything the tests need and run them
	scripts/install-system-deps
	$(MAKE) --no-print-directory venv
	$(BIN)/python -m pytest

test-slow: ## the long load and fault tests (marked slow)
	scripts/install-system-deps
	$(MAKE) --no-print-directory venv
	$(BIN)/python -m pytest -m slow

lint: venv ## ruff over service, tests and bench
	$(BIN)/ruff check service tests bench

bench: ## benchmarks, each against a baseline measured in the same run
	scripts/install-system-deps
	$(MAKE) --no-print-directory venv
	$(BIN)/python bench/run_all.py

docker: ## build the production image (hukou-points)
	docker build -t hukou-points .

clean: ## remove the virtualenv, caches and build output
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache *.egg-info build dist
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
