"""The `redthread` command: serve, migrate, export-schema, import-measurements, create-api-key,
grant-role, seed."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession

from api import logs
from api.settings import Settings
from domain.access.api_keys import KeyRequest, NewKey, create_api_key
from domain.access.members import Grant, Target, grant_role
from domain.access.models import Membership
from domain.access.roles import KeyScope, Role
from domain.errors import DomainError
from domain.kpi.csv_import import import_measurements
from domain.persistence.database import Database
from domain.persistence.locate import database_url
from domain.persistence.migrations import upgrade
from domain.persistence.settings import PROJECT_ROOT, service_url
from domain.scope import Scope
from domain.tenancy.demo import purge_expired
from domain.upsert import Counts
from seed import cli as seed_cli

SCHEMA_FILE = PROJECT_ROOT / "schema.graphql"
T = TypeVar("T")


def _configure_logging(level: str) -> None:
    logs.configure(level)


@click.group()
def main() -> None:
    """redthread: a GraphQL backend that makes a social-media strategy executable."""


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: REDTHREAD_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: REDTHREAD_PORT or 8000).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes on the one port (default: REDTHREAD_WORKERS or the number of cores).",
)
@click.option("--graphiql/--no-graphiql", default=None, help="Serve GraphiQL at /graphql.")
@click.option("--seed", "seed_demo", is_flag=True, help="Load every demo scenario before serving.")
def serve(
    host: str | None, port: int | None, workers: int | None, graphiql: bool | None, seed_demo: bool
) -> None:
    """Serve GraphQL on http://HOST:PORT/graphql until Ctrl-C.

    Migrations run as the owner of the tables (the user of ``DATABASE_URL``); the service then
    connects as the service role, for which the row-level security policies hold. Each worker
    process builds the app from the settings (:func:`api.app.factory`) with a pool of its own,
    so one heavy request never holds up the others.
    """
    settings = Settings()
    _configure_logging(settings.log_level)
    with database_url(settings) as url:
        if settings.migrate_on_start:
            upgrade(url)
        if seed_demo:
            asyncio.run(seed_cli.load_all(service_url(url, settings)))
        # The workers read their settings from the environment: point them at the server found
        # here (the embedded one included) and at the options given on the command line.
        os.environ["DATABASE_URL"] = url
        if graphiql is not None:
            os.environ["REDTHREAD_GRAPHIQL"] = "true" if graphiql else "false"
        uvicorn.run(
            "api.app:factory",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers or settings.workers,
            log_level=settings.log_level.lower(),
            log_config=logs.log_config(settings.log_level),
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


README = PROJECT_ROOT / "README.md"
#: The lines around the permission matrix in the README.
MATRIX_START, MATRIX_END = "<!-- permissions:start -->\n", "<!-- permissions:end -->"


@main.command()
@click.option("--readme", is_flag=True, help="Rewrite the matrix in README.md instead of printing it.")
def permissions(readme: bool) -> None:
    """Print the permission matrix (role × action) and the mutations of each action, as in the README."""
    from schema.permissions import permissions_markdown

    if not readme:
        click.echo(permissions_markdown(), nl=False)
        return
    text = README.read_text()
    start = text.index(MATRIX_START) + len(MATRIX_START)
    README.write_text(text[:start] + permissions_markdown() + text[text.index(MATRIX_END) :])
    click.echo(f"wrote the permission matrix into {README}")


@main.command("purge-demo-workspaces")
def purge_demo_workspaces() -> None:
    """Delete every expired demo workspace with everything in it."""
    settings = Settings()
    _configure_logging(settings.log_level)

    async def purge(session: AsyncSession) -> int:
        return await purge_expired(session, dt.datetime.now(dt.UTC))

    purged = _as_system(settings, purge)
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

    async def run(session: AsyncSession) -> Counts:
        from schema.kpi.mutations import kpi_id_of

        return await import_measurements(session, Scope.everything(), strategy, data, kpi_id_of)

    counts = _as_system(settings, run, refused="nothing was recorded")
    click.echo(f"created {counts.created}, updated {counts.updated}, unchanged {counts.unchanged}")


def _strategy_id(text: str) -> uuid.UUID:
    return _id_of(text, "Strategy", "STRATEGY_ID")


def _id_of(text: str, type_name: str, hint: str) -> uuid.UUID:
    """The database id behind a GraphQL id of ``type_name``, or a raw database id."""
    from schema import ids

    parsed = ids.parse(text)
    if parsed is not None and parsed[0] == type_name:
        return parsed[1]
    try:
        return uuid.UUID(text)
    except ValueError:
        raise click.BadParameter(f"not a valid {type_name} id", param_hint=hint) from None


def _as_system(
    settings: Settings, work: Callable[[AsyncSession], Awaitable[T]], refused: str = "nothing was changed"
) -> T:
    """Migrate, then run ``work`` in one transaction as the service; refused input lists its
    problems (and ``refused``) on standard error and exits 1."""

    async def run(url: str) -> T:
        db = Database(url, pool_size=1)
        try:
            async with db.transaction(Scope.everything()) as session:
                return await work(session)
        finally:
            await db.dispose()

    with database_url(settings) as url:
        upgrade(url)
        try:
            return asyncio.run(run(service_url(url, settings)))
        except DomainError as error:
            for problem in error.problems:
                where = f" (at {'.'.join(problem.field)})" if problem.field else ""
                click.echo(f"{problem.code.value}: {problem.message}{where}", err=True)
            click.echo(f"{refused} ({len(error.problems)} problem(s))", err=True)
            sys.exit(1)


def _target(organization: str | None, workspace: str | None) -> Target:
    """The organization or workspace named by exactly one of the two options."""
    try:
        return Target.one_of(
            _id_of(organization, "Organization", "--organization") if organization else None,
            _id_of(workspace, "Workspace", "--workspace") if workspace else None,
        )
    except DomainError as error:
        raise click.UsageError("Give exactly one of --organization and --workspace.") from error


@main.command("create-api-key")
@click.option(
    "--organization", help="A key for every workspace of this organization (GraphQL or database id) …"
)
@click.option("--workspace", help="… or for this one workspace.")
@click.option("--name", required=True, help="What the key is for, e.g. the integration using it.")
@click.option(
    "--scope",
    "key_scope",
    required=True,
    type=click.Choice([s.value for s in KeyScope], case_sensitive=False),
    help="read: read only; write: also change strategies, content and figures; admin: also manage.",
)
@click.option("--expires-in-days", type=click.IntRange(min=1), help="Let the key expire after N days.")
def create_api_key_command(
    organization: str | None, workspace: str | None, name: str, key_scope: str, expires_in_days: int | None
) -> None:
    """Create an API key and print it, once: only a hash of it is kept.

    The key is printed alone on standard output (a note goes to standard error), so
    `redthread create-api-key … > key.txt` stores just the key.
    """
    settings = Settings()
    _configure_logging(settings.log_level)
    target = _target(organization, workspace)
    now = dt.datetime.now(dt.UTC)
    expires_at = now + dt.timedelta(days=expires_in_days) if expires_in_days else None
    request = KeyRequest(name, [KeyScope(key_scope.upper())], expires_at)

    async def create(session: AsyncSession) -> NewKey:
        return await create_api_key(session, Scope.everything(), target, request, now)

    created = _as_system(settings, create)
    click.echo(created.token)
    click.echo(
        f"Created API key {created.key.prefix} ({request.name}). Store it now: it will not be shown again.",
        err=True,
    )


@main.command("grant-role")
@click.option("--organization", help="A role on this organization (GraphQL id or database id) …")
@click.option("--workspace", help="… or on this one workspace.")
@click.option("--subject", required=True, help="The member's subject at the identity provider (`sub`).")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role], case_sensitive=False))
def grant_role_command(organization: str | None, workspace: str | None, subject: str, role: str) -> None:
    """Give a member a role on an organization or a workspace (e.g. the first OWNER of an organization).

    The member is made if the subject is new, with no name or email until they sign in;
    granting again changes the role.
    """
    settings = Settings()
    _configure_logging(settings.log_level)
    target = _target(organization, workspace)
    grant = Grant(subject, Role(role.upper()))

    async def run(session: AsyncSession) -> Membership:
        return await grant_role(session, Scope.everything(), target, grant)

    membership = _as_system(settings, run)
    on = (
        f"organization {target.organization_id}"
        if target.organization_id
        else f"workspace {target.workspace_id}"
    )
    click.echo(f"{subject} is {membership.role.value} on {on}")


main.add_command(seed_cli.main, name="seed")


@main.group("documents")
def documents_group() -> None:
    """Trusted documents: the GraphQL documents front ends register at build time.

    A request may name a registered document by its id instead of sending its text; with
    REDTHREAD_TRUSTED_DOCUMENTS_ONLY the service runs registered documents only.
    """


@documents_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "manifest_format",
    type=click.Choice(["apollo", "query-map"]),
    help="apollo: Apollo's persisted-query manifest; query-map: {id: document} as Relay and "
    "graphql-codegen write it. Default: told from the file.",
)
@click.option("--client", "client_name", help="Which front end registers the documents, e.g. web.")
def import_documents_command(file: Path, manifest_format: str | None, client_name: str | None) -> None:
    """Register the documents of a front end's manifest FILE.

    Every document is checked against the schema first; if any is refused nothing is
    registered and the problems are listed. A document registered already with the same
    text is left as it is; an id registered with another text is refused. Then each
    document's line says which path answers it: a compiled plan, or the executor and the
    first field that sends it there.
    """
    from domain.documents.manifests import ManifestFormat, parse_manifest
    from domain.documents.store import ImportCounts, import_documents
    from schema.documents import answered_by, validate_document

    settings = Settings()
    _configure_logging(settings.log_level)
    data = file.read_bytes()
    format = ManifestFormat(manifest_format) if manifest_format else None

    async def run(session: AsyncSession) -> ImportCounts:
        return await import_documents(
            session, data, validate_document, format=format, client_name=client_name
        )

    counts = _as_system(settings, run, refused="nothing was registered")
    click.echo(f"created {counts.created}, unchanged {counts.unchanged}")
    for document in parse_manifest(data, format).documents:
        click.echo(f"{document.id}\t{document.operation_name or '-'}\t{answered_by(document.body)}")


@documents_group.command("list")
def list_documents_command() -> None:
    """List the registered documents, oldest first: id, operation name, type, created, client,
    and the path that answers it (compiled plan, or executor and why)."""
    from domain.documents.store import RegisteredDocument, registered_documents
    from schema.documents import answered_by

    settings = Settings()
    _configure_logging(settings.log_level)

    async def run(session: AsyncSession) -> list[RegisteredDocument]:
        return await registered_documents(session)

    for document in _as_system(settings, run):
        columns = (
            document.id,
            document.operation_name or "-",
            document.operation_type.value,
            document.created_at.isoformat(timespec="seconds"),
            document.client_name or "-",
            answered_by(document.body),
        )
        click.echo("\t".join(columns))
