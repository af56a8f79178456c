"""The `redthread` command: serve, migrate, export-schema, import-measurements, seed."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sys
import uuid
from pathlib import Path

import click
import uvicorn

from api.settings import Settings
from domain.errors import DomainError
from domain.kpi.csv_import import import_measurements
from domain.persistence.database import Database
from domain.persistence.locate import database_url
from domain.persistence.migrations import upgrade
from domain.persistence.settings import PROJECT_ROOT
from domain.scope import Scope
from domain.tenancy.demo import DemoWorkspaces, purge_expired
from domain.upsert import Counts
from seed import cli as seed_cli

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
@click.option("--seed", "seed_demo", is_flag=True, help="Load every demo scenario before serving.")
def serve(host: str | None, port: int | None, graphiql: bool | None, seed_demo: bool) -> None:
    """Serve GraphQL on http://HOST:PORT/graphql until Ctrl-C."""
    settings = Settings()
    _configure_logging(settings.log_level)
    with database_url(settings) as url:
        if settings.migrate_on_start:
            upgrade(url)
        if seed_demo:
            asyncio.run(seed_cli.load_all(url))
        db = Database(url, pool_size=settings.pool_size, echo=settings.echo_sql)
        from api.app import create_app

        app = create_app(
            db,
            graphiql=settings.graphiql if graphiql is None else graphiql,
            demo=demo_workspaces(settings),
            purge_every=settings.demo_purge_seconds,
        )
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


@main.command("purge-demo-workspaces")
def purge_demo_workspaces() -> None:
    """Delete every expired demo workspace with everything in it."""
    settings = Settings()
    _configure_logging(settings.log_level)

    async def purge(url: str) -> int:
        db = Database(url)
        try:
            async with db.transaction() as session:
                return await purge_expired(session, dt.datetime.now(dt.UTC))
        finally:
            await db.dispose()

    with database_url(settings) as url:
        upgrade(url)
        purged = asyncio.run(purge(url))
    click.echo(f"purged {purged} expired demo workspaces")


@main.command("import-measurements")
@click.argument("strategy_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_measurements_command(strategy_id: str, file: Path) -> None:
    """Import KPI measurements for a strategy from a CSV FILE.

    STRATEGY_ID is the strategy's GraphQL id (or its database id). The file has a header
    row with the columns kpi (name or id), observed_on, value and optionally note. Every
    row is checked first; if any is bad nothing is recorded and the problems are listed.
    """
    settings = Settings()
    _configure_logging(settings.log_level)
    strategy = _strategy_id(strategy_id)
    data = file.read_bytes()

    async def run(url: str) -> Counts:
        from schema.kpi.mutations import kpi_id_of

        db = Database(url, pool_size=1)
        try:
            async with db.transaction() as session:
                return await import_measurements(session, Scope.everything(), strategy, data, kpi_id_of)
        finally:
            await db.dispose()

    with database_url(settings) as url:
        upgrade(url)
        try:
            counts = asyncio.run(run(url))
        except DomainError as error:
            for problem in error.problems:
                click.echo(f"{problem.code.value}: {problem.message}", err=True)
            click.echo(f"nothing was recorded ({len(error.problems)} problem(s))", err=True)
            sys.exit(1)
    click.echo(f"created {counts.created}, updated {counts.updated}, unchanged {counts.unchanged}")


def _strategy_id(text: str) -> uuid.UUID:
    from schema import ids

    parsed = ids.parse(text)
    if parsed is not None and parsed[0] == "Strategy":
        return parsed[1]
    try:
        return uuid.UUID(text)
    except ValueError:
        raise click.BadParameter("not a strategy id", param_hint="STRATEGY_ID") from None


def demo_workspaces(settings: Settings) -> DemoWorkspaces | None:
    """The demo workspace policy the settings ask for, if any."""
    if not settings.demo_workspaces:
        return None
    from seed.catalog import Catalog

    lifetime = dt.timedelta(hours=settings.demo_workspace_hours)
    return DemoWorkspaces(Catalog(), lifetime, settings.demo_workspaces_max)


main.add_command(seed_cli.main, name="seed")
