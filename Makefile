# Two commands for a fresh machine: `make run` (install + open the app) and `make test` (install + all tests).
# Both reuse .venv; the install step re-runs only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The dev/CI install pins torch to the wheels these machines keep on disk; pyproject.toml keeps a range.
TORCH_PINS := torch==2.14.1 torchvision==0.29.1

.PHONY: install run test lint bench package clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet $(TORCH_PINS)
	$(PY) -m pip install --quiet -e '.[dev]' $(TORCH_PINS)
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m nnstudio

test: install
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q
	$(PY) -m ruff check nnstudio tests bench packaging

lint: install
	$(PY) -m ruff check nnstudio tests bench packaging

bench: install
	$(PY) bench/train_throughput.py

package: install
	bash packaging/build.sh

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
