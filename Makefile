# Every target sets up what it needs in a local .venv from pyproject.toml and
# constraints.txt, so a fresh machine needs only Python 3.11 and make.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt
PIP_VERSION := 26.0.1

export HF_HUB_OFFLINE := 1

.PHONY: generate check test bench lock

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

# `make generate` runs the generator only when something it reads changed: the
# tables, the templates, its own code, its install (black's version), or
# generated/flax_auto itself (a file edited, or added or removed, which changes
# the folder's mtime), so a hand edit is always repaired. The folders are listed
# too so that deleting an input counts as a change.
GENERATOR_INPUTS := codegen codegen/tables templates \
	$(wildcard codegen/*.py codegen/tables/*.toml templates/*.jinja)
GENERATED := $(filter-out %/__pycache__,$(wildcard generated/flax_auto generated/flax_auto/*))
GENERATE_STAMP := build/generate.stamp

generate: $(GENERATE_STAMP)

$(GENERATE_STAMP): $(VENV)/.codegen-installed $(GENERATOR_INPUTS) $(GENERATED)
	$(PY) -m codegen generate
	@mkdir -p $(@D) && touch $@

check: $(VENV)/.codegen-installed
	$(PY) -m codegen check

test: $(VENV)/.test-installed check
	$(PY) -m pytest

# flax_auto against transformers' own Flax auto classes, in one run: prints the
# tables, writes bench/results.json and bench/RESULTS.md.
bench: $(VENV)/.test-installed
	$(PY) -m bench

# Re-resolve the pins from scratch into constraints.txt (run after editing pyproject.toml).
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	.lock-venv/bin/python -m pip install --quiet --group test -e .
	{ head -n 2 constraints.txt; .lock-venv/bin/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .lock-venv
