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

.PHONY: install ingest run test evals lint clean

install: $(STAMP)  ## Create .venv and install everything (idempotent).

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: a CPU build lies on this machine's disk; unpinned pulls CUDA.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

ingest: install  ## Build or update index/ from corpus/ (only changed files are embedded).
	$(BIN)/assistant ingest

run: install  ## Ingest if needed, then serve the chat on 127.0.0.1:7860.
	$(BIN)/assistant ingest --quiet || [ $$? -eq 3 ]
	$(BIN)/assistant serve --host 127.0.0.1 --port 7860

test: install  ## Run the whole test suite, evals gate included.
	$(BIN)/python -m pytest

evals: install  ## Run the question set and write reports/ (Markdown, HTML, chart).
	$(BIN)/assistant ingest --quiet || [ $$? -eq 3 ]
	$(BIN)/assistant evals --report reports

lint: install
	$(BIN)/ruff check assistant ingest evals tests
	$(BIN)/ruff format --check assistant ingest evals tests

clean:
	rm -rf $(VENV) index/* reports test-output
