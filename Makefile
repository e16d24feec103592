# Children's social care benchmarking toolkit. `make help` lists the targets.
#
# The two commands a new user runs (see README.md):
#   make demo   set up .venv, build data/processed and produce Doncaster's chart pack
#   make test   run the test suite

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install data demo pack test test-fast check-packs lint format lab explorer bench synthetic clean clean-outputs

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV): installing the toolkit and its dependencies (a few minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the toolkit with its dependencies

data: $(STAMP) ## Validate data/raw and build data/processed
	$(PY) -m analysis prepare

demo: data ## Set up, build the data and produce Doncaster's Q4 2017-18 chart pack
	$(PY) -m analysis demo

pack: data ## Chart pack for LA=... PERIOD=... (default Doncaster 2017-18 Q4)
	$(PY) -m analysis pack --la "$(or $(LA),Doncaster)" --period "$(or $(PERIOD),2017-18 Q4)"

test: $(STAMP) ## Run the whole test suite (unit, published figures, end-to-end notebooks)
	$(PY) -m pytest

test-fast: $(STAMP) ## Run the tests without the end-to-end notebook runs
	$(PY) -m pytest -m "not e2e"

# Pack values only (no files, no PDF): every live LA at a spread of quarters, the local returns'
# quarters and deep dives on the synthetic extracts; SAMPLE=1 checks the named sample CI runs.
check-packs: data ## Check what every pack says against the invariants (docs/pack-invariants.md; SAMPLE=1 for CI's sample)
	$(PY) -m analysis check-packs $(if $(SAMPLE),--sample,)

lint: $(STAMP) ## Check code style (ruff), types (mypy) and the package's layers (import-linter); settings in pyproject.toml
	$(VENV)/bin/ruff check analysis tests benchmarks notebooks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

format: $(STAMP) ## Format code with ruff
	$(VENV)/bin/ruff format analysis tests benchmarks

# Kernels talk to JupyterLab over local sockets: encrypt them (CurveZMQ) as the pack runner does.
lab: $(STAMP) ## Open JupyterLab on the notebooks (kernel connections encrypted)
	$(VENV)/bin/jupyter lab notebooks/ --MappingKernelManager.transport_encryption=auto

# Read-only web page of notebooks/explorer.ipynb (Voilà; code hidden; 127.0.0.1 unless IP=...).
explorer: data ## Serve the benchmark explorer as a web page (PORT=8866, IP=127.0.0.1)
	$(PY) -m analysis serve $(or $(NOTEBOOK),notebooks/explorer.ipynb) --port $(or $(PORT),8866) --ip $(or $(IP),127.0.0.1)

bench: data ## Print speed figures (benchmarks/)
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f; done

synthetic: $(STAMP) ## Regenerate the synthetic referral records in data/raw/synthetic
	$(PY) -m analysis synthetic

clean-outputs: ## Delete everything in outputs/ (disposable, reproducible)
	find outputs -mindepth 1 ! -name .gitkeep -exec rm -rf {} +

clean: clean-outputs ## Delete outputs/, data/processed/ and .venv
	find data/processed -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
	rm -rf $(VENV)
