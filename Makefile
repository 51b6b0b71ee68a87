# `make test` and `make demo` set themselves up on a fresh machine: a .venv in the checkout with
# an editable install, redone only when the packaging files change.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup test demo bench lint clean

# The compiled fast path (tinygraph/autograd/_fastpath.c) is rebuilt when its source changes.
FASTPATH := $(VENV)/.fastpath-built

$(STAMP): setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,examples]"
	touch $(STAMP) $(FASTPATH)

$(FASTPATH): $(STAMP) tinygraph/autograd/_fastpath.c
	$(PY) -m pip install -q --no-deps -e .
	touch $(FASTPATH)

setup: $(FASTPATH)

# The whole suite twice: with the compiled fast path, then with the pure-Python engine it
# transcribes (both must behave the same).
test: $(FASTPATH)
	$(PY) -m pytest
	TINYGRAPH_PURE_PYTHON=1 $(PY) -m pytest

# The digits classifier end to end: accuracy, then weights, curves and graph pictures in out/.
demo: $(FASTPATH)
	$(PY) examples/digits.py --out out

bench: $(FASTPATH)
	$(PY) -m bench

lint: $(FASTPATH)
	$(PY) -m ruff check tinygraph tests examples bench

clean:
	rm -rf $(VENV) build *.egg-info out tinygraph/autograd/_fastpath*.so
