# Culture Pulse — the two entry points of the README, plus helpers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench clean install model

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/activate pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/pulse demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python bench/collect.py
	$(BIN)/python bench/tagging.py
	$(BIN)/python bench/digest.py

clean:
	rm -rf $(VENV) data/demo.db out

# Rebuild the learned tagger (pipelines/tagging/model/classifier.npz) from the labelled files.
model: $(VENV)/.installed
	$(BIN)/pulse train
