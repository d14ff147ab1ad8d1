# Observatoire des clauses sociales — the commands of the README.
# Everything runs from the virtual environment .venv, created on first use with the pinned versions.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Dagster's instance follows the data folder unless DAGSTER_HOME is set (as observatoire/settings.py does).
export DAGSTER_HOME ?= $(or $(OBSERVATOIRE_DATA_DIR),$(CURDIR)/data)/dagster_home
# Python caches the bytecode of what it imports (in .venv and the project's __pycache__ folders), as it does by
# default, even where the machine's environment sets PYTHONDONTWRITEBYTECODE (CI's does): otherwise every process
# of a refresh or of the tests compiled Dagster, dbt and dlt from source again, 4-5 s more for each refresh's imports
# (uv installs no bytecode; compiling all the packages at install took 24 s, where the modules imported are a third).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install system-packages dbt-parse demo refresh test test-fast dev dev-home lint clean bench

install: $(VENV)/.installed

# The pinned versions are installed by uv (10 s, where pip took 70), or by pip if uv cannot be installed or fails:
# uv does not read pip's configuration (an index or a proxy set in pip.conf).
UV := uv==0.13.9
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	{ $(BIN)/python -m pip install --quiet $(UV) && \
		$(BIN)/uv pip install --quiet --python $(BIN)/python -c requirements.lock -e '.[dev]'; } \
		|| { $(BIN)/python -m pip install --quiet --upgrade pip && \
		$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'; }
	touch $@

# Debian packages: Pango and fonts (PDF report), Chromium (dataviz test).
system-packages:
	tools/install_system_packages.sh

# The dbt manifest that Dagster reads at load time (the code location never parses dbt itself), parsed for the
# warehouse of the settings: the warehouse path is part of dbt's profile, so the refresh's dbt starts from this
# parse instead of parsing the whole project again (observatoire/dbt_parse.py).
dbt-parse: install
	cd dbt_project && OBSERVATOIRE_WAREHOUSE="$$(../$(BIN)/python -c \
	'from observatoire.settings import load_settings; print(load_settings().warehouse_path)')" \
	../$(BIN)/dbt parse --profiles-dir . --quiet

# The showcase preset (every source of the region, 2022-2024, about 4,500 people a year): what a newcomer should
# see. The tests use the small preset `demo` (python -m observatoire.demo's default).
DEMO_PRESET ?= showcase
demo: system-packages dbt-parse
	$(BIN)/python -m observatoire.demo --preset $(DEMO_PRESET)

# A refresh of your own files: the job $(JOB) on the inbox of $$OBSERVATOIRE_DATA_DIR (default data/), then the
# annual report of the latest complete year, and a summary. Nothing is copied into the inbox (README).
JOB ?= full_refresh
refresh: system-packages dbt-parse
	$(BIN)/python -m observatoire.refresh --job $(JOB)

# The dbt project's SQL (.sqlfluff: jinja templater, no warehouse needed; about 20 s of CPU).
SQLFLUFF := $(BIN)/sqlfluff lint dbt_project/models dbt_project/macros --processes 2

# pytest runs with fsync made a no-op (eatmydata, from `make system-packages`; without it, as usual): no test is about
# a power cut (the kill tests kill processes, whose writes the kernel keeps), while Dagster's SQLite event log syncs
# the disk for each of the ~1,300 events of a refresh. 5-10 % of the suite's time (docs/performance.md).
WITHOUT_FSYNC := $$(command -v eatmydata)

# The code location loads from a plain shell (no venv activated, no dbt on PATH), the imports go one way
# (pyproject [tool.importlinter]), then the tests.
test: system-packages dbt-parse
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(SQLFLUFF)
	$(BIN)/dg check defs
	$(BIN)/dg list defs
	$(WITHOUT_FSYNC) $(BIN)/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder

# Unit and model tests only (no warehouse-wide build, no preset generation; property tests on 25 random tables
# instead of 120): the quick loop while editing.
test-fast: dbt-parse
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(SQLFLUFF)
	OBSERVATOIRE_PROPERTY_EXAMPLES=25 $(BIN)/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder -m "not slow"

# The UI listens on 127.0.0.1 only (README, Security); it re-parses the dbt project on load with the venv's dbt.
# $(DAGSTER_HOME) with dagster.yaml and its storages created, before the daemon and the webserver start (README).
dev-home: install
	$(BIN)/python -c "from pathlib import Path; from orchestration.instance import initialise_dagster_home as init; \
	init(Path('$(DAGSTER_HOME)'))"

dev: dbt-parse dev-home
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# Every stage on a scale preset beside its baselines (PRESET=demo|idf|national|decp200k; inputs cached in data/bench or
# $$OBSERVATOIRE_BENCH_DIR); figures in benchmarks/results/. See docs/performance.md.
PRESET ?= demo
bench: install
	$(BIN)/python -m benchmarks.run --preset $(PRESET)

lint: install
	$(BIN)/ruff check .
	$(SQLFLUFF)

clean:
	rm -rf data dbt_project/target dbt_project/logs
