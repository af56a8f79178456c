"""ContentItemFilter on every content list, checked against the seeded demo."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from domain.content.models import ContentStatus
from domain.persistence.database import Database
from schema import ids
from tests.api.demo_ids import Demo, load, planned
from tests.api.helpers import create, strategy_graph
from tests.client import GraphQLClient
from tests.known_strategy import CONTENT

Row = tuple[Any, ...]

FILTERED = """
query($id: ID!, $filter: ContentItemFilter, $first: Int, $after: String) {
  node(id: $id) {
    ... on Strategy { contentItems(filter: $filter, first: $first, after: $after) { ...page } }
    ... on Tactic { contentItems(filter: $filter, first: $first, after: $after) { ...page } }
    ... on Kpi { contentItems(filter: $filter, first: $first, after: $after) { ...page } }
    ... on Channel { contentItems(filter: $filter, first: $first, after: $after) { ...page } }
    ... on Audience { contentItems(filter: $filter, first: $first, after: $after) { ...page } }
  }
}
fragment page on ContentItemConnection {
  totalCount
  nodes { title }
  pageInfo { hasNextPage endCursor }
}
"""

#: Two unmapped ideas added to the demo strategy: one planned, one not.
IDEA_PLANNED = "Idea: a planned one"
IDEA_UNPLANNED = "Idea: some day"

pytestmark = pytest.mark.demo


@pytest.fixture
async def demo(db: Database, gql: GraphQLClient) -> Demo:
    demo = await load(db, gql)
    await create(
        gql,
        "createContentItem",
        "contentItem",
        {
            "strategyId": demo.strategy,
            "title": IDEA_PLANNED,
            "format": "POST",
            "plannedAt": planned(3).isoformat(),
            "channelId": demo.channels[1],
            "audienceIds": [demo.audiences[1]],
        },
    )
    await create(
        gql,
        "createContentItem",
        "contentItem",
        {"strategyId": demo.strategy, "title": IDEA_UNPLANNED, "format": "POST"},
    )
    return demo


def titles(where: Callable[[Row], bool]) -> list[str]:
    """Demo titles matching ``where``, in plan order."""
    return [row[0] for row in sorted(CONTENT, key=lambda row: row[6]) if where(row)]


def serves(row: Row, *kpis: int) -> bool:
    return row[3] in kpis or any(k in kpis for k in row[4])


async def filtered(gql: GraphQLClient, parent: str, filter: dict[str, Any] | None) -> list[str]:
    """Every title the filter lets through (one page of 100), checking totalCount agrees."""
    data = await gql.data(FILTERED, id=parent, filter=filter, first=100)
    connection = data["node"]["contentItems"]
    found = [n["title"] for n in connection["nodes"]]
    assert connection["totalCount"] == len(found)
    assert connection["pageInfo"]["hasNextPage"] is False
    return found


# -- single conditions -----------------------------------------------------------------------------


async def test_no_filter_and_empty_filter_give_everything(gql: GraphQLClient, demo: Demo) -> None:
    everything = [*titles(lambda r: r[6] < 3), IDEA_PLANNED, *titles(lambda r: r[6] > 3), IDEA_UNPLANNED]
    assert len(everything) == 22
    assert await filtered(gql, demo.strategy, None) == everything
    assert await filtered(gql, demo.strategy, {}) == everything


async def test_by_tactic(gql: GraphQLClient, demo: Demo) -> None:
    educate = await filtered(gql, demo.strategy, {"tacticIds": [demo.tactics[0]]})
    assert educate == titles(lambda r: r[2] == 0)
    assert len(educate) == 10
    others = await filtered(gql, demo.strategy, {"tacticIds": demo.tactics[1:]})
    assert others == titles(lambda r: r[2] in (1, 2))
    assert len(others) == 10
    assert await filtered(gql, demo.strategy, {"tacticIds": demo.tactics}) == titles(lambda r: True)


async def test_by_kpi_primary_or_contributing(gql: GraphQLClient, demo: Demo) -> None:
    for index, expected in enumerate((10, 9, 6, 6)):
        found = await filtered(gql, demo.strategy, {"kpiIds": [demo.kpis[index]]})
        assert found == titles(lambda r, i=index: serves(r, i))  # type: ignore[misc]
        assert len(found) == expected
    # Items serving several of the KPIs asked for appear once.
    both = await filtered(gql, demo.strategy, {"kpiIds": demo.kpis[:2]})
    assert both == titles(lambda r: serves(r, 0, 1))
    assert len(both) == len(set(both)) == 15


async def test_by_channel(gql: GraphQLClient, demo: Demo) -> None:
    newsletter = await filtered(gql, demo.strategy, {"channelIds": [demo.channels[1]]})
    assert newsletter == [IDEA_PLANNED, "Newsletter: the quarter in commercial law"]
    linkedin = await filtered(gql, demo.strategy, {"channelIds": [demo.channels[0]]})
    assert linkedin == titles(lambda r: r[0] != "Newsletter: the quarter in commercial law")
    assert len(linkedin) == 19


async def test_by_audience(gql: GraphQLClient, demo: Demo) -> None:
    counsel = await filtered(gql, demo.strategy, {"audienceIds": [demo.audiences[0]]})
    assert counsel == titles(lambda r: r[3] != 3)
    assert len(counsel) == 16
    general = await filtered(gql, demo.strategy, {"audienceIds": [demo.audiences[1]]})
    assert general == [
        *titles(lambda r: r[3] == 3 and r[6] < 3),
        IDEA_PLANNED,
        *titles(lambda r: r[3] == 3 and r[6] > 3),
    ]
    assert len(general) == 5
    assert len(await filtered(gql, demo.strategy, {"audienceIds": demo.audiences})) == 21


async def test_by_status(gql: GraphQLClient, demo: Demo) -> None:
    published = await filtered(gql, demo.strategy, {"statuses": ["PUBLISHED"]})
    assert published == titles(lambda r: r[5] is ContentStatus.PUBLISHED)
    assert len(published) == 8
    ideas = await filtered(gql, demo.strategy, {"statuses": ["IDEA", "ARCHIVED"]})
    assert ideas == [
        "Client story: a faster contract process",
        IDEA_PLANNED,
        "Poll: how do you review contracts today?",
        "Series idea: one clause a week",
        IDEA_UNPLANNED,
    ]
    assert await filtered(gql, demo.strategy, {"statuses": []}) == []


async def test_by_planned_period(gql: GraphQLClient, demo: Demo) -> None:
    now = planned(0).isoformat()
    later = await filtered(gql, demo.strategy, {"plannedFrom": now})
    assert later == [*titles(lambda r: 0 <= r[6] < 3), IDEA_PLANNED, *titles(lambda r: r[6] > 3)]
    assert len(later) == 12
    earlier = await filtered(gql, demo.strategy, {"plannedUntil": now})
    assert earlier == titles(lambda r: r[6] < 0)
    assert len(earlier) == 9
    # From is inclusive, until exclusive.
    at_2 = planned(2).isoformat()
    at_8 = planned(8).isoformat()
    window = await filtered(gql, demo.strategy, {"plannedFrom": at_2, "plannedUntil": at_8})
    assert window == [
        "Template: a data processing agreement that procurement accepts",
        IDEA_PLANNED,
        "Live: ask a partner about AI clauses",
    ]
    assert await filtered(gql, demo.strategy, {"plannedFrom": at_8, "plannedUntil": at_2}) == []


async def test_by_planned_period_in_another_time_zone(gql: GraphQLClient, demo: Demo) -> None:
    # 09:00 UTC is 11:00 at +02:00: from 10:59+02:00 takes in the item of that day.
    day_2 = planned(2).date().isoformat()
    found = await filtered(
        gql,
        demo.strategy,
        {"plannedFrom": f"{day_2}T10:59:00+02:00", "plannedUntil": f"{day_2}T11:01:00+02:00"},
    )
    assert found == ["Template: a data processing agreement that procurement accepts"]


async def test_by_unmapped(gql: GraphQLClient, demo: Demo) -> None:
    assert await filtered(gql, demo.strategy, {"unmapped": True}) == [IDEA_PLANNED, IDEA_UNPLANNED]
    assert await filtered(gql, demo.strategy, {"unmapped": False}) == titles(lambda r: True)
    assert len(await filtered(gql, demo.strategy, {"unmapped": None})) == 22


async def test_an_empty_id_list_matches_nothing(gql: GraphQLClient, demo: Demo) -> None:
    for key in ("tacticIds", "kpiIds", "channelIds", "audienceIds"):
        assert await filtered(gql, demo.strategy, {key: []}) == [], key


async def test_ids_of_another_strategy_match_nothing(gql: GraphQLClient, demo: Demo) -> None:
    other = await strategy_graph(gql, "Other")
    assert await filtered(gql, demo.strategy, {"tacticIds": other["tactics"]}) == []
    assert await filtered(gql, demo.strategy, {"kpiIds": other["kpis"]}) == []
    assert await filtered(gql, demo.strategy, {"audienceIds": [other["audience"]]}) == []
    assert await filtered(gql, demo.strategy, {"channelIds": [other["channel"]]}) == []
    assert await filtered(gql, demo.strategy, {"tacticIds": [ids.encode("Tactic", uuid.uuid4())]}) == []


# -- combinations ----------------------------------------------------------------------------------


async def test_conditions_combine_with_and(gql: GraphQLClient, demo: Demo) -> None:
    found = await filtered(gql, demo.strategy, {"tacticIds": [demo.tactics[0]], "statuses": ["PUBLISHED"]})
    assert found == titles(lambda r: r[2] == 0 and r[5] is ContentStatus.PUBLISHED)
    assert len(found) == 5

    found = await filtered(
        gql,
        demo.strategy,
        {
            "kpiIds": [demo.kpis[0]],
            "audienceIds": [demo.audiences[0]],
            "plannedFrom": planned(0).isoformat(),
            "unmapped": False,
        },
    )
    assert found == titles(lambda r: serves(r, 0) and r[3] != 3 and r[6] >= 0)
    assert len(found) == 6

    found = await filtered(
        gql,
        demo.strategy,
        {
            "tacticIds": [demo.tactics[1]],
            "kpiIds": [demo.kpis[3]],
            "channelIds": [demo.channels[0]],
            "statuses": ["PUBLISHED", "SCHEDULED", "ARCHIVED"],
            "plannedUntil": planned(0).isoformat(),
        },
    )
    assert found == titles(
        lambda r: (
            r[2] == 1
            and serves(r, 3)
            and r[5] in (ContentStatus.PUBLISHED, ContentStatus.SCHEDULED, ContentStatus.ARCHIVED)
            and r[6] < 0
        )
    )
    assert found == [
        "Client story: a faster contract process",
        "Partner Q&A: negotiating limitation of liability",
        "Behind the case: how we untangled a cross-border dispute",
    ]

    assert await filtered(gql, demo.strategy, {"unmapped": True, "tacticIds": demo.tactics}) == []
    assert await filtered(gql, demo.strategy, {"unmapped": True, "channelIds": [demo.channels[1]]}) == [
        IDEA_PLANNED
    ]


async def test_filters_on_tactic_kpi_channel_and_audience_lists(gql: GraphQLClient, demo: Demo) -> None:
    drafts = await filtered(gql, demo.tactics[0], {"statuses": ["DRAFT", "IN_REVIEW"]})
    assert drafts == titles(lambda r: r[2] == 0 and r[5] in (ContentStatus.DRAFT, ContentStatus.IN_REVIEW))
    assert len(drafts) == 3

    kpi_by_tactic = await filtered(gql, demo.kpis[0], {"tacticIds": [demo.tactics[1]]})
    assert kpi_by_tactic == titles(lambda r: serves(r, 0) and r[2] == 1)
    assert len(kpi_by_tactic) == 4

    # A KPI list filtered by other KPIs: items serving both.
    kpi_by_kpi = await filtered(gql, demo.kpis[0], {"kpiIds": [demo.kpis[1]]})
    assert kpi_by_kpi == titles(lambda r: serves(r, 0) and serves(r, 1))
    assert len(kpi_by_kpi) == 4

    kpi_unmapped = await filtered(gql, demo.kpis[2], {"unmapped": True})
    assert kpi_unmapped == []

    channel = await filtered(gql, demo.channels[1], {"unmapped": True})
    assert channel == [IDEA_PLANNED]

    audience = await filtered(
        gql, demo.audiences[1], {"statuses": ["PUBLISHED"], "plannedFrom": planned(-20).isoformat()}
    )
    assert audience == [
        "Behind the case: how we untangled a cross-border dispute",
        "Meet the team: our commercial contracts group",
    ]


async def test_filtered_pages_walk_every_match_once(gql: GraphQLClient, demo: Demo) -> None:
    filter = {"kpiIds": [demo.kpis[0]]}
    seen: list[str] = []
    after = None
    while True:
        data = await gql.data(FILTERED, id=demo.strategy, filter=filter, first=3, after=after)
        connection = data["node"]["contentItems"]
        assert connection["totalCount"] == 10
        seen.extend(n["title"] for n in connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert seen == titles(lambda r: serves(r, 0))


async def test_different_filters_in_one_query_stay_apart(gql: GraphQLClient, demo: Demo) -> None:
    data = await gql.data(
        """
        query($id: ID!, $a: ContentItemFilter, $b: ContentItemFilter) {
          strategy(id: $id) {
            a: contentItems(filter: $a) { totalCount }
            b: contentItems(filter: $b) { totalCount }
            all: contentItems { totalCount }
            tactics { contentItems(filter: $a) { totalCount } }
          }
        }
        """,
        id=demo.strategy,
        a={"statuses": ["PUBLISHED"]},
        b={"unmapped": True},
    )
    strategy = data["strategy"]
    assert strategy["a"] == {"totalCount": 8}
    assert strategy["b"] == {"totalCount": 2}
    assert strategy["all"] == {"totalCount": 22}
    assert [t["contentItems"]["totalCount"] for t in strategy["tactics"]] == [5, 2, 1]


# -- bad ids ---------------------------------------------------------------------------------------


BAD_IDS = [
    ("tacticIds", "garbage"),
    ("kpiIds", "garbage"),
    ("channelIds", "!!!"),
    ("audienceIds", ""),
    ("tacticIds", "kpi"),
    ("kpiIds", "tactic"),
    ("channelIds", "audience"),
    ("audienceIds", "channel"),
]


async def test_a_malformed_or_wrong_type_id_is_bad_id(gql: GraphQLClient, demo: Demo) -> None:
    of_type = {"kpi": demo.kpis[0], "tactic": demo.tactics[0], "audience": demo.audiences[0]}
    of_type["channel"] = demo.channels[0]
    good = {
        "tacticIds": demo.tactics[0],
        "kpiIds": demo.kpis[0],
        "channelIds": demo.channels[0],
        "audienceIds": demo.audiences[0],
    }
    for key, bad in BAD_IDS:
        response = await gql.http.post(
            "/graphql",
            json={
                "query": FILTERED,
                "variables": {"id": demo.strategy, "filter": {key: [good[key], of_type.get(bad, bad)]}},
            },
        )
        assert response.status_code == 200, (key, bad)
        body = response.json()
        assert body["data"] == {"node": None}
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_ID", (key, bad)
        assert key in error["message"]
        assert error["path"] == ["node", "contentItems"]


async def test_bad_id_in_a_nested_filter(gql: GraphQLClient, demo: Demo) -> None:
    body = await gql.post(
        """
        query($id: ID!) {
          strategy(id: $id) { tactics { contentItems(filter: {kpiIds: ["nope"]}) { totalCount } } }
        }
        """,
        id=demo.strategy,
    )
    assert body["errors"]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_ID"}
