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

# Translations: Simplified Chinese is the default language; the compiled .mo is committed so that
# users' machines need no gettext. Both targets need GNU gettext (makemessages, msgfmt, msgattrib).
LOCALE_PO := gridgov/locale/zh_Hans/LC_MESSAGES/django.po
LOCALE_MO := $(LOCALE_PO:.po=.mo)
I18N_IGNORE := --ignore=.venv --ignore=.tools --ignore=node_modules --ignore=var --ignore=test-artifacts

.PHONY: i18n i18n-check

i18n: install ## Regenerate the zh_Hans catalogue from the code and compile it
	$(BIN)/gridgov makemessages -l zh_Hans --no-location --no-obsolete $(I18N_IGNORE)
	@# xgettext stamps every run with the time; without the stamp an unchanged catalogue stays byte-identical.
	sed -e '/^"POT-Creation-Date: /d' $(LOCALE_PO) > $(LOCALE_PO).tmp && mv $(LOCALE_PO).tmp $(LOCALE_PO)
	msgfmt --check --output-file=$(LOCALE_MO) $(LOCALE_PO)

i18n-check: i18n ## Fail when the catalogue has untranslated entries or lags behind the code
	@untranslated=$$(msgattrib --untranslated --no-obsolete $(LOCALE_PO)); fuzzy=$$(msgattrib --only-fuzzy --no-obsolete $(LOCALE_PO)); \
	if [ -n "$$untranslated$$fuzzy" ]; then printf '%s\n%s\n' "$$untranslated" "$$fuzzy" >&2; \
	echo "make i18n-check: the entries above are untranslated or fuzzy; translate them in $(LOCALE_PO)" >&2; exit 1; fi
	@git diff --exit-code --stat -- gridgov/locale && test -z "$$(git ls-files --others --exclude-standard -- gridgov/locale)" \
	|| { echo "make i18n-check: the committed catalogue lags behind the code; run make i18n and commit gridgov/locale" >&2; exit 1; }
