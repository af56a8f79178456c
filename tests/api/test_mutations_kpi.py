"""KPIs and their measurements, over HTTP."""

from __future__ import annotations

from typing import Any

from tests.api.builders import global_id, ids_of, node, ok, refused, same_decimal
from tests.api.helpers import content_item, create, strategy_graph
from tests.client import GraphQLClient

KPI = """kpi {
  id name description metric unit baseline target direction startsOn deadline aggregation version
  strategy { id } channel { id } tactics { id } audiences { id }
}"""
MEASUREMENT = "kpiMeasurement { id observedOn value source note version kpi { id } }"


async def test_create_a_kpi_with_every_field(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    created = (
        await ok(
            gql,
            "createKpi",
            {
                "strategyId": graph["strategy"],
                "name": " Newsletter sign-ups ",
                "description": "Sign-ups from social.",
                "metric": "CONVERSIONS",
                "unit": "PERCENT",
                "baseline": "1.5",
                "target": "4.25",
                "direction": "STAY_ABOVE",
                "startsOn": "2025-01-01",
                "deadline": "2025-06-30",
                "aggregation": "AVERAGE",
                "channelId": graph["channel"],
                "tacticIds": graph["tactics"],
                "audienceIds": [graph["audience"]],
            },
            KPI,
        )
    )["kpi"]
    assert created["name"] == "Newsletter sign-ups"
    assert created["description"] == "Sign-ups from social."
    assert (created["metric"], created["unit"], created["direction"], created["aggregation"]) == (
        "CONVERSIONS",
        "PERCENT",
        "STAY_ABOVE",
        "AVERAGE",
    )
    assert same_decimal(created["baseline"], "1.5")
    assert same_decimal(created["target"], "4.25")
    assert (created["startsOn"], created["deadline"]) == ("2025-01-01", "2025-06-30")
    assert created["strategy"]["id"] == graph["strategy"]
    assert created["channel"] == {"id": graph["channel"]}
    assert sorted(ids_of(created["tactics"])) == sorted(graph["tactics"])
    assert ids_of(created["audiences"]) == [graph["audience"]]
    assert created["version"] == 1


async def test_a_new_kpi_has_defaults(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    created = (
        await ok(
            gql,
            "createKpi",
            {"strategyId": graph["strategy"], "name": "Reach", "metric": "REACH", "target": 5},
            KPI,
        )
    )["kpi"]
    assert (created["unit"], created["direction"], created["aggregation"], created["description"]) == (
        "COUNT",
        "INCREASE",
        "LATEST",
        "",
    )
    assert created["baseline"] is None
    assert created["channel"] is None
    assert (created["tactics"], created["audiences"]) == ([], [])


async def test_update_a_kpi(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    kpi = graph["kpis"][0]
    await ok(gql, "updateKpi", {"id": kpi, "version": 1, "channelId": graph["channel"], "baseline": "3"})
    updated = (
        await ok(
            gql,
            "updateKpi",
            {
                "id": kpi,
                "version": 2,
                "target": "250.5",
                "tacticIds": [graph["tactics"][1]],
                "channelId": None,
                "baseline": None,
                "deadline": "2026-01-01",
            },
            KPI,
        )
    )["kpi"]
    assert same_decimal(updated["target"], "250.5")
    assert ids_of(updated["tactics"]) == [graph["tactics"][1]]
    assert updated["channel"] is None
    assert updated["baseline"] is None
    assert updated["deadline"] == "2026-01-01"
    assert updated["name"] == "Reach"
    assert updated["version"] == 3


async def test_a_kpi_deadline_comes_after_its_start(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    new = {"strategyId": graph["strategy"], "name": "Reach", "metric": "REACH", "target": "1"}
    for deadline in ("2025-01-01", "2024-12-31"):
        await refused(
            gql,
            "createKpi",
            {**new, "startsOn": "2025-01-01", "deadline": deadline},
            [(["deadline"], "DEADLINE_BEFORE_START")],
            [graph["strategy"]],
        )
    kpi = graph["kpis"][0]
    await ok(gql, "updateKpi", {"id": kpi, "version": 1, "deadline": "2025-03-01"})
    await refused(
        gql,
        "updateKpi",
        {"id": kpi, "version": 2, "startsOn": "2025-03-02"},
        [(["deadline"], "DEADLINE_BEFORE_START")],
        [kpi],
    )


async def test_kpi_links_must_belong_to_the_strategy(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql, "Mine")
    other = await strategy_graph(gql, "Other")
    watch = [graph["strategy"], *graph["kpis"], *graph["tactics"]]
    new = {"strategyId": graph["strategy"], "name": "Reach", "metric": "REACH", "target": "1"}
    await refused(
        gql,
        "createKpi",
        {**new, "tacticIds": [graph["tactics"][0], other["tactics"][0]]},
        [(["tacticIds", "1"], "WRONG_STRATEGY")],
        watch,
    )
    await refused(
        gql,
        "createKpi",
        {**new, "audienceIds": [other["audience"]]},
        [(["audienceIds"], "WRONG_STRATEGY")],
        watch,
    )
    await refused(
        gql, "createKpi", {**new, "channelId": other["channel"]}, [(["channelId"], "NOT_FOUND")], watch
    )
    await refused(
        gql,
        "createKpi",
        {**new, "tacticIds": [graph["tactics"][0], graph["tactics"][0]]},
        [(["tacticIds"], "DUPLICATE")],
        watch,
    )
    await refused(
        gql,
        "createKpi",
        {**new, "tacticIds": [graph["tactics"][0], global_id("Tactic")]},
        [(["tacticIds", "1"], "NOT_FOUND")],
        watch,
    )
    await refused(
        gql,
        "updateKpi",
        {"id": graph["kpis"][0], "version": 1, "tacticIds": [other["tactics"][1]]},
        [(["tacticIds"], "WRONG_STRATEGY")],
        watch,
    )


async def test_kpi_required_fields_on_update(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    kpi = graph["kpis"][0]
    for field in ("target", "name", "metric", "unit", "direction", "aggregation"):
        await refused(
            gql, "updateKpi", {"id": kpi, "version": 1, field: None}, [([field], "REQUIRED")], [kpi]
        )
    await refused(
        gql, "updateKpi", {"id": kpi, "version": 2, "name": "New"}, [(["version"], "CONFLICT")], [kpi]
    )


async def test_delete_an_unused_kpi_with_its_measurements(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    kpi = graph["kpis"][1]
    measurement = await create(
        gql,
        "createKpiMeasurement",
        "kpiMeasurement",
        {"kpiId": kpi, "observedOn": "2025-01-01", "value": "3"},
    )
    payload = await ok(gql, "deleteKpi", {"id": kpi}, "deletedId affectedContentCount")
    assert (payload["deletedId"], payload["affectedContentCount"]) == (kpi, 0)
    assert await node(gql, kpi) is None
    assert await node(gql, measurement["id"]) is None
    tactic = await node(gql, graph["tactics"][1])
    assert tactic is not None
    assert tactic["kpis"] == []


async def _mapped(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One item with KPI 0 as primary, one with KPI 1 as primary and KPI 0 as contributing."""
    primary = await content_item(
        gql, graph, "Primary", tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0]
    )
    contributing = await content_item(
        gql,
        graph,
        "Contributing",
        tacticId=graph["tactics"][1],
        primaryKpiId=graph["kpis"][1],
        kpiIds=[graph["kpis"][1], graph["kpis"][0]],
    )
    return primary, contributing


async def test_a_kpi_in_use_is_not_deleted_by_default(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    primary, contributing = await _mapped(gql, graph)
    await refused(
        gql,
        "deleteKpi",
        {"id": graph["kpis"][0]},
        [(["onContent"], "KPI_IN_USE")],
        [graph["strategy"], graph["kpis"][0], primary["id"], contributing["id"]],
    )


async def test_delete_a_kpi_unmapping_its_content(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    primary, contributing = await _mapped(gql, graph)
    payload = await ok(
        gql, "deleteKpi", {"id": graph["kpis"][0], "onContent": "UNMAP"}, "deletedId affectedContentCount"
    )
    assert (payload["deletedId"], payload["affectedContentCount"]) == (graph["kpis"][0], 2)
    first = await node(gql, primary["id"])
    assert first is not None
    assert first["primaryKpi"] is None
    assert first["kpis"] == []
    assert first["mapped"] is False
    assert first["tactic"] == {"id": graph["tactics"][0]}
    assert first["version"] == primary["version"] + 1
    second = await node(gql, contributing["id"])
    assert second is not None
    assert second["primaryKpi"] == {"id": graph["kpis"][1]}
    assert ids_of(second["kpis"]) == [graph["kpis"][1]]
    assert second["mapped"] is True
    assert second["version"] == contributing["version"] + 1


async def test_delete_a_kpi_reassigning_its_content(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    primary, contributing = await _mapped(gql, graph)
    payload = await ok(
        gql,
        "deleteKpi",
        {"id": graph["kpis"][0], "onContent": "REASSIGN", "reassignToId": graph["kpis"][1]},
        "deletedId affectedContentCount",
    )
    assert payload["affectedContentCount"] == 2
    first = await node(gql, primary["id"])
    assert first is not None
    assert first["primaryKpi"] == {"id": graph["kpis"][1]}
    assert ids_of(first["kpis"]) == [graph["kpis"][1]]
    assert first["mapped"] is True
    second = await node(gql, contributing["id"])
    assert second is not None
    assert second["primaryKpi"] == {"id": graph["kpis"][1]}
    assert ids_of(second["kpis"]) == [graph["kpis"][1]]  # listed once, not twice
    assert await node(gql, graph["kpis"][0]) is None


async def test_reassigning_a_kpi_needs_a_valid_target(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql, "Mine")
    other = await strategy_graph(gql, "Other")
    primary, contributing = await _mapped(gql, graph)
    kpi = graph["kpis"][0]
    watch = [graph["strategy"], *graph["kpis"], primary["id"], contributing["id"]]
    cases = [
        ({}, [(["reassignToId"], "REASSIGN_TARGET_REQUIRED")]),
        ({"reassignToId": kpi}, [(["reassignToId"], "REASSIGN_TARGET_REQUIRED")]),
        ({"reassignToId": other["kpis"][0]}, [(["reassignToId"], "WRONG_STRATEGY")]),
        ({"reassignToId": global_id("Kpi")}, [(["reassignToId"], "NOT_FOUND")]),
        ({"reassignToId": graph["tactics"][1]}, [(["reassignToId"], "INVALID_ID")]),
    ]
    for extra, expected in cases:
        await refused(gql, "deleteKpi", {"id": kpi, "onContent": "REASSIGN", **extra}, expected, watch)


# --- measurements ------------------------------------------------------------------


async def test_create_update_and_delete_a_measurement(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    kpi = graph["kpis"][0]
    created = (
        await ok(
            gql,
            "createKpiMeasurement",
            {"kpiId": kpi, "observedOn": "2025-02-03", "value": "1234.5", "note": " From the dashboard "},
            MEASUREMENT,
        )
    )["kpiMeasurement"]
    assert created["observedOn"] == "2025-02-03"
    assert same_decimal(created["value"], "1234.5")
    assert created["source"] == "MANUAL"
    assert created["note"] == "From the dashboard"
    assert created["kpi"]["id"] == kpi
    assert created["version"] == 1

    updated = (
        await ok(
            gql,
            "updateKpiMeasurement",
            {"id": created["id"], "version": 1, "value": "-2", "source": "API", "note": None},
            MEASUREMENT,
        )
    )["kpiMeasurement"]
    assert same_decimal(updated["value"], "-2")
    assert (updated["source"], updated["note"], updated["observedOn"]) == ("API", "", "2025-02-03")
    assert updated["version"] == 2

    found = await node(gql, kpi)
    assert found is not None
    assert ids_of(found["measurements"]["nodes"]) == [created["id"]]

    payload = await ok(gql, "deleteKpiMeasurement", {"id": created["id"]})
    assert payload["deletedId"] == created["id"]
    assert await node(gql, created["id"]) is None
    await refused(gql, "deleteKpiMeasurement", {"id": created["id"]}, [(["id"], "NOT_FOUND")])


async def test_one_measurement_per_kpi_day_and_source(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    kpi = graph["kpis"][0]
    first = {"kpiId": kpi, "observedOn": "2025-02-03", "value": "1"}
    await ok(gql, "createKpiMeasurement", first)
    await refused(
        gql, "createKpiMeasurement", {**first, "value": "2"}, [(["observedOn"], "DUPLICATE")], [kpi]
    )
    await refused(
        gql,
        "createKpiMeasurement",
        {**first, "source": "MANUAL"},
        [(["observedOn"], "DUPLICATE")],
        [kpi],
    )
    # Another source, another day or another KPI is fine.
    imported = await create(gql, "createKpiMeasurement", "kpiMeasurement", {**first, "source": "IMPORT"})
    await ok(gql, "createKpiMeasurement", {**first, "observedOn": "2025-02-04"})
    await ok(gql, "createKpiMeasurement", {**first, "kpiId": graph["kpis"][1]})
    # Moving a measurement onto a taken slot is a duplicate too.
    await refused(
        gql,
        "updateKpiMeasurement",
        {"id": imported["id"], "version": 1, "source": "MANUAL"},
        [(["observedOn"], "DUPLICATE")],
        [kpi, imported["id"]],
    )


async def test_measurement_rules(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    kpi = graph["kpis"][0]
    measurement = await create(
        gql,
        "createKpiMeasurement",
        "kpiMeasurement",
        {"kpiId": kpi, "observedOn": "2025-02-03", "value": "1"},
    )
    watch = [kpi, measurement["id"]]
    id_ = measurement["id"]
    for field in ("value", "observedOn", "source"):
        await refused(
            gql,
            "updateKpiMeasurement",
            {"id": id_, "version": 1, field: None},
            [([field], "REQUIRED")],
            watch,
        )
    await refused(
        gql,
        "updateKpiMeasurement",
        {"id": id_, "version": 1, "note": "n" * 2001},
        [(["note"], "TOO_LONG")],
        watch,
    )
    await refused(
        gql,
        "updateKpiMeasurement",
        {"id": id_, "version": 5, "value": "3"},
        [(["version"], "CONFLICT")],
        watch,
    )
    await refused(
        gql,
        "createKpiMeasurement",
        {"kpiId": global_id("Kpi"), "observedOn": "2025-02-03", "value": "1"},
        [(["kpiId"], "NOT_FOUND")],
        watch,
    )
    await refused(
        gql,
        "createKpiMeasurement",
        {"kpiId": graph["tactics"][0], "observedOn": "2025-02-03", "value": "1"},
        [(["kpiId"], "INVALID_ID")],
        watch,
    )
