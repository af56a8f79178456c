"""Row-level security: the second wall between workspaces, as the service role meets it.

Two workspaces, A (the known strategy) and B (the bakery scenario), hold rows in every tenant
table. The tests connect as the service role with plain asyncpg, nothing of the app in
between, and bind the workspaces the way ``Database`` does (``redthread.workspace_ids``,
``redthread.all_workspaces``, local to a transaction). The owner of the tables (who runs the
migrations) counts what is really there.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest
from pydantic import SecretStr
from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

from domain.base import Base
from domain.channel.models import Channel, Platform
from domain.content.comments import add_comment
from domain.content.models import ContentItem
from domain.persistence.database import BIND_SCOPE, Database, binds_scope, scope_settings
from domain.persistence.settings import DatabaseSettings, service_url
from domain.scope import Scope
from domain.tenancy.models import Workspace
from seed.load import load
from seed.scenarios import SCENARIOS
from tests.conftest import DEMO_DAY, copied_database, plain_url
from tests.known_strategy import KNOWN

#: Read during authentication, before a scope exists: deliberately without a policy.
IDENTITY_TABLES = {"membership", "api_key"}
#: Every tenant table the models know, with the column that names its workspace.
TENANT_COLUMN = {
    "workspace": "id",
    **{
        table.name: "workspace_id"
        for table in Base.metadata.sorted_tables
        if "workspace_id" in table.c and table.name not in IDENTITY_TABLES
    },
}
SERVICE_ROLE = DatabaseSettings().database_service_role


@dataclass(frozen=True)
class Tenants:
    owner_url: str
    service_url: str
    a: uuid.UUID
    b: uuid.UUID


@pytest.fixture(scope="module")
async def tenants(server_url: str, demo_template_url: str) -> AsyncIterator[Tenants]:
    """A database whose workspaces A and B each hold rows in every tenant table."""
    async with copied_database(server_url, demo_template_url) as owner_url:
        service = service_url(owner_url, DatabaseSettings())
        db = Database(service, pool_size=1)
        try:
            await load(db, SCENARIOS["bakery-da"], DEMO_DAY)
            async with db.read(Scope.everything()) as connection:
                rows = await connection.execute(select(Workspace.scenario, Workspace.id))
                workspaces = {row.scenario: row.id for row in rows}
                items = await connection.execute(select(ContentItem.workspace_id, ContentItem.id))
                first_items = {row.workspace_id: row.id for row in items}
            async with db.transaction(Scope.everything()) as session:
                for item_id in first_items.values():
                    await add_comment(session, Scope.everything(), item_id, "Shorter, please.")
            yield Tenants(owner_url, service, workspaces[KNOWN.key], workspaces["bakery-da"])
        finally:
            await db.dispose()


@pytest.fixture
async def service(tenants: Tenants) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(plain_url(tenants.service_url))
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def owner(tenants: Tenants) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(plain_url(tenants.owner_url))
    try:
        yield connection
    finally:
        await connection.close()


#: The statement ``Database`` binds a scope with, for asyncpg.
BIND = BIND_SCOPE.compile(dialect=asyncpg_dialect())  # type: ignore[no-untyped-call]


async def _bind(connection: asyncpg.Connection, *workspaces: uuid.UUID, everything: bool = False) -> None:
    """Bind workspaces to the current transaction, as ``Database`` does."""
    settings = scope_settings(Scope.everything() if everything else Scope.of(*workspaces))
    await connection.execute(str(BIND), *(settings[name] for name in BIND.positiontup or ()))


async def _count(connection: asyncpg.Connection, table: str, workspace: uuid.UUID | None = None) -> int:
    column = TENANT_COLUMN[table]
    if workspace is None:
        found: int = await connection.fetchval(f'SELECT count(*) FROM "{table}"')
    else:
        found = await connection.fetchval(f'SELECT count(*) FROM "{table}" WHERE "{column}" = $1', workspace)
    return found


async def test_every_tenant_table_has_a_policy_and_nothing_else_has(owner: asyncpg.Connection) -> None:
    protected = await owner.fetch(
        """
        SELECT c.relname, c.relforcerowsecurity, p.polname
        FROM pg_class AS c LEFT JOIN pg_policy AS p ON p.polrelid = c.oid
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relrowsecurity
        """
    )
    with_workspace_id = {
        row["table_name"]
        for row in await owner.fetch(
            """
            SELECT c.table_name FROM information_schema.columns AS c
            JOIN information_schema.tables AS t USING (table_catalog, table_schema, table_name)
            WHERE c.table_schema = current_schema() AND c.column_name = 'workspace_id'
              AND t.table_type = 'BASE TABLE'
            """
        )
    }
    tables = {row["relname"] for row in protected}
    # A table with a workspace_id column but no policy (say, a new one whose migration forgot
    # `SELECT redthread_protect('…')`) fails here.
    assert tables == (with_workspace_id - IDENTITY_TABLES) | {"workspace"}
    assert tables == set(TENANT_COLUMN)
    assert {row["polname"] for row in protected} == {"tenant_isolation"}
    assert len(protected) == len(tables)
    # The owner, who runs migrations, is not held by the policies.
    assert not any(row["relforcerowsecurity"] for row in protected)


@pytest.mark.parametrize("table", sorted(TENANT_COLUMN))
async def test_without_a_workspace_bound_no_row_is_seen(
    tenants: Tenants, service: asyncpg.Connection, owner: asyncpg.Connection, table: str
) -> None:
    assert await _count(owner, table, tenants.a) > 0
    assert await _count(owner, table, tenants.b) > 0
    assert await _count(service, table) == 0
    async with service.transaction():
        await _bind(service)
        assert await _count(service, table) == 0


@pytest.mark.parametrize("table", sorted(TENANT_COLUMN))
async def test_a_workspace_bound_sees_its_rows_and_none_of_another(
    tenants: Tenants, service: asyncpg.Connection, owner: asyncpg.Connection, table: str
) -> None:
    of_a = await _count(owner, table, tenants.a)
    assert of_a > 0
    assert await _count(owner, table, tenants.b) > 0, f"give {table} rows in workspace B"
    async with service.transaction():
        await _bind(service, tenants.a)
        assert await _count(service, table) == of_a
        assert await _count(service, table, tenants.a) == of_a
        assert await _count(service, table, tenants.b) == 0
    # The binding ends with the transaction: a pooled connection keeps no workspace.
    assert await _count(service, table) == 0


@pytest.mark.parametrize("table", sorted(TENANT_COLUMN))
async def test_every_workspace_is_seen_when_all_are_bound(
    tenants: Tenants, service: asyncpg.Connection, owner: asyncpg.Connection, table: str
) -> None:
    everything = await _count(owner, table)
    async with service.transaction():
        await _bind(service, everything=True)
        assert await _count(service, table) == everything
    async with service.transaction():
        await _bind(service, tenants.a, tenants.b)
        both = await _count(owner, table, tenants.a) + await _count(owner, table, tenants.b)
        assert await _count(service, table) == both


async def test_writing_into_another_workspace_is_refused(
    tenants: Tenants, service: asyncpg.Connection, owner: asyncpg.Connection
) -> None:
    insert = (
        "INSERT INTO channel (id, workspace_id, platform, name, handle, url, version)"
        " VALUES ($1, $2, 'BLOG', 'Smuggled', '', NULL, 1)"
    )
    transaction = service.transaction()
    await transaction.start()
    try:
        await _bind(service, tenants.a)
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            async with service.transaction():
                await service.execute(insert, uuid.uuid4(), tenants.b)
        # Moving one of A's rows into B is refused too; B's rows cannot be changed or deleted.
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            async with service.transaction():
                await service.execute(
                    "UPDATE channel SET workspace_id = $1 WHERE workspace_id = $2", tenants.b, tenants.a
                )
        renamed = await service.execute(
            "UPDATE channel SET name = 'Taken' WHERE workspace_id = $1", tenants.b
        )
        assert renamed == "UPDATE 0"
        deleted = await service.execute("DELETE FROM content_metric WHERE workspace_id = $1", tenants.b)
        assert deleted == "DELETE 0"
        # The same row into A is accepted.
        await service.execute(insert, uuid.uuid4(), tenants.a)
        assert await _count(service, "channel", tenants.a) == await _count(owner, "channel", tenants.a) + 1
    finally:
        await transaction.rollback()
    assert await owner.fetchval("SELECT count(*) FROM channel WHERE name IN ('Smuggled', 'Taken')") == 0


async def test_the_service_role_owns_no_table_and_cannot_bypass_the_policies(
    service: asyncpg.Connection,
) -> None:
    assert await service.fetchval("SELECT current_user") == SERVICE_ROLE
    owners = await service.fetch(
        "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = current_schema()"
    )
    assert owners
    assert all(row["tableowner"] != SERVICE_ROLE for row in owners)
    role = await service.fetchrow(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
    )
    assert role is not None
    assert not any(role.values())
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await service.execute("ALTER TABLE channel DISABLE ROW LEVEL SECURITY")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await service.execute("TRUNCATE content_metric")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await service.execute("UPDATE alembic_version SET version_num = version_num")


async def test_a_scoped_read_through_database_sees_none_of_another_workspace(tenants: Tenants) -> None:
    db = Database(tenants.service_url, pool_size=1)
    sent: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    try:
        # No workspace filter in the statements: only the policies keep B out.
        async with db.read(Scope.of(tenants.a)) as connection:
            seen = set((await connection.execute(select(ContentItem.workspace_id).distinct())).scalars())
            workspaces = set((await connection.execute(select(Workspace.id))).scalars())
        assert seen == workspaces == {tenants.a}
        async with db.transaction(Scope.of(tenants.b)) as session:
            seen = set((await session.execute(select(Channel.workspace_id).distinct())).scalars())
        assert seen == {tenants.b}
        # Each began by binding its scope, a statement the suite's statement counts recognise.
        assert [binds_scope(statement) for statement in sent[-5:]] == [True, False, False, True, False]
    finally:
        await db.dispose()


async def test_a_workspace_created_in_a_transaction_is_within_its_reach(
    tenants: Tenants, owner: asyncpg.Connection
) -> None:
    db = Database(tenants.service_url, pool_size=1)
    organization = await owner.fetchval("SELECT organization_id FROM workspace WHERE id = $1", tenants.a)

    async def create_then_undo() -> None:
        async with db.transaction(Scope.of(tenants.a)) as session:
            created = Workspace(organization_id=organization, name="New client")
            session.add(created)
            await session.flush()
            session.add(Channel(workspace_id=created.id, platform=Platform.BLOG, name="Blog", handle=""))
            await session.flush()
            both = {tenants.a, created.id}
            assert set((await session.execute(select(Workspace.id))).scalars()) == both
            assert set((await session.execute(select(Channel.workspace_id))).scalars()) == both
            raise _Undo

    try:
        with pytest.raises(_Undo):
            await create_then_undo()
    finally:
        await db.dispose()


class _Undo(Exception):
    """Rolls a test's transaction back."""


@pytest.mark.parametrize(
    ("owner_url", "expected"),
    [
        ("postgresql://postgres@127.0.0.1:5432/redthread", "redthread_service@127.0.0.1:5432/redthread"),
        ("postgres://admin:secret@db:6543/rt?ssl=require", "redthread_service@db:6543/rt?ssl=require"),
        (
            "postgresql+asyncpg://postgres:@/redthread?host=/srv/pg",
            "redthread_service@/redthread?host=%2Fsrv%2Fpg",
        ),
    ],
)
def test_the_service_connects_to_the_owners_database_as_the_service_role(
    owner_url: str, expected: str
) -> None:
    settings = DatabaseSettings(database_service_role="redthread_service")
    assert service_url(owner_url, settings) == f"postgresql+asyncpg://{expected}"
    with_password = DatabaseSettings(database_service_password=SecretStr("s3cr@t"))
    assert service_url(owner_url, with_password).startswith(
        "postgresql+asyncpg://redthread_service:s3cr%40t@"
    )
