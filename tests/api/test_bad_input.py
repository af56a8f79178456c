"""Bad input of every kind is refused with a code, never a 500, and never half-written.

Every refusal is followed by a query of the records involved, which must show that
nothing changed (see ``builders.refused``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.api.builders import (
    call,
    every_id,
    full_graph,
    global_id,
    refused,
    snapshot,
)
from tests.api.helpers import strategy_graph
from tests.client import GraphQLClient

#: Every mutation that names an existing record by ``id``, with the rest of a valid input.
BY_ID: list[tuple[str, str, dict[str, Any]]] = [
    ("updateOrganization", "Organization", {"version": 1, "name": "N"}),
    ("deleteOrganization", "Organization", {}),
    ("updateWorkspace", "Workspace", {"version": 1, "name": "N"}),
    ("deleteWorkspace", "Workspace", {}),
    ("updateStrategy", "Strategy", {"version": 1, "name": "N"}),
    ("deleteStrategy", "Strategy", {}),
    ("updateTactic", "Tactic", {"version": 1, "name": "N"}),
    ("deleteTactic", "Tactic", {}),
    ("updateAudience", "Audience", {"version": 1, "name": "N"}),
    ("deleteAudience", "Audience", {}),
    ("updateChannel", "Channel", {"version": 1, "name": "N"}),
    ("deleteChannel", "Channel", {}),
    ("updateStrategyChannel", "StrategyChannel", {"version": 1, "role": "N"}),
    ("deleteStrategyChannel", "StrategyChannel", {}),
    ("updateKpi", "Kpi", {"version": 1, "name": "N"}),
    ("deleteKpi", "Kpi", {}),
    ("updateKpiMeasurement", "KpiMeasurement", {"version": 1, "note": "N"}),
    ("deleteKpiMeasurement", "KpiMeasurement", {}),
    ("updateContentItem", "ContentItem", {"version": 1, "title": "N"}),
    ("deleteContentItem", "ContentItem", {}),
    ("transitionContentItem", "ContentItem", {"version": 1, "to": "ARCHIVED"}),
    ("updateContentMetric", "ContentMetric", {"version": 1, "value": "1"}),
    ("deleteContentMetric", "ContentMetric", {}),
]

#: The graph key of a record of each type, in ``full_graph``.
KEY = {
    "Organization": "organization",
    "Workspace": "workspace",
    "Strategy": "strategy",
    "Tactic": "tactics",
    "Audience": "audience",
    "Channel": "channel",
    "StrategyChannel": "strategyChannel",
    "Kpi": "kpis",
    "KpiMeasurement": "measurement",
    "ContentItem": "item",
    "ContentMetric": "metric",
}


def _one(graph: dict[str, Any], type_name: str) -> str:
    value = graph[KEY[type_name]]
    found: str = value[0] if isinstance(value, list) else value
    return found


@pytest.fixture
async def graph(gql: GraphQLClient) -> dict[str, Any]:
    return await full_graph(gql)


async def test_bad_ids_are_refused_by_every_mutation(gql: GraphQLClient, graph: dict[str, Any]) -> None:
    for mutation, type_name, rest in BY_ID:
        real = _one(graph, type_name)
        wrong_type = _one(graph, "Channel" if type_name != "Channel" else "Audience")
        for bad, code in (
            ("not-an-id", "INVALID_ID"),
            (wrong_type, "INVALID_ID"),
            (global_id(type_name), "NOT_FOUND"),
        ):
            await refused(gql, mutation, {"id": bad, **rest}, [(["id"], code)], [real, wrong_type])


async def test_malformed_ids_of_every_shape(gql: GraphQLClient, graph: dict[str, Any]) -> None:
    strategy = graph["strategy"]
    for bad in ("", "x" * 300, "!!!", global_id("Nothing"), "U3RyYXRlZ3k6bm90LWEtdXVpZA"):
        await refused(
            gql,
            "updateStrategy",
            {"id": bad, "version": 1, "name": "N"},
            [(["id"], "INVALID_ID")],
            [strategy],
        )


async def test_a_stale_version_is_a_conflict_everywhere(gql: GraphQLClient, graph: dict[str, Any]) -> None:
    for mutation, type_name, rest in BY_ID:
        if "version" not in rest:
            continue
        id_ = _one(graph, type_name)
        current = (await snapshot(gql, [id_]))["nodes"][0]["version"]
        await refused(gql, mutation, {"id": id_, **rest, "version": current + 1}, [(["version"], "CONFLICT")])
        await refused(gql, mutation, {"id": id_, **rest, "version": current - 1}, [(["version"], "CONFLICT")])
    await refused(
        gql,
        "mapContentItem",
        {
            "id": graph["item"],
            "tacticId": graph["tactics"][1],
            "primaryKpiId": graph["kpis"][1],
            "version": 99,
        },
        [(["version"], "CONFLICT")],
    )


async def test_ids_of_the_wrong_type_in_id_fields(gql: GraphQLClient, graph: dict[str, Any]) -> None:
    strategy, kpi, tactic = graph["strategy"], graph["kpis"][0], graph["tactics"][0]
    cases: list[tuple[str, dict[str, Any], list[tuple[list[str] | None, str]]]] = [
        ("createWorkspace", {"organizationId": strategy, "name": "W"}, [(["organizationId"], "INVALID_ID")]),
        (
            "createStrategy",
            {"workspaceId": graph["organization"], "name": "S"},
            [(["workspaceId"], "INVALID_ID")],
        ),
        (
            "createTactic",
            {"strategyId": kpi, "name": "T", "kind": "CUSTOM"},
            [(["strategyId"], "INVALID_ID")],
        ),
        ("createAudience", {"strategyId": tactic, "name": "A"}, [(["strategyId"], "INVALID_ID")]),
        (
            "createChannel",
            {"workspaceId": strategy, "platform": "X", "name": "C"},
            [(["workspaceId"], "INVALID_ID")],
        ),
        (
            "createStrategyChannel",
            {"strategyId": strategy, "channelId": graph["strategyChannel"]},
            [(["channelId"], "INVALID_ID")],
        ),
        (
            "createKpi",
            {
                "strategyId": strategy,
                "name": "K",
                "metric": "REACH",
                "target": "1",
                "tacticIds": [tactic, kpi],
            },
            [(["tacticIds", "1"], "INVALID_ID")],
        ),
        (
            "createKpi",
            {"strategyId": strategy, "name": "K", "metric": "REACH", "target": "1", "channelId": tactic},
            [(["channelId"], "INVALID_ID")],
        ),
        (
            "createKpiMeasurement",
            {"kpiId": graph["measurement"], "observedOn": "2025-01-01", "value": "1"},
            [(["kpiId"], "INVALID_ID")],
        ),
        (
            "createContentItem",
            {"strategyId": strategy, "title": "T", "format": "POST", "tacticId": kpi, "primaryKpiId": kpi},
            [(["tacticId"], "INVALID_ID")],
        ),
        (
            "createContentItem",
            {"strategyId": strategy, "title": "T", "format": "POST", "audienceIds": [graph["audience"], kpi]},
            [(["audienceIds", "1"], "INVALID_ID")],
        ),
        (
            "mapContentItems",
            {"items": [{"id": graph["item"], "tacticId": kpi, "primaryKpiId": kpi}]},
            [(["items", "0", "tacticId"], "INVALID_ID")],
        ),
        (
            "createContentMetric",
            {"contentItemId": graph["metric"], "metric": "REACH", "observedOn": "2025-01-01", "value": "1"},
            [(["contentItemId"], "INVALID_ID")],
        ),
        (
            "deleteKpi",
            {"id": kpi, "onContent": "REASSIGN", "reassignToId": tactic},
            [(["reassignToId"], "INVALID_ID")],
        ),
    ]
    for mutation, input, expected in cases:
        await refused(gql, mutation, input, expected)


async def test_oversize_strings_are_too_long(gql: GraphQLClient, graph: dict[str, Any]) -> None:
    long_name = "n" * 201
    strategy = graph["strategy"]
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("createOrganization", {"name": long_name}, "name"),
        ("createWorkspace", {"organizationId": graph["organization"], "name": long_name}, "name"),
        ("createStrategy", {"workspaceId": graph["workspace"], "name": long_name}, "name"),
        (
            "createStrategy",
            {"workspaceId": graph["workspace"], "name": "S", "purpose": "p" * 2001},
            "purpose",
        ),
        ("createTactic", {"strategyId": strategy, "name": long_name, "kind": "CUSTOM"}, "name"),
        (
            "createTactic",
            {"strategyId": strategy, "name": "T", "kind": "CUSTOM", "description": "d" * 2001},
            "description",
        ),
        ("createAudience", {"strategyId": strategy, "name": long_name}, "name"),
        ("createAudience", {"strategyId": strategy, "name": "A", "buyingNotes": "b" * 2001}, "buyingNotes"),
        ("createChannel", {"workspaceId": graph["workspace"], "platform": "X", "name": long_name}, "name"),
        (
            "createStrategyChannel",
            {"strategyId": strategy, "channelId": graph["channel2"], "rationale": "r" * 2001},
            "rationale",
        ),
        ("createKpi", {"strategyId": strategy, "name": long_name, "metric": "REACH", "target": "1"}, "name"),
        (
            "createKpiMeasurement",
            {"kpiId": graph["kpis"][1], "observedOn": "2025-01-01", "value": "1", "note": "x" * 2001},
            "note",
        ),
        ("createContentItem", {"strategyId": strategy, "title": "t" * 301, "format": "POST"}, "title"),
        (
            "createContentItem",
            {"strategyId": strategy, "title": "T", "format": "POST", "url": "https://a.io/" + "u" * 2048},
            "url",
        ),
        ("updateStrategy", {"id": strategy, "version": 1, "name": long_name}, "name"),
        ("updateKpi", {"id": graph["kpis"][1], "version": 1, "description": "d" * 2001}, "description"),
    ]
    for mutation, input, field in cases:
        await refused(gql, mutation, input, [([field], "TOO_LONG")])


async def test_blank_names_are_refused(gql: GraphQLClient, graph: dict[str, Any]) -> None:
    strategy = graph["strategy"]
    for blank in ("", " \t\n "):
        cases: list[tuple[str, dict[str, Any], str]] = [
            ("createOrganization", {"name": blank}, "name"),
            ("createWorkspace", {"organizationId": graph["organization"], "name": blank}, "name"),
            ("createStrategy", {"workspaceId": graph["workspace"], "name": blank}, "name"),
            ("createTactic", {"strategyId": strategy, "name": blank, "kind": "CUSTOM"}, "name"),
            ("createAudience", {"strategyId": strategy, "name": blank}, "name"),
            ("createChannel", {"workspaceId": graph["workspace"], "platform": "X", "name": blank}, "name"),
            ("createKpi", {"strategyId": strategy, "name": blank, "metric": "REACH", "target": "1"}, "name"),
            ("createContentItem", {"strategyId": strategy, "title": blank, "format": "POST"}, "title"),
            ("updateOrganization", {"id": graph["organization"], "version": 1, "name": blank}, "name"),
            ("updateWorkspace", {"id": graph["workspace"], "version": 1, "name": blank}, "name"),
            ("updateTactic", {"id": graph["tactics"][0], "version": 1, "name": blank}, "name"),
            ("updateAudience", {"id": graph["audience"], "version": 1, "name": blank}, "name"),
            ("updateChannel", {"id": graph["channel"], "version": 1, "name": blank}, "name"),
            ("updateKpi", {"id": graph["kpis"][1], "version": 1, "name": blank}, "name"),
        ]
        for mutation, input, field in cases:
            await refused(gql, mutation, input, [([field], "BLANK")])


BAD_DECIMALS = [
    ("NaN", "NOT_FINITE"),
    ("Infinity", "NOT_FINITE"),
    ("-Infinity", "NOT_FINITE"),
    ("1e400", "OUT_OF_RANGE"),
    ("10000000000000000", "OUT_OF_RANGE"),
    ("1.23456", "TOO_PRECISE"),
]


@pytest.mark.parametrize(("value", "code"), BAD_DECIMALS, ids=[v for v, _ in BAD_DECIMALS])
async def test_bad_decimals_are_refused(
    gql: GraphQLClient, graph: dict[str, Any], value: str, code: str
) -> None:
    strategy, kpi = graph["strategy"], graph["kpis"][1]
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("createKpi", {"strategyId": strategy, "name": "K", "metric": "REACH", "target": value}, "target"),
        (
            "createKpi",
            {"strategyId": strategy, "name": "K", "metric": "REACH", "target": "1", "baseline": value},
            "baseline",
        ),
        ("updateKpi", {"id": kpi, "version": 1, "target": value}, "target"),
        ("updateKpi", {"id": kpi, "version": 1, "baseline": value}, "baseline"),
        ("createKpiMeasurement", {"kpiId": kpi, "observedOn": "2025-01-01", "value": value}, "value"),
        ("updateKpiMeasurement", {"id": graph["measurement"], "version": 1, "value": value}, "value"),
        (
            "createContentMetric",
            {"contentItemId": graph["item"], "metric": "CLICKS", "observedOn": "2025-01-01", "value": value},
            "value",
        ),
        ("updateContentMetric", {"id": graph["metric"], "version": 1, "value": value}, "value"),
        (
            "createTactic",
            {"strategyId": strategy, "name": "T", "kind": "CUSTOM", "targetShare": value},
            "targetShare",
        ),
        ("updateTactic", {"id": graph["tactics"][0], "version": 1, "targetShare": value}, "targetShare"),
    ]
    for mutation, input, field in cases:
        # targetShare is bounded to 0–100 and two decimals, so big values are OUT_OF_RANGE there too.
        await refused(gql, mutation, input, [([field], code)])


async def test_decimals_at_the_limits_are_accepted(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    for value in ("9999999999999999.9999", "-9999999999999999.9999", "0.0001", "1.50000", "1E+3", 42, 2.5):
        payload = await call(
            gql,
            "createKpi",
            {"strategyId": graph["strategy"], "name": f"K {value}", "metric": "REACH", "target": value},
            "kpi { target }",
        )
        assert payload["userErrors"] == [], (value, payload["userErrors"])


async def _graphql_error(
    gql: GraphQLClient, query: str, watch: list[str], **variables: Any
) -> dict[str, Any]:
    """Post a request the server cannot coerce: a 200 with a GraphQL error that says why, nothing written."""
    before = await snapshot(gql, watch)
    body = await gql.post(query, **variables)  # asserts status 200
    assert body.get("data") is None, body
    (error,) = body["errors"]
    code = error.get("extensions", {}).get("code")
    assert code == "GRAPHQL_VALIDATION_FAILED", error
    assert error["message"] != "Unexpected error."
    assert await snapshot(gql, watch) == before
    error_found: dict[str, Any] = error
    return error_found


MEASURE = """
mutation($k: ID!, $v: Decimal!, $d: Date!) {
  createKpiMeasurement(input: {kpiId: $k, observedOn: $d, value: $v}) {
    kpiMeasurement { id }
    userErrors { code }
  }
}
"""


@pytest.mark.parametrize("value", ["abc", "", "1,5", "12 apples", "0x10"])
async def test_a_non_numeric_decimal_is_a_graphql_error(
    gql: GraphQLClient, graph: dict[str, Any], value: str
) -> None:
    await _graphql_error(gql, MEASURE, every_id(graph), k=graph["kpis"][1], v=value, d="2025-01-01")


#: What Python's Decimal reads but the Decimal scalar does not: digits of other scripts
#: (Arabic-Indic, fullwidth, Devanagari, an Arabic decimal separator), spaces, underscores, sNaN.
NOT_ASCII_DECIMALS = ["١٢٣", "１２", "४२", "1٫5", " 12", "12 ", "1_000", "sNaN"]

LITERAL = """
mutation($k: ID!, $d: Date! = "2025-01-01") {
  createKpiMeasurement(input: {kpiId: $k, observedOn: $d, value: %s}) {
    kpiMeasurement { value }
    userErrors { code }
  }
}
"""


async def test_a_decimal_of_other_digits_is_a_graphql_error_in_variables_and_literals(
    gql: GraphQLClient, graph: dict[str, Any]
) -> None:
    kpi = graph["kpis"][1]
    before = await snapshot(gql, every_id(graph))
    for value in [*NOT_ASCII_DECIMALS, True]:
        variable = await gql.post(MEASURE, k=kpi, v=value, d="2025-01-01")
        literal = await gql.post(LITERAL % json.dumps(value, ensure_ascii=False), k=kpi)
        for body in (variable, literal):
            assert body.get("data") is None, (value, body)
            (error,) = body["errors"]
            assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", (value, error)
            assert "Value cannot represent a Decimal" in error["message"], (value, error)
            assert "ASCII digits" in error["message"], (value, error)
    assert await snapshot(gql, every_id(graph)) == before


async def test_decimals_of_ascii_digits_are_read_and_infinity_is_not_finite(
    gql: GraphQLClient, graph: dict[str, Any]
) -> None:
    read = [
        ("12", "12"),
        ("-0.5", "-0.5"),
        ('"-0.5"', "-0.5"),
        ('".5"', "0.5"),
        ('"5."', "5"),
        ('"1.5E+3"', "1500"),
    ]
    for day, (literal, stored) in enumerate(read, start=1):
        data = await gql.data(LITERAL % literal, k=graph["kpis"][1], d=f"2025-02-{day:02}")
        payload = data["createKpiMeasurement"]
        assert payload["userErrors"] == [], literal
        assert Decimal(payload["kpiMeasurement"]["value"]) == Decimal(stored), literal
    for literal in ('"NaN"', '"-Infinity"', '"inf"'):
        data = await gql.data(LITERAL % literal, k=graph["kpis"][1])
        assert data["createKpiMeasurement"] == {
            "kpiMeasurement": None,
            "userErrors": [{"code": "NOT_FINITE"}],
        }


@pytest.mark.parametrize("value", ["2025-13-01", "2025-02-30", "yesterday", ""])
async def test_a_malformed_date_is_a_graphql_error(
    gql: GraphQLClient, graph: dict[str, Any], value: str
) -> None:
    await _graphql_error(gql, MEASURE, every_id(graph), k=graph["kpis"][1], v="1", d=value)


async def test_a_malformed_datetime_is_a_graphql_error(gql: GraphQLClient, graph: dict[str, Any]) -> None:
    await _graphql_error(
        gql,
        "mutation($i: UpdateContentItemInput!) { updateContentItem(input: $i) { userErrors { code } } }",
        every_id(graph),
        i={"id": graph["item"], "version": 1, "plannedAt": "next tuesday"},
    )


async def test_a_wrong_enum_value_is_a_graphql_error(gql: GraphQLClient, graph: dict[str, Any]) -> None:
    watch = every_id(graph)
    # Written into the document …
    await _graphql_error(
        gql,
        "mutation($id: ID!) { transitionContentItem(input: {id: $id, version: 1, to: LIVE}) "
        "{ userErrors { code } } }",
        watch,
        id=graph["item"],
    )
    # … or passed as a variable.
    await _graphql_error(
        gql,
        "mutation($i: TransitionContentItemInput!) "
        "{ transitionContentItem(input: $i) { userErrors { code } } }",
        watch,
        i={"id": graph["item"], "version": 1, "to": "LIVE"},
    )
    await _graphql_error(
        gql,
        "mutation($i: CreateChannelInput!) { createChannel(input: $i) { userErrors { code } } }",
        watch,
        i={"workspaceId": graph["workspace"], "platform": "MYSPACE", "name": "Old"},
    )


async def test_missing_or_mistyped_required_input_is_a_graphql_error(
    gql: GraphQLClient, graph: dict[str, Any]
) -> None:
    watch = every_id(graph)
    update = "mutation($i: UpdateStrategyInput!) { updateStrategy(input: $i) { userErrors { code } } }"
    await _graphql_error(gql, update, watch, i={"id": graph["strategy"], "name": "No version"})
    await _graphql_error(gql, update, watch, i={"id": graph["strategy"], "version": "one", "name": "N"})
    await _graphql_error(gql, update, watch, i={"id": graph["strategy"], "version": None, "name": "N"})
    await _graphql_error(
        gql,
        "mutation($i: CreateKpiInput!) { createKpi(input: $i) { userErrors { code } } }",
        watch,
        i={"strategyId": graph["strategy"], "name": "K", "metric": "REACH", "target": None},
    )


async def test_null_for_a_field_that_cannot_be_empty_is_required(
    gql: GraphQLClient, graph: dict[str, Any]
) -> None:
    cases: list[tuple[str, str, list[str]]] = [
        ("updateStrategy", "strategy", ["name", "status"]),
        ("updateTactic", "tactics", ["name", "kind", "position"]),
        ("updateAudience", "audience", ["name"]),
        ("updateChannel", "channel", ["name", "platform"]),
        ("updateKpi", "kpis", ["name", "metric", "target", "unit", "direction", "aggregation"]),
        ("updateKpiMeasurement", "measurement", ["observedOn", "value", "source"]),
        ("updateContentItem", "item", ["title", "format"]),
        ("updateContentMetric", "metric", ["metric", "observedOn", "value"]),
    ]
    for mutation, key, fields in cases:
        id_ = graph[key][0] if isinstance(graph[key], list) else graph[key]
        for field in fields:
            await refused(gql, mutation, {"id": id_, "version": 1, field: None}, [([field], "REQUIRED")])


async def test_dates_out_of_range(gql: GraphQLClient, graph: dict[str, Any]) -> None:
    strategy, kpi = graph["strategy"], graph["kpis"][1]
    for day in ("1989-12-31", "2200-01-01"):
        moment = f"{day}T12:00:00+00:00"
        cases: list[tuple[str, dict[str, Any], str]] = [
            ("createStrategy", {"workspaceId": graph["workspace"], "name": "S", "startsOn": day}, "startsOn"),
            ("updateStrategy", {"id": strategy, "version": 1, "endsOn": day}, "endsOn"),
            (
                "createKpi",
                {"strategyId": strategy, "name": "K", "metric": "REACH", "target": "1", "deadline": day},
                "deadline",
            ),
            ("updateKpi", {"id": kpi, "version": 1, "startsOn": day}, "startsOn"),
            ("createKpiMeasurement", {"kpiId": kpi, "observedOn": day, "value": "1"}, "observedOn"),
            (
                "updateKpiMeasurement",
                {"id": graph["measurement"], "version": 1, "observedOn": day},
                "observedOn",
            ),
            (
                "createContentMetric",
                {"contentItemId": graph["item"], "metric": "REACH", "observedOn": day, "value": "1"},
                "observedOn",
            ),
            (
                "createContentItem",
                {"strategyId": strategy, "title": "T", "format": "POST", "plannedAt": moment},
                "plannedAt",
            ),
            ("updateContentItem", {"id": graph["item"], "version": 1, "publishedAt": moment}, "publishedAt"),
        ]
        for mutation, input, field in cases:
            await refused(gql, mutation, input, [([field], "OUT_OF_RANGE")])


async def test_the_edges_of_the_date_range_are_accepted(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    payload = await call(
        gql,
        "createStrategy",
        {"workspaceId": graph["workspace"], "name": "Long", "startsOn": "1990-01-01", "endsOn": "2199-12-31"},
    )
    assert payload["userErrors"] == []
    assert payload["strategy"] is not None


async def test_invalid_urls(gql: GraphQLClient, graph: dict[str, Any]) -> None:
    for url in ("www.example.com/page", "ftp://example.com", "http://"):
        cases: list[tuple[str, dict[str, Any]]] = [
            (
                "createChannel",
                {"workspaceId": graph["workspace"], "platform": "BLOG", "name": "B", "url": url},
            ),
            ("updateChannel", {"id": graph["channel"], "version": 1, "url": url}),
            (
                "createContentItem",
                {"strategyId": graph["strategy"], "title": "T", "format": "POST", "url": url},
            ),
            ("updateContentItem", {"id": graph["item"], "version": 1, "url": url}),
        ]
        for mutation, input in cases:
            await refused(gql, mutation, input, [(["url"], "INVALID_URL")])


async def test_every_problem_of_an_input_is_reported_at_once(
    gql: GraphQLClient, graph: dict[str, Any]
) -> None:
    await refused(
        gql,
        "createKpi",
        {
            "strategyId": graph["strategy"],
            "name": " ",
            "metric": "REACH",
            "target": "NaN",
            "baseline": "1.000001",
            "startsOn": "2025-01-02",
            "deadline": "2025-01-01",
        },
        [
            (["name"], "BLANK"),
            (["baseline"], "TOO_PRECISE"),
            (["target"], "NOT_FINITE"),
            (["deadline"], "DEADLINE_BEFORE_START"),
        ],
        every_id(graph),
    )


async def test_a_failed_mutation_in_a_document_leaves_the_others_applied_alone(
    gql: GraphQLClient, graph: dict[str, Any]
) -> None:
    """Each mutation of a document is its own unit of work: a refused one writes nothing."""
    body = await gql.post(
        """
        mutation($s: ID!, $t: ID!) {
          ok: updateStrategy(input: {id: $s, version: 1, name: "Renamed"}) {
            strategy { name } userErrors { code }
          }
          bad: updateTactic(input: {id: $t, version: 1, name: "Renamed", targetShare: "NaN"}) {
            tactic { id } userErrors { field code }
          }
        }
        """,
        s=graph["strategy"],
        t=graph["tactics"][0],
    )
    assert "errors" not in body
    assert body["data"]["ok"] == {"strategy": {"name": "Renamed"}, "userErrors": []}
    assert body["data"]["bad"] == {
        "tactic": None,
        "userErrors": [{"field": ["targetShare"], "code": "NOT_FINITE"}],
    }
    tactic = (await snapshot(gql, [graph["tactics"][0]]))["nodes"][0]
    assert (tactic["name"], tactic["version"]) == ("Inspire", 1)
