# Hải Đăng — every command a newcomer needs. See README.md.
#   make run    set up everything, then run the service: scheduled crawls, digest, alerts, web app (SQLite)
#   make test   set up everything (incl. Debian's Chromium for browser tests), then lint, type-check and test
#   make demo   the offline way in: serve the bundled demo site, crawl it, open the web app

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: setup system-deps run demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Debian packages: Chromium for the browser tests, fonts with every Vietnamese letter
# for charts and PDF, Pango for the PDF report. Installs only what is missing.
DEBIAN_PACKAGES = chromium chromium-driver fonts-noto-core fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0

system-deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: setup
	$(BIN)/haidang db upgrade
	$(BIN)/haidang config check
	$(BIN)/haidang run

demo: setup
	$(BIN)/haidang demo

lint: setup
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

pytest: setup system-deps
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

bench: setup
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/nlp.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache test-artifacts
