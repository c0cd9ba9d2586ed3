# Two commands for a newcomer: `make build` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build test serve clean venv bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

build: $(STAMP)
	$(BIN)/sitegen build

# On all cores (pytest-xdist), one line per test as it finishes, the ten slowest at the end.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto -v --durations=10

serve: $(STAMP)
	$(BIN)/sitegen serve

bench: $(STAMP)
	$(BIN)/python benchmarks/build_speed.py

clean:
	rm -rf output .sitegen-cache
