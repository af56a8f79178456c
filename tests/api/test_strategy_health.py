"""Strategy.health: a clean strategy has no findings; each finding planted alone is found alone."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.api.builders import ok
from tests.api.helpers import content_item, create, create_workspace, measure
from tests.client import GraphQLClient
from tests.conftest import StatementLog

AS_OF = "2030-06-30"  # halfway through the KPIs' period

HEALTH = """
query($id: ID!, $asOf: Date) {
  strategy(id: $id) { health(asOf: $asOf) {
    asOf healthy findings { code severity message count nodes { __typename id } }
  } }
}
"""


async def clean(gql: GraphQLClient, tactics: int = 2) -> dict[str, Any]:
    """A strategy the method would sign off: every part covered, every KPI SMART and on track."""
    workspace = await create_workspace(gql)
    period = {"startsOn": "2030-01-01", "endsOn": "2030-12-31"}
    strategy = (
        await create(gql, "createStrategy", "strategy", {"workspaceId": workspace, "name": "Plan", **period})
    )["id"]
    share = f"{100 / tactics:.2f}"
    tactic_ids = [
        (
            await create(
                gql,
                "createTactic",
                "tactic",
                {"strategyId": strategy, "name": f"Tactic {n}", "kind": "EDUCATE", "targetShare": share},
            )
        )["id"]
        for n in range(tactics)
    ]
    audience = (await create(gql, "createAudience", "audience", {"strategyId": strategy, "name": "Counsel"}))[
        "id"
    ]
    channel = (
        await create(
            gql,
            "createChannel",
            "channel",
            {"workspaceId": workspace, "platform": "LINKEDIN", "name": "LinkedIn"},
        )
    )["id"]
    await create(
        gql,
        "createStrategyChannel",
        "strategyChannel",
        {"strategyId": strategy, "channelId": channel, "audienceIds": [audience]},
    )
    kpis = [await smart_kpi(gql, strategy, name, tactic_ids, audience) for name in ("Reach", "Leads")]
    items = [
        (
            await content_item(
                gql,
                {"strategy": strategy},
                f"Post {n}",
                channelId=channel,
                tacticId=tactic,
                primaryKpiId=kpis[0],
                kpiIds=kpis,
            )
        )["id"]
        for n, tactic in enumerate(tactic_ids)
    ]
    return {
        "workspace": workspace,
        "strategy": strategy,
        "tactics": tactic_ids,
        "audience": audience,
        "channel": channel,
        "kpis": kpis,
        "items": items,
    }


async def smart_kpi(gql: GraphQLClient, strategy: str, name: str, tactics: list[str], audience: str) -> str:
    kpi: str = (
        await create(
            gql,
            "createKpi",
            "kpi",
            {
                "strategyId": strategy,
                "name": name,
                "metric": "REACH",
                "baseline": "100",
                "target": "200",
                "startsOn": "2030-01-01",
                "deadline": "2030-12-27",
                "tacticIds": tactics,
                "audienceIds": [audience],
            },
        )
    )["id"]
    await measure(gql, kpi, "2030-01-01", "100")
    await measure(gql, kpi, AS_OF, "150")  # exactly on plan halfway
    return kpi


async def health(gql: GraphQLClient, strategy: str) -> dict[str, Any]:
    result: dict[str, Any] = (await gql.data(HEALTH, id=strategy, asOf=AS_OF))["strategy"]["health"]
    return result


async def test_a_clean_strategy_has_no_findings(gql: GraphQLClient) -> None:
    graph = await clean(gql)
    result = await health(gql, graph["strategy"])
    assert result == {"asOf": AS_OF, "healthy": True, "findings": []}
    assert (await health(gql, (await clean(gql, tactics=3))["strategy"]))["findings"] == []


Plant = Callable[[GraphQLClient, dict[str, Any]], Awaitable[tuple[str, list[str]]]]
"""Plants one flaw in a clean strategy; returns what should be found: the severity and the nodes."""


async def too_many_tactics(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    return "WARNING", (await clean(gql, tactics=4))["tactics"]


async def tactic_without_content(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    tactic = await create(
        gql, "createTactic", "tactic", {"strategyId": graph["strategy"], "name": "Inspire", "kind": "INSPIRE"}
    )
    return "WARNING", [tactic["id"]]


async def kpi_without_content(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    kpi = await smart_kpi(gql, graph["strategy"], "Followers", graph["tactics"], graph["audience"])
    return "WARNING", [kpi]


async def unmapped_content(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    idea = await content_item(gql, graph, "Podcast?", format="VIDEO", channelId=graph["channel"])
    return "WARNING", [idea["id"]]


async def content_kpi_not_in_tactic(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    # Leads stops measuring the second tactic, whose post still serves Leads.
    leads = graph["kpis"][1]
    version = (await gql.data("query($id: ID!) { node(id: $id) { ... on Kpi { version } } }", id=leads))[
        "node"
    ]
    await ok(
        gql, "updateKpi", {"id": leads, "version": version["version"], "tacticIds": graph["tactics"][:1]}
    )
    return "WARNING", [graph["items"][1]]


async def audience_without_channel(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    audience = await create(
        gql, "createAudience", "audience", {"strategyId": graph["strategy"], "name": "Founders"}
    )
    return "WARNING", [audience["id"]]


async def channel_unused(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    channel = await create(
        gql,
        "createChannel",
        "channel",
        {"workspaceId": graph["workspace"], "platform": "TIKTOK", "name": "TikTok"},
    )
    chosen = await create(
        gql,
        "createStrategyChannel",
        "strategyChannel",
        {"strategyId": graph["strategy"], "channelId": channel["id"]},
    )
    return "INFO", [chosen["id"]]


async def content_mix_off(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    for tactic, share in zip(graph["tactics"], ("80", "20"), strict=True):
        version = await gql.data("query($id: ID!) { node(id: $id) { ... on Tactic { version } } }", id=tactic)
        await ok(
            gql, "updateTactic", {"id": tactic, "version": version["node"]["version"], "targetShare": share}
        )
    return "WARNING", graph["tactics"]


async def kpi_not_smart(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    leads = graph["kpis"][1]
    version = (await gql.data("query($id: ID!) { node(id: $id) { ... on Kpi { version } } }", id=leads))[
        "node"
    ]
    await ok(gql, "updateKpi", {"id": leads, "version": version["version"], "baseline": None})
    return "WARNING", [leads]


async def kpi_at_risk(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    await measure(gql, graph["kpis"][1], AS_OF, "140", "IMPORT")  # pace 0.8
    return "WARNING", [graph["kpis"][1]]


async def kpi_off_track(gql: GraphQLClient, graph: dict[str, Any]) -> tuple[str, list[str]]:
    await measure(gql, graph["kpis"][1], AS_OF, "120", "IMPORT")  # pace 0.4
    return "CRITICAL", [graph["kpis"][1]]


PLANTED: dict[str, Plant] = {
    "TACTIC_COUNT": too_many_tactics,
    "TACTIC_WITHOUT_CONTENT": tactic_without_content,
    "KPI_WITHOUT_CONTENT": kpi_without_content,
    "UNMAPPED_CONTENT": unmapped_content,
    "CONTENT_KPI_NOT_IN_TACTIC": content_kpi_not_in_tactic,
    "AUDIENCE_WITHOUT_CHANNEL": audience_without_channel,
    "CHANNEL_UNUSED": channel_unused,
    "CONTENT_MIX_OFF": content_mix_off,
    "KPI_NOT_SMART": kpi_not_smart,
    "KPI_AT_RISK": kpi_at_risk,
    "KPI_OFF_TRACK": kpi_off_track,
}


def test_every_finding_code_is_planted() -> None:
    from domain.strategy.health import FindingCode

    assert set(PLANTED) == {code.value for code in FindingCode}


@pytest.mark.parametrize("code", list(PLANTED))
async def test_a_planted_flaw_is_found_alone(gql: GraphQLClient, code: str) -> None:
    graph = await clean(gql)
    severity, nodes = await PLANTED[code](gql, graph)
    strategy = graph["strategy"]
    if code == "TACTIC_COUNT":  # planted in a strategy of its own
        strategy = (
            await gql.data(
                "query($id: ID!) { node(id: $id) { ... on Tactic { strategy { id } } } }", id=nodes[0]
            )
        )["node"]["strategy"]["id"]
    result = await health(gql, strategy)
    found = result["findings"]
    assert found
    assert {(f["code"], f["severity"]) for f in found} == {(code, severity)}, found
    assert sorted(node["id"] for f in found for node in f["nodes"]) == sorted(nodes)
    assert sum(f["count"] for f in found) == len(nodes)
    assert all(f["message"] for f in found)
    assert result["healthy"] is False


async def test_content_findings_name_at_most_fifty_items_and_count_them_all(gql: GraphQLClient) -> None:
    graph = await clean(gql)
    for n in range(53):
        await content_item(gql, graph, f"Idea {n}", channelId=graph["channel"])
    (finding,) = (await health(gql, graph["strategy"]))["findings"]
    assert (finding["code"], finding["count"], len(finding["nodes"])) == ("UNMAPPED_CONTENT", 53, 50)
    assert finding["message"] == "53 content items lack a tactic or a primary KPI."


async def test_archived_content_counts_nowhere(gql: GraphQLClient) -> None:
    graph = await clean(gql)
    idea = await content_item(gql, graph, "Old idea")
    await ok(gql, "transitionContentItem", {"id": idea["id"], "version": idea["version"], "to": "ARCHIVED"})
    assert (await health(gql, graph["strategy"]))["findings"] == []


DASHBOARD = """
query($id: ID!) {
  strategy(id: $id) { dashboard {
    liveContentCount mappedContentCount unmappedContentCount
    tacticShares { tactic { id } contentCount share targetShare deviation }
    tacticKpiMatrix { tactic { id } kpi { id } contentCount }
    contentByChannelAndStatus { channel { id } status count }
    topContent { kpi { id } items { contentItem { id } value } }
  } }
}
"""


async def metric(gql: GraphQLClient, item: str, day: str, value: str, name: str = "REACH") -> None:
    await ok(
        gql, "createContentMetric", {"contentItemId": item, "metric": name, "observedOn": day, "value": value}
    )


async def test_dashboard_figures(gql: GraphQLClient) -> None:
    graph = await clean(gql)
    first, second = graph["items"]
    reach, leads = graph["kpis"]
    third = await content_item(gql, graph, "Extra", tacticId=graph["tactics"][0], primaryKpiId=leads)
    await content_item(gql, graph, "Idea")
    await metric(gql, first, "2030-03-01", "300")
    await metric(gql, second, "2030-03-01", "100")
    await metric(gql, second, "2030-03-02", "250")
    await metric(gql, second, "2030-03-02", "9", "CLICKS")  # not the KPIs' metric
    await metric(gql, third["id"], "2030-03-01", "120")
    board = (await gql.data(DASHBOARD, id=graph["strategy"]))["strategy"]["dashboard"]
    assert (board["liveContentCount"], board["mappedContentCount"], board["unmappedContentCount"]) == (
        4,
        3,
        1,
    )
    shares = [
        (s["tactic"]["id"], s["contentCount"], s["share"], s["targetShare"], s["deviation"])
        for s in board["tacticShares"]
    ]
    assert shares == [
        (graph["tactics"][0], 2, "66.67", "50.00", "16.67"),
        (graph["tactics"][1], 1, "33.33", "50.00", "-16.67"),
    ]
    cells = {(c["tactic"]["id"], c["kpi"]["id"]): c["contentCount"] for c in board["tacticKpiMatrix"]}
    t0, t1 = graph["tactics"]
    assert cells == {(t0, reach): 1, (t0, leads): 2, (t1, reach): 1, (t1, leads): 1}
    by_channel = {
        ((c["channel"] or {}).get("id"), c["status"]): c["count"] for c in board["contentByChannelAndStatus"]
    }
    assert by_channel == {(graph["channel"], "IDEA"): 2, (None, "IDEA"): 2}
    top = {
        t["kpi"]["id"]: [(i["contentItem"]["id"], i["value"]) for i in t["items"]]
        for t in board["topContent"]
    }
    assert top[reach] == [(second, "350.0000"), (first, "300.0000")]
    assert top[leads] == [(second, "350.0000"), (first, "300.0000"), (third["id"], "120.0000")]


async def test_health_and_dashboard_cost_the_same_statements_for_3_or_42_items(
    gql: GraphQLClient, sql: StatementLog
) -> None:
    query = """
    query($id: ID!) { strategy(id: $id) {
      health(asOf: "2030-06-30") { findings { code nodes { id } } }
      dashboard {
        tacticShares { tactic { name } share } tacticKpiMatrix { kpi { name } contentCount }
        contentByChannelAndStatus { channel { name } count }
        topContent { kpi { name } items { contentItem { title } value } }
      }
    } }
    """

    async def statements(extra: int) -> Counter[str]:
        graph = await clean(gql)
        for n in range(extra):
            item = await content_item(gql, graph, f"Idea {n}")
            await metric(gql, item["id"], "2030-03-01", str(n))
        await metric(gql, graph["items"][0], "2030-03-01", "5")
        sql.reset()
        data = await gql.data(query, id=graph["strategy"])
        assert data["strategy"]["health"]["findings"]
        return sql.cost()

    small, large = await statements(1), await statements(40)
    # strategy, coverage, KPI facts, dashboard figures, then the loads of each kind of node named
    assert small == large


async def test_reports_of_many_strategies_cost_the_same_statements_as_one(
    gql: GraphQLClient, sql: StatementLog
) -> None:
    query = """
    query($id: ID!) { workspace(id: $id) { strategies { nodes {
      health(asOf: "2030-06-30") { findings { code } }
      dashboard { liveContentCount tacticShares { share } topContent { items { value } } }
      kpis { progress(asOf: "2030-06-30") { status } }
    } } } }
    """
    graph = await clean(gql)
    sql.reset()
    await gql.data(query, id=graph["workspace"])
    one = sql.count
    for _ in range(2):
        strategy = await create(
            gql, "createStrategy", "strategy", {"workspaceId": graph["workspace"], "name": "Another"}
        )
        audience = await create(
            gql, "createAudience", "audience", {"strategyId": strategy["id"], "name": "All"}
        )
        await smart_kpi(gql, strategy["id"], "Reach", [], audience["id"])
    sql.reset()
    data = await gql.data(query, id=graph["workspace"])
    assert len(data["workspace"]["strategies"]["nodes"]) == 3
    assert sql.count == one
