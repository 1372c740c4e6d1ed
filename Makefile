# gridgov — the two commands a new user needs are `make demo` and `make test`.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: demo test install lint typecheck lockcheck check serve clean

demo: install ## Build the demo district (once) and serve it on http://127.0.0.1:$(PORT)
	$(BIN)/gridgov migrate --noinput
	$(BIN)/gridgov collectstatic --noinput --verbosity 0
	$(BIN)/gridgov demo --if-empty --no-serve
	$(BIN)/gridgov serve --port $(PORT)

test: install ## Run the whole suite (SQLite, or PostgreSQL when DATABASE_URL is set)
	@# pytest exits 5 when it collected no test: for us that is a broken suite, not a pass.
	@$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$status

install: $(VENV)/.installed node_modules/.installed

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy gridgov

lockcheck: $(UV)
	$(UV) lock --locked

check: lockcheck lint typecheck test

serve: install
	$(BIN)/gridgov serve --port $(PORT)

clean:
	rm -rf $(VENV) $(TOOLS) node_modules var/static
