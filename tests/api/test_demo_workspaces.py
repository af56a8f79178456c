"""Demo workspaces on demand: created over GraphQL, capped, isolated, expired and purged."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from strawberry.types import ExecutionResult

from api.app import purge_periodically
from domain.channel.models import Platform
from domain.channel.services import ChannelChanges, create_channel
from domain.persistence.database import Database
from domain.scope import Scope
from domain.tenancy.demo import DemoWorkspaces, purge_expired
from domain.tenancy.models import Workspace
from schema import ids
from schema.build import schema
from schema.context import Context
from seed.catalog import Catalog
from seed.scenarios import SCENARIOS
from tests import auth
from tests.client import GraphQLClient, signed_in
from tests.integration.rows import all_rows, rows_in

LIFETIME = dt.timedelta(hours=2)
LIMIT = 2

CREATE = """
mutation($scenario: String!) {
  createDemoWorkspace(input: {scenario: $scenario}) {
    workspace {
      id name scenario expiresAt organization { name }
      strategies { nodes { id contentItems(first: 100) { totalCount nodes { id } } } }
    }
    userErrors { field message code }
  }
}
"""


@pytest.fixture
async def demo_gql(db: Database) -> AsyncIterator[GraphQLClient]:
    """A client of a deployment offering demo workspaces, signed in as the operator."""
    demo = DemoWorkspaces(Catalog(), LIFETIME, LIMIT)
    async with signed_in(db, auth.token(auth.OPERATOR), demo=demo) as client:
        yield client


async def _create(gql: GraphQLClient, scenario: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(CREATE, scenario=scenario))["createDemoWorkspace"]
    return payload


async def test_scenarios_are_listed_only_when_demo_workspaces_are_on(
    gql: GraphQLClient, demo_gql: GraphQLClient
) -> None:
    query = "{ demoScenarios { key summary language organization } }"
    listed = (await demo_gql.data(query))["demoScenarios"]
    assert [s["key"] for s in listed] == list(SCENARIOS)
    assert {s["language"] for s in listed} == {"en", "da"}
    assert (await gql.data(query))["demoScenarios"] == []
    refused = await _create(gql, "law-firm")
    assert refused["workspace"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["DEMO_WORKSPACES_DISABLED"]


async def test_create_builds_the_scenario_into_a_new_expiring_workspace(
    db: Database, demo_gql: GraphQLClient
) -> None:
    before = dt.datetime.now(dt.UTC)
    created = await _create(demo_gql, "bakery-da")
    assert created["userErrors"] == []
    workspace = created["workspace"]
    assert workspace["scenario"] == "bakery-da"
    assert workspace["organization"] == {"name": SCENARIOS["bakery-da"].organization}
    expires = dt.datetime.fromisoformat(workspace["expiresAt"])
    assert before + LIFETIME <= expires <= dt.datetime.now(dt.UTC) + LIFETIME
    (strategy,) = workspace["strategies"]["nodes"]
    assert strategy["contentItems"]["totalCount"] == len(SCENARIOS["bakery-da"].content)
    # The lasting copy of the scenario is not needed, and two demos of one scenario may coexist.
    again = await _create(demo_gql, "bakery-da")
    assert again["userErrors"] == []
    assert again["workspace"]["id"] != workspace["id"]


async def test_unknown_scenario_and_the_cap_are_refused_without_writing(
    db: Database, demo_gql: GraphQLClient
) -> None:
    unknown = await _create(demo_gql, "bakery")
    assert unknown["workspace"] is None
    (error,) = unknown["userErrors"]
    assert error["code"] == "UNKNOWN_SCENARIO"
    assert error["field"] == ["scenario"]
    assert "law-firm" in error["message"]
    written = await all_rows(db)
    assert written.pop("member") == 1  # the operator, known since signing in
    assert sum(written.values()) == 0
    for _ in range(LIMIT):
        assert (await _create(demo_gql, "law-firm"))["userErrors"] == []
    rows = await all_rows(db)
    capped = await _create(demo_gql, "luxury-bags")
    assert capped["workspace"] is None
    assert [e["code"] for e in capped["userErrors"]] == ["DEMO_LIMIT_REACHED"]
    assert await all_rows(db) == rows
    # Once the demos have expired and are purged, there is room again.
    async with db.transaction(Scope.everything()) as session:
        assert await purge_expired(session, dt.datetime.now(dt.UTC) + LIFETIME) == LIMIT
    assert (await _create(demo_gql, "luxury-bags"))["userErrors"] == []


async def test_concurrent_creations_do_not_pass_the_cap(db: Database, demo_gql: GraphQLClient) -> None:
    results = await asyncio.gather(*(_create(demo_gql, "law-firm") for _ in range(LIMIT + 2)))
    codes = sorted(e["code"] for r in results for e in r["userErrors"])
    assert codes == ["DEMO_LIMIT_REACHED"] * 2
    assert sum(r["workspace"] is not None for r in results) == LIMIT


async def _as_workspace(
    db: Database, workspace: str, query: str, variables: dict[str, Any]
) -> ExecutionResult:
    """``query`` run on the schema directly by a caller scoped to one workspace."""
    scope = Scope.of(ids.decode(workspace, "Workspace"))
    reads = db.reads(scope, snapshot=True)
    try:
        context = Context(db=db, scope=scope, request_id="isolation", reads=reads)
        return await schema.execute(query, variables, context_value=context)
    finally:
        await reads.close()


async def test_a_demo_workspace_is_isolated(db: Database, demo_gql: GraphQLClient) -> None:
    one = (await _create(demo_gql, "law-firm"))["workspace"]
    other = (await _create(demo_gql, "law-firm"))["workspace"]
    one_items = [n["id"] for n in one["strategies"]["nodes"][0]["contentItems"]["nodes"]]
    other_items = [n["id"] for n in other["strategies"]["nodes"][0]["contentItems"]["nodes"]]
    assert not set(one_items) & set(other_items)
    # A caller scoped to one workspace reaches none of the other's ids.
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }"
    seen = await _as_workspace(db, one["id"], query, {"ids": [one["id"], *one_items[:50]]})
    assert seen.errors is None
    assert seen.data is not None
    assert all(node is not None for node in seen.data["nodes"])
    hidden = await _as_workspace(db, one["id"], query, {"ids": [other["id"], *other_items[:50]]})
    assert hidden.errors is None
    assert hidden.data is not None
    assert hidden.data["nodes"] == [None] * (1 + min(50, len(other_items)))


async def test_purge_removes_every_row_of_expired_workspaces_and_nothing_else(
    db: Database, demo_gql: GraphQLClient
) -> None:
    expiring = ids.decode((await _create(demo_gql, "luxury-bags"))["workspace"]["id"], "Workspace")
    async with db.transaction(Scope.everything()) as session:
        await purge_expired(session, dt.datetime.now(dt.UTC))  # nothing has expired yet
    before = await all_rows(db)
    of_it = await rows_in(db, expiring)
    assert of_it["content_item"] == len(SCENARIOS["luxury-bags"].content)
    # A later one, which has not expired at the time of the purge.
    await asyncio.sleep(0.01)
    lasting = ids.decode((await _create(demo_gql, "law-firm"))["workspace"]["id"], "Workspace")
    lasting_rows = await rows_in(db, lasting)
    query = "query($id: ID!) { workspace(id: $id) { expiresAt } }"
    expiry = await demo_gql.data(query, id=ids.encode("Workspace", expiring))
    at = dt.datetime.fromisoformat(expiry["workspace"]["expiresAt"])
    async with db.transaction(Scope.everything()) as session:
        assert await purge_expired(session, at) == 1
    assert set((await rows_in(db, expiring)).values()) == {0}
    assert await rows_in(db, lasting) == lasting_rows
    after = await all_rows(db)
    expected = {name: before[name] - of_it.get(name, 0) + lasting_rows.get(name, 0) for name in before}
    expected["organization"] = before["organization"]  # one organization gone, one added
    assert after == expected


async def test_purge_skips_a_workspace_being_written_to_and_takes_it_next_time(
    db: Database, demo_gql: GraphQLClient
) -> None:
    workspace = ids.decode((await _create(demo_gql, "law-firm"))["workspace"]["id"], "Workspace")
    later = dt.datetime.now(dt.UTC) + LIFETIME * 2
    async with db.transaction(Scope.everything()) as writing:
        await create_channel(
            writing, Scope.everything(), workspace, ChannelChanges(platform=Platform.BLOG, name="Blog")
        )
        async with db.transaction(Scope.everything()) as purging:
            # Does not wait for the writer, and does not pull the workspace from under it.
            assert await asyncio.wait_for(purge_expired(purging, later), timeout=10) == 0
    assert (await rows_in(db, workspace))["channel"] == 4
    async with db.transaction(Scope.everything()) as purging:
        assert await purge_expired(purging, later) == 1
    assert set((await rows_in(db, workspace)).values()) == {0}


async def test_the_service_purges_periodically(db: Database, demo_gql: GraphQLClient) -> None:
    workspace = ids.decode((await _create(demo_gql, "law-firm"))["workspace"]["id"], "Workspace")
    async with db.transaction(Scope.everything()) as session:
        found = await session.get(Workspace, workspace)
        assert found is not None
        found.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    purging = asyncio.create_task(purge_periodically(db, 0.05))
    try:
        for _ in range(100):
            if (await rows_in(db, workspace))["workspace"] == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        purging.cancel()
    assert set((await rows_in(db, workspace)).values()) == {0}


async def test_visitors_see_the_demos_visitors_made_but_not_a_members_own(
    db: Database, demo_gql: GraphQLClient
) -> None:
    demo = DemoWorkspaces(Catalog(), LIFETIME, LIMIT)
    async with signed_in(db, demo=demo, demo_mode=True) as visitor:
        theirs = (await _create(visitor, "law-firm"))["workspace"]["id"]
        mine = (await _create(demo_gql, "bakery-da"))["workspace"]["id"]
        seen = await visitor.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=[theirs, mine])
        assert seen["nodes"] == [{"id": theirs}, None]
    # The member who made one sees it (as its owner).
    assert (await demo_gql.data("query($id: ID!) { workspace(id: $id) { id } }", id=mine))["workspace"]
