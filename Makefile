# The two commands of the README: `make book` builds and runs the course, `make test` tests it.
# Both create a virtual environment ($(VENV)) with everything in requirements.txt on first use.

VENV ?= .venv
PY := $(VENV)/bin/python
SHARED_RAW := $(abspath ../shared/data/MNIST/raw)
# Offline, the real MNIST test files are read from ../shared when that folder is there.
export AECOURSE_MNIST_RAW ?= $(if $(wildcard $(SHARED_RAW)),$(SHARED_RAW),)

.PHONY: install book test chapters lint bench lighthouse clean

SERVER_CONFIG := jupyter-config/jupyter_server_config.d/aecourse_jupyter.json

$(VENV)/.installed: requirements.txt pyproject.toml $(SERVER_CONFIG)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -e .
	@# JupyterLab keeps each slider's static face in saved notebooks (src/aecourse_jupyter; Binder: postBuild)
	mkdir -p $(VENV)/etc/jupyter/jupyter_server_config.d
	cp $(SERVER_CONFIG) $(VENV)/etc/jupyter/jupyter_server_config.d/
	touch $@

install: $(VENV)/.installed  ## the virtual environment: the course, JupyterLab, the book and test tools

book: install  ## execute every chapter and build the HTML site into _build/html
	@# The execution cache knows the notebooks' code, not the profile or the package: start it afresh when either changes.
	@mkdir -p _build; p="$${AECOURSE_PROFILE:-default} $$(cat src/aecourse/*.py src/aecourse/*/*.py requirements.txt | sha1sum)"; \
	  if [ "$$(cat _build/.profile 2>/dev/null)" != "$$p" ]; then rm -rf _build/.jupyter_cache; fi; echo "$$p" > _build/.profile
	$(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo "Open _build/html/index.html"

test: install  ## unit tests, the book build (it executes every notebook) and the browser test; `pytest book` runs the notebooks under nbval
	AECOURSE_PROFILE=$${AECOURSE_PROFILE:-smoke} $(PY) -m pytest

chapters: install  ## run every chapter in PROFILE (smoke, cpu, gpu) from an empty model cache; print a table
	$(PY) scripts/run_chapters.py --profile $${PROFILE:-$${AECOURSE_PROFILE:-cpu}} $(CHAPTERS)

lighthouse: install  ## what a reader waits for: Lighthouse (mobile, gzip as on Pages) over every page of _build/html
	$(PY) scripts/lighthouse.py $(if $(RUNS),--runs $(RUNS))

lint: install
	$(VENV)/bin/ruff check src tests benchmarks scripts conftest.py book/_ext

bench: install  ## images per second: the package's loop against the usual DataLoader loop
	$(PY) benchmarks/train_speed.py

clean:
	rm -rf _build
