"""Optimistic concurrency: two updates from the same version, sent at once — one wins, one is told."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.api.builders import call, result_field
from tests.api.helpers import content_item, strategy_graph
from tests.client import GraphQLClient

# mutation, the graph key of the record, the field changed, the payload field
CASES = [
    (mutation, key, field, result_field(mutation))
    for mutation, key, field in (
        ("updateStrategy", "strategy", "name"),
        ("updateTactic", "tactic", "name"),
        ("updateKpi", "kpi", "name"),
        ("updateAudience", "audience", "name"),
        ("updateChannel", "channel", "name"),
        ("updateContentItem", "item", "title"),
    )
]
#: The user errors with the version a conflict reports.
ERRORS_WITH_VERSION = "userErrors { field message code currentVersion }"


async def _target(gql: GraphQLClient, key: str) -> str:
    graph = await strategy_graph(gql)
    if key == "item":
        return str((await content_item(gql, graph, "Draft post"))["id"])
    return str({"tactic": graph["tactics"][0], "kpi": graph["kpis"][0]}.get(key, graph.get(key)))


async def _update(gql: GraphQLClient, mutation: str, payload: str, field: str, input: dict[str, Any]) -> Any:
    return await call(gql, mutation, input, f"{payload} {{ version {field} }}", errors=ERRORS_WITH_VERSION)


@pytest.mark.parametrize(("mutation", "key", "field", "payload"), CASES, ids=[c[0] for c in CASES])
async def test_two_updates_from_the_same_version_one_wins_the_other_gets_conflict(
    gql: GraphQLClient, mutation: str, key: str, field: str, payload: str
) -> None:
    id_ = await _target(gql, key)
    first, second = await asyncio.gather(
        _update(gql, mutation, payload, field, {"id": id_, "version": 1, field: "Written by Ann"}),
        _update(gql, mutation, payload, field, {"id": id_, "version": 1, field: "Written by Bo"}),
    )
    results = [first, second]
    won = [r for r in results if not r["userErrors"]]
    lost = [r for r in results if r["userErrors"]]
    assert len(won) == 1
    assert len(lost) == 1, results
    winner = won[0][payload]
    assert winner["version"] == 2
    (conflict,) = lost[0]["userErrors"]
    assert (conflict["code"], conflict["field"], conflict["currentVersion"]) == ("CONFLICT", ["version"], 2)
    assert lost[0][payload] is None
    # Nothing of the loser's change was written: the record holds the winner's value.
    type_name = payload[0].upper() + payload[1:]
    data = await gql.data(
        f"query($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ version {field} }} }} }}", id=id_
    )
    assert data["node"] == winner


async def test_a_stale_version_reports_the_current_one_and_the_retry_succeeds(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    strategy = graph["strategy"]
    for name, version in (("Second", 1), ("Third", 2)):
        done = await _update(
            gql, "updateStrategy", "strategy", "name", {"id": strategy, "version": version, "name": name}
        )
        assert done["userErrors"] == []
    stale = await _update(
        gql, "updateStrategy", "strategy", "name", {"id": strategy, "version": 1, "name": "Late"}
    )
    assert [(e["code"], e["currentVersion"]) for e in stale["userErrors"]] == [("CONFLICT", 3)]
    retry = await _update(
        gql, "updateStrategy", "strategy", "name", {"id": strategy, "version": 3, "name": "Late"}
    )
    assert (retry["userErrors"], retry["strategy"]) == ([], {"version": 4, "name": "Late"})
