# Everything a fresh machine needs, from Python 3.11+ and make.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
BIN := .venv/bin
NODE_PACKAGES := tests/http/node_modules/.package-lock.json

.PHONY: install demo serve test lint typecheck pytest schema migrate seed scale bench soak clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

install: $(UV) $(NODE_PACKAGES)  ## Create .venv with the locked dependencies (and tests/http's npm packages)
	$(UV) sync --locked

# The GraphQL-over-HTTP audit of tests/http runs graphql-http on Node.js: its locked packages,
# installed again only when the lock file changes. Without npm, only those tests fail (and say why).
$(NODE_PACKAGES): tests/http/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/http --no-audit --no-fund && touch $@; \
	else \
		echo "warning: npm not found: the tests in tests/http need Node.js 18+ and npm" \
			"(Debian: apt-get install nodejs npm), then make install" >&2; \
	fi

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

pytest:  ## Every test, in two processes (each with its own databases; a live server's tests stay together)
	$(BIN)/pytest -n 2 --dist loadfile

schema: install  ## Export the schema to schema.graphql and the permission matrix into the README
	$(BIN)/redthread export-schema
	$(BIN)/redthread permissions --readme

migrate: install
	$(BIN)/redthread migrate

seed: install  ## Load every demo scenario (idempotent)
	$(BIN)/python -m seed

scale: install  ## Scale data for benchmarks: make scale N=100000
	$(BIN)/python -m seed scale --content $(or $(N),100000)

bench: install  ## Time a page of 50 content items, the strategy report on N content items (N=100000), the request limits served, and the named documents served under wrk beside a raw baseline (BENCH_ARGS="--seconds 5 --sizes 10000,100000,1000000")
	@command -v wrk >/dev/null 2>&1 || { echo "make bench: wrk not found; the served benchmark needs it. Install it: apt-get install wrk (Debian, Ubuntu) or brew install wrk (macOS)" >&2; exit 1; }
	$(BIN)/python -m tests.bench.content_page
	$(BIN)/python -m tests.bench.strategy_report $(or $(N),100000)
	$(BIN)/python -m tests.bench.limits $(or $(N),100000)
	$(BIN)/python -m tests.bench.served $(or $(N),100000) $(BENCH_ARGS)

soak: install  ## Mixed reads and writes from several clients against the served app (SOAK_SECONDS=180, SOAK_CLIENTS=6, SOAK_WORKERS=2, SOAK_SHARING=2 clients a workspace): errors, latency and memory every 10 s; fails on anything unexpected
	$(BIN)/python -m tests.bench.soak

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache tests/http/node_modules
