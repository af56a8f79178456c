"""Content items: planning, mapping, the workflow and metrics, over HTTP."""

from __future__ import annotations

from typing import Any

from tests.api.builders import call, codes, global_id, ids_of, node, ok, refused, same_decimal
from tests.api.helpers import content_item, create, strategy_graph
from tests.client import GraphQLClient

ITEM = """contentItem {
  id title brief format status plannedAt publishedAt url version mapped
  strategy { id } tactic { id } primaryKpi { id } kpis { id } contributingKpis { id }
  channel { id } audiences { id }
}"""
METRIC = "contentMetric { id metric observedOn value version contentItem { id } }"


async def _item(gql: GraphQLClient, graph: dict[str, Any], **extra: Any) -> dict[str, Any]:
    input = {"strategyId": graph["strategy"], "title": "Post", "format": "POST", **extra}
    item: dict[str, Any] = (await ok(gql, "createContentItem", input, ITEM))["contentItem"]
    return item


async def _walk(gql: GraphQLClient, item: dict[str, Any], *statuses: str) -> dict[str, Any]:
    """Move ``item`` through ``statuses``; returns it as it ends up."""
    for status in statuses:
        item = (
            await ok(
                gql,
                "transitionContentItem",
                {"id": item["id"], "version": item["version"], "to": status},
                ITEM,
            )
        )["contentItem"]
        assert item["status"] == status
    return item


# --- create, update, delete --------------------------------------------------------


async def test_create_an_unmapped_idea(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await _item(gql, graph, title=" First idea ")
    assert item["title"] == "First idea"
    assert (item["status"], item["format"], item["brief"], item["version"]) == ("IDEA", "POST", "", 1)
    assert item["mapped"] is False
    assert (item["tactic"], item["primaryKpi"], item["kpis"], item["channel"]) == (None, None, [], None)
    assert item["strategy"]["id"] == graph["strategy"]
    strategy = await node(gql, graph["strategy"])
    assert strategy is not None
    assert ids_of(strategy["contentItems"]["nodes"]) == [item["id"]]


async def test_create_a_mapped_item_with_every_field(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await _item(
        gql,
        graph,
        title="Launch video",
        format="VIDEO",
        brief="Two minutes.",
        channelId=graph["channel"],
        audienceIds=[graph["audience"]],
        plannedAt="2025-03-01T09:30:00+00:00",
        url="https://example.com/launch",
        tacticId=graph["tactics"][0],
        primaryKpiId=graph["kpis"][0],
        kpiIds=[graph["kpis"][0], graph["kpis"][1]],
    )
    assert (item["title"], item["format"], item["brief"]) == ("Launch video", "VIDEO", "Two minutes.")
    assert item["channel"] == {"id": graph["channel"]}
    assert ids_of(item["audiences"]) == [graph["audience"]]
    assert item["plannedAt"].startswith("2025-03-01T09:30:00")
    assert item["url"] == "https://example.com/launch"
    assert item["tactic"] == {"id": graph["tactics"][0]}
    assert item["primaryKpi"] == {"id": graph["kpis"][0]}
    assert sorted(ids_of(item["kpis"])) == sorted(graph["kpis"])
    assert ids_of(item["contributingKpis"]) == [graph["kpis"][1]]
    assert item["mapped"] is True
    assert item["status"] == "IDEA"


async def test_create_item_mapping_rules(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql, "Mine")
    other = await strategy_graph(gql, "Other")
    watch = [graph["strategy"]]
    new = {"strategyId": graph["strategy"], "title": "Post", "format": "POST"}
    tactic, kpis = graph["tactics"][0], graph["kpis"]
    cases: list[tuple[dict[str, Any], list[tuple[list[str] | None, str]]]] = [
        ({"tacticId": tactic}, [(["primaryKpiId"], "REQUIRED")]),
        ({"kpiIds": kpis}, [(["tacticId"], "REQUIRED"), (["primaryKpiId"], "REQUIRED")]),
        (
            {"tacticId": tactic, "primaryKpiId": kpis[0], "kpiIds": [kpis[1]]},
            [(["primaryKpiId"], "PRIMARY_KPI_NOT_IN_KPIS")],
        ),
        ({"tacticId": other["tactics"][0], "primaryKpiId": kpis[0]}, [(["tacticId"], "WRONG_STRATEGY")]),
        ({"tacticId": tactic, "primaryKpiId": other["kpis"][0]}, [(["primaryKpiId"], "WRONG_STRATEGY")]),
        (
            {"tacticId": tactic, "primaryKpiId": kpis[0], "kpiIds": [kpis[0], other["kpis"][1]]},
            [(["kpiIds", "1"], "WRONG_STRATEGY")],
        ),
        (
            {"tacticId": tactic, "primaryKpiId": kpis[0], "kpiIds": [kpis[0], kpis[0]]},
            [(["kpiIds"], "DUPLICATE")],
        ),
        ({"audienceIds": [other["audience"]]}, [(["audienceIds"], "WRONG_STRATEGY")]),
        ({"channelId": other["channel"]}, [(["channelId"], "NOT_FOUND")]),
        (
            {"tacticId": kpis[0], "primaryKpiId": tactic},
            [(["tacticId"], "INVALID_ID"), (["primaryKpiId"], "INVALID_ID")],
        ),
    ]
    for extra, expected in cases:
        await refused(gql, "createContentItem", {**new, **extra}, expected, watch)
    await refused(
        gql,
        "createContentItem",
        {**new, "strategyId": global_id("Strategy")},
        [(["strategyId"], "NOT_FOUND")],
        watch,
    )


async def test_update_an_item(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    fans = await create(gql, "createAudience", "audience", {"strategyId": graph["strategy"], "name": "Fans"})
    item = await _item(gql, graph, audienceIds=[graph["audience"]], url="https://example.com/a")
    updated = (
        await ok(
            gql,
            "updateContentItem",
            {
                "id": item["id"],
                "version": 1,
                "title": "Carousel",
                "format": "CAROUSEL",
                "brief": "Five slides.",
                "channelId": graph["channel"],
                "audienceIds": [fans["id"]],
                "plannedAt": "2025-04-01T08:00:00Z",
                "url": None,
            },
            ITEM,
        )
    )["contentItem"]
    assert (updated["title"], updated["format"], updated["brief"]) == ("Carousel", "CAROUSEL", "Five slides.")
    assert updated["channel"] == {"id": graph["channel"]}
    assert ids_of(updated["audiences"]) == [fans["id"]]
    assert updated["plannedAt"].startswith("2025-04-01T08:00:00")
    assert updated["url"] is None
    assert updated["version"] == 2
    assert updated["status"] == "IDEA"
    cleared = (
        await ok(
            gql,
            "updateContentItem",
            {"id": item["id"], "version": 2, "channelId": None, "audienceIds": None, "plannedAt": None},
            ITEM,
        )
    )["contentItem"]
    assert (cleared["channel"], cleared["audiences"], cleared["plannedAt"]) == (None, [], None)
    assert cleared["title"] == "Carousel"


async def test_update_item_rules(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql, "Mine")
    other = await strategy_graph(gql, "Other")
    item = await _item(gql, graph)
    watch = [graph["strategy"], item["id"]]
    id_ = item["id"]
    cases: list[tuple[dict[str, Any], list[tuple[list[str] | None, str]]]] = [
        ({"title": None}, [(["title"], "REQUIRED")]),
        ({"format": None}, [(["format"], "REQUIRED")]),
        ({"title": "  "}, [(["title"], "BLANK")]),
        ({"title": "t" * 301}, [(["title"], "TOO_LONG")]),
        ({"brief": "b" * 20_001}, [(["brief"], "TOO_LONG")]),
        ({"url": "example.com"}, [(["url"], "INVALID_URL")]),
        ({"channelId": other["channel"]}, [(["channelId"], "NOT_FOUND")]),
        ({"audienceIds": [graph["audience"], other["audience"]]}, [(["audienceIds", "1"], "WRONG_STRATEGY")]),
        ({"channelId": graph["audience"]}, [(["channelId"], "INVALID_ID")]),
    ]
    for extra, expected in cases:
        await refused(gql, "updateContentItem", {"id": id_, "version": 1, **extra}, expected, watch)
    await refused(
        gql,
        "updateContentItem",
        {"id": id_, "version": 2, "title": "New"},
        [(["version"], "CONFLICT")],
        watch,
    )


async def test_delete_an_item_with_its_metrics(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "Post")
    metric = await create(
        gql,
        "createContentMetric",
        "contentMetric",
        {"contentItemId": item["id"], "metric": "CLICKS", "observedOn": "2025-01-01", "value": "9"},
    )
    payload = await ok(gql, "deleteContentItem", {"id": item["id"]})
    assert payload["deletedId"] == item["id"]
    assert await node(gql, item["id"]) is None
    assert await node(gql, metric["id"]) is None
    await refused(gql, "deleteContentItem", {"id": item["id"]}, [(["id"], "NOT_FOUND")])


# --- mapping -----------------------------------------------------------------------


async def test_map_one_item(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "Idea")
    mapped = (
        await ok(
            gql,
            "mapContentItem",
            {
                "id": item["id"],
                "tacticId": graph["tactics"][1],
                "primaryKpiId": graph["kpis"][1],
                "kpiIds": [graph["kpis"][0], graph["kpis"][1]],
                "version": 1,
            },
            ITEM,
        )
    )["contentItem"]
    assert mapped["mapped"] is True
    assert mapped["tactic"] == {"id": graph["tactics"][1]}
    assert mapped["primaryKpi"] == {"id": graph["kpis"][1]}
    assert ids_of(mapped["contributingKpis"]) == [graph["kpis"][0]]
    assert mapped["version"] == 2
    # Without kpiIds the item serves the primary KPI alone.
    remapped = (
        await ok(
            gql,
            "mapContentItem",
            {"id": item["id"], "tacticId": graph["tactics"][0], "primaryKpiId": graph["kpis"][0]},
            ITEM,
        )
    )["contentItem"]
    assert ids_of(remapped["kpis"]) == [graph["kpis"][0]]
    assert remapped["contributingKpis"] == []


async def test_map_one_item_rules(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql, "Mine")
    other = await strategy_graph(gql, "Other")
    item = await content_item(gql, graph, "Idea")
    watch = [item["id"]]
    base = {"id": item["id"], "tacticId": graph["tactics"][0], "primaryKpiId": graph["kpis"][0]}
    cases: list[tuple[dict[str, Any], list[tuple[list[str] | None, str]]]] = [
        ({"tacticId": other["tactics"][0]}, [(["tacticId"], "WRONG_STRATEGY")]),
        ({"kpiIds": [graph["kpis"][0], other["kpis"][0]]}, [(["kpiIds", "1"], "WRONG_STRATEGY")]),
        ({"kpiIds": [graph["kpis"][1]]}, [(["primaryKpiId"], "PRIMARY_KPI_NOT_IN_KPIS")]),
        ({"kpiIds": [graph["kpis"][0], graph["kpis"][0]]}, [(["kpiIds"], "DUPLICATE")]),
        ({"primaryKpiId": global_id("Kpi")}, [(["primaryKpiId"], "NOT_FOUND")]),
        ({"tacticId": graph["kpis"][0]}, [(["tacticId"], "INVALID_ID")]),
        ({"kpiIds": [graph["kpis"][0], "nope"]}, [(["kpiIds", "1"], "INVALID_ID")]),
        ({"id": global_id("ContentItem")}, [(["id"], "NOT_FOUND")]),
        ({"id": graph["strategy"]}, [(["id"], "INVALID_ID")]),
        ({"version": 2}, [(["version"], "CONFLICT")]),
    ]
    for extra, expected in cases:
        await refused(gql, "mapContentItem", {**base, **extra}, expected, watch)


async def test_map_many_items_rules(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    items = [await content_item(gql, graph, f"Idea {n}") for n in range(2)]
    watch = ids_of(items)

    def entry(item_id: str, **extra: Any) -> dict[str, Any]:
        return {"id": item_id, "tacticId": graph["tactics"][0], "primaryKpiId": graph["kpis"][0], **extra}

    await refused(gql, "mapContentItems", {"items": []}, [(["items"], "REQUIRED")], watch)
    await refused(
        gql,
        "mapContentItems",
        {"items": [entry(items[0]["id"]), entry(items[0]["id"])]},
        [(["items"], "DUPLICATE")],
        watch,
    )
    await refused(
        gql,
        "mapContentItems",
        {"items": [entry(items[0]["id"]), entry(items[1]["id"], primaryKpiId=graph["tactics"][1])]},
        [(["items", "1", "primaryKpiId"], "INVALID_ID")],
        watch,
    )
    await refused(
        gql,
        "mapContentItems",
        {"items": [entry(items[0]["id"], version=9), entry(items[1]["id"], kpiIds=[graph["kpis"][1]])]},
        [
            (["items", "0", "version"], "CONFLICT"),
            (["items", "1", "primaryKpiId"], "PRIMARY_KPI_NOT_IN_KPIS"),
        ],
        watch,
    )


async def test_map_at_most_a_hundred_items(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "Idea")
    many = [
        {"id": global_id("ContentItem"), "tacticId": graph["tactics"][0], "primaryKpiId": graph["kpis"][0]}
        for _ in range(100)
    ]
    mine = {"id": item["id"], "tacticId": graph["tactics"][0], "primaryKpiId": graph["kpis"][0]}
    await refused(gql, "mapContentItems", {"items": [mine, *many]}, [(["items"], "TOO_MANY")], [item["id"]])


# --- the workflow ------------------------------------------------------------------


async def test_the_whole_workflow(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await _item(
        gql,
        graph,
        tacticId=graph["tactics"][0],
        primaryKpiId=graph["kpis"][0],
        plannedAt="2025-05-01T10:00:00Z",
    )
    item = await _walk(gql, item, "DRAFT", "IN_REVIEW")
    changes = {"id": item["id"], "version": item["version"], "to": "DRAFT", "comment": "Shorter, please."}
    item = (await ok(gql, "transitionContentItem", changes, ITEM))["contentItem"]
    item = await _walk(gql, item, "IN_REVIEW", "APPROVED", "SCHEDULED")
    assert item["version"] == 7
    assert item["publishedAt"] is None
    item = await _walk(gql, item, "PUBLISHED")
    assert item["publishedAt"] is not None
    item = await _walk(gql, item, "ARCHIVED", "IDEA")
    assert item["version"] == 10


async def test_an_unmapped_idea_may_be_archived_but_not_drafted(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await _item(gql, graph)
    await refused(
        gql,
        "transitionContentItem",
        {"id": item["id"], "version": 1, "to": "DRAFT"},
        [(["to"], "NOT_MAPPED")],
        [item["id"]],
    )
    archived = await _walk(gql, item, "ARCHIVED")
    assert archived["mapped"] is False


async def test_invalid_transitions(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await _item(gql, graph, tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0])
    for to in ("IN_REVIEW", "APPROVED", "SCHEDULED", "PUBLISHED", "IDEA"):
        await refused(
            gql,
            "transitionContentItem",
            {"id": item["id"], "version": item["version"], "to": to},
            [(["to"], "INVALID_TRANSITION")],
            [item["id"]],
        )
    item = await _walk(gql, item, "DRAFT", "IN_REVIEW", "APPROVED", "PUBLISHED")
    for to in ("DRAFT", "SCHEDULED", "IDEA", "PUBLISHED"):
        await refused(
            gql,
            "transitionContentItem",
            {"id": item["id"], "version": item["version"], "to": to},
            [(["to"], "INVALID_TRANSITION")],
            [item["id"]],
        )


async def test_scheduling_needs_a_planned_time(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await _item(gql, graph, tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0])
    item = await _walk(gql, item, "DRAFT", "IN_REVIEW", "APPROVED")
    await refused(
        gql,
        "transitionContentItem",
        {"id": item["id"], "version": item["version"], "to": "SCHEDULED"},
        [(["plannedAt"], "REQUIRED")],
        [item["id"]],
    )
    await ok(
        gql,
        "updateContentItem",
        {"id": item["id"], "version": item["version"], "plannedAt": "2025-06-01T12:00:00Z"},
    )
    item = await _walk(gql, {**item, "version": item["version"] + 1}, "SCHEDULED")
    assert item["plannedAt"].startswith("2025-06-01T12:00:00")


async def test_an_item_unmapped_by_a_deletion_cannot_move_on(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await _item(gql, graph, tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0])
    item = await _walk(gql, item, "DRAFT")
    await ok(gql, "deleteTactic", {"id": graph["tactics"][0], "onContent": "UNMAP"})
    await refused(
        gql,
        "transitionContentItem",
        {"id": item["id"], "version": item["version"] + 1, "to": "IN_REVIEW"},
        [(["to"], "NOT_MAPPED")],
        [item["id"]],
    )


async def test_transition_ids_and_versions(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "Idea")
    await refused(
        gql,
        "transitionContentItem",
        {"id": item["id"], "version": 2, "to": "ARCHIVED"},
        [(["version"], "CONFLICT")],
        [item["id"]],
    )
    await refused(
        gql,
        "transitionContentItem",
        {"id": global_id("ContentItem"), "version": 1, "to": "ARCHIVED"},
        [(["id"], "NOT_FOUND")],
        [item["id"]],
    )
    payload = await call(
        gql, "transitionContentItem", {"id": graph["kpis"][0], "version": 1, "to": "ARCHIVED"}
    )
    assert codes(payload) == [(["id"], "INVALID_ID")]


# --- metrics -----------------------------------------------------------------------


async def test_create_update_and_delete_a_content_metric(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "Post")
    created = (
        await ok(
            gql,
            "createContentMetric",
            {
                "contentItemId": item["id"],
                "metric": "IMPRESSIONS",
                "observedOn": "2025-01-05",
                "value": "1500",
            },
            METRIC,
        )
    )["contentMetric"]
    assert (created["metric"], created["observedOn"], created["version"]) == ("IMPRESSIONS", "2025-01-05", 1)
    assert same_decimal(created["value"], "1500")
    assert created["contentItem"]["id"] == item["id"]

    updated = (
        await ok(
            gql,
            "updateContentMetric",
            {"id": created["id"], "version": 1, "metric": "REACH", "value": "0.0001"},
            METRIC,
        )
    )["contentMetric"]
    assert (updated["metric"], updated["observedOn"], updated["version"]) == ("REACH", "2025-01-05", 2)
    assert same_decimal(updated["value"], "0.0001")

    found = await node(gql, item["id"])
    assert found is not None
    assert ids_of(found["metrics"]["nodes"]) == [created["id"]]

    payload = await ok(gql, "deleteContentMetric", {"id": created["id"]})
    assert payload["deletedId"] == created["id"]
    assert await node(gql, created["id"]) is None
    await refused(gql, "deleteContentMetric", {"id": created["id"]}, [(["id"], "NOT_FOUND")])


async def test_one_value_per_item_metric_and_day(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "Post")
    first = {"contentItemId": item["id"], "metric": "CLICKS", "observedOn": "2025-01-05", "value": "3"}
    await ok(gql, "createContentMetric", first)
    await refused(
        gql, "createContentMetric", {**first, "value": "4"}, [(["observedOn"], "DUPLICATE")], [item["id"]]
    )
    other = await create(gql, "createContentMetric", "contentMetric", {**first, "metric": "REACH"})
    await ok(gql, "createContentMetric", {**first, "observedOn": "2025-01-06"})
    await refused(
        gql,
        "updateContentMetric",
        {"id": other["id"], "version": 1, "metric": "CLICKS"},
        [(["observedOn"], "DUPLICATE")],
        [item["id"], other["id"]],
    )


async def test_content_metric_rules(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "Post")
    metric = await create(
        gql,
        "createContentMetric",
        "contentMetric",
        {"contentItemId": item["id"], "metric": "CLICKS", "observedOn": "2025-01-05", "value": "3"},
    )
    watch = [item["id"], metric["id"]]
    for field in ("metric", "observedOn", "value"):
        await refused(
            gql,
            "updateContentMetric",
            {"id": metric["id"], "version": 1, field: None},
            [([field], "REQUIRED")],
            watch,
        )
    await refused(
        gql,
        "updateContentMetric",
        {"id": metric["id"], "version": 0, "value": "1"},
        [(["version"], "CONFLICT")],
        watch,
    )
    await refused(
        gql,
        "createContentMetric",
        {
            "contentItemId": global_id("ContentItem"),
            "metric": "CLICKS",
            "observedOn": "2025-01-07",
            "value": "1",
        },
        [(["contentItemId"], "NOT_FOUND")],
        watch,
    )
    await refused(
        gql,
        "createContentMetric",
        {"contentItemId": graph["strategy"], "metric": "CLICKS", "observedOn": "2025-01-07", "value": "1"},
        [(["contentItemId"], "INVALID_ID")],
        watch,
    )
