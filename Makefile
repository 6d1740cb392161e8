# Every target sets up what it needs in a local venv from pyproject.toml and a lock
# file. `make generate`, `make check` and `make dist` need Python 3.13; `make test`
# and `make lock` need Python 3.11, 3.12 and 3.13 too (found as below).

# $(call python,3.12): the path of Python 3.12: `python3.12` on PATH if it runs (pyenv's
# shim of a version that is not selected does not), else the newest 3.12.* in pyenv's
# versions folder. Neither: make stops and names the missing Python.
PYENV_VERSIONS = $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions
python = $(or $(firstword $(foreach candidate,$(shell command -v python$(1)) \
	$(shell ls -d $(PYENV_VERSIONS)/$(1).*/bin/python$(1) 2>/dev/null | sort -rV), \
	$(shell $(candidate) -c 'print("$(candidate)")' 2>/dev/null))), \
	$(error Python $(1) not found: no working python$(1) on PATH and none in $(PYENV_VERSIONS)/$(1).*/bin; install it, e.g. `pyenv install $(1)`))

# The default venv: the newest stack on the newest Python, the whole suite runs there.
PYTHON ?= $(call python,3.13)
VENV := .venv
PY := $(VENV)/bin/python
PIP := --quiet --disable-pip-version-check
INSTALL := $(PY) -m pip install $(PIP) -c constraints.txt
PIP_VERSION := 26.0.1

export HF_HUB_OFFLINE := 1

.PHONY: generate check check-pythons test bench lock dist

# The generator's own light install: jinja2 and black, no jax/flax/transformers.
# A .venv of another Python (an older checkout's 3.11) is made anew.
$(VENV)/.codegen-installed: pyproject.toml constraints.txt
	[ "$$($(PY) -V 2>&1)" = "$$($(PYTHON) -V 2>&1)" ] || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install $(PIP) pip==$(PIP_VERSION)
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

# The lower bounds of pyproject.toml's ranges, proven on Python 3.11 in a second
# venv built from constraints-lowest.txt by the tests marked `bounds`, those that
# need the real libraries: every row built, run and generating, upstream's answers,
# from_pretrained, the fixes against their oracles (torch, the `oracle` group).
LOWEST_VENV := .venv-lowest
LOWEST_PY := $(LOWEST_VENV)/bin/python

$(LOWEST_VENV)/.installed: pyproject.toml constraints-lowest.txt
	rm -rf $(LOWEST_VENV)
	$(call python,3.11) -m venv $(LOWEST_VENV)
	$(LOWEST_PY) -m pip install $(PIP) pip==$(PIP_VERSION)
	$(LOWEST_PY) -m pip install $(PIP) -c constraints-lowest.txt --group suite --group oracle -e .
	touch $@

# Python 3.12 at its own lower bounds (its jax, flax and numpy floors differ from 3.11's):
# the tests marked `bounds` run there too, after the 3.11 run, on the same core.
VENV_312 := .venv-3.12-lowest
LOWEST_312_PY := $(VENV_312)/bin/python

$(VENV_312)/.installed: pyproject.toml constraints-lowest-3.12.txt
	rm -rf $(VENV_312)
	$(call python,3.12) -m venv $(VENV_312)
	$(LOWEST_312_PY) -m pip install $(PIP) pip==$(PIP_VERSION)
	$(LOWEST_312_PY) -m pip install $(PIP) -c constraints-lowest-3.12.txt --group suite -e .
	touch $@

# The generator's output, byte for byte, under each Python the package admits
# (3.13 is `make check`'s).
check-pythons: $(LOWEST_VENV)/.installed $(VENV_312)/.installed
	$(LOWEST_PY) -m codegen check
	$(LOWEST_312_PY) -m codegen check

# The runs share nothing but the machine, so they run side by side, one a core: the
# whole suite on one, the two lowest-bounds runs one after the other on the other.
# Those write their reports to build/lowest-bounds*.log, shown when all are done,
# and `make test` fails if any does.
LOWEST_LOG := build/lowest-bounds.log
LOWEST_312_LOG := build/lowest-bounds-3.12.log

test: $(VENV)/.test-installed check check-pythons
	mkdir -p build
	{ $(LOWEST_PY) -m pytest -p no:cacheprovider -m bounds > $(LOWEST_LOG) 2>&1; first=$$?; \
	  $(LOWEST_312_PY) -m pytest -p no:cacheprovider -m bounds > $(LOWEST_312_LOG) 2>&1; second=$$?; \
	  test $$first -eq 0 && test $$second -eq 0; } & lowest=$$!; \
	$(PY) -m pytest; newest=$$?; \
	wait $$lowest; bounds=$$?; \
	echo "== the tests marked bounds at the lowest bounds of Python 3.11 (constraints-lowest.txt):"; \
	cat $(LOWEST_LOG); \
	echo "== the tests marked bounds at the lowest bounds of Python 3.12 (constraints-lowest-3.12.txt):"; \
	cat $(LOWEST_312_LOG); \
	test $$newest -eq 0 && test $$bounds -eq 0

# The wheel and the sdist into dist/, from a generated/ that `make check` found in
# sync; the wheel is built from the sdist, as pip would. Needs only the build tool.
$(VENV)/.dist-installed: $(VENV)/.codegen-installed
	$(INSTALL) --group dist
	touch $@

dist: check $(VENV)/.dist-installed
	rm -rf dist
	$(PY) -m build --outdir dist .

# flax_auto against transformers' own Flax auto classes, in one run: prints the
# tables, writes bench/results.json and bench/RESULTS.md.
bench: $(VENV)/.test-installed
	$(PY) -m bench

# $(call freeze,FILE,PYTHON,GROUPS,LOWEST): resolve a fresh venv of PYTHON from scratch,
# with every runtime dependency at the lower bound it has for that Python when
# LOWEST is set (`name>=X; marker` in pyproject.toml as `name==X`), and pip-freeze
# it into FILE under FILE's two header lines.
define freeze
	rm -rf .lock-venv
	$(2) -m venv .lock-venv
	.lock-venv/bin/python -m pip install $(PIP) pip==$(PIP_VERSION)
	.lock-venv/bin/python -m pip install $(PIP) $(foreach group,$(3),--group $(group)) -e . $(if $(4),$$(.lock-venv/bin/python -c '$(LOWEST_PINS)'))
	{ head -n 2 $(1); .lock-venv/bin/python -m pip freeze --exclude-editable; } > $(1).new
	mv $(1).new $(1)
	rm -rf .lock-venv
endef

# Printed by the lock venv's Python: `name==X` for each runtime dependency whose
# marker holds there, X its lower bound. packaging is pip's own (pip is pinned).
LOWEST_PINS = import tomllib; \
	from pip._vendor.packaging.requirements import Requirement; \
	deps = map(Requirement, tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]); \
	print(*(f"{dep.name}=={spec.version}" for dep in deps if not dep.marker or dep.marker.evaluate() \
		for spec in dep.specifier if spec.operator == ">="))

# Re-resolve every lock (run after editing pyproject.toml): constraints.txt, the
# newest versions the ranges allow on Python 3.13, and constraints-lowest.txt and
# constraints-lowest-3.12.txt, every runtime dependency at its Python 3.11 (3.12)
# lower bound and the rest as pip resolves it.
lock:
	$(call freeze,constraints.txt,$(PYTHON),test)
	$(call freeze,constraints-lowest.txt,$(call python,3.11),suite oracle,lowest)
	$(call freeze,constraints-lowest-3.12.txt,$(call python,3.12),suite,lowest)
