"""A deadlock PostgreSQL breaks by ending the mutation's transaction: run again, then TRY_AGAIN.

Another session makes a real deadlock with ``mapContentItems``: it holds the second item the
batch locks, lets the batch lock the first and wait for the second, then asks for the first
itself. PostgreSQL's deadlock check runs first in the session that has waited longest — the
batch's — and ends that transaction. The mutation runs again and, once the other session is
done, goes through; with no attempt left it tells the caller TRY_AGAIN and changes nothing.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from schema import mutation
from tests.api.builders import db_id
from tests.api.helpers import content_item, strategy_graph
from tests.client import GraphQLClient
from tests.conftest import owner_session
from tests.http.test_timeouts import waiting_on_locks

MAP_MANY = """
mutation($input: MapContentItemsInput!) {
  mapContentItems(input: $input) { contentItems { id tactic { id } } userErrors { field code } }
}
"""
READ = "query($id: ID!) { contentItem(id: $id) { version tactic { id } } }"


async def deadlocks(owner: asyncpg.Connection) -> int:
    """Deadlocks PostgreSQL has detected in this database so far."""
    await owner.execute("SELECT pg_stat_clear_snapshot()")
    found: int = await owner.fetchval(
        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
    )
    return found


async def deadlocked_batch(gql: GraphQLClient, fresh_url: str) -> tuple[dict[str, Any], list[str], str]:
    """Run a two-item batch into a deadlock with another session; its payload, items and tactic."""
    graph = await strategy_graph(gql)
    items = [(await content_item(gql, graph, f"Post {n}"))["id"] for n in range(2)]
    first, second = sorted(items, key=db_id)  # the order the batch locks them in
    tactic, kpi = graph["tactics"][0], graph["kpis"][0]
    entries = [{"id": item, "tacticId": tactic, "primaryKpiId": kpi} for item in (first, second)]
    async with owner_session(fresh_url) as other, owner_session(fresh_url) as watcher:
        before = await deadlocks(watcher)
        holding = other.transaction()
        await holding.start()
        await other.execute("SELECT id FROM content_item WHERE id = $1 FOR UPDATE", db_id(second))
        batch = asyncio.create_task(gql.data(MAP_MANY, input={"items": entries}))
        for _ in range(500):  # until the batch waits for the second item
            if await waiting_on_locks(watcher):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the batch never waited for the second item")
        await asyncio.sleep(0.2)  # the batch has waited longest: its deadlock check comes first
        await other.execute("SELECT id FROM content_item WHERE id = $1 FOR UPDATE", db_id(first))
        await asyncio.sleep(0.3)  # the batch, run again, now waits for this session
        await holding.commit()
        payload = (await batch)["mapContentItems"]
        for _ in range(50):  # statistics reach pg_stat_database when a session reports them
            if await deadlocks(watcher) > before:
                break
            await asyncio.sleep(0.1)
        assert await deadlocks(watcher) == before + 1
    return payload, [first, second], tactic


async def test_a_deadlocked_mutation_is_run_again_and_goes_through(
    gql: GraphQLClient, fresh_url: str
) -> None:
    payload, items, tactic = await deadlocked_batch(gql, fresh_url)
    assert payload["userErrors"] == []
    assert [item["tactic"] for item in payload["contentItems"]] == [{"id": tactic}] * 2
    for item in items:
        assert (await gql.data(READ, id=item))["contentItem"] == {"version": 2, "tactic": {"id": tactic}}


async def test_with_no_attempt_left_a_deadlock_is_try_again_and_changes_nothing(
    gql: GraphQLClient, fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mutation, "ATTEMPTS", 1)
    payload, items, _ = await deadlocked_batch(gql, fresh_url)
    assert payload == {"contentItems": None, "userErrors": [{"field": None, "code": "TRY_AGAIN"}]}
    for item in items:
        assert (await gql.data(READ, id=item))["contentItem"] == {"version": 1, "tactic": None}
