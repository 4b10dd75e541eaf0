# The project's task runner: CI calls these targets verbatim.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install chromium ingest run test test-browser evals evals-all fit bench load lint clean

install: $(STAMP)  ## Create .venv and install everything (idempotent).

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: a CPU build lies on this machine's disk; unpinned pulls CUDA.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

chromium:  ## Install Debian's Chromium for the browser tests when it is missing.
	./scripts/ensure-chromium.sh

ingest: install  ## Build or update index/ from corpus/ (only changed files are embedded).
	$(BIN)/assistant ingest

run: install  ## Ingest if needed, then serve the chat on 127.0.0.1:7860.
	$(BIN)/assistant ingest --quiet || [ $$? -eq 3 ]
	$(BIN)/assistant serve --host 127.0.0.1 --port 7860

test: install chromium  ## Run the whole test suite: evals gate and browser tests included.
	$(BIN)/python -m pytest

test-browser: install chromium  ## Only the browser tests; screenshot in test-output/chat.png.
	$(BIN)/python -m pytest -q -m browser

evals: install  ## Run the question set and write reports/ (Markdown, HTML, chart).
	$(BIN)/assistant ingest --quiet || [ $$? -eq 3 ]
	$(BIN)/assistant evals --report reports

evals-all: evals  ## Then every train and test set of every collection (hybrid), one table, gated.
	$(BIN)/assistant evals --all

fit: install  ## Fit the answer model on the train question sets; writes assistant/answering/model.json.
	$(BIN)/assistant fit

bench: install  ## Ingest throughput, re-ingest, ask latency, HNSW recall, cold start; writes bench.json.
	$(BIN)/assistant bench --json bench.json

load: install  ## Load-test /ask: 50 clients for 60 s against a freshly started `assistant serve`.
	$(BIN)/assistant ingest --quiet || [ $$? -eq 3 ]
	$(BIN)/python scripts/load.py --serve --clients 50 --seconds 60

lint: install
	$(BIN)/ruff check assistant ingest evals tests scripts
	$(BIN)/ruff format --check assistant ingest evals tests scripts

clean:
	rm -rf $(VENV) index/*.sqlite3 index/*/ .cache reports test-output bench.json
