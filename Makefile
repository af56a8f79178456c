# Everything a fresh machine needs, from Python 3.11+ and make.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
BIN := .venv/bin

.PHONY: install demo serve test lint typecheck pytest schema migrate seed scale bench clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV)  ## Create .venv with the locked dependencies
	$(UV) sync --locked

demo: install  ## Migrate, load every demo scenario and serve GraphQL with GraphiQL, open to anonymous demo visitors
	REDTHREAD_GRAPHIQL=true REDTHREAD_DEMO_MODE=true REDTHREAD_DEMO_WORKSPACES=true $(BIN)/redthread serve --seed

serve: install  ## Serve GraphQL (settings from the environment)
	$(BIN)/redthread serve

test: install lint typecheck pytest  ## Lint, type-check and run every test

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy .

pytest:
	$(BIN)/pytest

schema: install  ## Export the schema to schema.graphql and the permission matrix into the README
	$(BIN)/redthread export-schema
	$(BIN)/redthread permissions --readme

migrate: install
	$(BIN)/redthread migrate

seed: install  ## Load every demo scenario (idempotent)
	$(BIN)/python -m seed

scale: install  ## Scale data for benchmarks: make scale N=100000
	$(BIN)/python -m seed scale --content $(or $(N),100000)

bench: install  ## Time a page of 50 content items, then the strategy report on N content items (N=100000)
	$(BIN)/python -m tests.bench.content_page
	$(BIN)/python -m tests.bench.strategy_report $(or $(N),100000)

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache
