# `make test` and `make demo` set themselves up on a fresh machine: a .venv in the checkout with
# an editable install, redone only when the packaging files change.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test demo bench lint clean

$(STAMP): setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,examples]"
	touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest

# The digits classifier end to end: accuracy, then weights, curves and graph pictures in out/.
demo: $(STAMP)
	$(PY) examples/digits.py --out out

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check tinygraph tests examples bench

clean:
	rm -rf $(VENV) build *.egg-info out
