# Two commands do all the set-up: `make demo` and `make test`.
# The interpreter: the system's python3 where it is 3.11 or newer and can make a venv,
# else the first python3 on the PATH. Debian's is built with profile-guided and link-time
# optimisation, which a plain source build (pyenv's default) is not: the static lane's
# pipeline ran a fifth faster on it, 0.98x to 1.42x over four pairs (docs/performance.md,
# "2026-12-07, evening"). `make PYTHON=...` chooses another; `make clean` first to change
# an existing venv.
PYTHON ?= $(firstword $(shell for p in /usr/bin/python3 python3; do \
  $$p -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
  && echo $$p; done) python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first: sentence-transformers would otherwise pull a CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) browser

# Debian's chromium, for the dashboard's browser test (Playwright drives it; its own
# browser download is not used). Installed only when missing, and only as root.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the dashboard test"; \
	    { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	    echo "could not install chromium: the dashboard browser test will be skipped"; \
	  else \
	    echo "no chromium and not root: the dashboard browser test will be skipped"; \
	  fi; }

demo: $(STAMP)
	$(BIN)/wirewatch demo

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) wirewatch.db
