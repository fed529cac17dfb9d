# autograd-course: `make lab` opens the course, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL_NAME := autograd-course
KERNEL_SPEC := $(VENV)/share/jupyter/kernels/$(KERNEL_NAME)/kernel.json
PYTEST_ARGS ?= -q

.PHONY: help venv kernel lab test lint bench sysdeps clean distclean

help:
	@echo "make lab      set up .venv and open the course in JupyterLab"
	@echo "make test     set up .venv and run the test suite (PYTEST_ARGS='...' to pass options)"
	@echo "make lint     ruff check ."
	@echo "make bench    performance figures (bench/engine.py)"
	@echo "make clean    remove caches and build output; 'make distclean' also removes .venv"

# The virtual environment; reinstalled only when pyproject.toml is newer than the stamp.
venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# The Jupyter kernel `autograd-course`, registered inside the venv (sys-prefix).
kernel: $(KERNEL_SPEC)

$(KERNEL_SPEC): $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL_NAME) \
		--display-name "Python (autograd-course)" >/dev/null
	@touch $@

# Opens on notebooks/ while showing the whole repository (solutions/, exercises/) in the browser.
LAB_ARGS ?=
lab: venv kernel
	@set -- --notebook-dir=.; \
	if [ -d notebooks ]; then set -- "$$@" --LabApp.default_url=/lab/tree/notebooks; fi; \
	if [ "$$(id -u)" = 0 ]; then set -- "$$@" --allow-root; fi; \
	echo "$(BIN)/jupyter lab $$* $(LAB_ARGS)"; \
	exec $(BIN)/jupyter lab "$$@" $(LAB_ARGS)

test: sysdeps venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python bench/engine.py

# Optional: the Graphviz `dot` binary. Installed with apt-get when possible, skipped otherwise.
sysdeps:
	@if command -v dot >/dev/null 2>&1; then \
		:; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "sysdeps: no 'dot' and no apt-get; skipping graphviz (graphs will use matplotlib)"; \
	else \
		if [ "$$(id -u)" = 0 ]; then SUDO=; \
		elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
		else echo "sysdeps: no 'dot' and not root; skipping graphviz (graphs will use matplotlib)"; exit 0; fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ $$SUDO apt-get install -y -qq graphviz >/dev/null 2>&1 || \
		  { $$SUDO apt-get update -qq >/dev/null 2>&1 && \
		    $$SUDO apt-get install -y -qq graphviz >/dev/null 2>&1; }; } \
		&& echo "sysdeps: installed graphviz ($$(command -v dot))" \
		|| echo "sysdeps: apt-get install graphviz failed; skipping (graphs will use matplotlib)"; \
	fi

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o \
		\( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
