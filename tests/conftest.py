"""Fixtures: a real PostgreSQL, a fresh database per test, and a GraphQL client.

The server is the one at ``DATABASE_URL`` when it is set, else the embedded one.
Migrations run once into a template database; each test gets its own copy of it
(``CREATE DATABASE … TEMPLATE``), so tests never see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event, make_url

from api.app import create_app
from domain.persistence import embedded
from domain.persistence.database import Database
from domain.persistence.migrations import upgrade
from domain.persistence.settings import DatabaseSettings, asyncpg_url
from seed.load import load
from tests.known_strategy import KNOWN

_PREFIX = f"rt_test_{os.getpid()}"

#: The day the demo is loaded as, for tests marked ``demo`` (planned times are then known exactly).
DEMO_DAY = dt.date(2030, 6, 15)
_counter = itertools.count()


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


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
    connection = await asyncpg.connect(_plain(server_url))
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


@pytest.fixture(scope="session")
async def demo_template_url(server_url: str, template_url: str) -> AsyncIterator[str]:
    """The migrated template with the tests' known strategy loaded (as of :data:`DEMO_DAY`)."""
    name = f"{_PREFIX}_demo"
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template_url).database}"')
    url = _with_database(server_url, name)
    database = Database(url, pool_size=1)
    try:
        await load(database, KNOWN, DEMO_DAY)
    finally:
        await database.dispose()
    yield url
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(
    request: pytest.FixtureRequest, server_url: str, template_url: str, demo_template_url: str
) -> AsyncIterator[Database]:
    """A fresh database for one test; with the ``demo`` mark it already holds the demo strategy."""
    name = f"{_PREFIX}_{next(_counter)}"
    if request.node.get_closest_marker("demo"):
        template_url = demo_template_url
    template = make_url(template_url).database
    await _admin(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    database = Database(_with_database(server_url, name), pool_size=5)
    try:
        yield database
    finally:
        await database.dispose()
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_IN_LIST = re.compile(r"IN \(\$\d+(?:::\w+)?(?:, \$\d+(?:::\w+)?)*\)")
_NODE_LOAD = re.compile(r"\.id IN \(…\)")


@dataclass
class StatementLog:
    """Counts the SQL statements sent to the database."""

    statements: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
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
        log.statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    return log


class GraphQLClient:
    """Posts GraphQL over HTTP to the app, as a front end does."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """The data of a query that must succeed without GraphQL errors."""
        body = await self.post(query, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(self, query: str, **variables: Any) -> dict[str, Any]:
        """The payload of a single mutation that must succeed without user errors."""
        data = await self.data(query, **variables)
        (payload,) = data.values()
        assert payload["userErrors"] == [], payload["userErrors"]
        result: dict[str, Any] = payload
        return result


@pytest.fixture
async def gql(db: Database) -> AsyncIterator[GraphQLClient]:
    app = create_app(db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://redthread.test") as http:
        yield GraphQLClient(http)
