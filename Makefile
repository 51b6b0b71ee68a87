# `make test` and `make demo` set themselves up on a fresh machine: a .venv in the checkout with
# an editable install, redone only when the packaging files change. Another interpreter gets its
# own venv: `make test PYTHON=python3.12 VENV=.venv-3.12` (what .ci/run does for each Python);
# PYTEST_ARGS passes options to pytest (`make test PYTEST_ARGS="-m 'not torch'"`).
PYTHON ?= python3
VENV ?= .venv
PYTEST_ARGS ?=
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test test-all demo docs-images bench bench-instructions lint clean

$(STAMP): setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,examples]"
	touch $(STAMP)

setup: $(STAMP)

# The suite. Tests that need PyTorch (the parity oracle) or Graphviz's `dot` are skipped when
# those are missing, and the run ends with a line saying how many and why.
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# The suite with the PyTorch parity tests: installs the oracle (the CPU build of 2.13.0;
# another version would pull gigabytes of CUDA wheels) into the .venv first.
test-all: $(STAMP)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pytest

# The digits classifier end to end: accuracy, then weights, curves and graph pictures in out/.
demo: $(STAMP)
	$(PY) examples/digits.py --out out

# Every picture in README.md and docs/, redrawn by running the code block shown next to it.
docs-images: $(STAMP)
	$(PY) docs/make_images.py

bench: $(STAMP)
	$(PY) -m bench

# Instructions per op of the per-op program and the chain, counted by callgrind (needs
# valgrind): figures a machine shared with other work does not move (docs/performance.md).
bench-instructions: $(STAMP)
	$(PY) -m bench.instructions overhead chain

lint: $(STAMP)
	$(PY) -m ruff check tinygraph tests examples bench docs

clean:
	rm -rf $(VENV) .venv-3.* build *.egg-info out
