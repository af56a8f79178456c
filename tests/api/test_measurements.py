"""Recording many KPI measurements and content metrics at once, over HTTP."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from domain.persistence.database import Database
from domain.scope import Scope
from tests.api.builders import call, codes, global_id, ok, same_decimal
from tests.api.helpers import (
    content_item,
    counts,
    create,
    measurements,
    metrics_of,
    record,
    record_metrics,
    strategy_graph,
)
from tests.client import GraphQLClient


async def test_recording_counts_what_was_created_updated_and_left_alone(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    reach, leads = graph["kpis"]
    batch = [
        {"kpiId": reach, "observedOn": "2025-03-01", "value": "10"},
        {"kpiId": reach, "observedOn": "2025-03-02", "value": "12.5", "note": "after the launch"},
        {"kpiId": leads, "observedOn": "2025-03-01", "value": 3, "source": "API"},
    ]
    first = await record(gql, graph["strategy"], batch)
    assert first["userErrors"] == []
    assert counts(first) == (3, 0, 0)
    before = await measurements(gql, reach)
    assert [(m["observedOn"], m["source"], m["note"], m["version"]) for m in before] == [
        ("2025-03-01", "MANUAL", "", 1),
        ("2025-03-02", "MANUAL", "after the launch", 1),
    ]
    assert same_decimal(before[1]["value"], "12.5")

    again = await record(gql, graph["strategy"], batch)
    assert counts(again) == (0, 0, 3)
    assert await measurements(gql, reach) == before

    changed = await record(
        gql,
        graph["strategy"],
        [
            {"kpiId": reach, "observedOn": "2025-03-01", "value": "10.0000"},
            {"kpiId": reach, "observedOn": "2025-03-02", "value": "13", "note": "after the launch"},
            {"kpiId": leads, "observedOn": "2025-03-01", "value": 3, "source": "API", "note": "from the CRM"},
            {"kpiId": leads, "observedOn": "2025-03-01", "value": 4},
        ],
    )
    assert counts(changed) == (1, 2, 1)
    after = await measurements(gql, reach)
    assert after[0] == before[0]
    assert after[1]["version"] == 2
    assert same_decimal(after[1]["value"], "13")
    assert after[1]["updatedAt"] > before[1]["updatedAt"]
    lead_rows = await measurements(gql, leads)
    assert sorted((m["source"], m["note"], m["version"]) for m in lead_rows) == [
        ("API", "from the CRM", 2),
        ("MANUAL", "", 1),
    ]


async def test_a_kpi_of_another_strategy_is_refused_and_nothing_is_written(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    other = await strategy_graph(gql, "Other")
    payload = await record(
        gql,
        graph["strategy"],
        [
            {"kpiId": graph["kpis"][0], "observedOn": "2025-03-01", "value": "1"},
            {"kpiId": other["kpis"][0], "observedOn": "2025-03-01", "value": "2"},
        ],
    )
    assert codes(payload) == [(["measurements", "1", "kpiId"], "WRONG_STRATEGY")]
    assert counts(payload) == (None, None, None)
    assert await measurements(gql, graph["kpis"][0]) == []
    assert await measurements(gql, other["kpis"][0]) == []


async def test_every_bad_entry_is_reported_at_its_index(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    reach = graph["kpis"][0]
    payload = await record(
        gql,
        graph["strategy"],
        [
            {"kpiId": reach, "observedOn": "2025-03-01", "value": "1"},
            {"kpiId": reach, "observedOn": "1989-12-31", "value": "1"},
            {"kpiId": reach, "observedOn": "2200-01-01", "value": "1"},
            {"kpiId": reach, "observedOn": "2025-03-02", "value": "NaN"},
            {"kpiId": reach, "observedOn": "2025-03-03", "value": "Infinity"},
            {"kpiId": reach, "observedOn": "2025-03-04", "value": "1.23456"},
            {"kpiId": reach, "observedOn": "2025-03-05", "value": "1e17"},
            {"kpiId": global_id("Kpi"), "observedOn": "2025-03-01", "value": "1"},
            {"kpiId": reach, "observedOn": "2025-03-01", "value": "2"},
            {"kpiId": reach, "observedOn": "2025-03-06", "value": "1", "source": "CONTENT_ROLLUP"},
        ],
    )
    assert codes(payload) == [
        (["measurements", "1", "observedOn"], "OUT_OF_RANGE"),
        (["measurements", "2", "observedOn"], "OUT_OF_RANGE"),
        (["measurements", "3", "value"], "NOT_FINITE"),
        (["measurements", "4", "value"], "NOT_FINITE"),
        (["measurements", "5", "value"], "TOO_PRECISE"),
        (["measurements", "6", "value"], "OUT_OF_RANGE"),
        (["measurements", "7", "kpiId"], "NOT_FOUND"),
        (["measurements", "8", "observedOn"], "DUPLICATE"),
        (["measurements", "9", "source"], "SOURCE_RESERVED"),
    ]
    assert all(error["message"] for error in payload["userErrors"])
    assert await measurements(gql, reach) == []
    malformed = await record(
        gql,
        graph["strategy"],
        [
            {"kpiId": reach, "observedOn": "2025-03-01", "value": "1"},
            {"kpiId": graph["tactics"][0], "observedOn": "2025-03-01", "value": "1"},
            {"kpiId": "not an id", "observedOn": "2025-03-01", "value": "1"},
        ],
    )
    assert codes(malformed) == [
        (["measurements", "1", "kpiId"], "INVALID_ID"),
        (["measurements", "2", "kpiId"], "INVALID_ID"),
    ]


async def test_an_empty_or_oversized_batch_is_refused(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    empty = await record(gql, graph["strategy"], [])
    assert codes(empty) == [(["measurements"], "REQUIRED")]
    entry = {"kpiId": graph["kpis"][0], "observedOn": "2025-03-01", "value": "1"}
    too_many = await record(gql, graph["strategy"], [entry] * 10_001)
    assert codes(too_many) == [(["measurements"], "TOO_MANY")]
    unknown = await record(gql, global_id("Strategy"), [entry])
    assert codes(unknown) == [(["strategyId"], "NOT_FOUND")]


async def test_ten_thousand_measurements_are_one_batch(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    reach, leads = graph["kpis"]
    start = dt.date(2000, 1, 1)
    batch = [
        {"kpiId": kpi, "observedOn": (start + dt.timedelta(days=n)).isoformat(), "value": f"{n}.5"}
        for n in range(5_000)
        for kpi in (reach, leads)
    ]
    assert counts(await record(gql, graph["strategy"], batch)) == (10_000, 0, 0)
    assert counts(await record(gql, graph["strategy"], batch)) == (0, 0, 10_000)


KPI_SOURCE = "kpi { id source version }"


async def test_a_kpi_computed_from_content_takes_no_recorded_values(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    kpi = (
        await ok(
            gql,
            "createKpi",
            {"strategyId": graph["strategy"], "name": "Content reach", "metric": "REACH", "target": "1000"},
            KPI_SOURCE,
        )
    )["kpi"]
    assert kpi["source"] == "MEASUREMENTS"
    measured = await create(
        gql,
        "createKpiMeasurement",
        "kpiMeasurement",
        {"kpiId": kpi["id"], "observedOn": "2025-01-01", "value": 1},
    )
    kpi = (
        await ok(
            gql, "updateKpi", {"id": kpi["id"], "version": kpi["version"], "source": "CONTENT"}, KPI_SOURCE
        )
    )["kpi"]
    assert kpi["source"] == "CONTENT"

    batch = await record(
        gql, graph["strategy"], [{"kpiId": kpi["id"], "observedOn": "2025-03-01", "value": "1"}]
    )
    assert codes(batch) == [(["measurements", "0", "kpiId"], "KPI_COMPUTED_FROM_CONTENT")]
    single = await call(
        gql, "createKpiMeasurement", {"kpiId": kpi["id"], "observedOn": "2025-03-01", "value": "1"}
    )
    assert codes(single) == [(["kpiId"], "KPI_COMPUTED_FROM_CONTENT")]
    update = await call(
        gql, "updateKpiMeasurement", {"id": measured["id"], "version": measured["version"], "value": "2"}
    )
    assert codes(update) == [(["id"], "KPI_COMPUTED_FROM_CONTENT")]
    # A value recorded before the switch can still be removed.
    await ok(gql, "deleteKpiMeasurement", {"id": measured["id"]})

    reserved = await call(
        gql,
        "createKpiMeasurement",
        {
            "kpiId": graph["kpis"][0],
            "observedOn": "2025-03-01",
            "value": "1",
            "source": "CONTENT_ROLLUP",
        },
    )
    assert codes(reserved) == [(["source"], "SOURCE_RESERVED")]
    created = (
        await ok(
            gql,
            "createKpi",
            {
                "strategyId": graph["strategy"],
                "name": "Clicks from content",
                "metric": "CLICKS",
                "target": "50",
                "source": "CONTENT",
            },
            KPI_SOURCE,
        )
    )["kpi"]
    assert created["source"] == "CONTENT"
    nulled = await call(
        gql, "updateKpi", {"id": created["id"], "version": created["version"], "source": None}
    )
    assert codes(nulled) == [(["source"], "REQUIRED")]


async def test_content_metrics_are_recorded_in_one_batch(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    first = (await content_item(gql, graph, "First"))["id"]
    second = (await content_item(gql, graph, "Second"))["id"]
    batch = [
        {"contentItemId": first, "metric": "REACH", "observedOn": "2025-03-01", "value": "100"},
        {"contentItemId": first, "metric": "CLICKS", "observedOn": "2025-03-01", "value": "7"},
        {"contentItemId": second, "metric": "REACH", "observedOn": "2025-03-01", "value": "40"},
    ]
    assert counts(await record_metrics(gql, graph["strategy"], batch)) == (3, 0, 0)
    before = await metrics_of(gql, first)
    assert counts(await record_metrics(gql, graph["strategy"], batch)) == (0, 0, 3)
    assert await metrics_of(gql, first) == before
    batch[1]["value"] = "8"
    assert counts(await record_metrics(gql, graph["strategy"], batch)) == (0, 1, 2)
    after = {m["metric"]: m for m in await metrics_of(gql, first)}
    assert after["CLICKS"]["version"] == 2
    assert same_decimal(after["CLICKS"]["value"], "8")
    assert after["REACH"]["version"] == 1


async def test_bad_content_metrics_are_reported_at_their_index(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    other = await strategy_graph(gql, "Other")
    item = (await content_item(gql, graph, "Mine"))["id"]
    foreign = (await content_item(gql, other, "Theirs"))["id"]
    payload = await record_metrics(
        gql,
        graph["strategy"],
        [
            {"contentItemId": item, "metric": "REACH", "observedOn": "2025-03-01", "value": "1"},
            {"contentItemId": foreign, "metric": "REACH", "observedOn": "2025-03-01", "value": "1"},
            {
                "contentItemId": global_id("ContentItem"),
                "metric": "REACH",
                "observedOn": "2025-03-01",
                "value": 1,
            },
            {"contentItemId": item, "metric": "REACH", "observedOn": "2025-03-01", "value": "2"},
            {"contentItemId": item, "metric": "CLICKS", "observedOn": "3000-01-01", "value": "-Infinity"},
        ],
    )
    assert codes(payload) == [
        (["metrics", "1", "contentItemId"], "WRONG_STRATEGY"),
        (["metrics", "2", "contentItemId"], "NOT_FOUND"),
        (["metrics", "3", "observedOn"], "DUPLICATE"),
        (["metrics", "4", "observedOn"], "OUT_OF_RANGE"),
        (["metrics", "4", "value"], "NOT_FINITE"),
    ]
    assert counts(payload) == (None, None, None)
    assert await metrics_of(gql, item) == []
    bad_id = await record_metrics(
        gql,
        graph["strategy"],
        [{"contentItemId": graph["kpis"][0], "metric": "REACH", "observedOn": "2025-03-01", "value": "1"}],
    )
    assert codes(bad_id) == [(["metrics", "0", "contentItemId"], "INVALID_ID")]


async def test_a_malformed_strategy_id_is_reported_with_every_malformed_entry(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    reach = graph["kpis"][0]
    measured = await record(
        gql,
        "not an id",
        [
            {"kpiId": reach, "observedOn": "2025-03-01", "value": "1"},
            {"kpiId": "nonsense", "observedOn": "2025-03-01", "value": "1"},
        ],
    )
    assert codes(measured) == [
        (["strategyId"], "INVALID_ID"),
        (["measurements", "1", "kpiId"], "INVALID_ID"),
    ]
    item = (await content_item(gql, graph, "Post"))["id"]
    metrics = await record_metrics(
        gql,
        graph["tactics"][0],
        [
            {"contentItemId": reach, "metric": "REACH", "observedOn": "2025-03-01", "value": "1"},
            {"contentItemId": item, "metric": "REACH", "observedOn": "2025-03-01", "value": "1"},
        ],
    )
    assert codes(metrics) == [
        (["strategyId"], "INVALID_ID"),
        (["metrics", "0", "contentItemId"], "INVALID_ID"),
    ]
    too_many = await record(
        gql, "not an id", [{"kpiId": reach, "observedOn": "2025-03-01", "value": "1"}] * 10_001
    )
    assert codes(too_many) == [(["strategyId"], "INVALID_ID"), (["measurements"], "TOO_MANY")]
    none = await record_metrics(gql, "not an id", [])
    assert codes(none) == [(["strategyId"], "INVALID_ID"), (["metrics"], "REQUIRED")]


async def test_a_batch_is_written_in_the_order_of_its_keys(db: Database, gql: GraphQLClient) -> None:
    """Two batches sharing keys lock the rows in one order, whatever order each was given in."""
    graph = await strategy_graph(gql)
    reach, leads = graph["kpis"]
    days = [f"2025-03-{day:02d}" for day in range(1, 6)]
    given = [
        {"kpiId": kpi, "observedOn": day, "value": "1"} for day in reversed(days) for kpi in (leads, reach)
    ]
    assert counts(await record(gql, graph["strategy"], given)) == (10, 0, 0)
    async with db.read(Scope.everything()) as connection:
        physical = (
            await connection.execute(text("SELECT kpi_id, observed_on FROM kpi_measurement ORDER BY ctid"))
        ).all()
    assert [tuple(row) for row in physical] == sorted(tuple(row) for row in physical)
