"""Audiences, channels and the channels chosen for a strategy, over HTTP."""

from __future__ import annotations

from tests.api.builders import global_id, ids_of, node, ok, refused
from tests.api.helpers import content_item, create, create_workspace, strategy_graph
from tests.client import GraphQLClient

AUDIENCE = """audience {
  id name description genders ageMin ageMax interests familyStatuses locations behaviours
  buyingProcess buyingNotes version strategy { id }
}"""
CHANNEL = "channel { id platform name handle url version workspace { id } }"
CHOSEN = "strategyChannel { id role rationale version strategy { id } channel { id } audiences { id } }"


# --- audiences ---------------------------------------------------------------------


async def test_create_an_audience_with_every_field(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    created = (
        await ok(
            gql,
            "createAudience",
            {
                "strategyId": graph["strategy"],
                "name": " Home cooks ",
                "description": "People who cook at home.",
                "genders": ["female", " male ", "female", "  "],
                "ageMin": 25,
                "ageMax": 45,
                "interests": ["cooking"],
                "familyStatuses": ["parents"],
                "locations": ["Berlin", "Hamburg"],
                "behaviours": ["downloads recipes"],
                "buyingProcess": "CONSIDERED",
                "buyingNotes": "Compares prices.",
            },
            AUDIENCE,
        )
    )["audience"]
    assert created["name"] == "Home cooks"
    assert created["description"] == "People who cook at home."
    assert created["genders"] == ["female", "male"]  # trimmed, unique, blanks dropped
    assert (created["ageMin"], created["ageMax"]) == (25, 45)
    assert created["interests"] == ["cooking"]
    assert created["familyStatuses"] == ["parents"]
    assert created["locations"] == ["Berlin", "Hamburg"]
    assert created["behaviours"] == ["downloads recipes"]
    assert created["buyingProcess"] == "CONSIDERED"
    assert created["buyingNotes"] == "Compares prices."
    assert created["version"] == 1
    assert created["strategy"]["id"] == graph["strategy"]


async def test_update_an_audience(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    audience = graph["audience"]
    updated = (
        await ok(
            gql,
            "updateAudience",
            {"id": audience, "version": 1, "ageMin": 18, "locations": ["Paris"], "buyingProcess": "IMPULSE"},
            AUDIENCE,
        )
    )["audience"]
    assert (updated["name"], updated["ageMin"], updated["ageMax"]) == ("Buyers", 18, None)
    assert updated["locations"] == ["Paris"]
    assert updated["buyingProcess"] == "IMPULSE"
    assert updated["version"] == 2
    cleared = (
        await ok(
            gql,
            "updateAudience",
            {"id": audience, "version": 2, "ageMin": None, "locations": None, "buyingProcess": None},
            AUDIENCE,
        )
    )["audience"]
    assert (cleared["ageMin"], cleared["locations"], cleared["buyingProcess"]) == (None, [], None)
    assert cleared["version"] == 3


async def test_audience_rules(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    watch = [graph["strategy"], graph["audience"]]
    new = {"strategyId": graph["strategy"], "name": "Teens"}
    await refused(
        gql, "createAudience", {**new, "ageMin": 20, "ageMax": 19}, [(["ageMax"], "INVALID_AGE_RANGE")], watch
    )
    await refused(
        gql,
        "createAudience",
        {**new, "ageMin": -1, "ageMax": 121},
        [(["ageMin"], "OUT_OF_RANGE"), (["ageMax"], "OUT_OF_RANGE")],
        watch,
    )
    await refused(
        gql,
        "createAudience",
        {**new, "interests": [str(n) for n in range(101)]},
        [(["interests"], "TOO_MANY")],
        watch,
    )
    await refused(
        gql,
        "createAudience",
        {**new, "locations": ["Berlin", "x" * 201]},
        [(["locations", "1"], "TOO_LONG")],
        watch,
    )
    await refused(
        gql,
        "createAudience",
        {**new, "strategyId": global_id("Strategy")},
        [(["strategyId"], "NOT_FOUND")],
        watch,
    )
    audience = graph["audience"]
    await ok(gql, "updateAudience", {"id": audience, "version": 1, "ageMax": 30})
    # Only the lower bound is given; it is checked against the stored upper one.
    await refused(
        gql,
        "updateAudience",
        {"id": audience, "version": 2, "ageMin": 31},
        [(["ageMax"], "INVALID_AGE_RANGE")],
        watch,
    )
    await refused(
        gql, "updateAudience", {"id": audience, "version": 2, "name": None}, [(["name"], "REQUIRED")], watch
    )
    await refused(
        gql,
        "updateAudience",
        {"id": audience, "version": 1, "name": "Old"},
        [(["version"], "CONFLICT")],
        watch,
    )


async def test_deleting_an_audience_unlinks_it_everywhere(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    audience = graph["audience"]
    await ok(gql, "updateKpi", {"id": graph["kpis"][0], "version": 1, "audienceIds": [audience]})
    chosen = await create(
        gql,
        "createStrategyChannel",
        "strategyChannel",
        {"strategyId": graph["strategy"], "channelId": graph["channel"], "audienceIds": [audience]},
    )
    item = await content_item(gql, graph, "Idea", audienceIds=[audience])
    payload = await ok(gql, "deleteAudience", {"id": audience})
    assert payload["deletedId"] == audience
    assert await node(gql, audience) is None
    for id_ in (graph["kpis"][0], chosen["id"], item["id"]):
        found = await node(gql, id_)
        assert found is not None
        assert found["audiences"] == []
    await refused(gql, "deleteAudience", {"id": audience}, [(["id"], "NOT_FOUND")])


# --- channels ----------------------------------------------------------------------


async def test_create_update_and_delete_a_channel(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    created = (
        await ok(
            gql,
            "createChannel",
            {
                "workspaceId": workspace,
                "platform": "TIKTOK",
                "name": " TikTok ",
                "handle": "@acme",
                "url": "https://tiktok.com/@acme",
            },
            CHANNEL,
        )
    )["channel"]
    assert (created["platform"], created["name"], created["handle"]) == ("TIKTOK", "TikTok", "@acme")
    assert created["url"] == "https://tiktok.com/@acme"
    assert created["version"] == 1
    assert created["workspace"]["id"] == workspace

    updated = (
        await ok(
            gql,
            "updateChannel",
            {"id": created["id"], "version": 1, "platform": "YOUTUBE", "url": None, "handle": None},
            CHANNEL,
        )
    )["channel"]
    assert (updated["platform"], updated["name"], updated["handle"], updated["url"]) == (
        "YOUTUBE",
        "TikTok",
        "",
        None,
    )
    assert updated["version"] == 2

    payload = await ok(gql, "deleteChannel", {"id": created["id"]}, "deletedId affectedContentCount")
    assert (payload["deletedId"], payload["affectedContentCount"]) == (created["id"], 0)
    assert await node(gql, created["id"]) is None


async def test_channel_rules(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    new = {"workspaceId": workspace, "platform": "BLOG", "name": "Blog"}
    for url in ("not a url", "ftp://example.com/feed", "javascript:alert(1)", "https://"):
        await refused(gql, "createChannel", {**new, "url": url}, [(["url"], "INVALID_URL")], [workspace])
    await refused(
        gql,
        "createChannel",
        {**new, "url": "https://x.io/" + "a" * 2048},
        [(["url"], "TOO_LONG")],
        [workspace],
    )
    await refused(gql, "createChannel", {**new, "handle": "h" * 201}, [(["handle"], "TOO_LONG")], [workspace])
    await refused(
        gql,
        "createChannel",
        {**new, "workspaceId": global_id("Workspace")},
        [(["workspaceId"], "NOT_FOUND")],
        [workspace],
    )
    channel = (await ok(gql, "createChannel", new, CHANNEL))["channel"]["id"]
    await refused(
        gql,
        "updateChannel",
        {"id": channel, "version": 1, "platform": None},
        [(["platform"], "REQUIRED")],
        [channel],
    )
    await refused(
        gql,
        "updateChannel",
        {"id": channel, "version": 1, "url": "mailto:me@example.com"},
        [(["url"], "INVALID_URL")],
        [channel],
    )
    await refused(
        gql,
        "updateChannel",
        {"id": channel, "version": 2, "name": "B"},
        [(["version"], "CONFLICT")],
        [channel],
    )


async def test_a_channel_in_use_is_not_deleted_by_default(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "On LinkedIn", channelId=graph["channel"])
    await refused(
        gql,
        "deleteChannel",
        {"id": graph["channel"]},
        [(["onContent"], "CHANNEL_IN_USE")],
        [graph["channel"], item["id"], graph["workspace"]],
    )


async def test_delete_a_channel_unmapping_its_content(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "On LinkedIn", channelId=graph["channel"])
    await ok(gql, "updateKpi", {"id": graph["kpis"][0], "version": 1, "channelId": graph["channel"]})
    payload = await ok(
        gql, "deleteChannel", {"id": graph["channel"], "onContent": "UNMAP"}, "deletedId affectedContentCount"
    )
    assert (payload["deletedId"], payload["affectedContentCount"]) == (graph["channel"], 1)
    after = await node(gql, item["id"])
    assert after is not None
    assert after["channel"] is None
    assert after["version"] == item["version"] + 1
    kpi = await node(gql, graph["kpis"][0])
    assert kpi is not None
    assert kpi["channel"] is None


async def test_delete_a_channel_reassigning_its_content(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    other = await create(
        gql, "createChannel", "channel", {"workspaceId": graph["workspace"], "platform": "X", "name": "X"}
    )
    items = [await content_item(gql, graph, f"Post {n}", channelId=graph["channel"]) for n in range(2)]
    payload = await ok(
        gql,
        "deleteChannel",
        {"id": graph["channel"], "onContent": "REASSIGN", "reassignToId": other["id"]},
        "deletedId affectedContentCount",
    )
    assert payload["affectedContentCount"] == 2
    for item in items:
        after = await node(gql, item["id"])
        assert after is not None
        assert after["channel"] == {"id": other["id"]}
    assert await node(gql, graph["channel"]) is None


async def test_reassigning_a_channel_needs_a_valid_target(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql, "Mine")
    elsewhere = await strategy_graph(gql, "Elsewhere")
    item = await content_item(gql, graph, "On LinkedIn", channelId=graph["channel"])
    channel = graph["channel"]
    watch = [channel, item["id"], elsewhere["channel"], graph["workspace"]]
    cases = [
        ({}, [(["reassignToId"], "REASSIGN_TARGET_REQUIRED")]),
        ({"reassignToId": channel}, [(["reassignToId"], "REASSIGN_TARGET_REQUIRED")]),
        ({"reassignToId": elsewhere["channel"]}, [(["reassignToId"], "NOT_FOUND")]),
        ({"reassignToId": global_id("Channel")}, [(["reassignToId"], "NOT_FOUND")]),
        ({"reassignToId": graph["tactics"][0]}, [(["reassignToId"], "INVALID_ID")]),
    ]
    for extra, expected in cases:
        await refused(
            gql, "deleteChannel", {"id": channel, "onContent": "REASSIGN", **extra}, expected, watch
        )


# --- channels chosen for a strategy -------------------------------------------------


async def test_create_update_and_delete_a_strategy_channel(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    second = await create(
        gql, "createAudience", "audience", {"strategyId": graph["strategy"], "name": "Fans"}
    )
    created = (
        await ok(
            gql,
            "createStrategyChannel",
            {
                "strategyId": graph["strategy"],
                "channelId": graph["channel"],
                "role": "Thought leadership",
                "rationale": "Decision makers are there.",
                "audienceIds": [graph["audience"]],
            },
            CHOSEN,
        )
    )["strategyChannel"]
    assert (created["role"], created["rationale"], created["version"]) == (
        "Thought leadership",
        "Decision makers are there.",
        1,
    )
    assert created["strategy"]["id"] == graph["strategy"]
    assert created["channel"]["id"] == graph["channel"]
    assert ids_of(created["audiences"]) == [graph["audience"]]

    updated = (
        await ok(
            gql,
            "updateStrategyChannel",
            {"id": created["id"], "version": 1, "audienceIds": [second["id"]], "rationale": None},
            CHOSEN,
        )
    )["strategyChannel"]
    assert ids_of(updated["audiences"]) == [second["id"]]
    assert (updated["role"], updated["rationale"]) == ("Thought leadership", "")
    assert updated["version"] == 2

    strategy = await node(gql, graph["strategy"])
    assert strategy is not None
    assert ids_of(strategy["channels"]) == [created["id"]]

    payload = await ok(gql, "deleteStrategyChannel", {"id": created["id"]})
    assert payload["deletedId"] == created["id"]
    assert await node(gql, created["id"]) is None
    assert await node(gql, graph["channel"]) is not None
    await refused(gql, "deleteStrategyChannel", {"id": created["id"]}, [(["id"], "NOT_FOUND")])


async def test_a_channel_is_chosen_once_per_strategy(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    first = await create(
        gql,
        "createStrategyChannel",
        "strategyChannel",
        {"strategyId": graph["strategy"], "channelId": graph["channel"]},
    )
    await refused(
        gql,
        "createStrategyChannel",
        {"strategyId": graph["strategy"], "channelId": graph["channel"], "role": "Again"},
        [(["channelId"], "DUPLICATE")],
        [graph["strategy"], first["id"]],
    )


async def test_strategy_channel_rules(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql, "Mine")
    other = await strategy_graph(gql, "Other")
    watch = [graph["strategy"], graph["channel"]]
    new = {"strategyId": graph["strategy"], "channelId": graph["channel"]}
    await refused(
        gql,
        "createStrategyChannel",
        {**new, "channelId": other["channel"]},
        [(["channelId"], "NOT_FOUND")],
        watch,
    )
    await refused(
        gql,
        "createStrategyChannel",
        {**new, "audienceIds": [other["audience"]]},
        [(["audienceIds"], "WRONG_STRATEGY")],
        watch,
    )
    await refused(
        gql,
        "createStrategyChannel",
        {**new, "audienceIds": [graph["audience"], other["audience"]]},
        [(["audienceIds", "1"], "WRONG_STRATEGY")],
        watch,
    )
    await refused(
        gql,
        "createStrategyChannel",
        {**new, "audienceIds": [graph["audience"], graph["audience"]]},
        [(["audienceIds"], "DUPLICATE")],
        watch,
    )
    await refused(
        gql,
        "createStrategyChannel",
        {**new, "audienceIds": [graph["kpis"][0]]},
        [(["audienceIds", "0"], "INVALID_ID")],
        watch,
    )
    await refused(gql, "createStrategyChannel", {**new, "role": "r" * 2001}, [(["role"], "TOO_LONG")], watch)
    chosen = (await ok(gql, "createStrategyChannel", new, CHOSEN))["strategyChannel"]["id"]
    watch = [*watch, chosen]
    await refused(
        gql,
        "updateStrategyChannel",
        {"id": chosen, "version": 1, "audienceIds": [global_id("Audience")]},
        [(["audienceIds"], "NOT_FOUND")],
        watch,
    )
    await refused(
        gql,
        "updateStrategyChannel",
        {"id": chosen, "version": 3, "role": "New"},
        [(["version"], "CONFLICT")],
        watch,
    )
