"""`make soak`, shortly: three clients for eight seconds against the served app, nothing unexpected.

The real soak runs minutes (``make soak``); this keeps its clients, its documents and its
accounting working as the API changes, and fails on anything but the outcomes two clients of a
pair explain (a CONFLICT to a stale version, NOT_FOUND for an item being deleted).
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from schema.ids import encode
from tests.bench.soak import DELETE, GONE, PAGE, SERVER_ENV, WEIGHTS, Client, Tally, Workspace, soak
from tests.live import LiveServer, free_port

pytestmark = pytest.mark.http


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    return SERVER_ENV


async def test_a_short_soak_meets_only_expected_outcomes(live_server: LiveServer, live_database: str) -> None:
    verdict = await soak(live_server, seconds=8, clients=3, every=4, owner_url=live_database, seed=12)
    assert verdict.unexpected == {}, verdict.tally.examples
    assert verdict.log.errors == []
    assert verdict.requests >= 3 * (1 + len(WEIGHTS))  # each client sends every kind of request first
    # Every kind of request was sent, and went through at least once (the third client works alone).
    outcomes = verdict.tally.outcomes
    assert set(outcomes) == set(WEIGHTS), outcomes
    assert all(found["ok"] > 0 for found in outcomes.values()), outcomes
    assert len(verdict.memory) >= 2


async def test_the_soak_counts_what_it_does_not_expect(live_server: LiveServer) -> None:
    member = live_server.sign_in("soak-accounting")
    ws = Workspace(0, member.strategy_id, [member.headers, member.headers], [], [], "", [], [])
    tally = Tally()
    client = Client(0, ws, live_server.url, tally)
    gone, never = encode("ContentItem", uuid.uuid4()), encode("ContentItem", uuid.uuid4())
    ws.deleting.add(gone)
    async with httpx.AsyncClient(base_url=live_server.url, headers=member.headers, timeout=10) as http:
        # Deleting an item the pair asked to delete: expected; any other NOT_FOUND is not.
        assert await client.call(http, "delete", DELETE, items=[gone], input={"id": gone}) is None
        assert await client.call(http, "delete", DELETE, items=[never], input={"id": never}) is None
        await client.call(http, "page", "{ nope }")
        async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as anonymous:
            await client.call(anonymous, "page", PAGE, s=member.strategy_id)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}", timeout=10) as nobody:
            await client.call(nobody, "page", PAGE, s=member.strategy_id)
    assert tally.expected == {GONE: 1}
    assert tally.unexpected == {
        "user NOT_FOUND": 1,
        "GraphQL GRAPHQL_VALIDATION_FAILED": 1,
        "HTTP 401 UNAUTHENTICATED": 1,
        "transport ConnectError": 1,
    }, tally.examples
    assert tally.kinds == {"user": 1, "GraphQL": 1, "HTTP": 1, "transport": 1}
    assert tally.requests == 5
