# Mirador de Obras. `make run`: install, load the demo data into PostGIS and serve the dashboard.
# `make test`: the whole test suite (unit, PostGIS, headless Chromium).
# scripts/setup.sh installs into ./.venv where python3 is the system's (Debian's refuses pip):
# then every target runs .venv/bin/python (decided when each recipe runs, after install).
PYTHON ?= $(shell [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)
DEMO_WORKS ?= 20000
DEMO_SEED ?= 42
HOST ?= 127.0.0.1
PORT ?= 8050
DEMO_DIR ?= data/demo
# The generator writes the works export and the MEF Banco de Inversiones file as .xlsx up to
# 300,000 works and as .csv above (an .xlsx of a million rows takes minutes to write and read).
DEMO_EXT ?= $(shell [ $(DEMO_WORKS) -gt 300000 ] && echo csv || echo xlsx)

.PHONY: install migrate load demo-data run serve test lint bench loadtest clean plotly-bundle i18n

# System packages (PostGIS, Chromium, Redis, Poppler) and the Python packages: fast when
# nothing is missing. .ci/run runs the same script.
install:
	@MIRADOR_PYTHON=$(PYTHON) bash scripts/setup.sh

migrate: install
	$(PYTHON) -m queries.migrate

load: migrate
	$(PYTHON) -m geodata.boundaries
	$(PYTHON) -m geodata.ubigeo
	$(PYTHON) -m geodata.demo --works $(DEMO_WORKS) --seed $(DEMO_SEED) --out $(DEMO_DIR) --format $(DEMO_EXT)
	$(PYTHON) -m geodata.infobras $(DEMO_DIR)/DataSet-Obras-Publicas-demo.$(DEMO_EXT) --history $(DEMO_DIR)/avance-mensual-demo.csv --coords $(DEMO_DIR)/ubicaciones-demo.csv --sin-alertas --sin-vistas
	$(PYTHON) -m geodata.paralizadas --si-existe --sin-alertas --sin-vistas
	$(PYTHON) -m geodata.mef $(DEMO_DIR)/banco-inversiones-demo.$(DEMO_EXT) $(DEMO_DIR)/ssi-ejecucion-demo.csv --sin-enlaces
	$(PYTHON) -m geodata.seace $(DEMO_DIR)/conosce-demo.csv --sin-enlaces
	$(PYTHON) -m geodata.cgr $(DEMO_DIR)/informes-control-demo.csv --sin-enlaces
	$(PYTHON) -m geodata.links
	$(PYTHON) -m queries.explorer_views
	$(PYTHON) -m geodata.alerts --sin-avisos
	$(PYTHON) -m geodata.digest

run: load serve

serve:
	$(PYTHON) -m dashboard --host $(HOST) --port $(PORT)

test: install
	$(PYTHON) -m pytest -q -n 2 --dist loadfile

lint:
	$(PYTHON) -m ruff check .

bench: install
	$(PYTHON) -m scripts.bench

# The interface's message catalogs: extract every marked string into messages.pot and merge it
# into each language's .po (new strings empty, changed ones fuzzy, for a translator to fill).
# The app compiles the .po files when it starts (dashboard/i18n.py): no .mo to build.
i18n:
	$(PYTHON) -m babel.messages.frontend extract -F babel.cfg -k N_ -k ngettext:1,2 \
		--no-location --sort-output -o dashboard/locale/messages.pot .
	$(PYTHON) -m babel.messages.frontend update -i dashboard/locale/messages.pot \
		-d dashboard/locale -D messages --no-fuzzy-matching --ignore-obsolete

# The Plotly.js bundle of assets/ (committed; needs Node/npm): after upgrading plotly.
plotly-bundle:
	bash scripts/build_plotly.sh

loadtest: install
	$(PYTHON) -m scripts.loadtest --ramp

clean:
	rm -rf $(DEMO_DIR) .pytest_cache .ruff_cache
