# Targets named in the README. `make` alone lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.DEFAULT_GOAL := help
.PHONY: help run test test-slow lint bench docker clean system-deps

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

system-deps: ## install the Debian packages the tests need (redis-server, chromium, wrk, prometheus)
	scripts/install-system-deps

run: ## start the service on 127.0.0.1:8000 with the bundled policies, no Redis
	@[ -x $(BIN)/hukou-points ] || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install -q -e . ; }
	$(BIN)/hukou-points serve --host 127.0.0.1 --port 8000

test: system-deps $(VENV)/.installed ## install everything the tests need and run them
	$(BIN)/python -m pytest

test-slow: system-deps $(VENV)/.installed ## the long load and fault tests
	$(BIN)/python -m pytest -m slow

lint: $(VENV)/.installed ## ruff
	$(BIN)/ruff check service tests bench

bench: system-deps $(VENV)/.installed ## benchmarks, each against a same-run baseline
	$(BIN)/python bench/run_all.py

docker: ## build the production image
	docker build -t hukou-points .

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache *.egg-info
