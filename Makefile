# planmine: `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RAW ?= data/raw
OUT ?= data/processed
GOLD ?= data/gold

help: ## Show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install planmine with its dev tools

extract: $(STAMP) ## Extract claims, money, figures, dates and links from data/raw into data/processed
	$(BIN)/planmine extract $(RAW) --out $(OUT)

evaluate: $(STAMP) ## Score data/processed against the gold sentences (run `make extract` first)
	@test -f $(OUT)/claims.csv || $(BIN)/planmine extract $(RAW) --out $(OUT)
	$(BIN)/planmine evaluate --gold $(GOLD) --pred $(OUT)

test: $(STAMP) ## Run the test suite (installs Debian's chromium for the browser tests when root)
	@scripts/ensure-browser.sh
	$(BIN)/pytest -n 2 --dist loadfile -q -rs

check-wheel: ## Build the wheel, install it in a fresh venv outside the checkout and run extract
	bash scripts/check_wheel.sh

bench: $(STAMP) ## Planmine vs bare spaCy tokenizer (text) and bare pypdfium2: the two ratios, CPU time, median of 3 runs
	$(BIN)/python -m pipeline.bench $(RAW) $(GOLD)

report: $(STAMP) ## Write the offline HTML evidence report to data/processed/report/index.html
	@test -f $(OUT)/claims.csv || $(BIN)/planmine extract $(RAW) --out $(OUT)
	$(BIN)/planmine report --out $(OUT) --raw $(RAW)

fit: $(STAMP) ## Re-fit the claim-to-aim matcher on the gold's tuning part; saved under pipeline/models/matcher
	$(BIN)/python scripts/fit_matcher.py --lodo-structure --part tuning --target-abstention 0.75 --other-plan tests/data/council2

lint: $(STAMP) ## Ruff, mypy over the package, import-linter's stage layers ([tool.*] in pyproject.toml)
	$(BIN)/ruff check pipeline tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

clean: ## Remove outputs and caches (keeps data/raw and .venv)
	rm -rf $(OUT)/* .pytest_cache .ruff_cache tests/artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

.PHONY: help install extract evaluate test check-wheel bench report fit lint clean
