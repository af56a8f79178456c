"""Every query entry point and every relation, read over HTTP from the seeded demo."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from domain.content.models import ContentStatus
from domain.persistence.database import Database
from schema import ids
from seed.plan import plan
from tests.api.demo_ids import TODAY, Demo, load, planned, titles_by_plan
from tests.api.helpers import create
from tests.client import GraphQLClient
from tests.known_strategy import CONTENT, KNOWN, ORGANIZATION_NAME

KPI_NAMES = ["LinkedIn followers", "Engagement rate", "Template downloads", "Qualified leads"]
TACTIC_NAMES = ["Educate", "Give insight", "Build brand awareness"]
AUDIENCE_NAMES = ["In-house counsel", "General counsel and CFOs"]

pytestmark = pytest.mark.demo


@pytest.fixture
async def demo(db: Database, gql: GraphQLClient) -> Demo:
    return await load(db, gql)


def _kpi_titles(kpi: int) -> set[str]:
    """Titles of the demo items serving KPI ``kpi``, as primary or contributing KPI."""
    return {row[0] for row in CONTENT if row[3] == kpi or kpi in row[4]}


def _row(title: str) -> tuple[Any, ...]:
    (row,) = [r for r in CONTENT if r[0] == title]
    return row


async def _one_of_each(gql: GraphQLClient, demo: Demo) -> dict[str, str]:
    """A global id of every Node type."""
    data = await gql.data(
        """
        query($kpi: ID!, $item: ID!) {
          kpi: node(id: $kpi) { ... on Kpi { measurements(first: 1) { nodes { id } } } }
          item: contentItem(id: $item) { metrics(first: 1) { nodes { id } } }
        }
        """,
        kpi=demo.kpis[0],
        item=demo.content[CONTENT[0][0]],
    )
    return {
        "Organization": demo.organization,
        "Workspace": demo.workspace,
        "Strategy": demo.strategy,
        "Tactic": demo.tactics[0],
        "Audience": demo.audiences[0],
        "Channel": demo.channels[0],
        "StrategyChannel": demo.strategy_channels[0],
        "Kpi": demo.kpis[0],
        "KpiMeasurement": data["kpi"]["measurements"]["nodes"][0]["id"],
        "ContentItem": demo.content[CONTENT[0][0]],
        "ContentMetric": data["item"]["metrics"]["nodes"][0]["id"],
    }


# -- node / nodes ----------------------------------------------------------------------------------


async def test_node_finds_every_node_type(gql: GraphQLClient, demo: Demo) -> None:
    every = await _one_of_each(gql, demo)
    assert len(every) == 11
    for type_name, global_id in every.items():
        assert ids.parse(global_id) is not None
        assert ids.parse(global_id)[0] == type_name  # type: ignore[index]
        data = await gql.data("query($id: ID!) { node(id: $id) { __typename id } }", id=global_id)
        assert data["node"] == {"__typename": type_name, "id": global_id}


async def test_nodes_returns_every_type_in_the_order_asked(gql: GraphQLClient, demo: Demo) -> None:
    every = await _one_of_each(gql, demo)
    asked = list(reversed(every.items()))
    data = await gql.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", ids=[i for _, i in asked]
    )
    assert data["nodes"] == [{"__typename": t, "id": i} for t, i in asked]


async def test_node_fields_resolve_through_fragments(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($ids: [ID!]!) {
          nodes(ids: $ids) {
            ... on Strategy { name status }
            ... on Tactic { name kind }
            ... on Kpi { name metric }
            ... on Audience { name buyingProcess }
          }
        }
        """,
        ids=[demo.strategy, demo.tactics[1], demo.kpis[3], demo.audiences[0]],
    )
    assert data["nodes"] == [
        {"name": "LinkedIn strategy 2030", "status": "ACTIVE"},
        {"name": "Give insight", "kind": "INSIGHT"},
        {"name": "Qualified leads", "metric": "LEADS"},
        {"name": "In-house counsel", "buyingProcess": "LONG_RESEARCH"},
    ]


@pytest.mark.parametrize(
    "global_id",
    [
        "",
        "garbage",
        "!!!not base64!!!",
        ids.encode("Strategy", uuid.UUID(int=0))[:-3],
        ids.encode("NoSuchType", uuid.UUID(int=1)),
        ids.encode("ContentItem", uuid.UUID(int=2)),
        ids.encode("Organization", uuid.UUID(int=3)),
        "x" * 500,
    ],
)
async def test_node_with_a_malformed_or_unknown_id_is_null(
    gql: GraphQLClient, demo: Demo, global_id: str
) -> None:
    data = await gql.data("query($id: ID!) { node(id: $id) { __typename id } }", id=global_id)
    assert data == {"node": None}


async def test_nodes_keeps_nulls_in_place(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
        ids=["garbage", demo.strategy, ids.encode("Kpi", uuid.uuid4()), demo.kpis[0]],
    )
    assert data["nodes"] == [
        None,
        {"__typename": "Strategy", "id": demo.strategy},
        None,
        {"__typename": "Kpi", "id": demo.kpis[0]},
    ]


async def test_nodes_accepts_100_ids(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=[demo.strategy] * 100)
    assert data["nodes"] == [{"id": demo.strategy}] * 100


async def test_nodes_refuses_more_than_100_ids(gql: GraphQLClient, demo: Demo) -> None:
    body = await gql.post("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=[demo.strategy] * 101)
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "TOO_MANY_IDS"
    assert "100" in error["message"]


# -- entry points ----------------------------------------------------------------------------------


async def test_organizations_lists_the_demo_organization(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data("{ organizations { totalCount nodes { id name } } }")
    assert data["organizations"] == {
        "totalCount": 1,
        "nodes": [{"id": demo.organization, "name": "Northbridge Legal (demo)"}],
    }


async def test_organizations_oldest_first(gql: GraphQLClient) -> None:
    names = [f"Org {n}" for n in range(3)]
    for name in names:
        await create(gql, "createOrganization", "organization", {"name": name})
    data = await gql.data("{ organizations { totalCount nodes { name } } }")
    assert data["organizations"]["totalCount"] == 4
    assert [o["name"] for o in data["organizations"]["nodes"]] == [ORGANIZATION_NAME, *names]


async def test_entry_points_by_id(gql: GraphQLClient, demo: Demo) -> None:
    item = demo.content[CONTENT[0][0]]
    data = await gql.data(
        """
        query($o: ID!, $w: ID!, $s: ID!, $c: ID!) {
          organization(id: $o) { id name workspaces { totalCount nodes { id } } }
          workspace(id: $w) { id name organization { id } }
          strategy(id: $s) { id name status purpose workspace { id } }
          contentItem(id: $c) { id title status format mapped plannedAt strategy { id } }
        }
        """,
        o=demo.organization,
        w=demo.workspace,
        s=demo.strategy,
        c=item,
    )
    assert data["organization"] == {
        "id": demo.organization,
        "name": "Northbridge Legal (demo)",
        "workspaces": {"totalCount": 1, "nodes": [{"id": demo.workspace}]},
    }
    assert data["workspace"] == {
        "id": demo.workspace,
        "name": "Northbridge Legal",
        "organization": {"id": demo.organization},
    }
    assert data["strategy"]["name"] == "LinkedIn strategy 2030"
    assert data["strategy"]["status"] == "ACTIVE"
    assert data["strategy"]["purpose"].startswith("We want to help in-house counsel")
    assert data["strategy"]["workspace"] == {"id": demo.workspace}
    assert data["contentItem"] == {
        "id": item,
        "title": CONTENT[0][0],
        "status": "PUBLISHED",
        "format": "CAROUSEL",
        "mapped": True,
        "plannedAt": planned(CONTENT[0][6]).isoformat(),
        "strategy": {"id": demo.strategy},
    }


async def test_entry_points_return_null_for_ids_of_another_type_or_unknown(
    gql: GraphQLClient, demo: Demo
) -> None:
    data = await gql.data(
        """
        query($w: ID!, $s: ID!, $missing: ID!) {
          organization(id: $w) { id }
          workspace(id: $s) { id }
          strategy(id: $w) { id }
          contentItem(id: $s) { id }
          unknown: strategy(id: $missing) { id }
          garbage: contentItem(id: "garbage") { id }
        }
        """,
        w=demo.workspace,
        s=demo.strategy,
        missing=ids.encode("Strategy", uuid.uuid4()),
    )
    assert data == {
        "organization": None,
        "workspace": None,
        "strategy": None,
        "contentItem": None,
        "unknown": None,
        "garbage": None,
    }


# -- relations -------------------------------------------------------------------------------------


async def test_strategy_tactics_content_kpis_tactics(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($id: ID!) {
          strategy(id: $id) {
            tactics {
              name position strategy { id }
              contentItems(first: 100) {
                totalCount
                nodes { title tactic { name } kpis { name tactics { name } } }
              }
            }
          }
        }
        """,
        id=demo.strategy,
    )
    tactics = data["strategy"]["tactics"]
    assert len(tactics) == 3
    assert [t["name"] for t in tactics] == TACTIC_NAMES
    assert [t["position"] for t in tactics] == sorted(t["position"] for t in tactics)
    assert all(t["strategy"] == {"id": demo.strategy} for t in tactics)
    kpi_tactics = {
        "LinkedIn followers": ["Give insight", "Build brand awareness"],
        "Engagement rate": ["Educate"],
        "Template downloads": ["Educate"],
        "Qualified leads": ["Give insight"],
    }
    for index, tactic in enumerate(tactics):
        expected = [row[0] for row in sorted(CONTENT, key=lambda r: r[6]) if row[2] == index]
        connection = tactic["contentItems"]
        assert connection["totalCount"] == len(expected)
        assert [n["title"] for n in connection["nodes"]] == expected
        for node in connection["nodes"]:
            assert node["tactic"] == {"name": tactic["name"]}
            row = _row(node["title"])
            assert [k["name"] for k in node["kpis"]] == [KPI_NAMES[i] for i in sorted({row[3], *row[4]})]
            for kpi in node["kpis"]:
                assert sorted(t["name"] for t in kpi["tactics"]) == sorted(kpi_tactics[kpi["name"]])
    assert [t["contentItems"]["totalCount"] for t in tactics] == [10, 6, 4]


async def test_strategy_lists(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($id: ID!) {
          strategy(id: $id) {
            kpis { id name target baseline unit direction aggregation channel { name } strategy { id } }
            audiences { id name ageMin ageMax strategy { id } }
            channels { id role strategy { id } channel { id name platform workspace { id } } }
            contentItems { totalCount }
          }
        }
        """,
        id=demo.strategy,
    )
    strategy = data["strategy"]
    assert len(strategy["kpis"]) == 4
    assert [k["name"] for k in strategy["kpis"]] == KPI_NAMES
    assert [k["channel"] for k in strategy["kpis"]] == [
        {"name": "Northbridge on LinkedIn"},
        {"name": "Northbridge on LinkedIn"},
        None,
        None,
    ]
    assert [float(k["target"]) for k in strategy["kpis"]] == [3000, 4, 400, 12]
    assert [float(k["baseline"]) for k in strategy["kpis"]] == [1800, 2.1, 0, 2]
    assert {k["unit"] for k in strategy["kpis"]} == {"COUNT", "PERCENT"}
    assert all(k["strategy"] == {"id": demo.strategy} for k in strategy["kpis"])
    assert [(a["name"], a["ageMin"], a["ageMax"]) for a in strategy["audiences"]] == [
        ("In-house counsel", 30, 60),
        ("General counsel and CFOs", 40, 65),
    ]
    assert [(c["channel"]["name"], c["channel"]["platform"]) for c in strategy["channels"]] == [
        ("Northbridge on LinkedIn", "LINKEDIN"),
        ("The Brief", "NEWSLETTER"),
    ]
    assert all(c["channel"]["workspace"] == {"id": demo.workspace} for c in strategy["channels"])
    assert all(c["strategy"] == {"id": demo.strategy} for c in strategy["channels"])
    assert strategy["contentItems"]["totalCount"] == 20


async def test_kpi_content_items_count_primary_and_contributing(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($ids: [ID!]!) {
          nodes(ids: $ids) {
            ... on Kpi { name contentItems(first: 100) { totalCount nodes { title primaryKpi { name } } } }
          }
        }
        """,
        ids=demo.kpis,
    )
    counts = []
    for index, kpi in enumerate(data["nodes"]):
        connection = kpi["contentItems"]
        titles = [n["title"] for n in connection["nodes"]]
        assert set(titles) == _kpi_titles(index)
        assert len(titles) == len(set(titles)) == connection["totalCount"]
        # In plan order, like every content list.
        assert titles == [t for t in titles_by_plan() if t in set(titles)]
        counts.append(connection["totalCount"])
        primaries = sum(n["primaryKpi"]["name"] == kpi["name"] for n in connection["nodes"])
        assert primaries == sum(1 for row in CONTENT if row[3] == index)
    assert counts == [10, 9, 6, 6]


async def test_kpi_tactics_and_audiences(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($ids: [ID!]!) {
          nodes(ids: $ids) { ... on Kpi { tactics { name kpis { name } } audiences { name } } }
        }
        """,
        ids=demo.kpis,
    )
    kpis = data["nodes"]
    assert [sorted(t["name"] for t in k["tactics"]) for k in kpis] == [
        ["Build brand awareness", "Give insight"],
        ["Educate"],
        ["Educate"],
        ["Give insight"],
    ]
    assert [[a["name"] for a in k["audiences"]] for k in kpis] == [
        ["In-house counsel"],
        [],
        ["In-house counsel"],
        ["General counsel and CFOs"],
    ]
    # And back: a tactic's KPIs include the KPI we came from.
    for kpi_name, kpi in zip(KPI_NAMES, kpis, strict=True):
        assert all(kpi_name in [k["name"] for k in t["kpis"]] for t in kpi["tactics"])


async def test_kpi_measurements_oldest_first(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($ids: [ID!]!) {
          nodes(ids: $ids) {
            ... on Kpi {
              name
              measurements { totalCount nodes { observedOn value source kpi { name } } }
            }
          }
        }
        """,
        ids=demo.kpis,
    )
    for kpi in data["nodes"]:
        connection = kpi["measurements"]
        assert connection["totalCount"] == 8
        nodes = connection["nodes"]
        assert len(nodes) == 8
        dates = [n["observedOn"] for n in nodes]
        assert dates == sorted(dates)
        assert all(n["kpi"] == {"name": kpi["name"]} for n in nodes)
        assert all(n["source"] == "MANUAL" for n in nodes)
    followers = data["nodes"][0]["measurements"]["nodes"]
    assert [float(n["value"]) for n in followers] == [1800 + 60 * week for week in range(1, 9)]
    assert followers[0]["observedOn"] == "2030-04-27"
    assert followers[-1]["observedOn"] == "2030-06-15"


async def test_audience_channels_kpis_and_content(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($ids: [ID!]!) {
          nodes(ids: $ids) {
            ... on Audience {
              name strategy { id }
              channels { id channel { name } audiences { name } }
              kpis { name }
              contentItems(first: 100) { totalCount nodes { title audiences { name } } }
            }
          }
        }
        """,
        ids=demo.audiences,
    )
    counsel, general = data["nodes"]
    assert counsel["strategy"] == general["strategy"] == {"id": demo.strategy}
    assert [c["id"] for c in counsel["channels"]] == demo.strategy_channels
    assert [c["id"] for c in general["channels"]] == demo.strategy_channels[:1]
    assert all(general["name"] in [a["name"] for a in c["audiences"]] for c in general["channels"])
    assert [k["name"] for k in counsel["kpis"]] == ["LinkedIn followers", "Template downloads"]
    assert [k["name"] for k in general["kpis"]] == ["Qualified leads"]
    assert counsel["contentItems"]["totalCount"] == 16
    assert general["contentItems"]["totalCount"] == 4
    assert {n["title"] for n in general["contentItems"]["nodes"]} == {r[0] for r in CONTENT if r[3] == 3}
    for audience in (counsel, general):
        assert all(n["audiences"] == [{"name": audience["name"]}] for n in audience["contentItems"]["nodes"])


async def test_channel_strategy_channels_and_content(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($ids: [ID!]!) {
          nodes(ids: $ids) {
            ... on Channel {
              name handle url workspace { id }
              strategyChannels { id rationale strategy { id } channel { name } audiences { name } }
              contentItems(first: 100) { totalCount nodes { title format channel { name } } }
            }
          }
        }
        """,
        ids=demo.channels,
    )
    linkedin, newsletter = data["nodes"]
    assert linkedin["handle"] == "northbridge-legal"
    assert linkedin["url"] == "https://www.linkedin.com/company/northbridge-legal"
    assert newsletter["url"] is None
    assert linkedin["workspace"] == newsletter["workspace"] == {"id": demo.workspace}
    assert [s["id"] for s in linkedin["strategyChannels"]] == demo.strategy_channels[:1]
    assert [s["id"] for s in newsletter["strategyChannels"]] == demo.strategy_channels[1:]
    assert linkedin["strategyChannels"][0]["strategy"] == {"id": demo.strategy}
    assert linkedin["strategyChannels"][0]["channel"] == {"name": "Northbridge on LinkedIn"}
    assert [a["name"] for a in linkedin["strategyChannels"][0]["audiences"]] == AUDIENCE_NAMES
    assert [a["name"] for a in newsletter["strategyChannels"][0]["audiences"]] == AUDIENCE_NAMES[:1]
    assert linkedin["contentItems"]["totalCount"] == 19
    assert newsletter["contentItems"]["totalCount"] == 1
    assert [n["format"] for n in newsletter["contentItems"]["nodes"]] == ["NEWSLETTER"]
    assert all(n["format"] != "NEWSLETTER" for n in linkedin["contentItems"]["nodes"])
    assert all(n["channel"] == {"name": "Northbridge on LinkedIn"} for n in linkedin["contentItems"]["nodes"])


async def test_strategy_channel_audiences(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on StrategyChannel { role audiences { name } } } }",
        ids=demo.strategy_channels,
    )
    assert [[a["name"] for a in sc["audiences"]] for sc in data["nodes"]] == [
        AUDIENCE_NAMES,
        AUDIENCE_NAMES[:1],
    ]
    assert data["nodes"][1]["role"] == "A monthly digest for people who asked for it."


async def test_content_item_kpis_and_contributing_kpis(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($id: ID!) {
          strategy(id: $id) {
            contentItems(first: 100) {
              nodes {
                title mapped status
                primaryKpi { name }
                kpis { name }
                contributingKpis { name }
                channel { name }
                audiences { name }
              }
            }
          }
        }
        """,
        id=demo.strategy,
    )
    nodes = data["strategy"]["contentItems"]["nodes"]
    assert len(nodes) == 20
    assert Counter(n["status"] for n in nodes) == Counter(row[5].value for row in CONTENT)
    with_contributors = 0
    for node in nodes:
        row = _row(node["title"])
        primary = KPI_NAMES[row[3]]
        contributing = [KPI_NAMES[i] for i in sorted(row[4])]
        assert node["mapped"] is True
        assert node["primaryKpi"] == {"name": primary}
        assert [k["name"] for k in node["contributingKpis"]] == contributing
        assert primary not in [k["name"] for k in node["contributingKpis"]]
        assert sorted(k["name"] for k in node["kpis"]) == sorted([primary, *contributing])
        with_contributors += bool(contributing)
    assert with_contributors == 11


async def test_content_item_metrics(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($id: ID!) {
          strategy(id: $id) {
            contentItems(first: 100) {
              nodes {
                id title status
                metrics { totalCount nodes { metric observedOn value contentItem { id } } }
              }
            }
          }
        }
        """,
        id=demo.strategy,
    )
    nodes = data["strategy"]["contentItems"]["nodes"]
    published = [n for n in nodes if n["status"] == ContentStatus.PUBLISHED.value]
    assert len(published) == 8
    planned = {item.spec.title: item.metrics for item in plan(KNOWN, TODAY).content}
    for node in nodes:
        metrics = node["metrics"]
        expected = [(m.value, day.isoformat(), value) for m, day, value in planned[node["title"]]]
        assert bool(expected) == (node in published)
        assert metrics["totalCount"] == len(metrics["nodes"]) == len(expected)
        found = [(m["metric"], m["observedOn"], Decimal(m["value"])) for m in metrics["nodes"]]
        assert sorted(found) == sorted(expected)
        assert all(m["contentItem"] == {"id": node["id"]} for m in metrics["nodes"])
    (first,) = [n for n in nodes if n["title"] == CONTENT[0][0]]
    # Published 40 days before today, observed a week later.
    assert {m["observedOn"] for m in first["metrics"]["nodes"]} == {"2030-05-13"}


async def test_workspace_strategies_by_status_and_channels(gql: GraphQLClient, demo: Demo) -> None:
    draft = await create(
        gql, "createStrategy", "strategy", {"workspaceId": demo.workspace, "name": "Next year"}
    )
    query = """
    query($id: ID!, $status: [StrategyStatus!]) {
      workspace(id: $id) {
        strategies(status: $status) { totalCount nodes { id status workspace { id } } }
        channels { totalCount nodes { name platform } }
      }
    }
    """

    async def strategies(status: list[str] | None) -> list[tuple[str, str]]:
        data = await gql.data(query, id=demo.workspace, status=status)
        connection = data["workspace"]["strategies"]
        assert connection["totalCount"] == len(connection["nodes"])
        assert all(n["workspace"] == {"id": demo.workspace} for n in connection["nodes"])
        return [(n["id"], n["status"]) for n in connection["nodes"]]

    both = [(demo.strategy, "ACTIVE"), (draft["id"], "DRAFT")]
    assert await strategies(None) == both
    assert await strategies(["ACTIVE", "DRAFT"]) == both
    assert await strategies(["ACTIVE"]) == both[:1]
    assert await strategies(["DRAFT"]) == both[1:]
    assert await strategies(["ARCHIVED"]) == []

    data = await gql.data(query, id=demo.workspace, status=None)
    assert data["workspace"]["channels"] == {
        "totalCount": 2,
        "nodes": [
            {"name": "Northbridge on LinkedIn", "platform": "LINKEDIN"},
            {"name": "The Brief", "platform": "NEWSLETTER"},
        ],
    }


async def test_reverse_links_lead_back(gql: GraphQLClient, demo: Demo) -> None:
    title = "Live: ask a partner about AI clauses"
    data = await gql.data(
        """
        query($id: ID!) {
          contentItem(id: $id) {
            status
            strategy { workspace { organization { id } } }
            tactic { name strategy { id } }
            primaryKpi { name strategy { id } }
            channel { name workspace { id } }
            audiences { name strategy { id } }
          }
        }
        """,
        id=demo.content[title],
    )
    item = data["contentItem"]
    assert item["status"] == "SCHEDULED"
    assert item["strategy"]["workspace"]["organization"] == {"id": demo.organization}
    assert item["tactic"] == {"name": "Give insight", "strategy": {"id": demo.strategy}}
    assert item["primaryKpi"] == {"name": "LinkedIn followers", "strategy": {"id": demo.strategy}}
    assert item["channel"] == {"name": "Northbridge on LinkedIn", "workspace": {"id": demo.workspace}}
    assert item["audiences"] == [{"name": "In-house counsel", "strategy": {"id": demo.strategy}}]


async def test_unmapped_item_has_no_tactic_kpis_or_channel(gql: GraphQLClient, demo: Demo) -> None:
    idea = await create(
        gql,
        "createContentItem",
        "contentItem",
        {"strategyId": demo.strategy, "title": "Raw", "format": "POST"},
    )
    data = await gql.data(
        """
        query($id: ID!) {
          contentItem(id: $id) {
            status mapped plannedAt tactic { id } primaryKpi { id } kpis { id } contributingKpis { id }
            channel { id } audiences { id } metrics { totalCount nodes { id } }
          }
        }
        """,
        id=idea["id"],
    )
    assert data["contentItem"] == {
        "status": "IDEA",
        "mapped": False,
        "plannedAt": None,
        "tactic": None,
        "primaryKpi": None,
        "kpis": [],
        "contributingKpis": [],
        "channel": None,
        "audiences": [],
        "metrics": {"totalCount": 0, "nodes": []},
    }
