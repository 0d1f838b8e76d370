# `make demo` and `make test` set up .venv by themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,demo]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m kerax.tools.demo

test: $(STAMP)
	$(PY) -m pytest -q -n auto --maxprocesses 4 --durations 15

bench: $(STAMP)
	$(PY) -m kerax.tools.bench

clean:
	rm -rf $(VENV)
