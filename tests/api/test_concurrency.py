"""Many writes at once on the same records: no deadlock, every call applied or told why, a consistent end.

Each test sends many calls to the in-process app at once (``asyncio.gather`` over httpx on the
ASGI app), over a pool with a connection for every call, so their transactions overlap on the
server. The inputs come from a seeded random generator (the same every run); the interleaving
is whatever the server makes of them, so every check holds for any order. A deadlock shows in
PostgreSQL's count of deadlocks of the test's database (``pg_stat_database.deadlocks``): every
test asserts the count did not move, so a retry of deadlocked transactions cannot hide one.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from domain.persistence.database import Database
from domain.persistence.notifications import LISTENER
from domain.persistence.settings import DatabaseSettings, service_url
from tests import auth
from tests.api.builders import db_id
from tests.api.helpers import (
    ERRORS,
    content_item,
    create,
    measurements,
    metrics_of,
    record,
    record_metrics,
    strategy_graph,
)
from tests.client import TWIN, GraphQLClient, signed_in
from tests.conftest import plain_url

#: Calls sent at once; the pool holds a connection for each.
CLIENTS = 12
DAYS = ("2025-03-01", "2025-03-02", "2025-03-03")

MAP = f"""
mutation($input: MapContentItemsInput!) {{
  mapContentItems(input: $input) {{
    contentItems {{ id version tactic {{ id }} primaryKpi {{ id }} kpis {{ id }} }}
    {ERRORS}
  }}
}}
"""
ITEMS = """
query($ids: [ID!]!) {
  nodes(ids: $ids) {
    ... on ContentItem { id version status tactic { id } primaryKpi { id } kpis { id } channel { id } }
  }
}
"""
TRANSITION = """
mutation($input: TransitionContentItemInput!) {
  transitionContentItem(input: $input) {
    contentItem { id version status }
    userErrors { field message code currentVersion }
  }
}
"""
UPDATE_CHANNEL = f"""
mutation($id: ID!, $version: Int!, $channel: ID) {{
  updateContentItem(input: {{id: $id, version: $version, channelId: $channel}}) {{
    contentItem {{ id version channel {{ id }} }}
    {ERRORS}
  }}
}}
"""
DELETE = """
mutation($input: {input}!) {{
  {mutation}(input: $input) {{ deletedId affectedContentCount {errors} }}
}}
"""
EXISTS = "query($id: ID!) { node(id: $id) { id } }"


# -- the crowd and the deadlock count ------------------------------------------------------------


@dataclass
class Crowd:
    """A client of the app over a pool with a connection per concurrent call."""

    client: GraphQLClient
    database: Database


@pytest.fixture
async def crowd(fresh_url: str, db: Database, gql: GraphQLClient) -> AsyncIterator[Crowd]:
    database = Database(service_url(fresh_url, DatabaseSettings()), pool_size=CLIENTS + 2)
    try:
        # Many clients change what others read meanwhile: no second answer to compare with.
        async with signed_in(database, auth.token(auth.OPERATOR), differential=False) as client:
            yield Crowd(client, database)
    finally:
        await database.dispose()


async def _deadlocks(owner: asyncpg.Connection) -> int:
    await owner.execute("SELECT pg_stat_clear_snapshot()")
    count: int = await owner.fetchval(
        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
    )
    return count


async def _others_gone(owner: asyncpg.Connection, within: float = 20) -> None:
    """Wait until no other client is connected to this database: a session's statistics reach
    the shared counters by the time it ends, at the latest."""
    deadline = time.monotonic() + within
    while True:
        others: int = await owner.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            f" AND application_name NOT IN ('{LISTENER}', '{TWIN}')"
        )
        if not others:
            return
        assert time.monotonic() < deadline, f"{others} sessions still connected"
        await asyncio.sleep(0.05)


@asynccontextmanager
async def no_deadlocks(fresh_url: str, *databases: Database) -> AsyncIterator[None]:
    """Assert that PostgreSQL detected no deadlock in this database while the block ran.

    A session counts the deadlocks it ran into and reports them when it is idle (within about
    ten seconds) or when it ends; so at the end every pool is emptied and the count is read
    once the sessions are gone, whichever way the counts would have been reported.
    """
    owner = await asyncpg.connect(plain_url(fresh_url))
    try:
        before = await _deadlocks(owner)
        yield
        for database in databases:
            await database.engine.dispose()
        await _others_gone(owner)
        assert await _deadlocks(owner) == before, "PostgreSQL detected a deadlock"
    finally:
        await owner.close()


async def at_once(calls: Iterable[Any]) -> list[Any]:
    return list(await asyncio.gather(*calls))


def payload_of(body: dict[str, Any]) -> dict[str, Any]:
    """The one payload of a mutation's response, which must hold no GraphQL error (a masked error)."""
    assert "errors" not in body, body["errors"]
    (payload,) = body["data"].values()
    result: dict[str, Any] = payload
    return result


def error_codes(payload: dict[str, Any]) -> set[str]:
    return {error["code"] for error in payload["userErrors"]}


# -- a strategy to work on, and what its rollups must be --------------------------------------------


@dataclass
class World:
    graph: dict[str, Any]
    tactics: list[str]
    kpis: list[str]
    """KPIs computed from content (SUM, AVERAGE, LATEST of REACH), then the two manual ones."""
    items: list[str]
    metrics: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    """Each item's REACH by day."""
    aggregation: dict[str, str] = field(default_factory=dict)


async def world(gql: GraphQLClient, items: int = 12) -> World:
    """A strategy with three tactics, three KPIs computed from content and two typed in, and
    ``items`` items mapped onto them, each with its REACH on some of :data:`DAYS`."""
    graph = await strategy_graph(gql)
    third = await create(
        gql, "createTactic", "tactic", {"strategyId": graph["strategy"], "name": "Insight", "kind": "INSIGHT"}
    )
    tactics = [*graph["tactics"], third["id"]]
    aggregation: dict[str, str] = {}
    computed = []
    for name in ("SUM", "AVERAGE", "LATEST"):
        kpi = await create(
            gql,
            "createKpi",
            "kpi",
            {
                "strategyId": graph["strategy"],
                "name": f"Reach {name}",
                "metric": "REACH",
                "target": "1000",
                "aggregation": name,
                "source": "CONTENT",
            },
        )
        computed.append(kpi["id"])
        aggregation[kpi["id"]] = name
    kpis = [*computed, *graph["kpis"]]
    made = []
    for n in range(items):
        mapping = {"tacticId": tactics[n % 2], "primaryKpiId": kpis[n % 3], "kpiIds": [kpis[n % 3]]}
        made.append((await content_item(gql, graph, f"Post {n}", **mapping))["id"])
    metrics = {
        item: {day: Decimal(10 * n + d + 1) for d, day in enumerate(DAYS) if (n + d) % 3 != 2}
        for n, item in enumerate(made)
    }
    entries = [
        {"contentItemId": item, "metric": "REACH", "observedOn": day, "value": str(value)}
        for item, by_day in metrics.items()
        for day, value in by_day.items()
    ]
    assert (await record_metrics(gql, graph["strategy"], entries))["userErrors"] == []
    return World(graph, tactics, kpis, made, metrics, aggregation)


async def read_items(gql: GraphQLClient, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    nodes = (await gql.data(ITEMS, ids=list(ids)))["nodes"]
    return {node["id"]: node for node in nodes}


def mapping_of(node: dict[str, Any]) -> tuple[str | None, str | None, frozenset[str]]:
    """An item's tactic, primary KPI and KPIs, as read back."""
    tactic = node["tactic"]["id"] if node["tactic"] else None
    primary = node["primaryKpi"]["id"] if node["primaryKpi"] else None
    return tactic, primary, frozenset(kpi["id"] for kpi in node["kpis"])


def expected_rollups(w: World, nodes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Decimal]]:
    """What each computed KPI's rollup must hold, worked out here from the items' metrics and links."""
    expected: dict[str, dict[str, Decimal]] = {}
    for kpi, aggregation in w.aggregation.items():
        serving = [
            item
            for item, node in nodes.items()
            if node["status"] != "ARCHIVED" and kpi in mapping_of(node)[2]
        ]
        total = Decimal(0)
        count = 0
        values: dict[str, Decimal] = {}
        for day in DAYS:
            found = [w.metrics[item][day] for item in serving if day in w.metrics[item]]
            if not found:
                continue
            total += sum(found, Decimal(0))
            count += len(found)
            if aggregation == "SUM":
                values[day] = total
            elif aggregation == "AVERAGE":
                values[day] = round(total / count, 4)
            else:
                values[day] = sum(found, Decimal(0))
        expected[kpi] = values
    return expected


async def assert_rollups_recomputed(gql: GraphQLClient, w: World) -> None:
    nodes = await read_items(gql, w.items)
    for kpi, values in expected_rollups(w, nodes).items():
        rows = await measurements(gql, kpi)
        assert {row["observedOn"]: Decimal(row["value"]) for row in rows} == values, w.aggregation[kpi]


# -- mapping many items at once ---------------------------------------------------------------------


def random_mapping(rng: random.Random, tactics: Sequence[str], kpis: Sequence[str]) -> dict[str, Any]:
    served = rng.sample(list(kpis), rng.randint(1, 3))
    return {"tacticId": rng.choice(list(tactics)), "primaryKpiId": served[0], "kpiIds": served}


def map_call(
    rng: random.Random,
    w: World,
    versions: dict[str, int] | None,
    tactics: Sequence[str] | None = None,
    kpis: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """A batch of 4–7 of the items in a shuffled order, each with a random mapping."""
    chosen = rng.sample(w.items, rng.randint(4, 7))
    entries = []
    for item in chosen:
        entry = {"id": item, **random_mapping(rng, tactics or w.tactics, kpis or w.kpis)}
        if versions is not None:
            entry["version"] = versions[item]
        entries.append(entry)
    return entries


@dataclass
class Applied:
    """A mapping an item got from a call, and the version the call gave it."""

    version: int
    tactic: str
    primary: str
    kpis: frozenset[str]


def applied_mappings(entries: list[dict[str, Any]], payload: dict[str, Any]) -> dict[str, Applied]:
    """What an applied call gave each of its items (the links a payload shows are read after the
    call, when a later call may have changed them already: the call's own entries say what it wrote)."""
    versions = {node["id"]: node["version"] for node in payload["contentItems"]}
    return {
        entry["id"]: Applied(
            versions[entry["id"]], entry["tacticId"], entry["primaryKpiId"], frozenset(entry["kpiIds"])
        )
        for entry in entries
    }


async def test_many_clients_mapping_overlapping_items_in_any_order_never_deadlock(
    gql: GraphQLClient, crowd: Crowd, fresh_url: str, db: Database
) -> None:
    w = await world(gql)
    rng = random.Random(20250301)
    start = {id_: node["version"] for id_, node in (await read_items(gql, w.items)).items()}
    history: dict[str, list[Applied]] = {item: [] for item in w.items}
    conflicts = 0
    async with no_deadlocks(fresh_url, db, crowd.database):
        for _round in range(2):
            versions = {id_: node["version"] for id_, node in (await read_items(gql, w.items)).items()}
            # Half the calls say which version they saw (a stale one is a CONFLICT), half do not.
            calls = [map_call(rng, w, versions if n % 2 else None) for n in range(CLIENTS)]
            bodies = await at_once(crowd.client.post(MAP, input={"items": entries}) for entries in calls)
            for entries, body in zip(calls, bodies, strict=True):
                payload = payload_of(body)
                if payload["userErrors"]:
                    assert "version" in entries[0], payload["userErrors"]
                    assert error_codes(payload) == {"CONFLICT"}, payload["userErrors"]
                    assert payload["contentItems"] is None
                    conflicts += 1
                    continue
                for item, mapping in applied_mappings(entries, payload).items():
                    if "version" in entries[0]:
                        assert mapping.version == versions[item] + 1
                    history[item].append(mapping)
    # Calls sent with the versions of the round's start, sharing items (4 to 7 of 12 each): all but
    # the first on an item are stale.
    assert conflicts
    final = await read_items(gql, w.items)
    for item, applied in history.items():
        # The calls on an item took turns: each applied one made the next version.
        assert sorted(m.version for m in applied) == list(
            range(start[item] + 1, start[item] + len(applied) + 1)
        )
        assert final[item]["version"] == start[item] + len(applied)
        if applied:
            last = max(applied, key=lambda m: m.version)
            assert mapping_of(final[item]) == (last.tactic, last.primary, last.kpis)
    await assert_rollups_recomputed(gql, w)


# -- deleting what content uses while it is being mapped ---------------------------------------------


@dataclass(frozen=True)
class Deletion:
    mutation: str
    on_content: str


DELETIONS = [
    Deletion("deleteTactic", "UNMAP"),
    Deletion("deleteTactic", "REASSIGN"),
    Deletion("deleteKpi", "UNMAP"),
    Deletion("deleteKpi", "REASSIGN"),
]


def after_deletion(
    mapping: tuple[str | None, str | None, frozenset[str]], d: Deletion, doomed: str, target: str | None
) -> tuple[str | None, str | None, frozenset[str]]:
    """What the deletion makes of an item's mapping."""
    tactic, primary, kpis = mapping
    if d.mutation == "deleteTactic":
        return (target if tactic == doomed else tactic), primary, kpis
    if doomed in kpis:
        kpis = (kpis - {doomed}) | ({target} if target else set())
    if primary == doomed:
        primary = target
    return tactic, primary, kpis


def uses(mapping: tuple[str | None, str | None, frozenset[str]], doomed: str) -> bool:
    tactic, primary, kpis = mapping
    return doomed in (tactic, primary) or doomed in kpis


@pytest.mark.parametrize("deletion", DELETIONS, ids=[f"{d.mutation}-{d.on_content}" for d in DELETIONS])
async def test_deleting_a_tactic_or_kpi_while_content_is_mapped_onto_it_never_deadlocks(
    gql: GraphQLClient, crowd: Crowd, fresh_url: str, db: Database, deletion: Deletion
) -> None:
    w = await world(gql)
    rng = random.Random(DELETIONS.index(deletion))
    by_tactic = deletion.mutation == "deleteTactic"
    # The doomed part and the REASSIGN target: the first tactic, or the SUM KPI; the maps use the
    # doomed part, its target and one more.
    doomed, target = (w.tactics if by_tactic else w.kpis)[:2]
    tactics = w.tactics[:3] if by_tactic else w.tactics
    kpis = w.kpis if by_tactic else w.kpis[:3]
    start = await read_items(gql, w.items)
    before = {item: mapping_of(node) for item, node in start.items()}
    calls = [map_call(rng, w, None, tactics, kpis) for _ in range(CLIENTS - 1)]
    delete_input: dict[str, Any] = {"id": doomed, "onContent": deletion.on_content}
    if deletion.on_content == "REASSIGN":
        delete_input["reassignToId"] = target
    type_name = deletion.mutation[0].upper() + deletion.mutation[1:] + "Input"
    delete = DELETE.format(input=type_name, mutation=deletion.mutation, errors=ERRORS)
    async with no_deadlocks(fresh_url, db, crowd.database):
        posts = [crowd.client.post(MAP, input={"items": entries}) for entries in calls]
        posts.insert(len(posts) // 2, crowd.client.post(delete, input=delete_input))
        bodies = await at_once(posts)
    deleted = payload_of(bodies.pop(len(calls) // 2))
    assert deleted["userErrors"] == []
    assert deleted["deletedId"] == doomed
    history: dict[str, list[Applied]] = {item: [] for item in w.items}
    for entries, body in zip(calls, bodies, strict=True):
        payload = payload_of(body)
        if payload["userErrors"]:
            # Only a call that came after the deletion is refused: it names what is gone.
            assert error_codes(payload) == {"NOT_FOUND"}, payload["userErrors"]
            assert all(e["field"][2] in ("tacticId", "primaryKpiId", "kpiIds") for e in payload["userErrors"])
            continue
        for item, mapping in applied_mappings(entries, payload).items():
            history[item].append(mapping)
    final = await read_items(gql, w.items)
    assert (await gql.data(EXISTS, id=doomed))["node"] is None
    changed_by_deletion = 0
    for item, applied in history.items():
        node = final[item]
        assert not uses(mapping_of(node), doomed), node
        versions = sorted(m.version for m in applied)
        v0 = start[item]["version"]
        assert len(set(versions)) == len(versions)
        if node["version"] == v0 + len(applied):
            assert versions == list(range(v0 + 1, node["version"] + 1))
            expected = max(applied, key=lambda m: m.version) if applied else None
            assert mapping_of(node) == (
                (expected.tactic, expected.primary, expected.kpis) if expected else before[item]
            )
            continue
        # The deletion changed the item too: one version among those of the maps is its.
        changed_by_deletion += 1
        assert node["version"] == v0 + len(applied) + 1
        (between,) = set(range(v0 + 1, node["version"] + 1)) - set(versions)
        earlier = [m for m in applied if m.version < between]
        latest = max(earlier, key=lambda m: m.version) if earlier else None
        seen = (latest.tactic, latest.primary, latest.kpis) if latest else before[item]
        assert uses(seen, doomed)  # what the deletion found the item using
        if between == node["version"]:
            moved_to = target if deletion.on_content == "REASSIGN" else None
            assert mapping_of(node) == after_deletion(seen, deletion, doomed, moved_to)
        else:
            last = max(applied, key=lambda m: m.version)
            assert mapping_of(node) == (last.tactic, last.primary, last.kpis)
    assert deleted["affectedContentCount"] == changed_by_deletion
    w.aggregation.pop(doomed, None)
    await assert_rollups_recomputed(gql, w)


async def test_deleting_a_channel_while_content_moves_onto_it_never_deadlocks(
    gql: GraphQLClient, crowd: Crowd, fresh_url: str, db: Database
) -> None:
    w = await world(gql)
    second = await create(
        gql,
        "createChannel",
        "channel",
        {"workspaceId": w.graph["workspace"], "platform": "INSTAGRAM", "name": "Instagram"},
    )
    doomed, target = w.graph["channel"], second["id"]
    rng = random.Random(7)
    nodes = await read_items(gql, w.items)
    for n, item in enumerate(w.items[::2]):
        channel = doomed if n % 2 else target
        body = await gql.post(UPDATE_CHANNEL, id=item, version=nodes[item]["version"], channel=channel)
        assert payload_of(body)["userErrors"] == []
    nodes = await read_items(gql, w.items)
    moves = [
        crowd.client.post(
            UPDATE_CHANNEL, id=item, version=nodes[item]["version"], channel=rng.choice([doomed, target])
        )
        for item in rng.sample(w.items, CLIENTS // 2)
    ]
    maps = [crowd.client.post(MAP, input={"items": map_call(rng, w, None)}) for _ in range(CLIENTS // 2 - 1)]
    delete = DELETE.format(input="DeleteChannelInput", mutation="deleteChannel", errors=ERRORS)
    reassign = {"id": doomed, "onContent": "REASSIGN", "reassignToId": target}
    async with no_deadlocks(fresh_url, db, crowd.database):
        posts = [*moves[:3], *maps[:2], crowd.client.post(delete, input=reassign), *moves[3:], *maps[2:]]
        bodies = await at_once(posts)
    for body in bodies:
        payload = payload_of(body)
        if "deletedId" in payload:
            assert payload["userErrors"] == []
            assert payload["deletedId"] == doomed
        elif payload["userErrors"]:
            # A move from a version another call changed meanwhile, or onto the channel once gone.
            assert error_codes(payload) <= {"CONFLICT", "NOT_FOUND"}, payload["userErrors"]
    final = await read_items(gql, w.items)
    assert all(node["channel"] is None or node["channel"]["id"] != doomed for node in final.values())
    assert (await gql.data(EXISTS, id=doomed))["node"] is None


# -- the same item moved twice at once --------------------------------------------------------------


async def test_two_transitions_of_one_item_from_the_same_version_one_wins(
    gql: GraphQLClient, crowd: Crowd, fresh_url: str, db: Database
) -> None:
    w = await world(gql, items=CLIENTS // 2)
    nodes = await read_items(gql, w.items)
    steps = [("DRAFT", "ARCHIVED"), ("ARCHIVED", "DRAFT")]
    calls = []
    for n, item in enumerate(w.items):
        for to in steps[n % 2]:
            calls.append((item, to))
    async with no_deadlocks(fresh_url, db, crowd.database):
        bodies = await at_once(
            crowd.client.post(TRANSITION, input={"id": item, "version": nodes[item]["version"], "to": to})
            for item, to in calls
        )
    won: dict[str, str] = {}
    for (item, to), body in zip(calls, bodies, strict=True):
        payload = payload_of(body)
        if payload["userErrors"]:
            ((code, version),) = {(e["code"], e["currentVersion"]) for e in payload["userErrors"]}
            assert (code, version) == ("CONFLICT", nodes[item]["version"] + 1)
            continue
        assert item not in won, "both transitions of one item went through"
        won[item] = to
        assert payload["contentItem"]["version"] == nodes[item]["version"] + 1
    assert set(won) == set(w.items)
    final = await read_items(gql, w.items)
    assert {item: node["status"] for item, node in final.items()} == won
    await assert_rollups_recomputed(gql, w)


# -- batches of measurements and metrics on overlapping rows ------------------------------------------


async def test_batches_of_measurements_on_overlapping_rows_in_any_order_never_deadlock(
    gql: GraphQLClient, crowd: Crowd, fresh_url: str, db: Database
) -> None:
    graph = await strategy_graph(gql)
    days = [f"2025-04-{d:02d}" for d in range(1, 21)]
    keys = [(kpi, day) for kpi in graph["kpis"] for day in days]
    rng = random.Random(11)
    batches = []
    for n in range(CLIENTS):
        chosen = rng.sample(keys, 24)
        batches.append([{"kpiId": kpi, "observedOn": day, "value": str(n)} for kpi, day in chosen])
    async with no_deadlocks(fresh_url, db, crowd.database):
        bodies = await at_once(
            crowd.client.post(
                "mutation($input: RecordKpiMeasurementsInput!) { recordKpiMeasurements(input: $input)"
                f" {{ created updated unchanged {ERRORS} }} }}",
                input={"strategyId": graph["strategy"], "measurements": batch},
            )
            for batch in batches
        )
    written: dict[tuple[str, str], set[str]] = {}
    for batch, body in zip(batches, bodies, strict=True):
        payload = payload_of(body)
        assert payload["userErrors"] == []
        assert payload["created"] + payload["updated"] + payload["unchanged"] == len(batch)
        for entry in batch:
            written.setdefault((entry["kpiId"], entry["observedOn"]), set()).add(entry["value"])
    # Every row was created once; every batch that came later updated it.
    assert sum(payload_of(b)["created"] for b in bodies) == len(written)
    for kpi in graph["kpis"]:
        for row in await measurements(gql, kpi):
            assert str(int(Decimal(row["value"]))) in written[(kpi, row["observedOn"])]
    again = await record(
        gql, graph["strategy"], [{"kpiId": k, "observedOn": d, "value": "1"} for k, d in keys]
    )
    assert again["userErrors"] == []


async def test_batches_of_content_metrics_racing_maps_leave_rollups_right(
    gql: GraphQLClient, crowd: Crowd, fresh_url: str, db: Database
) -> None:
    w = await world(gql)
    rng = random.Random(5)
    batches = []
    for n in range(CLIENTS // 2):
        entries = []
        for item in rng.sample(w.items, 8):
            for day in rng.sample(DAYS, 2):
                entries.append(
                    {"contentItemId": item, "metric": "REACH", "observedOn": day, "value": str(100 + n)}
                )
        batches.append(entries)
    maps = [map_call(rng, w, None) for _ in range(CLIENTS // 2)]
    posts = []
    for batch, entries in zip(batches, maps, strict=True):
        posts.append(record_metrics(crowd.client, w.graph["strategy"], batch))
        posts.append(crowd.client.post(MAP, input={"items": entries}))
    async with no_deadlocks(fresh_url, db, crowd.database):
        results = await at_once(posts)
    for result in results:
        payload = payload_of(result) if "data" in result else result
        assert payload["userErrors"] == []
    # The metrics now: the last batch to write a metric holds it (any order); read them back.
    final_metrics = {}
    for item in w.items:
        found = await metrics_of(gql, item)
        final_metrics[item] = {m["observedOn"]: Decimal(m["value"]) for m in found}
    w.metrics = final_metrics
    await assert_rollups_recomputed(gql, w)


# -- the one case a write is refused rather than made to wait -----------------------------------------


async def _waiting_for_a_lock(owner: asyncpg.Connection, within: float = 10) -> None:
    deadline = time.monotonic() + within
    while True:
        waiting: int = await owner.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        if waiting:
            return
        assert time.monotonic() < deadline, "the map never waited for the item"
        await asyncio.sleep(0.01)


async def test_an_item_that_came_to_serve_a_kpi_being_deleted_is_a_conflict_not_a_deadlock(
    gql: GraphQLClient, fresh_url: str, db: Database
) -> None:
    """A map locks the KPIs an item serves, then the item. Should the item come to serve another KPI
    in between, and that KPI be held for its deletion (which then waits for the item), the map
    is told CONFLICT at once instead of waiting for the deletion, which would be a deadlock."""
    w = await world(gql, items=1)
    (item,) = w.items
    served, other = w.kpis[0], w.kpis[1]
    async with no_deadlocks(fresh_url, db):
        mapper = await asyncpg.connect(plain_url(fresh_url))
        deleter = await asyncpg.connect(plain_url(fresh_url))
        try:
            changing = mapper.transaction()
            await changing.start()
            # Another map of the item, under way: it holds the item and links it to the other KPI
            # (without the foreign key's lock on that KPI, so the deletion below can hold it).
            await mapper.execute("SET LOCAL session_replication_role = replica")
            await mapper.execute("SELECT 1 FROM content_item WHERE id = $1 FOR NO KEY UPDATE", db_id(item))
            await mapper.execute(
                "INSERT INTO content_item_kpi (workspace_id, strategy_id, content_item_id, kpi_id)"
                " SELECT workspace_id, strategy_id, id, $2 FROM content_item WHERE id = $1",
                db_id(item),
                db_id(other),
            )
            deleting = deleter.transaction()
            await deleting.start()
            await deleter.execute("SELECT 1 FROM kpi WHERE id = $1 FOR UPDATE", db_id(other))
            entry = {"id": item, "tacticId": w.tactics[0], "primaryKpiId": served}
            mapping = asyncio.create_task(gql.post(MAP, input={"items": [entry]}))
            await _waiting_for_a_lock(deleter)
            await changing.commit()
            payload = payload_of(await asyncio.wait_for(mapping, 10))
            await deleting.rollback()
        finally:
            await mapper.close()
            await deleter.close()
    refused = [(e["field"], e["code"]) for e in payload["userErrors"]]
    assert refused == [(["items", "0", "version"], "CONFLICT")]
