# Two commands on a fresh machine: `make demo` and `make test`. Both build .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/mhct check rules
	$(BIN)/mhct allocate examples/assessments.csv
	$(BIN)/mhct review --explain examples/records.jsonl

test: $(STAMP)
	$(BIN)/mhct check rules
	$(BIN)/mhct fmt --check rules
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/parse_check.py
	$(BIN)/python benchmarks/evaluate.py

clean:
	rm -rf $(VENV) build dist *.egg-info
