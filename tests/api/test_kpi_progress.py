"""Kpi.progress and Kpi.smart over GraphQL, computed from real measurements in PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from tests.api.helpers import create, create_workspace, measure
from tests.client import GraphQLClient
from tests.conftest import StatementLog

PROGRESS = """
query($id: ID!, $asOf: Date) {
  node(id: $id) { ... on Kpi { progress(asOf: $asOf) {
    asOf status current startValue baseline target expected paceRatio forecast deadline daysLeft
    lastObservedOn measurementCount
  } } }
}
"""

SMART = """
query($id: ID!) {
  node(id: $id) { ... on Kpi { smart {
    met
    specific { letter met reasons { code message } }
    measurable { met reasons { code } }
    achievable { met reasons { code } }
    relevant { met reasons { code } }
    timeBound { met reasons { code } }
  } } }
}
"""


async def _strategy(gql: GraphQLClient, **period: str) -> dict[str, Any]:
    workspace = await create_workspace(gql)
    strategy = await create(
        gql, "createStrategy", "strategy", {"workspaceId": workspace, "name": "Plan", **period}
    )
    tactic = await create(
        gql, "createTactic", "tactic", {"strategyId": strategy["id"], "name": "Educate", "kind": "EDUCATE"}
    )
    audience = await create(
        gql, "createAudience", "audience", {"strategyId": strategy["id"], "name": "Counsel"}
    )
    return {
        "workspace": workspace,
        "strategy": strategy["id"],
        "tactic": tactic["id"],
        "audience": audience["id"],
    }


async def _kpi(gql: GraphQLClient, graph: dict[str, Any], **fields: Any) -> str:
    input = {
        "strategyId": graph["strategy"],
        "name": "Followers",
        "metric": "FOLLOWERS",
        "baseline": "100",
        "target": "200",
        "startsOn": "2030-01-01",
        "deadline": "2030-12-27",
        "tacticIds": [graph["tactic"]],
        "audienceIds": [graph["audience"]],
        **fields,
    }
    kpi: str = (await create(gql, "createKpi", "kpi", input))["id"]
    return kpi


async def _progress(gql: GraphQLClient, kpi: str, as_of: str | None) -> dict[str, Any]:
    data = await gql.data(PROGRESS, id=kpi, asOf=as_of)
    result: dict[str, Any] = data["node"]["progress"]
    return result


def _least_squares_at(points: list[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    xs = [p[0].toordinal() for p in points]
    ys = [float(p[1]) for p in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return Decimal(mean_y + slope * (day.toordinal() - mean_x)).quantize(Decimal("0.0001"))


async def test_progress_of_an_increasing_kpi_halfway(gql: GraphQLClient) -> None:
    kpi = await _kpi(gql, await _strategy(gql))
    await measure(gql, kpi, "2030-01-01", "100")
    await measure(gql, kpi, "2030-03-01", "118")
    await measure(gql, kpi, "2030-06-30", "140")
    await measure(gql, kpi, "2030-06-30", "149", "IMPORT")  # written last: this one counts for the day
    await measure(gql, kpi, "2030-07-15", "900")  # after the day asked for
    result = await _progress(gql, kpi, "2030-06-30")
    assert result["status"] == "ON_TRACK"
    assert Decimal(result["current"]) == Decimal("149")
    assert Decimal(result["startValue"]) == Decimal("100")
    assert Decimal(result["expected"]) == Decimal("150")  # halfway through 360 days
    assert Decimal(result["paceRatio"]) == Decimal("0.98")
    assert (result["measurementCount"], result["lastObservedOn"], result["daysLeft"]) == (
        3,
        "2030-06-30",
        180,
    )
    assert result["deadline"] == "2030-12-27"
    points = [
        (dt.date(2030, 1, 1), Decimal(100)),
        (dt.date(2030, 3, 1), Decimal(118)),
        (dt.date(2030, 6, 30), Decimal(149)),
    ]
    forecast = Decimal(result["forecast"])
    assert abs(forecast - _least_squares_at(points, dt.date(2030, 12, 27))) <= Decimal("0.001")


async def test_the_status_is_decided_on_the_exact_pace_at_both_thresholds(gql: GraphQLClient) -> None:
    """Halfway from 0 to 100,000 the plan expects 50,000: each day below gains a pace of value / 50,000.
    The pace is shown rounded to four places; the status is decided on it exactly."""
    graph = await _strategy(gql)
    for value, status, shown in (
        ("34999", "OFF_TRACK", "0.7000"),  # 0.69998 is below 0.7
        ("35000", "AT_RISK", "0.7000"),
        ("44999", "AT_RISK", "0.9000"),  # 0.89998 is below 0.9
        ("45000", "ON_TRACK", "0.9000"),
    ):
        kpi = await _kpi(gql, graph, name=f"Followers {value}", baseline="0", target="100000")
        await measure(gql, kpi, "2030-06-30", value)
        result = await _progress(gql, kpi, "2030-06-30")
        assert (result["status"], result["paceRatio"], result["expected"]) == (status, shown, "50000.0000"), (
            value
        )


async def test_status_moves_with_the_measurements_and_the_day(gql: GraphQLClient) -> None:
    kpi = await _kpi(gql, await _strategy(gql))
    assert (await _progress(gql, kpi, "2030-06-30"))["status"] == "NO_DATA"
    await measure(gql, kpi, "2030-06-30", "125")
    assert (await _progress(gql, kpi, "2030-06-30"))["status"] == "OFF_TRACK"  # pace 0.5
    await measure(gql, kpi, "2030-07-01", "140")
    assert (await _progress(gql, kpi, "2030-07-01"))["status"] == "AT_RISK"
    await measure(gql, kpi, "2030-08-01", "210")
    assert (await _progress(gql, kpi, "2030-08-01"))["status"] == "ACHIEVED"
    # After the deadline only what was measured by the deadline counts.
    await measure(gql, kpi, "2031-01-20", "90")
    late = await _progress(gql, kpi, "2031-02-01")
    assert (late["status"], Decimal(late["current"]), late["daysLeft"]) == ("ACHIEVED", Decimal(210), -36)


async def test_a_decreasing_kpi_past_its_deadline_is_missed(gql: GraphQLClient) -> None:
    kpi = await _kpi(
        gql,
        await _strategy(gql),
        name="Return rate",
        metric="CUSTOM",
        unit="PERCENT",
        direction="DECREASE",
        baseline="12",
        target="8",
        description="Share of orders returned",
    )
    await measure(gql, kpi, "2030-02-01", "11.5")
    await measure(gql, kpi, "2030-11-01", "9")
    result = await _progress(gql, kpi, "2031-01-05")
    assert (result["status"], Decimal(result["current"])) == ("MISSED", Decimal(9))
    assert Decimal(result["expected"]) == Decimal(8)


async def test_the_deadline_defaults_to_the_strategy_end(gql: GraphQLClient) -> None:
    graph = await _strategy(gql, startsOn="2030-01-01", endsOn="2030-12-27")
    kpi = await _kpi(gql, graph, startsOn=None, deadline=None)
    await measure(gql, kpi, "2030-06-30", "150")
    result = await _progress(gql, kpi, "2030-06-30")
    assert (result["deadline"], result["status"], Decimal(result["expected"])) == (
        "2030-12-27",
        "ON_TRACK",
        Decimal(150),
    )


async def test_progress_defaults_to_today(gql: GraphQLClient) -> None:
    kpi = await _kpi(gql, await _strategy(gql))
    result = await _progress(gql, kpi, None)
    assert result["asOf"] == dt.datetime.now(dt.UTC).date().isoformat()


async def test_smart_verdict_per_letter(gql: GraphQLClient) -> None:
    graph = await _strategy(gql, startsOn="2030-01-01", endsOn="2030-12-31")
    good = await _kpi(gql, graph)
    data = await gql.data(SMART, id=good)
    assert data["node"]["smart"]["met"] is True
    bare = await _kpi(
        gql, graph, baseline=None, deadline="2031-06-30", tacticIds=[], audienceIds=[], metric="CUSTOM"
    )
    smart = (await gql.data(SMART, id=bare))["node"]["smart"]
    assert smart["met"] is False
    assert smart["specific"]["letter"] == "SPECIFIC"
    assert {r["code"] for r in smart["specific"]["reasons"]} == {
        "CUSTOM_METRIC_UNDESCRIBED",
        "NO_AUDIENCE_OR_CHANNEL",
    }
    assert smart["measurable"]["reasons"] == [{"code": "NO_BASELINE"}]
    assert smart["achievable"] == {"met": True, "reasons": []}
    assert smart["relevant"]["reasons"] == [{"code": "NO_TACTIC"}]
    assert smart["timeBound"]["reasons"] == [{"code": "DEADLINE_OUTSIDE_PERIOD"}]


async def test_a_target_far_beyond_the_history_is_not_achievable(gql: GraphQLClient) -> None:
    graph = await _strategy(gql)
    kpi = await _kpi(gql, graph, target="5000")
    await measure(gql, kpi, "2030-01-01", "100")
    await measure(gql, kpi, "2030-02-01", "103")
    await measure(gql, kpi, "2030-03-01", "106")
    query = """
    query($id: ID!) { node(id: $id) { ... on Kpi {
      smart(asOf: "2030-03-01") { achievable { met reasons { code message } } }
    } } }
    """
    achievable = (await gql.data(query, id=kpi))["node"]["smart"]["achievable"]
    assert achievable["met"] is False
    assert achievable["reasons"][0]["code"] == "TARGET_BEYOND_HISTORY"


async def test_progress_and_smart_cost_the_same_statements_for_2_or_12_kpis(
    gql: GraphQLClient, sql: StatementLog
) -> None:
    query = """
    query($id: ID!) { strategy(id: $id) { kpis { name progress(asOf: "2030-06-30") { status current }
      smart { met } } } }
    """

    async def statements(kpis: int) -> int:
        graph = await _strategy(gql)
        for n in range(kpis):
            kpi = await _kpi(gql, graph, name=f"KPI {n}")
            await measure(gql, kpi, "2030-03-01", str(110 + n))
            await measure(gql, kpi, "2030-06-01", str(130 + n))
        sql.reset()
        data = await gql.data(query, id=graph["strategy"])
        assert len(data["strategy"]["kpis"]) == kpis
        return sql.count

    small, large = await statements(2), await statements(12)
    # strategy, its KPIs, their facts (one per day asked), and none per KPI (the caller, signed in
    # a moment ago, is known)
    assert small == large == 4


async def test_a_day_outside_the_accepted_dates_is_a_clear_error(gql: GraphQLClient) -> None:
    graph = await _strategy(gql)
    kpi = await _kpi(gql, graph)
    await measure(gql, kpi, "2030-03-01", "120")
    for field in (
        'node(id: $id) { ... on Kpi { progress(asOf: "9999-12-31") { status } } }',
        'node(id: $id) { ... on Kpi { smart(asOf: "1000-01-01") { met } } }',
    ):
        body = await gql.post(f"query($id: ID!) {{ {field} }}", id=kpi)
        assert body["errors"][0]["extensions"]["code"] == "OUT_OF_RANGE", body
    for field in ('health(asOf: "9999-12-31") { asOf }', 'document(asOf: "9999-12-31")'):
        body = await gql.post(f"query($id: ID!) {{ strategy(id: $id) {{ {field} }} }}", id=graph["strategy"])
        assert body["errors"][0]["extensions"]["code"] == "OUT_OF_RANGE", body
