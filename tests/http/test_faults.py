"""The served app while PostgreSQL goes away and comes back, and when its connections are killed.

The database is taken away the way an operator (or a failover) does it: new connections to the
test's database are refused (``ALTER DATABASE … ALLOW_CONNECTIONS false``) and every backend
serving it is terminated; then connections are allowed again. The server is never restarted.
Meanwhile clients keep writing. What must hold:

* every write the API acknowledged is in the database, and none is there twice;
* while the database is away every request gets HTTP 503 with a JSON body in the GraphQL error
  shape (``SERVICE_UNAVAILABLE``, the request id) and ``Retry-After`` — no 500, no 401;
  ``/health`` (the process) answers 200 and ``/ready`` 503;
* within a second of the database being back, requests succeed again.

Killing the service's backends mid-request gives that request a typed error, and no broken
connection is handed out afterwards.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import make_url

from domain.persistence.settings import DatabaseSettings
from tests import auth
from tests.api.builders import db_id
from tests.conftest import plain_url
from tests.live import LiveServer, SignedIn

CREATE = """
mutation($s: ID!, $t: String!) {
  createContentItem(input: {strategyId: $s, title: $t, format: POST}) {
    contentItem { id title } userErrors { code }
  }
}
"""
READ = "query($s: ID!) { strategy(id: $s) { name contentItems(first: 5) { totalCount } } }"
RENAME = """
mutation($s: ID!, $n: String!) {
  updateStrategy(input: {id: $s, version: 1, name: $n}) { strategy { name } userErrors { code } }
}
"""
#: How long after connections are allowed again the API must serve writes (the issue's bound).
RECOVERY_SECONDS = 1.0


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    # Writers hit the API as fast as it answers: budgets are not what these tests are about.
    return {"REDTHREAD_THROTTLE_CAPACITY": "1000000000", "REDTHREAD_THROTTLE_RESTORE_RATE": "1000000000"}


def database_name(url: str) -> str:
    name = make_url(url).database
    assert name
    return name


@asynccontextmanager
async def admin(server_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A superuser session on the server's maintenance database."""
    connection = await asyncpg.connect(plain_url(server_url))
    try:
        yield connection
    finally:
        await connection.close()


async def take_away(admin: asyncpg.Connection, database: str) -> int:
    """Refuse new connections to ``database`` and terminate every backend serving it."""
    await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
    return await terminate(admin, database)


async def terminate(admin: asyncpg.Connection, database: str, role: str | None = None) -> int:
    """Terminate the backends serving ``database`` (only ``role``'s, when given)."""
    killed: int = await admin.fetchval(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = $1 AND pid <> pg_backend_pid() AND ($2::text IS NULL OR usename = $2)) t",
        database,
        role,
    )
    return killed


async def bring_back(admin: asyncpg.Connection, database: str) -> None:
    await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')


def assert_unavailable(response: httpx.Response) -> None:
    """A 503 in the GraphQL error shape that says to try again, with the request's id."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    assert int(response.headers["retry-after"]) >= 1
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE", error
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]


@dataclass
class Writer:
    """One client creating content items with titles of its own, as fast as the API answers."""

    name: str
    member: SignedIn
    acknowledged: list[str] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    #: When each acknowledged write was answered (time.monotonic()).
    answered: list[float] = field(default_factory=list)

    async def run(self, url: str, stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=url, headers=self.member.headers, timeout=15) as http:
            sent = 0
            while not stop.is_set():
                sent += 1
                title = f"{self.name} #{sent}"
                variables = {"s": self.member.strategy_id, "t": title}
                response = await http.post("/graphql", json={"query": CREATE, "variables": variables})
                if response.status_code == 503:
                    assert_unavailable(response)
                    self.outcomes["503"] += 1
                    await asyncio.sleep(0.05)
                    continue
                assert response.status_code == 200, response.text
                body = response.json()
                assert "errors" not in body, body
                payload = body["data"]["createContentItem"]
                assert payload["userErrors"] == [], payload
                assert payload["contentItem"]["title"] == title
                self.acknowledged.append(title)
                self.answered.append(time.monotonic())
                self.outcomes["200"] += 1


@asynccontextmanager
async def stopped_at_the_end(tasks: list[asyncio.Task[None]], stop: asyncio.Event) -> AsyncIterator[None]:
    """Stop the writers when the block ends, however it ends; their failures fail the test."""
    try:
        yield
    finally:
        stop.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def titles_in(owner_url: str) -> Counter[str]:
    connection = await asyncpg.connect(plain_url(owner_url))
    try:
        return Counter(row["title"] for row in await connection.fetch("SELECT title FROM content_item"))
    finally:
        await connection.close()


async def test_the_database_going_away_and_back_loses_nothing_and_is_503_meanwhile(
    live_server: LiveServer, live_database: str, server_url: str
) -> None:
    members = [live_server.sign_in(f"writer-{index}") for index in range(3)]
    writers = [Writer(f"writer {index}", member) for index, member in enumerate(members)]
    stop = asyncio.Event()
    running = [asyncio.create_task(writer.run(live_server.url, stop)) for writer in writers]
    database = database_name(live_database)
    async with (
        admin(server_url) as connection,
        httpx.AsyncClient(base_url=live_server.url) as probe,
        stopped_at_the_end(running, stop),
    ):
        await asyncio.sleep(1.0)
        assert all(writer.outcomes["200"] for writer in writers), [w.outcomes for w in writers]
        assert (await probe.get("/ready")).status_code == 200

        await take_away(connection, database)
        try:
            await asyncio.sleep(1.5)
            # Reads and writes alike, signed in with a token or an API key: 503 with the request id.
            read = await probe.post(
                "/graphql",
                json={"query": READ, "variables": {"s": members[0].strategy_id}},
                headers={**members[0].headers, "x-request-id": "while-away"},
            )
            assert_unavailable(read)
            assert read.headers["x-request-id"] == "while-away"
            key = await probe.post(
                "/graphql",
                json={"query": READ, "variables": {"s": members[0].strategy_id}},
                headers=auth.bearer("rtk_0123456789ab_" + "s" * 43),
            )
            assert_unavailable(key)
            health = await probe.get("/health")
            assert (health.status_code, health.json()) == (200, {"status": "ok"})
            ready = await probe.get("/ready")
            assert ready.status_code == 503, ready.text
            assert ready.json()["database"] == "unreachable"
            assert int(ready.headers["retry-after"]) >= 1
        finally:
            await bring_back(connection, database)
        back = time.monotonic()
        await asyncio.sleep(RECOVERY_SECONDS + 1.0)
        assert (await probe.get("/ready")).status_code == 200

    for writer in writers:
        assert writer.outcomes["503"], f"{writer.name} never saw the database away: {writer.outcomes}"
        recovered = [at for at in writer.answered if at >= back]
        assert recovered, f"{writer.name} wrote nothing after the database came back"
        assert recovered[0] - back < RECOVERY_SECONDS, f"{writer.name}: {recovered[0] - back:.2f} s"
    stored = await titles_in(live_database)
    for writer in writers:
        missing = [title for title in writer.acknowledged if stored[title] == 0]
        assert not missing, f"acknowledged but lost: {missing}"
    assert [title for title, count in stored.items() if count > 1] == []
    # The log: one JSON object per line, nothing logged as an error, and the refusals it noted
    # name their request.
    lines = [json.loads(line) for line in live_server.log().splitlines() if line.strip()]
    assert all({"timestamp", "level", "logger", "message"} <= line.keys() for line in lines), lines[:5]
    assert [line for line in lines if line["level"] in ("ERROR", "CRITICAL")] == []
    assert any(line.get("request_id") == "while-away" for line in lines if line["level"] == "WARNING")


async def held_strategy(owner_url: str, strategy: str) -> tuple[asyncpg.Connection, Any]:
    """Another session holding the strategy's row ``FOR UPDATE`` until it rolls back."""
    connection = await asyncpg.connect(plain_url(owner_url))
    transaction = connection.transaction()
    await transaction.start()
    await connection.execute("SELECT id FROM strategy WHERE id = $1 FOR UPDATE", db_id(strategy))
    return connection, transaction


async def test_killing_the_service_backends_mid_request_is_a_typed_error_and_the_pool_recovers(
    live_server: LiveServer, live_database: str, server_url: str
) -> None:
    member = live_server.sign_in("killed")
    service_role = DatabaseSettings().database_service_role
    database = database_name(live_database)
    async with (
        admin(server_url) as connection,
        httpx.AsyncClient(base_url=live_server.url, headers=member.headers, timeout=15) as http,
    ):
        holder, transaction = await held_strategy(live_database, member.strategy_id)
        try:
            waiting = asyncio.create_task(
                http.post(
                    "/graphql",
                    json={"query": RENAME, "variables": {"s": member.strategy_id, "n": "Killed midway"}},
                )
            )
            await asyncio.sleep(0.5)  # the rename waits for the row (lock timeout: 2 s)
            assert await terminate(connection, database, service_role) >= 1
            response = await waiting
        finally:
            await transaction.rollback()
            await holder.close()
        assert_unavailable(response)

        # Every pooled connection died with the kill: none of them is handed out again, and the
        # idle ones found dead before a statement ran are replaced without the caller noticing.
        async def read() -> httpx.Response:
            return await http.post("/graphql", json={"query": READ, "variables": {"s": member.strategy_id}})

        for _ in range(2):
            responses = await asyncio.gather(*(read() for _ in range(12)))
            assert [r.status_code for r in responses] == [200] * 12, [r.text for r in responses]
            assert all("errors" not in r.json() for r in responses)
            await terminate(connection, database, service_role)  # idle ones this time
        renamed = await http.post(
            "/graphql", json={"query": RENAME, "variables": {"s": member.strategy_id, "n": "Renamed"}}
        )
        assert renamed.json()["data"]["updateStrategy"] == {"strategy": {"name": "Renamed"}, "userErrors": []}
    log = live_server.log()
    assert "Traceback" not in log, log[-3000:]


async def test_a_client_that_disconnects_cancels_its_request_and_its_change_rolls_back(
    live_server: LiveServer, live_database: str
) -> None:
    """A rename waits on a locked row; its client gives up after 0.3 s. Well before the lock
    timeout (2 s) would end it, the rename no longer waits nor holds a transaction open, and
    once the row is free it has changed nothing."""
    member = live_server.sign_in("leaving")
    holder, transaction = await held_strategy(live_database, member.strategy_id)
    try:
        async with httpx.AsyncClient(base_url=live_server.url, headers=member.headers) as http:
            with pytest.raises(httpx.ReadTimeout):
                await http.post(
                    "/graphql",
                    json={"query": RENAME, "variables": {"s": member.strategy_id, "n": "Left"}},
                    timeout=0.3,
                )
        await asyncio.sleep(0.5)
        service = await holder.fetch(
            "SELECT state, wait_event_type FROM pg_stat_activity WHERE datname = current_database()"
            " AND usename = $1",
            DatabaseSettings().database_service_role,
        )
        assert [row for row in service if row["wait_event_type"] == "Lock"] == []
        assert [row for row in service if row["state"].startswith("idle in transaction")] == []
    finally:
        await transaction.rollback()
        await holder.close()
    name = live_server.data(READ, token=member.token, s=member.strategy_id)["strategy"]["name"]
    assert name == "Always on"
    lines = [json.loads(line) for line in live_server.log().splitlines() if line.strip()]
    assert any("disconnected" in line["message"] and line["level"] == "INFO" for line in lines)
