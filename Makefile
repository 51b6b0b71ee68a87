# `make test` and `make demo` set themselves up on a fresh machine: a .venv in the checkout with
# an editable install, redone only when the packaging files change. Another interpreter gets its
# own venv: `make test PYTHON=python3.12 VENV=.venv-3.12` (what .ci/run does for each Python);
# PYTEST_ARGS passes options to pytest (`make test PYTEST_ARGS="-m 'not torch'"`).
PYTHON ?= python3
VENV ?= .venv
PYTEST_ARGS ?=
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
	$(PY) -m pytest $(PYTEST_ARGS)

# The digits classifier end to end: accuracy, then weights, curves and graph pictures in out/.
demo: $(STAMP)
	$(PY) examples/digits.py --out out

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check tinygraph tests examples bench

clean:
	rm -rf $(VENV) .venv-3.* build *.egg-info out
