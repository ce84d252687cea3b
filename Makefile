# Two entry points: `make run` (set up, then launch the app) and `make test` (set up, then run every test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DATA_DIR ?= ../shared/data

.PHONY: run test bench evaluate train clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m mnist_pad

test: $(STAMP)
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m mnist_pad.bench

evaluate: $(STAMP)
	$(PY) -m training.evaluate --model robust --data-dir $(DATA_DIR) --tutorial-pipeline

train: $(STAMP)
	$(PY) -m training --data-dir $(DATA_DIR) --out model.pt

clean:
	rm -rf $(VENV) build *.egg-info
