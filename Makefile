# Two commands do all set-up on a fresh machine:
#   make demo   - create .venv if missing, install, render the quickstart scene
#   make test   - same set-up, then lint and the whole test suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint install bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all,dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/synth render scenes/quickstart.yaml -n 200 -o out/quickstart --overwrite
	$(BIN)/synth preview scenes/quickstart.yaml -n 16 -o out/quickstart-preview.png
	@echo "demo: COCO dataset in out/quickstart (images/, annotations.json, manifest.json);"
	@echo "      labels drawn in out/quickstart-preview.png"

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python tools/bench.py

clean:
	rm -rf out .pytest_cache .ruff_cache
