"""Tenants are sealed from each other: what holds a role in workspace A finds nothing of workspace B.

The callers: a member who is OWNER of workspace A only, a member who is OWNER of A's
organization, and an ADMIN API key of workspace A. Against the records of workspace B
(in another organization) they find nothing by id, list nothing, change nothing, and are
told NOT_FOUND, never FORBIDDEN: "forbidden" would tell them that the record exists.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from domain.access.roles import Role
from domain.content.models import ContentStatus
from domain.persistence.database import Database
from schema.mutation import Open
from tests import auth
from tests.api.builders import db_id, global_id
from tests.api.catalog import CATALOG, Call, item_in, made, refusal
from tests.api.helpers import ERRORS
from tests.api.world import GRAPHQL, NODE_TYPE_NAMES, Side, World, build_world, version
from tests.client import GraphQLClient, signed_in


@dataclass
class Tenants:
    world: World
    callers: dict[str, GraphQLClient]
    """Who acts from A's side, by a name for the messages."""


@pytest.fixture
async def tenants(db: Database, gql: GraphQLClient) -> AsyncIterator[Tenants]:
    world = await build_world(db, gql)
    await auth.grant(db, "owner-of-a", Role.OWNER, workspace_id=db_id(world.a.workspace))
    await auth.grant(db, "owner-of-org-1", Role.OWNER, organization_id=db_id(world.a.organization))
    credentials = {
        "owner of workspace A": auth.token("owner-of-a"),
        "owner of organization 1": auth.token("owner-of-org-1"),
        "API key of workspace A": world.a.key_token,
    }
    async with AsyncExitStack() as stack:
        callers = {
            name: await stack.enter_async_context(signed_in(db, credential))
            for name, credential in credentials.items()
        }
        yield Tenants(world, callers)


# -- (a) by id ----------------------------------------------------------------------------------

NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
ENTRY_POINTS = """
query($organization: ID!, $workspace: ID!, $strategy: ID!, $item: ID!) {
  organization(id: $organization) { id }
  workspace(id: $workspace) { id }
  strategy(id: $strategy) { id }
  contentItem(id: $item) { id }
}
"""


def entry_points(side: Side) -> dict[str, str]:
    return {
        "organization": side.organization,
        "workspace": side.workspace,
        "strategy": side.strategy,
        "item": side.item,
    }


async def test_the_world_has_a_record_of_every_node_type_on_both_sides(tenants: Tenants) -> None:
    for side in (tenants.world.a, tenants.world.b):
        held = side.ids()
        lacking = [name for name in NODE_TYPE_NAMES if not held.get(name)]
        assert not lacking, f"tests/api/world.py makes no {lacking} in workspace {side.label}"


async def test_nothing_of_another_tenant_is_found_by_id(tenants: Tenants) -> None:
    world = tenants.world
    theirs, ours = world.b.ids(), world.a.ids()
    for name, client in tenants.callers.items():
        for kind in NODE_TYPE_NAMES:
            for id_ in theirs[kind]:
                assert (await client.data(NODE, id=id_))["node"] is None, (name, kind, id_)
            found = (await client.data(NODES, ids=theirs[kind]))["nodes"]
            assert found == [None] * len(theirs[kind]), (name, kind)
            # The same caller does find its own side's records of the type.
            mine = (await client.data(NODES, ids=ours[kind]))["nodes"]
            assert [node and node["id"] for node in mine] == ours[kind], (name, kind)
        assert (await client.data(ENTRY_POINTS, **entry_points(world.b))) == {
            "organization": None,
            "workspace": None,
            "strategy": None,
            "contentItem": None,
        }, name
        seen = await client.data(ENTRY_POINTS, **entry_points(world.a))
        assert all(seen.values()), (name, seen)


# -- (b) changes ---------------------------------------------------------------------------------


def targeted() -> Iterator[str]:
    """The catalog entries that act on something (all but those open to anyone or any member)."""
    return (key for key, entry in CATALOG.items() if not isinstance(entry.action, Open))


async def _refused_as_unknown(world: World, client: GraphQLClient, name: str, call: Call) -> str | None:
    """Send a call that must be told NOT_FOUND and change nothing; what went wrong, or None."""
    problem = await refusal(world.db, client.http, call, "NOT_FOUND")
    return None if problem is None else f"{name}: {problem}"


async def test_every_mutation_on_another_tenant_finds_nothing_and_changes_nothing(tenants: Tenants) -> None:
    world = tenants.world
    for key in CATALOG.keys() - set(targeted()):
        call = await CATALOG[key].build(world, world.b)
        assert (call.workspace, call.organization) == (None, None), f"{key} is open to all, yet has a target"
    failures = []
    for who, client in tenants.callers.items():
        for key in targeted():
            call = await CATALOG[key].build(world, world.b)
            failure = await _refused_as_unknown(world, client, f"{who} × {key} on B", call)
            if failure is not None:
                failures.append(failure)
    assert not failures, "\n".join(failures)


CREATE_ITEM = f"""
mutation($input: CreateContentItemInput!) {{
  createContentItem(input: $input) {{ contentItem {{ id }} {ERRORS} }}
}}
"""
Mixed = Callable[[World, Side, Side], Awaitable[Call]]


async def _item_with_their_references(world: World, a: Side, b: Side) -> Call:
    input = {
        "strategyId": a.strategy,
        "title": "Borrowed",
        "format": "POST",
        "tacticId": b.tactics[0],
        "primaryKpiId": b.kpis[0],
        "channelId": b.channels[0],
        "audienceIds": [b.audience],
    }
    return Call("createContentItem", input)


async def _item_moved_to_their_channel(world: World, a: Side, b: Side) -> Call:
    input = {"id": a.item, "version": await version(world, a.item), "channelId": b.channels[0]}
    return Call("updateContentItem", input)


async def _item_shown_to_their_audience(world: World, a: Side, b: Side) -> Call:
    input = {"id": a.item, "version": await version(world, a.item), "audienceIds": [b.audience]}
    return Call("updateContentItem", input)


async def _item_mapped_to_their_tactic(world: World, a: Side, b: Side) -> Call:
    item = await made(world, a, "createContentItem")
    return Call("mapContentItem", {"id": item, "tacticId": b.tactics[0], "primaryKpiId": a.kpis[0]})


async def _item_mapped_to_their_kpi(world: World, a: Side, b: Side) -> Call:
    item = await made(world, a, "createContentItem")
    input = {"items": [{"id": item, "tacticId": a.tactics[0], "primaryKpiId": b.kpis[0]}]}
    return Call("mapContentItems", input)


async def _kpi_on_their_tactic(world: World, a: Side, b: Side) -> Call:
    input = {
        "strategyId": a.strategy,
        "name": "Borrowed",
        "metric": "REACH",
        "target": "1",
        "tacticIds": [b.tactics[0]],
    }
    return Call("createKpi", input)


async def _kpi_on_their_channel(world: World, a: Side, b: Side) -> Call:
    kpi = a.kpis[0]
    return Call("updateKpi", {"id": kpi, "version": await version(world, kpi), "channelId": b.channels[0]})


async def _kpi_for_their_audience(world: World, a: Side, b: Side) -> Call:
    kpi = a.kpis[0]
    return Call("updateKpi", {"id": kpi, "version": await version(world, kpi), "audienceIds": [b.audience]})


async def _their_channel_chosen(world: World, a: Side, b: Side) -> Call:
    return Call("createStrategyChannel", {"strategyId": a.strategy, "channelId": b.channels[1]})


async def _chosen_channel_for_their_audience(world: World, a: Side, b: Side) -> Call:
    chosen = a.strategy_channel
    input = {"id": chosen, "version": await version(world, chosen), "audienceIds": [b.audience]}
    return Call("updateStrategyChannel", input)


async def _their_kpi_measured_in_our_strategy(world: World, a: Side, b: Side) -> Call:
    entries = [{"kpiId": b.kpis[0], "observedOn": world.day(), "value": "1", "source": "MANUAL"}]
    return Call("recordKpiMeasurements", {"strategyId": a.strategy, "measurements": entries})


async def _their_item_measured_in_our_strategy(world: World, a: Side, b: Side) -> Call:
    entries = [{"contentItemId": b.item, "metric": "REACH", "observedOn": world.day(), "value": "1"}]
    return Call("recordContentMetrics", {"strategyId": a.strategy, "metrics": entries})


async def _content_reassigned_to_their_tactic(world: World, a: Side, b: Side) -> Call:
    tactic = await made(world, a, "createTactic")
    on_it = {"tacticId": tactic, "primaryKpiId": a.kpis[0]}
    await world.gql.mutate(
        CREATE_ITEM, input={"strategyId": a.strategy, "title": "On it", "format": "POST", **on_it}
    )
    return Call("deleteTactic", {"id": tactic, "onContent": "REASSIGN", "reassignToId": b.tactics[0]})


#: Changes of A's records that name one of B's: B's record must read as unknown.
MIXED: dict[str, Mixed] = {
    "a content item on their tactic, KPI, channel and audience": _item_with_their_references,
    "a content item moved to their channel": _item_moved_to_their_channel,
    "a content item shown to their audience": _item_shown_to_their_audience,
    "a content item mapped to their tactic": _item_mapped_to_their_tactic,
    "content items mapped to their KPI": _item_mapped_to_their_kpi,
    "a KPI of their tactic": _kpi_on_their_tactic,
    "a KPI on their channel": _kpi_on_their_channel,
    "a KPI for their audience": _kpi_for_their_audience,
    "their channel chosen for our strategy": _their_channel_chosen,
    "a chosen channel for their audience": _chosen_channel_for_their_audience,
    "their KPI measured through our strategy": _their_kpi_measured_in_our_strategy,
    "their content measured through our strategy": _their_item_measured_in_our_strategy,
    "our content reassigned to their tactic": _content_reassigned_to_their_tactic,
}


async def test_our_records_cannot_be_tied_to_theirs(tenants: Tenants) -> None:
    world = tenants.world
    failures = []
    for who, client in tenants.callers.items():
        for name, build in MIXED.items():
            call = await build(world, world.a, world.b)
            failure = await _refused_as_unknown(world, client, f"{who} × {name}", call)
            if failure is not None:
                failures.append(failure)
    assert not failures, "\n".join(failures)


async def test_a_member_of_another_tenant_reads_as_unknown(tenants: Tenants) -> None:
    """Naming B's member as an owner or assignee is answered as for a member id that exists nowhere.

    A caller who cannot see B's member (``node`` gives null) must not learn that the id is a
    member's: NOT_A_MEMBER would tell them so, where an unknown id gets NOT_FOUND.
    """
    world = tenants.world
    nobody = global_id("Member")
    assert (await world.gql.data(NODE, id=nobody))["node"] is None
    failures = []
    for who, client in tenants.callers.items():
        for member in (nobody, world.b.member):
            item = {"id": world.a.item, "version": await version(world, world.a.item), "assigneeId": member}
            strategy = {"workspaceId": world.a.workspace, "name": "Owned", "ownerId": member}
            tactic = {"id": world.a.tactics[1], "version": await version(world, world.a.tactics[1])}
            for call in (
                Call("updateContentItem", item),
                Call("createStrategy", strategy),
                Call("updateTactic", {**tactic, "ownerId": member}),
            ):
                name = f"{who} × {call.mutation} naming {'B' if member == world.b.member else 'no'} member"
                failure = await _refused_as_unknown(world, client, name, call)
                if failure is not None:
                    failures.append(failure)
    assert not failures, "\n".join(failures)


# -- (c) lists -----------------------------------------------------------------------------------


def _activity(owner: str) -> str:
    """The activity of a type, if the schema has an activity log."""
    if "activity" not in GRAPHQL.get_type(owner).fields:  # type: ignore[union-attr]
        return ""
    return "activity(first: 100) { nodes { id nodeId node { __typename id } } }"


BROAD = f"""
query($o1: ID!, $o2: ID!) {{
  viewer {{
    member {{ id }}
    memberships(first: 100) {{ nodes {{ id organization {{ id }} workspace {{ id }} member {{ id }} }} }}
    myOpenWork(first: 100) {{ nodes {{ id strategy {{ id }} }} }}
  }}
  ours: apiKeys(organizationId: $o1, first: 100) {{
    nodes {{ id organization {{ id }} workspace {{ id }} createdBy {{ id }} }}
  }}
  theirs: apiKeys(organizationId: $o2, first: 100) {{ nodes {{ id }} }}
  organizations(first: 100) {{
    nodes {{
      id
      members(first: 100) {{ nodes {{ id member {{ id }} workspace {{ id }} }} }}
      workspaces(first: 100) {{
        nodes {{
          id
          members(first: 100) {{ nodes {{ id member {{ id }} }} }}
          {_activity("Workspace")}
          channels(first: 100) {{ nodes {{ id strategyChannels {{ id }} }} }}
          strategies(first: 100) {{
            nodes {{
              id owner {{ id }}
              {_activity("Strategy")}
              tactics {{ id owner {{ id }} }}
              audiences {{ id }}
              channels {{ id channel {{ id }} audiences {{ id }} }}
              kpis {{ id owner {{ id }} measurements(first: 100) {{ nodes {{ id }} }} }}
              contentItems(first: 100) {{
                nodes {{
                  id assignee {{ id }}
                  comments(first: 100) {{ nodes {{ id }} }}
                  metrics(first: 100) {{ nodes {{ id }} }}
                  {_activity("ContentItem")}
                }}
              }}
            }}
          }}
        }}
      }}
    }}
  }}
}}
"""


def ids_in(found: Any) -> set[str]:
    """Every id (and activity ``nodeId``) anywhere in a response."""
    if isinstance(found, dict):
        own = {value for key, value in found.items() if key in ("id", "nodeId") and isinstance(value, str)}
        return own.union(*(ids_in(value) for value in found.values()))
    if isinstance(found, list):
        return set().union(*(ids_in(value) for value in found))
    return set()


async def test_lists_never_show_another_tenant(tenants: Tenants) -> None:
    world = tenants.world
    # Work waiting for a review decision on both sides: "my open work" must show only A's.
    ours, _ = await item_in(world, world.a, ContentStatus.IN_REVIEW)
    theirs, _ = await item_in(world, world.b, ContentStatus.IN_REVIEW)
    everything_of_b = world.b.every_id() | {theirs}
    for who, client in tenants.callers.items():
        data = await client.data(BROAD, o1=world.a.organization, o2=world.b.organization)
        seen = ids_in(data)
        assert not seen & everything_of_b, (who, sorted(seen & everything_of_b))
        assert data["theirs"]["nodes"] == [], who
        # What was read is A's world, so the lists were not simply empty.
        expected = {world.a.organization, world.a.workspace, world.a.strategy, world.a.item, world.a.comment}
        expected |= {world.a.metric, world.a.measurement, world.a.api_key, world.a.member, *world.a.tactics}
        assert expected <= seen, (who, expected - seen)
        if who != "API key of workspace A":
            assert ours in {node["id"] for node in data["viewer"]["myOpenWork"]["nodes"]}, who
        if world.a.activity:
            assert set(world.a.activity) & seen, who


# -- (d) the document download -------------------------------------------------------------------


async def test_the_document_of_another_tenants_strategy_is_not_found(tenants: Tenants) -> None:
    world = tenants.world
    for who, client in tenants.callers.items():
        response = await client.http.get(f"/strategies/{world.b.strategy}/document.md")
        assert response.status_code == 404, (who, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert world.b.strategy not in response.text
        own = await client.http.get(f"/strategies/{world.a.strategy}/document.md")
        assert own.status_code == 200, (who, own.text)
