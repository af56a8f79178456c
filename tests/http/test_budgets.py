"""Callers' budgets: each caller's bucket of cost points, spent by requests, refused when empty.

In-process, with a small bucket (100 points refilling at 1 a second): requests of a known cost
spend it; once it is spent a request is HTTP 429 with ``Retry-After`` and ``THROTTLED``, and
free requests and other callers (another member, an API key) still pass. Against the served
app with two worker processes sharing their buckets in Redis: a caller gets exactly one
bucket, whichever worker their connections land on.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import psutil
import pytest
from redis.asyncio import Redis

from api.app import create_app
from api.settings import Settings
from api.throttle import DEFAULT_PREFIX
from domain.access.roles import Role
from domain.persistence.database import Database
from tests import auth
from tests.api.builders import db_id, organization_of
from tests.api.callers import create_key
from tests.api.helpers import strategy_graph
from tests.client import BASE_URL, GraphQLClient, signed_in
from tests.conftest import plain_url
from tests.live import LiveServer

REDIS_URL = "redis://127.0.0.1:6379/0"
#: A page of 9 organizations: 1 + 9 × (1 + id 0) = 10 points.
TEN_POINTS = "{ organizations(first: 9) { nodes { id } } }"
#: A page of 100 organizations: 1 + 100 × 1 = 101 points, more than a bucket of 100 holds.
HUNDRED_AND_ONE_POINTS = "{ organizations(first: 100) { nodes { id } } }"
FREE = "{ __typename }"
SMALL_BUCKET = Settings(throttle_capacity=100, throttle_restore_rate=1)


@asynccontextmanager
async def app_clients(db: Database, settings: Settings) -> AsyncIterator[Any]:
    """One app (so one set of buckets), and a way to call it with any credential."""
    app = create_app(db, authenticator=auth.authenticator(db), settings=settings)
    transport = httpx.ASGITransport(app=app)
    opened: list[httpx.AsyncClient] = []

    def caller(credential: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=auth.bearer(credential))
        opened.append(client)
        return client

    try:
        yield caller
    finally:
        for client in opened:
            await client.aclose()


async def send(http: httpx.AsyncClient, query: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": query})


def spent(response: httpx.Response, cost: int) -> dict[str, Any]:
    """The budget after a request that ran and cost ``cost``."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    assert body["extensions"]["cost"]["requestedQueryCost"] == cost
    status: dict[str, Any] = body["extensions"]["cost"]["throttleStatus"]
    return status


def throttled(response: httpx.Response, cost: int, *, capacity: float, rate: float) -> dict[str, Any]:
    """The budget a 429 reports; its error is THROTTLED and says what the request would cost."""
    assert response.status_code == 429, response.text
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "THROTTLED"
    assert error["extensions"]["cost"]["requestedQueryCost"] == cost
    status: dict[str, Any] = error["extensions"]["cost"]["throttleStatus"]
    assert status["maximumAvailable"] == capacity
    assert status["restoreRate"] == rate
    return status


def retry_after(response: httpx.Response, cost: int, available: float, rate: float) -> int:
    """``Retry-After``: whole seconds, at least 1, until the bucket holds ``cost`` again."""
    header = response.headers["retry-after"]
    assert header.isdigit(), header
    seconds = int(header)
    assert seconds >= 1
    # `available` is rounded to 0.1 point in the body: allow for it, and a second of rounding up.
    exact = (cost - available) / rate
    assert exact - 0.05 / rate - 1 <= seconds <= math.ceil(exact + 0.05 / rate) + 1, (seconds, exact)
    assert f"try again in {seconds} s" in response.json()["errors"][0]["message"]
    return seconds


# -- in-process ----------------------------------------------------------------------------


async def test_requests_spend_the_budget_until_it_is_refused_with_retry_after(
    db: Database, gql: GraphQLClient
) -> None:
    graph = await strategy_graph(gql)
    organization = await organization_of(gql, graph["workspace"])
    await auth.grant(db, "ada", Role.ADMIN, organization_id=db_id(organization))
    async with signed_in(db, auth.token("ada")) as ada:
        key = await create_key(ada, workspaceId=graph["workspace"], name="Scheduler", scopes=["READ"])
        assert key["userErrors"] == []

    async with app_clients(db, SMALL_BUCKET) as caller:
        operator = caller(auth.token(auth.OPERATOR))
        started = time.monotonic()
        levels: list[float] = []
        for _ in range(10):
            levels.append(spent(await send(operator, TEN_POINTS), 10)["currentlyAvailable"])
        refill = time.monotonic() - started  # at 1 point a second
        assert levels[0] == 90  # a new caller's bucket is full
        for spent_so_far, level in enumerate(levels, start=1):
            assert 100 - 10 * spent_so_far <= level <= 100 - 10 * spent_so_far + refill + 0.1, levels

        refused = await send(operator, TEN_POINTS)
        status = throttled(refused, 10, capacity=100, rate=1)
        assert status["currentlyAvailable"] < 10
        assert status["currentlyAvailable"] <= refill + 0.1
        seconds = retry_after(refused, 10, status["currentlyAvailable"], rate=1)
        assert seconds <= 10
        assert refused.headers["content-type"] == "application/json"

        # A refusal takes nothing: the bucket only refills.
        again = throttled(await send(operator, TEN_POINTS), 10, capacity=100, rate=1)
        assert again["currentlyAvailable"] >= status["currentlyAvailable"]

        # Free requests still pass, and spend nothing.
        free = spent(await send(operator, FREE), 0)
        assert free["currentlyAvailable"] < 10

        # Other callers have buckets of their own, full.
        assert spent(await send(caller(auth.token("ada")), TEN_POINTS), 10)["currentlyAvailable"] == 90
        assert spent(await send(caller(key["token"]), TEN_POINTS), 10)["currentlyAvailable"] == 90

        # More than a bucket holds is refused without a time to retry at: it would never fit.
        too_much = await send(caller(auth.token("ada")), HUNDRED_AND_ONE_POINTS)
        throttled(too_much, 101, capacity=100, rate=1)
        assert "retry-after" not in too_much.headers
        after = spent(await send(caller(auth.token("ada")), TEN_POINTS), 10)["currentlyAvailable"]
        assert 80 <= after <= 81


async def test_a_request_refused_for_its_budget_passes_after_retry_after(
    db: Database, gql: GraphQLClient
) -> None:
    settings = Settings(throttle_capacity=10, throttle_restore_rate=5)
    async with app_clients(db, settings) as caller:
        operator = caller(auth.token(auth.OPERATOR))
        assert spent(await send(operator, TEN_POINTS), 10)["currentlyAvailable"] == 0
        refused = await send(operator, TEN_POINTS)
        status = throttled(refused, 10, capacity=10, rate=5)
        seconds = retry_after(refused, 10, status["currentlyAvailable"], rate=5)
        assert seconds == 2  # 10 points at 5 a second, from (nearly) empty
        await asyncio.sleep(seconds)
        spent(await send(operator, TEN_POINTS), 10)


# -- shared through Redis, across worker processes -----------------------------------------


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    """Buckets of 100 points that barely refill (1 point in 100 s), shared in Redis."""
    return {
        "REDTHREAD_REDIS_URL": REDIS_URL,
        "REDTHREAD_THROTTLE_CAPACITY": "100",
        "REDTHREAD_THROTTLE_RESTORE_RATE": "0.01",
    }


def _workers(server: LiveServer) -> list[int]:
    """The worker processes: those of the server's processes that listen on its port."""
    port = int(server.url.rsplit(":", 1)[1])
    found = []
    for process in psutil.Process(server.process.pid).children(recursive=True):
        connections = process.net_connections(kind="tcp")
        if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections):
            found.append(process.pid)
    return sorted(found)


def _served_by(server: LiveServer, response: httpx.Response) -> int:
    """The worker process at the other end of the connection ``response`` came over."""
    port = int(server.url.rsplit(":", 1)[1])
    client_port = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    for process in psutil.Process(server.process.pid).children(recursive=True):
        for connection in process.net_connections(kind="tcp"):
            if connection.laddr.port == port and connection.raddr and connection.raddr.port == client_port:
                return int(process.pid)
    raise AssertionError(f"no worker holds the connection from port {client_port}")


async def _connection_to(server: LiveServer, worker: int, token: str) -> httpx.AsyncClient:
    """A client whose (new) TCP connection landed on ``worker``: found with free requests."""
    for _ in range(200):
        client = httpx.AsyncClient(base_url=server.url, headers=auth.bearer(token), timeout=10)
        probe = await client.post("/graphql", json={"query": FREE})
        assert probe.status_code == 200, probe.text
        if _served_by(server, probe) == worker:
            return client
        await client.aclose()
    raise AssertionError(f"no new connection landed on worker {worker} in 200 tries")


@pytest.mark.http
@pytest.mark.parametrize("live_workers", [2], scope="module")
async def test_two_workers_draw_from_one_bucket_in_redis(live_server: LiveServer, live_database: str) -> None:
    workers = _workers(live_server)
    assert len(workers) == 2, f"{workers}\n{live_server.log()}"
    subject = f"budget-{uuid.uuid4().hex}"  # a new member: no bucket of an earlier run
    token = auth.token(subject, name="Budget")

    outcomes: list[tuple[int, int]] = []
    refusals: list[httpx.Response] = []
    for attempt in range(12):  # alternately on each worker, each over a new connection
        client = await _connection_to(live_server, workers[attempt % 2], token)
        try:
            response = await client.post("/graphql", json={"query": TEN_POINTS})
            outcomes.append((_served_by(live_server, response), response.status_code))
        finally:
            await client.aclose()
        if response.status_code == 429:
            refusals.append(response)
        else:
            spent(response, 10)

    # With a bucket per process each worker would have let 10 through: 12 in all.
    assert [status for _, status in outcomes] == [200] * 10 + [429] * 2, outcomes
    assert {pid for pid, _ in outcomes[:10]} == set(workers), outcomes
    assert [pid for pid, _ in outcomes] == [workers[i % 2] for i in range(12)], outcomes
    for refused in refusals:
        status = throttled(refused, 10, capacity=100, rate=0.01)
        assert status["currentlyAvailable"] < 1  # 100 − 10 × 10, and at most a second's 0.01s
        seconds = retry_after(refused, 10, status["currentlyAvailable"], rate=0.01)
        assert 900 <= seconds <= 1_000

    # The bucket is Redis's: one key for the member, nearly empty, expiring once full again.
    connection = await asyncpg.connect(plain_url(live_database))
    try:
        member = await connection.fetchval("SELECT id FROM member WHERE subject = $1", subject)
    finally:
        await connection.close()
    assert member is not None
    redis = Redis.from_url(REDIS_URL)
    try:
        key = f"{DEFAULT_PREFIX}member:{member}"
        level = await redis.hget(key, "level")
        expires_in = await redis.pttl(key)
    finally:
        await redis.aclose()
    assert level is not None, f"no bucket at {key}"
    assert float(level) < 1
    assert 9_900_000 < expires_in <= 10_000_000  # 100 points at 0.01 a second: 10,000 s
