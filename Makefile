# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# axe-core for the browser accessibility tests, from the npm registry (never fetched at test time).
AXE     := $(VENV)/axe/node_modules/axe-core/axe.min.js

.PHONY: run test build validate bench bench-quick bench-report clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/kokemus-ld build

validate: $(STAMP)
	$(BIN)/kokemus-ld validate

run: build
	$(BIN)/kokemus-ld serve --host 127.0.0.1 --port 8000

$(AXE):
	npm install --no-audit --no-fund --silent --prefix $(VENV)/axe axe-core@4.10.3 \
	  || echo "npm unavailable: the browser accessibility tests will be skipped (fail in CI)"

test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest

# The benchmark (not part of `make test`): bench/run.py --help for sizes, load-run seconds and budgets.
bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-quick: $(STAMP)
	$(BIN)/python bench/run.py --quick

bench-report: $(STAMP)
	$(BIN)/python bench/run.py --report-only

clean:
	rm -rf var build *.egg-info
