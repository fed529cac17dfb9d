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

# Three runs: the unit tests; the chapters and solutions with nbval (outputs compared, sanitized);
# the generated exercise notebooks with nbval-lax (they must run; their outputs are not compared).
NBVAL := -p no:cacheprovider --nbval-current-env --nbval-cell-timeout=120 \
	--nbval-sanitize-with tests/nbval_sanitize.cfg
test: sysdeps venv
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests
	$(BIN)/python -m pytest $(PYTEST_ARGS) $(NBVAL) --nbval notebooks solutions
	$(BIN)/python -m pytest $(PYTEST_ARGS) $(NBVAL) --nbval-lax exercises

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python bench/engine.py

# Optional: the Graphviz `dot` binary and Chromium (for tests/browser). Installed with apt-get when
# possible, skipped otherwise (graphs then use matplotlib, the browser tests skip).
sysdeps:
	@PKGS=; command -v dot >/dev/null 2>&1 || PKGS=graphviz; \
	[ -x /usr/bin/chromium ] || PKGS="$${PKGS:+$$PKGS }chromium"; \
	if [ -z "$$PKGS" ]; then \
		:; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "sysdeps: no apt-get; skipping $$PKGS (graphs will use matplotlib, browser tests skip)"; \
	else \
		if [ "$$(id -u)" = 0 ]; then SUDO=; \
		elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
		else echo "sysdeps: not root; add them with: sudo apt-get install -y $$PKGS"; exit 0; fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ $$SUDO apt-get install -y -qq $$PKGS >/dev/null 2>&1 || \
		  { $$SUDO apt-get update -qq >/dev/null 2>&1 && \
		    $$SUDO apt-get install -y -qq $$PKGS >/dev/null 2>&1; }; } \
		&& echo "sysdeps: installed $$PKGS" \
		|| echo "sysdeps: apt-get install $$PKGS failed; skipping (graphs will use matplotlib, browser tests skip)"; \
	fi

clean:
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o \
		\( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
