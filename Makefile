# All set-up happens here: a fresh machine needs only python3 (3.11) and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= data
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test ingest eval install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch first (it lies on this disk); the project pins the same version,
	# so the install below never pulls a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

ingest: $(STAMP)
	$(BIN)/policyqa --data-dir $(DATA_DIR) ingest corpus/*.txt

serve: ingest
	$(BIN)/policyqa --data-dir $(DATA_DIR) serve --host $(HOST) --port $(PORT)

eval: ingest
	$(BIN)/policyqa --data-dir $(DATA_DIR) eval

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(DATA_DIR)
