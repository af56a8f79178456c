"""Fixtures: a real PostgreSQL, a fresh database per test, and a GraphQL client.

The server is the one at ``DATABASE_URL`` when it is set, else the embedded one.
Migrations run once into a template database; each test gets its own copy of it
(``CREATE DATABASE … TEMPLATE``), so tests never see each other's rows. As in production,
migrations run as the owner of the tables and the app connects as the service role, so
row-level security holds throughout the suite.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, make_url

from domain.persistence import embedded
from domain.persistence.database import Database, binds_scope
from domain.persistence.migrations import upgrade
from domain.persistence.settings import DatabaseSettings, asyncpg_url, service_url
from seed.load import load
from tests import auth
from tests.client import GraphQLClient, signed_in
from tests.known_strategy import KNOWN

_PREFIX = f"rt_test_{os.getpid()}"

#: The day the demo is loaded as, for tests marked ``demo`` (planned times are then known exactly).
DEMO_DAY = dt.date(2030, 6, 15)
_counter = itertools.count()


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def plain_url(url: str) -> str:
    """The URL for asyncpg itself (without SQLAlchemy's name of the driver)."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@asynccontextmanager
async def owner_session(url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection of its own to the database at ``url`` (another session, as a test needs one)."""
    connection = await asyncpg.connect(plain_url(url))
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """An asyncpg URL to a maintenance database of the test server."""
    settings = DatabaseSettings()
    if settings.database_url:
        yield asyncpg_url(settings.database_url)
        return
    server = embedded.start(settings.data_dir)
    try:
        yield embedded.url_of(server)
    finally:
        server.cleanup()


async def _admin(server_url: str, *statements: str) -> None:
    connection = await asyncpg.connect(plain_url(server_url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def template_url(server_url: str) -> AsyncIterator[str]:
    """A database migrated once; every test copies it."""
    import asyncio

    name = f"{_PREFIX}_template"
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
    url = _with_database(server_url, name)
    await asyncio.to_thread(upgrade, url)
    yield url
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def copied_database(server_url: str, template_url: str) -> AsyncIterator[str]:
    """A new database copied from the template's, dropped at the end: its URL as the owner of its
    tables (the service connects to it as the service role, :func:`service_url`)."""
    name = f"{_PREFIX}_{next(_counter)}"
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template_url).database}"')
    try:
        yield _with_database(server_url, name)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def demo_template_url(server_url: str, template_url: str) -> AsyncIterator[str]:
    """The migrated template with the tests' known strategy loaded (as of :data:`DEMO_DAY`)."""
    async with copied_database(server_url, template_url) as url:
        database = Database(service_url(url, DatabaseSettings()), pool_size=1)
        try:
            await load(database, KNOWN, DEMO_DAY)
        finally:
            await database.dispose()
        yield url


@pytest.fixture
async def fresh_url(
    request: pytest.FixtureRequest, server_url: str, template_url: str, demo_template_url: str
) -> AsyncIterator[str]:
    """The URL of a fresh database for one test, as the owner of its tables; with the ``demo``
    mark it already holds the demo strategy."""
    demo = request.node.get_closest_marker("demo") is not None
    async with copied_database(server_url, demo_template_url if demo else template_url) as url:
        yield url


@pytest.fixture
async def db(fresh_url: str) -> AsyncIterator[Database]:
    """The test's database, connected as the service role (row-level security holds)."""
    database = Database(service_url(fresh_url, DatabaseSettings()), pool_size=5)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
async def owner_db(fresh_url: str) -> AsyncIterator[Database]:
    """The test's database connected as the owner of its tables, who bypasses row-level security:
    for what only the owner may do (bulk loads of scale data with COPY and ANALYZE)."""
    database = Database(fresh_url, pool_size=2)
    try:
        yield database
    finally:
        await database.dispose()


_IN_LIST = re.compile(r"IN \(\$\d+(?:::\w+)?(?:, \$\d+(?:::\w+)?)*\)")
_NODE_LOAD = re.compile(r"\.id = ANY \(\$\d+::UUID\[\]\)")


@dataclass
class StatementLog:
    """Counts the SQL statements sent to the database."""

    statements: list[str] = field(default_factory=list)

    #: Statements that bind the caller's scope at the start of each transaction, counted apart.
    bindings: int = 0

    def reset(self) -> None:
        self.statements.clear()
        self.bindings = 0

    @property
    def count(self) -> int:
        """Statements sent, the scope bindings aside (the authentication lookup included)."""
        return len(self.statements)

    def cost(self) -> Counter[str]:
        """Each kind of statement and how often it ran, a load of nodes by id counted once.

        Loads of nodes by id are batched per turn of the event loop, so the nodes a request
        names from two places may come in one batch or two depending on timing.
        """
        kinds = Counter(_IN_LIST.sub("IN (…)", " ".join(statement.split())) for statement in self.statements)
        return Counter({kind: 1 if _NODE_LOAD.search(kind) else n for kind, n in kinds.items()})


@pytest.fixture
def sql(db: Database) -> StatementLog:
    log = StatementLog()

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if binds_scope(statement):
            log.bindings += 1
        else:
            log.statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    return log


@pytest.fixture
async def gql(db: Database) -> AsyncIterator[GraphQLClient]:
    """A client signed in as the operator, who owns every organization of the test's data."""
    await auth.own_everything(db)
    async with signed_in(db, auth.token(auth.OPERATOR)) as client:
        yield client
