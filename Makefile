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

# `make generate` always runs the generator: it alone knows which files are its
# own, so any change to generated/flax_auto (an edit, a file added, removed or
# copied over with an old mtime, whatever its name) is repaired. An unchanged
# tree costs about 0.3 s (black's results are cached) and touches no file.
generate: $(VENV)/.codegen-installed
	$(PY) -m codegen generate

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
