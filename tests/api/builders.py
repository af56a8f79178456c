"""Shared tools for the mutation tests: call a mutation, read its errors, snapshot records.

``refused`` runs a mutation that must fail and checks that a follow-up query shows
nothing changed: the watched records (and the number of organizations) look exactly as
before, version and ``updatedAt`` included.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from schema import ids
from tests.api.helpers import ERRORS, create, strategy_graph
from tests.client import GraphQLClient

Expected = Sequence[tuple[list[str] | None, str]]

FRAGMENTS = """
fragment O on Organization { name version updatedAt workspaces { nodes { id } } }
fragment W on Workspace {
  name version updatedAt strategies { nodes { id } } workspaceChannels: channels { nodes { id name } }
}
fragment S on Strategy {
  name purpose startsOn endsOn strategyStatus: status version updatedAt
  tactics { id name position } audiences { id } channels { id } kpis { id }
  contentItems { totalCount nodes { id } }
}
fragment T on Tactic { name kind description targetShare position version updatedAt kpis { id } }
fragment A on Audience {
  name description genders ageMin ageMax interests familyStatuses locations behaviours
  buyingProcess buyingNotes version updatedAt
}
fragment C on Channel { platform name handle url version updatedAt }
fragment SC on StrategyChannel {
  role rationale version updatedAt chosenChannel: channel { id } audiences { id }
}
fragment K on Kpi {
  name description metric unit baseline target direction startsOn deadline aggregation
  version updatedAt channel { id } tactics { id } audiences { id }
  measurements { nodes { id observedOn value source note version } }
}
fragment KM on KpiMeasurement { observedOn value source note version updatedAt }
fragment CI on ContentItem {
  title brief format status plannedAt publishedAt url version updatedAt mapped
  tactic { id } primaryKpi { id } kpis { id } channel { id } audiences { id }
  metrics { nodes { id metric observedOn value version } }
}
fragment CM on ContentMetric { metric observedOn value version updatedAt }
"""

SNAPSHOT = (
    """
query($ids: [ID!]!) {
  organizations { totalCount }
  nodes(ids: $ids) {
    __typename id
    ...O ...W ...S ...T ...A ...C ...SC ...K ...KM ...CI ...CM
  }
}
"""
    + FRAGMENTS
)

NODE = (
    """
query($id: ID!) {
  node(id: $id) { __typename id ...O ...W ...S ...T ...A ...C ...SC ...K ...KM ...CI ...CM }
}
"""
    + FRAGMENTS
)


def global_id(type_name: str, id_: uuid.UUID | None = None) -> str:
    """A well-formed global id; with no ``id_`` it names nothing that exists."""
    raw = f"{type_name}:{id_ or uuid.uuid4()}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def db_id(id_: str) -> uuid.UUID:
    """The database id of the record a global id names."""
    parsed = ids.parse(id_)
    assert parsed is not None, id_
    return parsed[1]


def result_field(mutation: str) -> str:
    """The payload field holding the result: ``createKpiMeasurement`` → ``kpiMeasurement``."""
    for prefix in ("create", "update", "transition", "map"):
        if mutation.startswith(prefix):
            rest = mutation[len(prefix) :]
            return rest[0].lower() + rest[1:]
    return "deletedId"


async def call(
    gql: GraphQLClient, mutation: str, input: dict[str, Any], selection: str = "", *, errors: str = ERRORS
) -> dict[str, Any]:
    """Run ``mutation(input:)``; GraphQL errors fail the test, user errors do not.

    ``errors`` selects the user errors, to ask for more of them than ``ERRORS`` does.
    """
    type_name = mutation[0].upper() + mutation[1:] + "Input"
    field = result_field(mutation)
    selection = selection or (field if field == "deletedId" else f"{field} {{ id }}")
    body = await gql.post(
        f"mutation($input: {type_name}!) {{ {mutation}(input: $input) {{ {selection} {errors} }} }}",
        input=input,
    )
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"][mutation]
    return payload


async def ok(gql: GraphQLClient, mutation: str, input: dict[str, Any], selection: str = "") -> dict[str, Any]:
    """Run a mutation that must succeed; returns its payload."""
    payload = await call(gql, mutation, input, selection)
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


def codes(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(error["field"], error["code"]) for error in payload["userErrors"]]


async def snapshot(gql: GraphQLClient, ids: Sequence[str]) -> dict[str, Any]:
    return await gql.data(SNAPSHOT, ids=list(ids))


async def node(gql: GraphQLClient, id_: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await gql.data(NODE, id=id_))["node"]
    return found


async def refused(
    gql: GraphQLClient,
    mutation: str,
    input: dict[str, Any],
    expected: Expected,
    watch: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Run a mutation that must be refused with exactly ``expected`` and change nothing.

    ``watch`` defaults to the records the input names (its ``id`` and ``…Id(s)`` fields).
    """
    watch = named(input) if watch is None else watch
    before = await snapshot(gql, watch)
    payload = await call(gql, mutation, input)
    assert codes(payload) == list(expected), payload["userErrors"]
    assert payload[result_field(mutation)] is None
    if "affectedContentCount" in payload:
        assert payload["affectedContentCount"] is None
    assert all(error["message"] for error in payload["userErrors"])
    after = await snapshot(gql, watch)
    assert after == before
    return payload


def named(input: dict[str, Any]) -> list[str]:
    """The ids an input names: its ``id``, ``…Id`` and ``…Ids`` fields, and those of its items."""
    found: list[str] = []
    for key, value in input.items():
        if key == "items" and isinstance(value, list):
            for item in value:
                found.extend(named(item))
        elif (key == "id" or key.endswith("Id")) and isinstance(value, str):
            found.append(value)
        elif key.endswith("Ids") and isinstance(value, list):
            found.extend(v for v in value if isinstance(v, str))
    return list(dict.fromkeys(found))


def ids_of(items: Sequence[dict[str, Any]] | None) -> list[str]:
    return [item["id"] for item in items or []]


def same_decimal(given: str | None, expected: str) -> bool:
    return given is not None and Decimal(given) == Decimal(expected)


async def organization_of(gql: GraphQLClient, workspace_id: str) -> str:
    data = await gql.data("query($id: ID!) { workspace(id: $id) { organization { id } } }", id=workspace_id)
    found: str = data["workspace"]["organization"]["id"]
    return found


async def full_graph(gql: GraphQLClient, name: str = "Client") -> dict[str, Any]:
    """``strategy_graph`` plus a second channel, a chosen channel, a measurement, a mapped item, a metric."""
    graph = await strategy_graph(gql, name)
    graph["organization"] = await organization_of(gql, graph["workspace"])
    graph["channel2"] = (
        await create(
            gql,
            "createChannel",
            "channel",
            {"workspaceId": graph["workspace"], "platform": "INSTAGRAM", "name": "Instagram"},
        )
    )["id"]
    graph["strategyChannel"] = (
        await create(
            gql,
            "createStrategyChannel",
            "strategyChannel",
            {"strategyId": graph["strategy"], "channelId": graph["channel"]},
        )
    )["id"]
    graph["measurement"] = (
        await create(
            gql,
            "createKpiMeasurement",
            "kpiMeasurement",
            {"kpiId": graph["kpis"][0], "observedOn": "2024-01-01", "value": "10"},
        )
    )["id"]
    graph["item"] = (
        await create(
            gql,
            "createContentItem",
            "contentItem",
            {
                "strategyId": graph["strategy"],
                "title": "Mapped item",
                "format": "POST",
                "tacticId": graph["tactics"][0],
                "primaryKpiId": graph["kpis"][0],
                "channelId": graph["channel"],
            },
        )
    )["id"]
    graph["metric"] = (
        await create(
            gql,
            "createContentMetric",
            "contentMetric",
            {"contentItemId": graph["item"], "metric": "REACH", "observedOn": "2024-01-02", "value": "5"},
        )
    )["id"]
    return graph


def every_id(graph: dict[str, Any]) -> list[str]:
    """Every record id of a ``full_graph``, to watch for changes."""
    found: list[str] = []
    for value in graph.values():
        if isinstance(value, list):
            found.extend(value)
        else:
            found.append(value)
    return found
