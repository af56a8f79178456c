"""Keyset pagination: pages, page info, limits, cursors and order."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

import pytest

from domain.persistence.database import Database
from schema.pagination import encode_cursor
from tests.api.builders import db_id
from tests.api.demo_ids import load
from tests.api.helpers import content_item, strategy_graph
from tests.client import GraphQLClient

PAGE = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String, $orderBy: ContentItemOrder) {
  strategy(id: $id) {
    contentItems(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
      totalCount
      edges { cursor node { id title } }
      nodes { id }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""

BASE = dt.datetime(2031, 3, 1, 9, 0, tzinfo=dt.UTC)
#: (title, days after BASE or None for unplanned), in creation order.
ITEMS: list[tuple[str, int | None]] = [
    ("c", 2),
    ("unplanned 1", None),
    ("a", 0),
    ("tie 1", 5),
    ("e", 9),
    ("tie 2", 5),
    ("b", 1),
    ("unplanned 2", None),
    ("tie 3", 5),
    ("d", 7),
    ("f", 11),
]


@pytest.fixture
async def plan(gql: GraphQLClient) -> dict[str, Any]:
    """A strategy with ITEMS; its ids, in planned order and in creation order."""
    graph = await strategy_graph(gql)
    created: list[tuple[str, str, int | None]] = []
    for title, days in ITEMS:
        extra = {} if days is None else {"plannedAt": (BASE + dt.timedelta(days=days)).isoformat()}
        item = await content_item(gql, graph, title, **extra)
        created.append((item["id"], title, days))
    by_plan = sorted(created, key=lambda c: (c[2] if c[2] is not None else 10**6, db_id(c[0])))
    return {
        "strategy": graph["strategy"],
        "graph": graph,
        "created": [c[0] for c in created],
        "planned": [c[0] for c in by_plan],
    }


async def _page(gql: GraphQLClient, strategy: str, **args: Any) -> dict[str, Any]:
    data = await gql.data(PAGE, id=strategy, **args)
    connection: dict[str, Any] = data["strategy"]["contentItems"]
    edges = connection["edges"]
    assert connection["nodes"] == [{"id": e["node"]["id"]} for e in edges]
    info = connection["pageInfo"]
    assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
    assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)
    return connection


async def _error(gql: GraphQLClient, query: str, **variables: Any) -> dict[str, Any]:
    body = await gql.post(query, **variables)
    assert body["data"] is None or all(v is None for v in body["data"].values()), body
    (error,) = body["errors"]
    result: dict[str, Any] = error
    return result


async def _walk_forward(gql: GraphQLClient, strategy: str, size: int, **args: Any) -> list[str]:
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        connection = await _page(gql, strategy, first=size, after=after, **args)
        info = connection["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        assert len(connection["edges"]) <= size
        seen.extend(e["node"]["id"] for e in connection["edges"])
        pages += 1
        assert pages <= 20
        if not info["hasNextPage"]:
            return seen
        assert len(connection["edges"]) == size
        after = info["endCursor"]


async def _walk_backward(gql: GraphQLClient, strategy: str, size: int, **args: Any) -> list[str]:
    seen: list[str] = []
    before: str | None = None
    pages = 0
    while True:
        connection = await _page(gql, strategy, last=size, before=before, **args)
        info = connection["pageInfo"]
        assert info["hasNextPage"] is (before is not None)
        assert len(connection["edges"]) <= size
        seen[:0] = [e["node"]["id"] for e in connection["edges"]]
        pages += 1
        assert pages <= 20
        if not info["hasPreviousPage"]:
            return seen
        assert len(connection["edges"]) == size
        before = info["startCursor"]


# -- walking -----------------------------------------------------------------------------------------


async def test_forward_pages_give_every_item_once_in_order(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    for size in (1, 2, 3, 4, 10, 11, 50):
        assert await _walk_forward(gql, plan["strategy"], size) == plan["planned"], size


async def test_backward_pages_give_every_item_once_in_the_same_order(
    gql: GraphQLClient, plan: dict[str, Any]
) -> None:
    for size in (1, 3, 4, 11, 50):
        assert await _walk_backward(gql, plan["strategy"], size) == plan["planned"], size


async def test_created_at_order_walks_both_ways(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    for size in (2, 5):
        forward = await _walk_forward(gql, plan["strategy"], size, orderBy="CREATED_AT")
        backward = await _walk_backward(gql, plan["strategy"], size, orderBy="CREATED_AT")
        assert forward == backward == plan["created"], size


async def test_page_info_of_first_middle_and_last_pages(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    strategy, order = plan["strategy"], plan["planned"]
    first = await _page(gql, strategy, first=4)
    assert [e["node"]["id"] for e in first["edges"]] == order[:4]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["totalCount"] == 11

    middle = await _page(gql, strategy, first=4, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in middle["edges"]] == order[4:8]
    assert middle["pageInfo"]["hasNextPage"] is True
    assert middle["pageInfo"]["hasPreviousPage"] is True
    assert middle["totalCount"] == 11

    last = await _page(gql, strategy, first=4, after=middle["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in last["edges"]] == order[8:]
    assert last["pageInfo"]["hasNextPage"] is False
    assert last["pageInfo"]["hasPreviousPage"] is True

    # A page ending exactly at the last item has no next page.
    exact = await _page(gql, strategy, first=3, after=middle["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in exact["edges"]] == order[8:]
    assert exact["pageInfo"]["hasNextPage"] is False

    beyond = await _page(gql, strategy, first=4, after=last["pageInfo"]["endCursor"])
    assert beyond["edges"] == []
    assert beyond["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": None,
        "endCursor": None,
    }
    assert beyond["totalCount"] == 11


async def test_page_info_backwards(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    strategy, order = plan["strategy"], plan["planned"]
    tail = await _page(gql, strategy, last=4)
    assert [e["node"]["id"] for e in tail["edges"]] == order[-4:]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    assert tail["pageInfo"]["hasNextPage"] is False

    before = await _page(gql, strategy, last=4, before=tail["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in before["edges"]] == order[-8:-4]
    assert before["pageInfo"]["hasPreviousPage"] is True
    assert before["pageInfo"]["hasNextPage"] is True

    head = await _page(gql, strategy, last=4, before=before["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in head["edges"]] == order[:-8]
    assert head["pageInfo"]["hasPreviousPage"] is False
    assert head["pageInfo"]["hasNextPage"] is True


async def test_cursors_of_one_walk_work_in_the_other_direction(
    gql: GraphQLClient, plan: dict[str, Any]
) -> None:
    strategy, order = plan["strategy"], plan["planned"]
    everything = await _page(gql, strategy, first=50)
    cursors = [e["cursor"] for e in everything["edges"]]
    assert len(set(cursors)) == 11
    for index, cursor in enumerate(cursors):
        after = await _page(gql, strategy, first=50, after=cursor)
        assert [e["node"]["id"] for e in after["edges"]] == order[index + 1 :]
        before = await _page(gql, strategy, last=50, before=cursor)
        assert [e["node"]["id"] for e in before["edges"]] == order[:index]


async def test_default_page_is_50(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    for n in range(52):
        await content_item(gql, graph, f"Post {n:02}")
    connection = await _page(gql, graph["strategy"])
    assert len(connection["edges"]) == 50
    assert connection["pageInfo"]["hasNextPage"] is True
    assert connection["totalCount"] == 52
    backward = await _page(gql, graph["strategy"], before=connection["pageInfo"]["endCursor"])
    assert len(backward["edges"]) == 49


# -- limits ------------------------------------------------------------------------------------------


async def test_first_zero_gives_an_empty_page_and_the_count(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    connection = await _page(gql, plan["strategy"], first=0)
    assert connection["edges"] == []
    assert connection["nodes"] == []
    assert connection["totalCount"] == 11
    assert connection["pageInfo"]["startCursor"] is None
    assert connection["pageInfo"]["endCursor"] is None
    assert connection["pageInfo"]["hasPreviousPage"] is False


async def test_first_zero_says_there_is_a_next_page(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    """Relay: with `first`, hasNextPage is true when more edges than `first` exist after the cursor."""
    connection = await _page(gql, plan["strategy"], first=0)
    assert connection["pageInfo"]["hasNextPage"] is True


async def test_100_is_the_largest_page(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    assert len((await _page(gql, plan["strategy"], first=100))["edges"]) == 11
    assert len((await _page(gql, plan["strategy"], last=100))["edges"]) == 11


BAD_PAGES: list[dict[str, Any]] = [
    {"first": 101},
    {"last": 101},
    {"first": 1_000_000},
    {"first": -1},
    {"last": -1},
    {"first": 1, "last": 1},
    {"first": 1, "before": encode_cursor([BASE, uuid.uuid4()])},
    {"last": 1, "after": encode_cursor([BASE, uuid.uuid4()])},
    {"after": encode_cursor([BASE, uuid.uuid4()]), "before": encode_cursor([BASE, uuid.uuid4()])},
]


async def test_bad_page_arguments_are_bad_pagination(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    for args in BAD_PAGES:
        error = await _error(gql, PAGE, id=plan["strategy"], **args)
        assert error["extensions"]["code"] == "BAD_PAGINATION", args
        assert error["path"] == ["strategy", "contentItems"], args


async def test_bad_pagination_on_root_and_nested_connections(
    gql: GraphQLClient, plan: dict[str, Any]
) -> None:
    error = await _error(gql, "{ organizations(first: 101) { totalCount } }")
    assert error["extensions"]["code"] == "BAD_PAGINATION"
    error = await _error(
        gql,
        "query($id: ID!) { workspace(id: $id) { channels(last: 500) { totalCount } } }",
        id=plan["graph"]["workspace"],
    )
    assert error["extensions"]["code"] == "BAD_PAGINATION"


# -- cursors -----------------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


GARBAGE = [
    "garbage",
    "!!!!",
    "%%%",
    "a",
    _b64(b"\xff\xfe\x00"),
    _b64(b"not json"),
    _b64(b"{}"),
    _b64(b"[]"),
    _b64(b"null"),
    _b64(b'"text"'),
    _b64(b"[1.5]"),
    _b64(b"[null, null]"),
    _b64(json.dumps([{"t": "yesterday"}, {"u": str(uuid.uuid4())}]).encode()),
    _b64(json.dumps([{"t": BASE.isoformat()}, {"u": "not-a-uuid"}]).encode()),
    _b64(json.dumps([{"t": BASE.isoformat()}]).encode()),
    _b64(json.dumps([{"t": BASE.isoformat()}, {"u": str(uuid.uuid4())}, 1]).encode()),
    _b64(json.dumps([{"u": str(uuid.uuid4())}, {"t": BASE.isoformat()}]).encode()),
    _b64(json.dumps([{"x": "1"}, {"u": str(uuid.uuid4())}]).encode()),
    _b64(json.dumps(["2031-03-01T09:00:00+00:00", str(uuid.uuid4())]).encode()),
    _b64(json.dumps([1, 2]).encode()),
    _b64(json.dumps([True, False]).encode()),
    encode_cursor([BASE, uuid.uuid4()]) * 40,
]


async def test_garbage_cursor_is_bad_cursor(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    for cursor in GARBAGE:
        for direction in ("after", "before"):
            error = await _error(gql, PAGE, id=plan["strategy"], **{direction: cursor})
            assert error["extensions"]["code"] == "BAD_CURSOR", (direction, cursor)
            assert error["message"] == "This cursor is not valid here."


async def test_garbage_decimal_in_cursor_is_bad_cursor(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    cursor = _b64(json.dumps([{"n": "not a number"}, {"u": str(uuid.uuid4())}]).encode())
    error = await _error(gql, PAGE, id=plan["strategy"], after=cursor)
    assert error["extensions"]["code"] == "BAD_CURSOR"


@pytest.mark.demo
async def test_a_measurement_cursor_is_refused_by_content(db: Database, gql: GraphQLClient) -> None:
    demo = await load(db, gql)
    data = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Kpi { measurements(first: 2) { edges { cursor } } } } }",
        id=demo.kpis[0],
    )
    cursor = data["node"]["measurements"]["edges"][1]["cursor"]
    error = await _error(gql, PAGE, id=demo.strategy, after=cursor)
    assert error["extensions"]["code"] == "BAD_CURSOR"


@pytest.mark.demo
async def test_a_content_cursor_is_refused_by_measurements(db: Database, gql: GraphQLClient) -> None:
    demo = await load(db, gql)
    page = await _page(gql, demo.strategy, first=2)
    cursor = page["edges"][1]["cursor"]
    error = await _error(
        gql,
        "query($id: ID!, $after: String) { node(id: $id) { ... on Kpi { "
        "measurements(first: 2, after: $after) { edges { cursor } } } } }",
        id=demo.kpis[0],
        after=cursor,
    )
    assert error["extensions"]["code"] == "BAD_CURSOR"


@pytest.mark.demo
async def test_measurements_and_metrics_page_in_observation_order(db: Database, gql: GraphQLClient) -> None:
    demo = await load(db, gql)
    query = """
    query($id: ID!, $first: Int, $after: String) {
      node(id: $id) {
        ... on Kpi {
          measurements(first: $first, after: $after) {
            totalCount
            nodes { observedOn }
            pageInfo { hasNextPage hasPreviousPage endCursor }
          }
        }
      }
    }
    """
    dates: list[str] = []
    after = None
    while True:
        data = await gql.data(query, id=demo.kpis[2], first=3, after=after)
        connection = data["node"]["measurements"]
        assert connection["totalCount"] == 8
        dates.extend(n["observedOn"] for n in connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert len(dates) == 8
    assert dates == sorted(dates)
    assert len(set(dates)) == 8


# -- counts and order --------------------------------------------------------------------------------


async def test_total_count_is_the_same_on_every_page(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    after = None
    counts = []
    for _ in range(4):
        connection = await _page(gql, plan["strategy"], first=3, after=after)
        counts.append(connection["totalCount"])
        after = connection["pageInfo"]["endCursor"]
    assert counts == [11, 11, 11, 11]
    empty = await strategy_graph(gql, "Empty")
    connection = await _page(gql, empty["strategy"], first=3)
    assert connection["totalCount"] == 0
    assert connection["edges"] == []
    assert connection["pageInfo"]["hasNextPage"] is False


async def test_planned_at_puts_unplanned_last_created_at_follows_creation(
    gql: GraphQLClient, plan: dict[str, Any]
) -> None:
    by_plan = await _page(gql, plan["strategy"], first=50, orderBy="PLANNED_AT")
    titles = [e["node"]["title"] for e in by_plan["edges"]]
    assert titles[:3] == ["a", "b", "c"]
    assert sorted(titles[3:6]) == ["tie 1", "tie 2", "tie 3"]
    assert titles[6:9] == ["d", "e", "f"]
    assert sorted(titles[9:]) == ["unplanned 1", "unplanned 2"]
    default = await _page(gql, plan["strategy"], first=50)
    assert default["edges"] == by_plan["edges"]

    by_creation = await _page(gql, plan["strategy"], first=50, orderBy="CREATED_AT")
    assert [e["node"]["title"] for e in by_creation["edges"]] == [title for title, _ in ITEMS]


async def test_each_parent_gets_its_own_page(gql: GraphQLClient, plan: dict[str, Any]) -> None:
    graph = plan["graph"]
    for n in range(5):
        await content_item(
            gql, graph, f"Tactic 0 item {n}", tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0]
        )
    for n in range(3):
        await content_item(
            gql, graph, f"Tactic 1 item {n}", tacticId=graph["tactics"][1], primaryKpiId=graph["kpis"][1]
        )
    data = await gql.data(
        """
        query($id: ID!) {
          strategy(id: $id) {
            tactics {
              contentItems(first: 2, orderBy: CREATED_AT) {
                totalCount nodes { title } pageInfo { hasNextPage }
              }
            }
          }
        }
        """,
        id=plan["strategy"],
    )
    assert [t["contentItems"] for t in data["strategy"]["tactics"]] == [
        {
            "totalCount": 5,
            "nodes": [{"title": "Tactic 0 item 0"}, {"title": "Tactic 0 item 1"}],
            "pageInfo": {"hasNextPage": True},
        },
        {
            "totalCount": 3,
            "nodes": [{"title": "Tactic 1 item 0"}, {"title": "Tactic 1 item 1"}],
            "pageInfo": {"hasNextPage": True},
        },
    ]


async def test_organizations_and_workspaces_page(gql: GraphQLClient) -> None:
    for n in range(5):
        await strategy_graph(gql, f"Client {n}")
    query = """
    query($first: Int, $after: String) {
      organizations(first: $first, after: $after) {
        totalCount nodes { name } pageInfo { hasNextPage endCursor }
      }
    }
    """
    names: list[str] = []
    after = None
    while True:
        data = await gql.data(query, first=2, after=after)
        connection = data["organizations"]
        assert connection["totalCount"] == 5
        names.extend(n["name"] for n in connection["nodes"])
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert names == [f"Client {n} agency" for n in range(5)]
