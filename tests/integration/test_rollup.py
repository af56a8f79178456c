"""KPIs computed from content: their measurements follow the metrics of the content serving them."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from domain.content.metrics import MetricChanges, create_content_metric
from domain.kpi.models import Metric
from domain.persistence.database import Database
from domain.scope import Scope
from schema import ids
from tests.api.builders import call, codes, ok
from tests.api.helpers import (
    content_item,
    counts,
    create,
    measure,
    measurements,
    metrics_of,
    record_metrics,
    strategy_graph,
)
from tests.client import GraphQLClient
from tests.conftest import StatementLog

D1, D2, D3 = "2025-03-01", "2025-03-02", "2025-03-03"
#: What the statement that locks the KPIs before a rollup says.
LOCK_KPIS = "FOR NO KEY UPDATE OF kpi"


async def content_kpi(
    gql: GraphQLClient, graph: dict[str, Any], name: str, aggregation: str, **extra: Any
) -> dict[str, Any]:
    return await create(
        gql,
        "createKpi",
        "kpi",
        {
            "strategyId": graph["strategy"],
            "name": name,
            "metric": "REACH",
            "target": "1000",
            "aggregation": aggregation,
            "source": "CONTENT",
            **extra,
        },
    )


async def rollup(gql: GraphQLClient, kpi: str) -> dict[str, Decimal]:
    """The KPI's CONTENT_ROLLUP values by day."""
    rows = await measurements(gql, kpi)
    assert all(row["source"] == "CONTENT_ROLLUP" for row in rows), rows
    return {row["observedOn"]: Decimal(row["value"]) for row in rows}


async def rollup_rows(gql: GraphQLClient, kpi: str) -> dict[str, dict[str, Any]]:
    return {row["observedOn"]: row for row in await measurements(gql, kpi)}


def metric(item: str, day: str, value: str, name: str = "REACH") -> dict[str, Any]:
    return {"contentItemId": item, "metric": name, "observedOn": day, "value": value}


async def setup(gql: GraphQLClient) -> dict[str, Any]:
    """Three KPIs of REACH from content (SUM, AVERAGE, LATEST), items serving them, and their metrics.

    Items A and B have them as primary and contributing KPIs, item C only as contributing
    KPIs (its primary KPI is another), item D serves none of them.
    """
    graph = await strategy_graph(gql)
    tactic = graph["tactics"][0]
    kpis = {
        aggregation: (await content_kpi(gql, graph, f"Reach {aggregation}", aggregation))["id"]
        for aggregation in ("SUM", "AVERAGE", "LATEST")
    }
    ours = list(kpis.values())
    mapped = {"tacticId": tactic, "primaryKpiId": kpis["SUM"], "kpiIds": ours}
    items = {
        "A": (await content_item(gql, graph, "A", **mapped))["id"],
        "B": (await content_item(gql, graph, "B", **mapped))["id"],
        "C": (
            await content_item(
                gql,
                graph,
                "C",
                tacticId=tactic,
                primaryKpiId=graph["kpis"][0],
                kpiIds=[graph["kpis"][0], *ours],
            )
        )["id"],
        "D": (await content_item(gql, graph, "D", tacticId=tactic, primaryKpiId=graph["kpis"][0]))["id"],
    }
    recorded = await record_metrics(
        gql,
        graph["strategy"],
        [
            metric(items["A"], D1, "10"),
            metric(items["A"], D2, "20"),
            metric(items["A"], D3, "5"),
            metric(items["A"], D1, "100", "CLICKS"),
            metric(items["B"], D1, "1"),
            metric(items["B"], D3, "4"),
            metric(items["C"], D2, "2.5"),
            metric(items["D"], D1, "1000"),
        ],
    )
    assert recorded["userErrors"] == []
    return {**graph, "content_kpis": kpis, "items": items}


def values(**by_day: str) -> dict[str, Decimal]:
    return {day: Decimal(value) for day, value in by_day.items()}


async def test_sum_average_and_latest_roll_up_exactly(gql: GraphQLClient) -> None:
    data = await setup(gql)
    kpis = data["content_kpis"]
    # Day totals of the serving items: D1 10 + 1 (two values), D2 20 + 2.5 (two), D3 5 + 4 (two).
    assert await rollup(gql, kpis["SUM"]) == {D1: Decimal(11), D2: Decimal("33.5"), D3: Decimal("42.5")}
    assert await rollup(gql, kpis["AVERAGE"]) == {
        D1: Decimal("5.5"),
        D2: Decimal("8.375"),
        D3: Decimal("7.0833"),  # 42.5 / 6, rounded to 4 places
    }
    assert await rollup(gql, kpis["LATEST"]) == {D1: Decimal(11), D2: Decimal("22.5"), D3: Decimal(9)}
    assert await measurements(gql, data["kpis"][0]) == []


async def test_a_kpi_counts_only_metrics_from_its_start(gql: GraphQLClient) -> None:
    data = await setup(gql)
    late = (await content_kpi(gql, data, "Reach since day 2", "SUM", startsOn=D2))["id"]
    item = data["items"]["A"]
    await ok(
        gql,
        "mapContentItem",
        {"id": item, "tacticId": data["tactics"][0], "primaryKpiId": late, "kpiIds": [late]},
    )
    assert await rollup(gql, late) == {D2: Decimal(20), D3: Decimal(25)}


async def test_a_changed_metric_changes_only_the_days_it_touches(gql: GraphQLClient) -> None:
    data = await setup(gql)
    kpis = data["content_kpis"]
    before = await rollup_rows(gql, kpis["LATEST"])
    changed = await record_metrics(gql, data["strategy"], [metric(data["items"]["A"], D3, "15")])
    assert counts(changed) == (0, 1, 0)
    assert await rollup(gql, kpis["SUM"]) == values(**{D1: "11", D2: "33.5", D3: "52.5"})
    assert await rollup(gql, kpis["LATEST"]) == values(**{D1: "11", D2: "22.5", D3: "19"})
    after = await rollup_rows(gql, kpis["LATEST"])
    assert after[D1] == before[D1]
    assert after[D2] == before[D2]
    assert after[D3]["version"] == before[D3]["version"] + 1
    # The same metrics again change no rollup.
    await record_metrics(gql, data["strategy"], [metric(data["items"]["A"], D3, "15")])
    assert await rollup_rows(gql, kpis["LATEST"]) == after


async def test_deleted_metrics_leave_the_rollup(gql: GraphQLClient) -> None:
    data = await setup(gql)
    kpis = data["content_kpis"]
    item = data["items"]["C"]
    metric_id = (
        await gql.data(
            "query($id: ID!) { node(id: $id) { ... on ContentItem { metrics { nodes { id } } } } }", id=item
        )
    )["node"]["metrics"]["nodes"][0]["id"]
    await ok(gql, "deleteContentMetric", {"id": metric_id})
    assert await rollup(gql, kpis["SUM"]) == values(**{D1: "11", D2: "31", D3: "40"})
    assert await rollup(gql, kpis["AVERAGE"]) == values(**{D1: "5.5", D2: "10.3333", D3: "8"})
    # A day with no metrics left has no rollup.
    await ok(gql, "deleteContentItem", {"id": data["items"]["B"]})
    assert await rollup(gql, kpis["LATEST"]) == values(**{D1: "10", D2: "20", D3: "5"})
    await ok(gql, "deleteContentItem", {"id": data["items"]["A"]})
    assert await rollup(gql, kpis["SUM"]) == {}


async def test_unmapping_or_archiving_an_item_takes_its_metrics_out(gql: GraphQLClient) -> None:
    data = await setup(gql)
    kpis = data["content_kpis"]
    other = data["kpis"][0]
    item_b = await ok(
        gql,
        "mapContentItem",
        {"id": data["items"]["B"], "tacticId": data["tactics"][0], "primaryKpiId": other},
        "contentItem { id version }",
    )
    assert await rollup(gql, kpis["SUM"]) == values(**{D1: "10", D2: "32.5", D3: "37.5"})
    archived = await ok(
        gql,
        "transitionContentItem",
        {"id": data["items"]["A"], "version": 1, "to": "ARCHIVED"},
        "contentItem { id version status }",
    )
    assert await rollup(gql, kpis["SUM"]) == values(**{D2: "2.5"})
    await ok(
        gql,
        "transitionContentItem",
        {"id": data["items"]["A"], "version": archived["contentItem"]["version"], "to": "IDEA"},
    )
    assert await rollup(gql, kpis["SUM"]) == values(**{D1: "10", D2: "32.5", D3: "37.5"})
    await ok(
        gql,
        "mapContentItem",
        {
            "id": data["items"]["B"],
            "version": item_b["contentItem"]["version"],
            "tacticId": data["tactics"][0],
            "primaryKpiId": kpis["SUM"],
            "kpiIds": list(kpis.values()),
        },
    )
    assert await rollup(gql, kpis["SUM"]) == values(**{D1: "11", D2: "33.5", D3: "42.5"})
    assert await rollup(gql, kpis["AVERAGE"]) == values(**{D1: "5.5", D2: "8.375", D3: "7.0833"})


async def test_changing_the_kpi_recomputes_or_drops_its_rollup(gql: GraphQLClient) -> None:
    data = await setup(gql)
    kpi = data["content_kpis"]["SUM"]
    version = 1

    async def update(**changes: Any) -> None:
        nonlocal version
        payload = await ok(gql, "updateKpi", {"id": kpi, "version": version, **changes}, "kpi { version }")
        version = payload["kpi"]["version"]

    await update(aggregation="LATEST")
    assert await rollup(gql, kpi) == values(**{D1: "11", D2: "22.5", D3: "9"})
    await update(startsOn=D3)
    assert await rollup(gql, kpi) == values(**{D3: "9"})
    await update(metric="CLICKS", startsOn=None)
    assert await rollup(gql, kpi) == values(**{D1: "100"})
    await update(source="MEASUREMENTS")
    assert await measurements(gql, kpi) == []
    await update(source="CONTENT", metric="REACH", aggregation="SUM")
    assert await rollup(gql, kpi) == values(**{D1: "11", D2: "33.5", D3: "42.5"})


async def test_reassigning_content_of_a_deleted_kpi_rolls_it_up_elsewhere(gql: GraphQLClient) -> None:
    data = await setup(gql)
    kpis = data["content_kpis"]
    other = (await content_kpi(gql, data, "Reach elsewhere", "SUM"))["id"]
    assert await measurements(gql, other) == []
    payload = await gql.data(
        """mutation($input: DeleteKpiInput!) { deleteKpi(input: $input) {
             deletedId affectedContentCount userErrors { code } } }""",
        input={"id": kpis["SUM"], "onContent": "REASSIGN", "reassignToId": other},
    )
    assert payload["deleteKpi"]["userErrors"] == []
    assert await rollup(gql, other) == values(**{D1: "11", D2: "33.5", D3: "42.5"})


async def test_recording_content_metrics_costs_the_same_statements_for_2_and_50(
    gql: GraphQLClient, sql: StatementLog
) -> None:
    data = await setup(gql)
    items = list(data["items"].values())

    async def statements(count: int, month: int) -> int:
        batch = [
            metric(
                items[n % 4],
                f"2025-{month:02d}-{1 + n // 12:02d}",
                str(n),
                ("REACH", "CLICKS", "LEADS")[n % 3],
            )
            for n in range(count)
        ]
        sql.reset()
        payload = await record_metrics(gql, data["strategy"], batch)
        assert payload["userErrors"] == []
        assert payload["created"] == count
        return sql.count

    small = await statements(2, 4)
    large = await statements(50, 5)
    assert small == large
    # strategy, the KPIs the items serve (held before the items, see the lock order in
    # domain.records), the items, what they serve once locked, upsert, lock of the KPIs for the
    # rollup, rollup upsert, rollup delete, the activity log's entry (the caller, signed in a
    # moment ago, is known)
    assert large == 9


async def wait_until_blocked(db: Database, statement: str) -> None:
    """Return once another session of this database waits for a lock in a ``statement``; at most 10 s."""
    blocked = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND strpos(query, :statement) > 0"
    )
    async with asyncio.timeout(10), db.read(Scope.everything()) as connection:
        while True:
            waiting = (await connection.execute(blocked, {"statement": statement})).scalar_one()
            await connection.rollback()  # a new transaction sees the sessions anew
            if waiting:
                return
            await asyncio.sleep(0.01)


async def test_two_transactions_recording_metrics_of_one_kpi_both_count(
    db: Database, gql: GraphQLClient
) -> None:
    graph = await strategy_graph(gql)
    kpi = (await content_kpi(gql, graph, "Reach", "SUM"))["id"]
    mapped = {"tacticId": graph["tactics"][0], "primaryKpiId": kpi}
    first_item, second_item = [
        ids.decode((await content_item(gql, graph, title, **mapped))["id"], "ContentItem") for title in "AB"
    ]
    day = dt.date(2025, 3, 1)

    async def record(item: Any, value: int) -> None:
        async with db.transaction(Scope.everything()) as session:
            changes = MetricChanges(metric=Metric.REACH, observed_on=day, value=Decimal(value))
            await create_content_metric(session, Scope.everything(), item, changes)

    async with db.transaction(Scope.everything()) as session:
        changes = MetricChanges(metric=Metric.REACH, observed_on=day, value=Decimal(10))
        await create_content_metric(session, Scope.everything(), first_item, changes)
        second = asyncio.create_task(record(second_item, 5))
        await wait_until_blocked(db, LOCK_KPIS)
        assert not second.done()  # it waits for the KPI, then rolls up what this one committed
    await second
    assert await rollup(gql, kpi) == {"2025-03-01": Decimal(15)}


async def test_progress_of_a_kpi_from_content_reads_only_its_rollup(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    kpi = (
        await create(
            gql,
            "createKpi",
            "kpi",
            {
                "strategyId": graph["strategy"],
                "name": "Reach of posts",
                "metric": "REACH",
                "baseline": "0",
                "target": "1000",
            },
        )
    )["id"]
    await measure(gql, kpi, D3, "999")  # typed in before
    await ok(gql, "updateKpi", {"id": kpi, "version": 1, "source": "CONTENT", "aggregation": "SUM"})
    item = await content_item(gql, graph, "Post", tacticId=graph["tactics"][0], primaryKpiId=kpi)
    await record_metrics(gql, graph["strategy"], [metric(item["id"], D1, "40"), metric(item["id"], D2, "60")])
    query = """query($id: ID!) { node(id: $id) { ... on Kpi {
      progress(asOf: "2025-03-03") { current lastObservedOn measurementCount } } } }"""
    progress = (await gql.data(query, id=kpi))["node"]["progress"]
    assert progress == {"current": "100.0000", "lastObservedOn": D2, "measurementCount": 2}


async def test_mapping_many_items_refreshes_their_kpis_once(gql: GraphQLClient, sql: StatementLog) -> None:
    data = await setup(gql)
    kpis = data["content_kpis"]
    other = data["kpis"][0]
    items = [data["items"][name] for name in "ABC"]
    # A, B and C leave the KPIs from content: only item C's primary KPI (not from content) stays.
    unmap = [{"id": item, "tacticId": data["tactics"][0], "primaryKpiId": other} for item in items]
    sql.reset()
    await ok(gql, "mapContentItems", {"items": unmap})
    assert sum(LOCK_KPIS in statement for statement in sql.statements) == 1
    for kpi in kpis.values():
        assert await rollup(gql, kpi) == {}
    remap = [{**entry, "primaryKpiId": kpis["SUM"], "kpiIds": list(kpis.values())} for entry in unmap]
    sql.reset()
    await ok(gql, "mapContentItems", {"items": remap})
    assert sum(LOCK_KPIS in statement for statement in sql.statements) == 1
    assert await rollup(gql, kpis["SUM"]) == {D1: Decimal(11), D2: Decimal("33.5"), D3: Decimal("42.5")}
    assert await rollup(gql, kpis["LATEST"]) == {D1: Decimal(11), D2: Decimal("22.5"), D3: Decimal(9)}


async def test_content_serving_a_kpi_is_what_the_links_say(db: Database, gql: GraphQLClient) -> None:
    """The rollup reads content_item_kpi alone, as the coverage report does.

    The services always link an item to its primary KPI; should that link be missing, the
    rollup does not count the item through ``primary_kpi_id`` behind the report's back.
    """
    graph = await strategy_graph(gql)
    kpi = (await content_kpi(gql, graph, "Reach", "SUM"))["id"]
    mapped = {"tacticId": graph["tactics"][0], "primaryKpiId": kpi}
    linked, unlinked = [(await content_item(gql, graph, title, **mapped))["id"] for title in "AB"]
    async with db.transaction(Scope.everything()) as session:
        await session.execute(
            text("DELETE FROM content_item_kpi WHERE content_item_id = :item"),
            {"item": ids.decode(unlinked, "ContentItem")},
        )
    recorded = await record_metrics(
        gql, graph["strategy"], [metric(linked, D1, "10"), metric(unlinked, D1, "5")]
    )
    assert recorded["userErrors"] == []
    assert await rollup(gql, kpi) == {D1: Decimal(10)}


BIG = "9000000000000000"  # 9 * 10^15: fits a value; two of them do not


async def test_a_rollup_too_large_to_store_is_refused_and_nothing_is_written(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    kpi = (await content_kpi(gql, graph, "Reach", "SUM"))["id"]
    item = (await content_item(gql, graph, "Post", tacticId=graph["tactics"][0], primaryKpiId=kpi))["id"]

    refused = await record_metrics(gql, graph["strategy"], [metric(item, D1, BIG), metric(item, D2, BIG)])
    assert codes(refused) == [(["metrics"], "ROLLUP_OUT_OF_RANGE")]
    assert "'Reach'" in refused["userErrors"][0]["message"]
    assert "18000000000000000" in refused["userErrors"][0]["message"]
    assert counts(refused) == (None, None, None)
    assert await metrics_of(gql, item) == []
    assert await measurements(gql, kpi) == []

    first = await record_metrics(gql, graph["strategy"], [metric(item, D1, BIG)])
    assert first["userErrors"] == []
    assert await rollup(gql, kpi) == {D1: Decimal(BIG)}
    second = await record_metrics(gql, graph["strategy"], [metric(item, D2, BIG)])
    assert [error["code"] for error in second["userErrors"]] == ["ROLLUP_OUT_OF_RANGE"]
    assert await rollup(gql, kpi) == {D1: Decimal(BIG)}
    assert len(await metrics_of(gql, item)) == 1


async def test_mapping_or_changing_a_kpi_that_would_overflow_its_rollup_is_a_user_error(
    gql: GraphQLClient,
) -> None:
    graph = await strategy_graph(gql)
    latest = await content_kpi(gql, graph, "Reach of the day", "LATEST")
    other, tactic = graph["kpis"][0], graph["tactics"][0]
    serving = (await content_item(gql, graph, "Serving", tacticId=tactic, primaryKpiId=latest["id"]))["id"]
    waiting = (await content_item(gql, graph, "Waiting", tacticId=tactic, primaryKpiId=other))["id"]
    batch = [metric(serving, D1, BIG), metric(serving, D2, BIG), metric(waiting, D1, BIG)]
    assert (await record_metrics(gql, graph["strategy"], batch))["userErrors"] == []
    assert await rollup(gql, latest["id"]) == {D1: Decimal(BIG), D2: Decimal(BIG)}

    # Mapping the second item to the KPI would make the total of day 1 1.8 * 10^16.
    mapping = {"id": waiting, "tacticId": tactic, "primaryKpiId": latest["id"]}
    assert codes(await call(gql, "mapContentItem", mapping)) == [(["kpiIds"], "ROLLUP_OUT_OF_RANGE")]
    assert codes(await call(gql, "mapContentItems", {"items": [mapping]})) == [
        (["items"], "ROLLUP_OUT_OF_RANGE")
    ]
    read = "query($id: ID!) { contentItem(id: $id) { primaryKpi { id } kpis { id } } }"
    assert (await gql.data(read, id=waiting))["contentItem"] == {
        "primaryKpi": {"id": other},
        "kpis": [{"id": other}],
    }
    # Summing day 1 and day 2 up would too.
    changed = await call(
        gql, "updateKpi", {"id": latest["id"], "version": latest["version"], "aggregation": "SUM"}
    )
    assert [error["code"] for error in changed["userErrors"]] == ["ROLLUP_OUT_OF_RANGE"]
    assert await rollup(gql, latest["id"]) == {D1: Decimal(BIG), D2: Decimal(BIG)}
