"""How long a request may take: the lock, statement and request timeouts, each a typed error.

Another session holds what the request needs (a strategy's row ``FOR UPDATE``, or a whole
table), so the request waits, deterministically, until a timeout ends it: PostgreSQL's
``lock_timeout`` (``LOCK_TIMEOUT``) or ``statement_timeout`` (``STATEMENT_TIMEOUT``), both set
on the service's connections by :class:`Database`, or the request deadline of the endpoint
(HTTP 503 ``REQUEST_TIMEOUT``). None of them is a masked ``INTERNAL_SERVER_ERROR``, and in
each case nothing the request would have changed is kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx

from api.settings import Settings
from domain.persistence.database import Database
from domain.persistence.settings import DatabaseSettings, service_url
from domain.scope import Scope
from tests import auth
from tests.api.builders import db_id
from tests.api.helpers import ERRORS, content_item, strategy_graph
from tests.client import GraphQLClient, signed_in
from tests.conftest import plain_url

RENAME = f"""
mutation($id: ID!, $version: Int!, $name: String!) {{
  updateStrategy(input: {{id: $id, version: $version, name: $name}}) {{
    strategy {{ name version }} {ERRORS}
  }}
}}
"""
STRATEGY = "query($id: ID!) { strategy(id: $id) { name purpose version updatedAt } }"
REPORT = """
query($id: ID!) {
  strategy(id: $id) {
    health { findings { code nodes { id } } }
    dashboard { liveContentCount }
    kpis { progress { status } smart { met } }
    document(format: MARKDOWN)
  }
}
"""
#: A loose upper bound on a request a timeout ends, on a loaded machine.
SLACK = 1.5


@asynccontextmanager
async def held(owner_url: str, statement: str, *args: Any) -> AsyncIterator[asyncpg.Connection]:
    """Another session, as the owner of the tables, in a transaction that ran ``statement`` (taking
    its locks) and keeps them until the block ends; then it rolls back."""
    connection = await asyncpg.connect(plain_url(owner_url))
    try:
        transaction = connection.transaction()
        await transaction.start()
        try:
            await connection.execute(statement, *args)
            yield connection
        finally:
            await transaction.rollback()
    finally:
        await connection.close()


@asynccontextmanager
async def service(
    owner_url: str,
    *,
    statement_timeout_ms: int = 0,
    lock_timeout_ms: int = 0,
    pool_size: int = 2,
    pool_timeout_seconds: float = 30,
) -> AsyncIterator[Database]:
    """The service's database (as the service role) with PostgreSQL's timeouts and the pool as given."""
    database = Database(
        service_url(owner_url, DatabaseSettings()),
        pool_size=pool_size,
        pool_timeout_seconds=pool_timeout_seconds,
        statement_timeout_ms=statement_timeout_ms,
        lock_timeout_ms=lock_timeout_ms,
    )
    try:
        yield database
    finally:
        await database.dispose()


async def rename(http: httpx.AsyncClient, strategy: str, name: str) -> tuple[httpx.Response, float]:
    """Run ``updateStrategy`` (version 1) and say how long it took."""
    started = time.perf_counter()
    response = await http.post(
        "/graphql", json={"query": RENAME, "variables": {"id": strategy, "version": 1, "name": name}}
    )
    return response, time.perf_counter() - started


async def waiting_on_locks(owner: asyncpg.Connection) -> int:
    """How many other sessions of this database wait for a lock right now."""
    count: int = await owner.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
    )
    return count


async def no_longer_waiting(owner: asyncpg.Connection, within: float = 1.0) -> bool:
    """Whether, within ``within`` s, no other session of this database waits for a lock: a
    statement cancelled from the client side stops on the server a moment later."""
    deadline = time.perf_counter() + within
    while await waiting_on_locks(owner):
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def open_transactions(owner: asyncpg.Connection) -> int:
    """How many other sessions of this database sit in a transaction (besides the holder)."""
    count: int = await owner.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
    )
    return count


def timeout_errors(body: dict[str, Any], code: str) -> list[dict[str, Any]]:
    """The errors of a response that ran and was cut short by ``code``: every one of them."""
    errors: list[dict[str, Any]] = body["errors"]
    assert errors, body
    assert {error["extensions"]["code"] for error in errors} == {code}, errors
    for error in errors:
        assert error["path"], error
        assert error["extensions"]["requestId"], error
        assert error["message"] != "Unexpected error.", error
    return errors


async def test_a_row_locked_by_another_session_is_a_lock_timeout_and_nothing_changes(
    fresh_url: str, gql: GraphQLClient
) -> None:
    graph = await strategy_graph(gql)
    strategy = graph["strategy"]
    before = await gql.data(STRATEGY, id=strategy)
    lock = "SELECT id FROM strategy WHERE id = $1 FOR UPDATE"
    async with (
        service(fresh_url, lock_timeout_ms=200) as timed,
        signed_in(timed, auth.token(auth.OPERATOR), settings=Settings()) as client,
    ):
        async with held(fresh_url, lock, db_id(strategy)) as owner:
            response, elapsed = await rename(client.http, strategy, "Renamed while locked")
            assert await waiting_on_locks(owner) == 0
            assert await open_transactions(owner) == 0
        assert response.status_code == 200, response.text
        body = response.json()
        (error,) = timeout_errors(body, "LOCK_TIMEOUT")
        assert error["path"] == ["updateStrategy"]
        assert "being changed by another request" in error["message"]
        assert body["data"] is None  # updateStrategy is non-null: the error reaches the root
        assert 0.2 <= elapsed < 0.2 + SLACK, f"answered after {elapsed:.2f} s"

        # Without the lock the same request goes through: the pool was left healthy.
        assert await gql.data(STRATEGY, id=strategy) == before
        response, _ = await rename(client.http, strategy, "Renamed")
        payload = response.json()["data"]["updateStrategy"]
        assert payload == {"strategy": {"name": "Renamed", "version": 2}, "userErrors": []}


async def test_the_request_deadline_ends_a_request_waiting_on_a_lock_and_rolls_it_back(
    db: Database, fresh_url: str, gql: GraphQLClient
) -> None:
    graph = await strategy_graph(gql)
    strategy = graph["strategy"]
    before = await gql.data(STRATEGY, id=strategy)
    lock = "SELECT id FROM strategy WHERE id = $1 FOR UPDATE"
    # `db` sets no lock or statement timeout: only the request deadline ends the wait.
    async with signed_in(
        db, auth.token(auth.OPERATOR), settings=Settings(request_timeout_seconds=1)
    ) as client:
        async with held(fresh_url, lock, db_id(strategy)) as owner:
            response, elapsed = await rename(client.http, strategy, "Renamed past the deadline")
            # The statement was cancelled on the server too, and its transaction rolled back:
            # nothing of it waits on, nor holds a transaction open.
            assert await waiting_on_locks(owner) == 0
            assert await open_transactions(owner) == 0
        assert response.status_code == 503, response.text
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "REQUEST_TIMEOUT"
        assert error["extensions"]["requestId"] == response.headers["x-request-id"]
        assert 1.0 <= elapsed < 1.0 + SLACK, f"answered after {elapsed:.2f} s"

        # The lock is released: had the update gone on waiting, it would be applied by now.
        await asyncio.sleep(0.3)
        assert await gql.data(STRATEGY, id=strategy) == before
        response, _ = await rename(client.http, strategy, "Renamed")
        payload = response.json()["data"]["updateStrategy"]
        assert payload == {"strategy": {"name": "Renamed", "version": 2}, "userErrors": []}


async def test_a_statement_running_too_long_is_a_statement_timeout(
    db: Database, fresh_url: str, gql: GraphQLClient
) -> None:
    """The report's statements on the content wait behind a lock of the whole table until the
    statement timeout cancels them: the same outcome as a statement slow on its own, every time."""
    graph = await strategy_graph(gql)
    await content_item(gql, graph, "Launch post")
    report = await gql.data(REPORT, id=graph["strategy"])
    assert report["strategy"]["dashboard"]["liveContentCount"] == 1
    # Callers are signed in over `db` (no timeout); the app's own statements time out.
    async with (
        service(fresh_url, statement_timeout_ms=300) as timed,
        signed_in(timed, auth.token(auth.OPERATOR), authenticator=auth.authenticator(db)) as client,
        held(fresh_url, "LOCK TABLE content_item IN ACCESS EXCLUSIVE MODE") as owner,
    ):
        started = time.perf_counter()
        response = await client.http.post(
            "/graphql", json={"query": REPORT, "variables": {"id": graph["strategy"]}}
        )
        elapsed = time.perf_counter() - started
        assert await no_longer_waiting(owner)  # sibling reads cancelled on the server too
    assert response.status_code == 200, response.text
    body = response.json()
    errors = timeout_errors(body, "STATEMENT_TIMEOUT")
    assert all("took too long" in error["message"] for error in errors)
    assert body["data"] == {"strategy": None}
    assert 0.3 <= elapsed < 0.3 + SLACK * 2, f"answered after {elapsed:.2f} s"


async def test_a_mutation_past_the_statement_timeout_changes_nothing(
    fresh_url: str, gql: GraphQLClient
) -> None:
    graph = await strategy_graph(gql)
    strategy = graph["strategy"]
    before = await gql.data(STRATEGY, id=strategy)
    lock = "SELECT id FROM strategy WHERE id = $1 FOR UPDATE"
    async with (
        service(fresh_url, statement_timeout_ms=250) as timed,
        signed_in(timed, auth.token(auth.OPERATOR), settings=Settings()) as client,
    ):
        async with held(fresh_url, lock, db_id(strategy)):
            response, elapsed = await rename(client.http, strategy, "Renamed too slowly")
        (error,) = timeout_errors(response.json(), "STATEMENT_TIMEOUT")
        assert error["path"] == ["updateStrategy"]
        assert 0.25 <= elapsed < 0.25 + SLACK, f"answered after {elapsed:.2f} s"
    assert await gql.data(STRATEGY, id=strategy) == before


async def test_a_pool_with_no_free_connection_is_503_within_the_pool_timeout(
    db: Database, fresh_url: str, gql: GraphQLClient
) -> None:
    """Both connections of a pool of one (plus one overflow) are in use: a request waits the pool
    timeout, then is told to come back; once one is free again, it is served."""
    graph = await strategy_graph(gql)
    strategy = graph["strategy"]
    everything = Scope.everything()
    async with (
        service(fresh_url, pool_size=1, pool_timeout_seconds=0.3) as small,
        signed_in(small, auth.token(auth.OPERATOR), authenticator=auth.authenticator(db)) as client,
    ):
        async with small.read(everything), small.read(everything):
            started = time.perf_counter()
            response = await client.http.post(
                "/graphql", json={"query": STRATEGY, "variables": {"id": strategy}}
            )
            elapsed = time.perf_counter() - started
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] == "1"
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        assert error["extensions"]["requestId"] == response.headers["x-request-id"]
        assert "busy" in error["message"]
        assert 0.3 <= elapsed < 0.3 + SLACK, f"answered after {elapsed:.2f} s"
        after = await client.http.post("/graphql", json={"query": STRATEGY, "variables": {"id": strategy}})
        assert after.status_code == 200
        assert after.json()["data"]["strategy"]["version"] == 1
