# Pulso: `make run` starts the app on demo data; `make test` runs every test.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 8501
# Loopback only: to let others in, put a reverse proxy with TLS and sign-in in front
# (README, "Sign-in, roles and exposing the app"); ADDRESS=0.0.0.0 listens on every interface.
ADDRESS ?= 127.0.0.1

.PHONY: run test lint format typecheck bench demo clean

$(BIN)/.installed: requirements.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(BIN)/.installed-dev: $(BIN)/.installed requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed
	$(BIN)/python -c "import analytics; analytics.open_store()"  # demo data on first run
	$(BIN)/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

# pytest runs on every core (pytest-xdist); a test file stays on one worker, so that its
# module fixtures (a browser module's app server, a module's demo store) are built once.
test: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy analytics
	$(BIN)/python -m pytest -n auto --dist loadfile

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(BIN)/.installed-dev
	$(BIN)/mypy analytics

bench: $(BIN)/.installed-dev
	$(BIN)/python -m bench

demo: $(BIN)/.installed
	$(BIN)/python -m analytics demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
