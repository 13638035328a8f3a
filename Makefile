# Two commands on a fresh machine: `make run` serves the site, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCAL_ENV = DJANGO_SECRET_KEY="$$(cat var/secret_key)" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	DJANGO_SECURE="$${DJANGO_SECURE:-0}"

.PHONY: install run test lint format migrate clean bench load

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

var/secret_key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	chmod 600 var/secret_key

migrate: install var/secret_key
	$(LOCAL_ENV) $(BIN)/python manage.py migrate --noinput

run: migrate
	$(LOCAL_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://$${PNEUMO_BIND:-127.0.0.1:8000}/ (Ctrl-C stops)"
	$(LOCAL_ENV) $(BIN)/python manage.py create_first_user
	$(LOCAL_ENV) $(BIN)/gunicorn -c gunicorn.conf.py pneumosite.wsgi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

bench: install
	$(BIN)/python -m bench

load: install
	$(BIN)/python -m bench.load --clients 8 --uploads 200
