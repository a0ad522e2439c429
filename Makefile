# Every target works from a fresh clone: the venv is created and the package
# installed when absent or when pyproject.toml changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml scripts/system-packages.txt 2>/dev/null | sha256sum | cut -c1-16)

.PHONY: setup demo test lint typecheck bench clean

$(STAMP): pyproject.toml scripts/system-packages.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@sh scripts/install-system-packages.sh
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

# The local Ethereum node (ganache) for the adapter test, pinned by its lock
# file; without npm the set-up goes on and that test skips.
ETH_NODE := tools/eth-node
ETH_NODE_STAMP := $(ETH_NODE)/node_modules/.package-lock.json

$(ETH_NODE_STAMP): $(ETH_NODE)/package.json $(ETH_NODE)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(ETH_NODE) --ignore-scripts --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the local Ethereum node test will be skipped"; fi

setup: $(STAMP) $(ETH_NODE_STAMP)

demo: setup
	$(BIN)/vigil demo

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/hashing.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis $(ETH_NODE)/node_modules
