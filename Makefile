# Every target sets up what it needs in a local .venv from pyproject.toml and
# constraints.txt, so a fresh machine needs only Python 3.11 and make.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt
PIP_VERSION := 26.0.1

export HF_HUB_OFFLINE := 1

.PHONY: generate check test bench lock dist

# The generator's own light install: jinja2 and black, no jax/flax/transformers.
$(VENV)/.codegen-installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(INSTALL) --group codegen
	touch $@

# Everything the suite needs, flax_auto itself installed in editable mode.
$(VENV)/.test-installed: $(VENV)/.codegen-installed
	$(INSTALL) --group test -e .
	touch $@

# `make generate` always runs the generator: it alone knows which files are its
# own, so any change to generated/flax_auto (an edit, a file added, removed or
# copied over with an old mtime, whatever its name) is repaired. An unchanged
# tree costs about 0.3 s (black's results are cached) and touches no file.
generate: $(VENV)/.codegen-installed
	$(PY) -m codegen generate

check: $(VENV)/.codegen-installed
	$(PY) -m codegen check

# The lower bounds of pyproject.toml's ranges, proven in a second venv built from
# constraints-lowest.txt by the tests that need the real libraries: every row
# built and run, upstream's answers, from_pretrained.
LOWEST_VENV := .venv-lowest
LOWEST_PY := $(LOWEST_VENV)/bin/python
BOUND_TESTS := tests/test_sweep.py tests/test_upstream_parity.py tests/test_from_pretrained.py

$(LOWEST_VENV)/.installed: pyproject.toml constraints-lowest.txt
	rm -rf $(LOWEST_VENV)
	$(PYTHON) -m venv $(LOWEST_VENV)
	$(LOWEST_PY) -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)
	$(LOWEST_PY) -m pip install --quiet --disable-pip-version-check -c constraints-lowest.txt --group suite -e .
	touch $@

test: $(VENV)/.test-installed $(LOWEST_VENV)/.installed check
	$(PY) -m pytest
	$(LOWEST_PY) -m pytest -p no:cacheprovider $(BOUND_TESTS)

# The wheel and the sdist into dist/; the wheel is built from the sdist, as pip would.
dist: $(VENV)/.test-installed
	rm -rf dist
	$(PY) -m build --outdir dist .

# flax_auto against transformers' own Flax auto classes, in one run: prints the
# tables, writes bench/results.json and bench/RESULTS.md.
bench: $(VENV)/.test-installed
	$(PY) -m bench

# Each runtime dependency at its lower bound: `name>=X,...` in pyproject.toml as `name==X`.
LOWEST_PINS = $(shell $(PYTHON) -c 'import re, tomllib; \
	deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]; \
	print(*(re.sub(r">=([^,]+).*", r"==\1", dep) for dep in deps))')

# $(call freeze,FILE,GROUP,PINS): resolve a fresh venv from scratch and pip-freeze it
# into FILE under FILE's two header lines.
define freeze
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	.lock-venv/bin/python -m pip install --quiet --group $(2) -e . $(3)
	{ head -n 2 $(1); .lock-venv/bin/python -m pip freeze --exclude-editable; } > $(1).new
	mv $(1).new $(1)
	rm -rf .lock-venv
endef

# Re-resolve both locks (run after editing pyproject.toml): constraints.txt, the
# newest versions the ranges allow, and constraints-lowest.txt, every runtime
# dependency at its lower bound and the rest as pip resolves it.
lock:
	$(call freeze,constraints.txt,test,)
	$(call freeze,constraints-lowest.txt,suite,$(LOWEST_PINS))
