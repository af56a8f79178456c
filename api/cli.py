"""The `redthread` command: serve, migrate, export-schema, seed."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import click
import uvicorn

from api.settings import Settings
from domain.persistence.database import Database
from domain.persistence.locate import database_url
from domain.persistence.migrations import upgrade
from domain.persistence.settings import PROJECT_ROOT

SCHEMA_FILE = PROJECT_ROOT / "schema.graphql"


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@click.group()
def main() -> None:
    """redthread: a GraphQL backend that makes a social-media strategy executable."""


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: REDTHREAD_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: REDTHREAD_PORT or 8000).")
@click.option("--graphiql/--no-graphiql", default=None, help="Serve GraphiQL at /graphql.")
@click.option("--seed", "seed_demo", is_flag=True, help="Load the demo strategy before serving.")
def serve(host: str | None, port: int | None, graphiql: bool | None, seed_demo: bool) -> None:
    """Serve GraphQL on http://HOST:PORT/graphql until Ctrl-C."""
    settings = Settings()
    _configure_logging(settings.log_level)
    with database_url(settings) as url:
        if settings.migrate_on_start:
            upgrade(url)
        if seed_demo:
            _seed(url)
        db = Database(url, pool_size=settings.pool_size, echo=settings.echo_sql)
        from api.app import create_app

        app = create_app(db, graphiql=settings.graphiql if graphiql is None else graphiql)
        uvicorn.run(
            app,
            host=host or settings.host,
            port=port or settings.port,
            log_level=settings.log_level.lower(),
            timeout_graceful_shutdown=10,
        )


@main.command()
def migrate() -> None:
    """Apply every pending migration."""
    settings = Settings()
    _configure_logging(settings.log_level)
    with database_url(settings) as url:
        upgrade(url)
    click.echo("database is up to date")


@main.command("export-schema")
@click.option("--output", type=click.Path(path_type=Path), default=SCHEMA_FILE, show_default=True)
def export_schema(output: Path) -> None:
    """Write the GraphQL schema (SDL) to a file."""
    from schema.build import sdl

    output.write_text(sdl())
    click.echo(f"wrote {output}")


@main.command()
def seed() -> None:
    """Load the demo strategy (idempotent)."""
    settings = Settings()
    _configure_logging(settings.log_level)
    with database_url(settings) as url:
        upgrade(url)
        _seed(url)


def _seed(url: str) -> None:
    from seed.demo import load_demo_into

    created = asyncio.run(load_demo_into(url))
    click.echo("demo loaded" if created else "demo already present")
