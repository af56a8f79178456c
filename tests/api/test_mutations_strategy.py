"""Organizations, workspaces, strategies and tactics: every mutation and its rules, over HTTP."""

from __future__ import annotations

from tests.api.builders import (
    call,
    codes,
    global_id,
    node,
    ok,
    organization_of,
    refused,
    same_decimal,
    snapshot,
)
from tests.api.helpers import content_item, create_workspace, strategy_graph
from tests.client import GraphQLClient

ORG = "organization { id name version createdAt updatedAt workspaces { nodes { id } } }"
WORKSPACE = "workspace { id name version organization { id } strategies { nodes { id } } }"
STRATEGY = "strategy { id name purpose startsOn endsOn status version workspace { id } tactics { id } }"
TACTIC = "tactic { id name kind description targetShare position version strategy { id } }"


# --- organizations -----------------------------------------------------------------


async def test_create_update_and_delete_an_organization(gql: GraphQLClient) -> None:
    created = (await ok(gql, "createOrganization", {"name": "  Acme agency  "}, ORG))["organization"]
    assert created["name"] == "Acme agency"
    assert created["version"] == 1
    assert created["workspaces"]["nodes"] == []

    updated = (await ok(gql, "updateOrganization", {"id": created["id"], "version": 1, "name": "Acme"}, ORG))[
        "organization"
    ]
    assert updated["id"] == created["id"]
    assert updated["name"] == "Acme"
    assert updated["version"] == 2

    payload = await ok(gql, "deleteOrganization", {"id": created["id"]})
    assert payload["deletedId"] == created["id"]
    assert await node(gql, created["id"]) is None


async def test_deleting_an_organization_removes_its_workspaces_and_strategies(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    organization = await organization_of(gql, graph["workspace"])
    await ok(gql, "deleteOrganization", {"id": organization})
    found = await snapshot(
        gql, [graph["workspace"], graph["strategy"], graph["tactics"][0], graph["kpis"][0]]
    )
    assert found["nodes"] == [None, None, None, None]
    assert found["organizations"]["totalCount"] == 0


async def test_an_organization_name_must_not_be_blank_or_too_long(gql: GraphQLClient) -> None:
    await refused(gql, "createOrganization", {"name": "   "}, [(["name"], "BLANK")])
    await refused(gql, "createOrganization", {"name": "x" * 201}, [(["name"], "TOO_LONG")])
    created = (await ok(gql, "createOrganization", {"name": "x" * 200}, ORG))["organization"]
    await refused(
        gql,
        "updateOrganization",
        {"id": created["id"], "version": 1, "name": ""},
        [(["name"], "BLANK")],
        [created["id"]],
    )


async def test_a_stale_organization_update_is_a_conflict(gql: GraphQLClient) -> None:
    created = (await ok(gql, "createOrganization", {"name": "Acme"}, ORG))["organization"]
    await ok(gql, "updateOrganization", {"id": created["id"], "version": 1, "name": "Acme 2"})
    await refused(
        gql,
        "updateOrganization",
        {"id": created["id"], "version": 1, "name": "Acme 3"},
        [(["version"], "CONFLICT")],
        [created["id"]],
    )


async def test_unknown_and_wrong_organization_ids(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    await refused(gql, "deleteOrganization", {"id": global_id("Organization")}, [(["id"], "NOT_FOUND")])
    await refused(gql, "deleteOrganization", {"id": workspace}, [(["id"], "INVALID_ID")], [workspace])
    await refused(
        gql,
        "updateOrganization",
        {"id": global_id("Organization"), "version": 1, "name": "New"},
        [(["id"], "NOT_FOUND")],
    )


# --- workspaces --------------------------------------------------------------------


async def test_create_update_and_delete_a_workspace(gql: GraphQLClient) -> None:
    org = (await ok(gql, "createOrganization", {"name": "Acme"}, ORG))["organization"]
    created = (await ok(gql, "createWorkspace", {"organizationId": org["id"], "name": " Brand "}, WORKSPACE))[
        "workspace"
    ]
    assert created["name"] == "Brand"
    assert created["version"] == 1
    assert created["organization"]["id"] == org["id"]
    assert created["strategies"]["nodes"] == []

    updated = (
        await ok(gql, "updateWorkspace", {"id": created["id"], "version": 1, "name": "Brand B"}, WORKSPACE)
    )["workspace"]
    assert (updated["name"], updated["version"]) == ("Brand B", 2)

    strategy = (await ok(gql, "createStrategy", {"workspaceId": created["id"], "name": "Plan"}, STRATEGY))[
        "strategy"
    ]
    payload = await ok(gql, "deleteWorkspace", {"id": created["id"]})
    assert payload["deletedId"] == created["id"]
    assert await node(gql, created["id"]) is None
    assert await node(gql, strategy["id"]) is None
    assert await node(gql, org["id"]) is not None


async def test_workspace_rules(gql: GraphQLClient) -> None:
    org = (await ok(gql, "createOrganization", {"name": "Acme"}, ORG))["organization"]
    await refused(
        gql,
        "createWorkspace",
        {"organizationId": global_id("Organization"), "name": "Brand"},
        [(["organizationId"], "NOT_FOUND")],
        [org["id"]],
    )
    await refused(
        gql,
        "createWorkspace",
        {"organizationId": org["id"], "name": "  "},
        [(["name"], "BLANK")],
        [org["id"]],
    )
    await refused(
        gql,
        "createWorkspace",
        {"organizationId": "garbage", "name": "Brand"},
        [(["organizationId"], "INVALID_ID")],
        [org["id"]],
    )
    workspace = (await ok(gql, "createWorkspace", {"organizationId": org["id"], "name": "B"}, WORKSPACE))[
        "workspace"
    ]
    await refused(
        gql,
        "updateWorkspace",
        {"id": workspace["id"], "version": 1, "name": "y" * 201},
        [(["name"], "TOO_LONG")],
        [workspace["id"]],
    )
    await refused(
        gql,
        "updateWorkspace",
        {"id": workspace["id"], "version": 7, "name": "New"},
        [(["version"], "CONFLICT")],
        [workspace["id"]],
    )
    await refused(gql, "deleteWorkspace", {"id": global_id("Workspace")}, [(["id"], "NOT_FOUND")])


# --- strategies --------------------------------------------------------------------


async def test_create_a_strategy_with_every_field(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    created = (
        await ok(
            gql,
            "createStrategy",
            {
                "workspaceId": workspace,
                "name": " Grow ",
                "purpose": "We want to help the customer to cook.",
                "startsOn": "2025-01-01",
                "endsOn": "2025-12-31",
                "status": "ACTIVE",
            },
            STRATEGY,
        )
    )["strategy"]
    assert created["name"] == "Grow"
    assert created["purpose"] == "We want to help the customer to cook."
    assert (created["startsOn"], created["endsOn"]) == ("2025-01-01", "2025-12-31")
    assert created["status"] == "ACTIVE"
    assert created["version"] == 1
    assert created["workspace"]["id"] == workspace
    assert created["tactics"] == []


async def test_a_new_strategy_has_defaults(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    created = (await ok(gql, "createStrategy", {"workspaceId": workspace, "name": "Plan"}, STRATEGY))[
        "strategy"
    ]
    assert (created["purpose"], created["startsOn"], created["endsOn"], created["status"]) == (
        "",
        None,
        None,
        "DRAFT",
    )


async def test_update_a_strategy_changes_only_what_is_given(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    created = (
        await ok(
            gql,
            "createStrategy",
            {"workspaceId": workspace, "name": "Plan", "purpose": "Help", "startsOn": "2025-01-01"},
            STRATEGY,
        )
    )["strategy"]
    updated = (
        await ok(
            gql,
            "updateStrategy",
            {"id": created["id"], "version": 1, "endsOn": "2025-06-30", "status": "ARCHIVED"},
            STRATEGY,
        )
    )["strategy"]
    assert updated["name"] == "Plan"
    assert updated["purpose"] == "Help"
    assert (updated["startsOn"], updated["endsOn"], updated["status"]) == (
        "2025-01-01",
        "2025-06-30",
        "ARCHIVED",
    )
    assert updated["version"] == 2

    cleared = (
        await ok(
            gql,
            "updateStrategy",
            {"id": created["id"], "version": 2, "purpose": None, "startsOn": None, "name": "Plan B"},
            STRATEGY,
        )
    )["strategy"]
    assert (cleared["name"], cleared["purpose"], cleared["startsOn"], cleared["endsOn"]) == (
        "Plan B",
        "",
        None,
        "2025-06-30",
    )
    assert cleared["version"] == 3


async def test_a_strategy_period_must_not_end_before_it_starts(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    await refused(
        gql,
        "createStrategy",
        {"workspaceId": workspace, "name": "Plan", "startsOn": "2025-02-01", "endsOn": "2025-01-31"},
        [(["endsOn"], "INVALID_PERIOD")],
        [workspace],
    )
    created = (
        await ok(
            gql,
            "createStrategy",
            {"workspaceId": workspace, "name": "Plan", "startsOn": "2025-02-01", "endsOn": "2025-02-01"},
            STRATEGY,
        )
    )["strategy"]
    # Only the end is given; it is checked against the stored start.
    await refused(
        gql,
        "updateStrategy",
        {"id": created["id"], "version": 1, "endsOn": "2025-01-01"},
        [(["endsOn"], "INVALID_PERIOD")],
        [created["id"]],
    )
    await refused(
        gql,
        "updateStrategy",
        {"id": created["id"], "version": 1, "startsOn": "2025-03-01"},
        [(["endsOn"], "INVALID_PERIOD")],
        [created["id"]],
    )


async def test_strategy_input_errors(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    await refused(
        gql,
        "createStrategy",
        {"workspaceId": global_id("Workspace"), "name": "Plan"},
        [(["workspaceId"], "NOT_FOUND")],
        [workspace],
    )
    await refused(
        gql,
        "createStrategy",
        {"workspaceId": workspace, "name": " ", "purpose": "p" * 2001},
        [(["name"], "BLANK"), (["purpose"], "TOO_LONG")],
        [workspace],
    )
    created = (await ok(gql, "createStrategy", {"workspaceId": workspace, "name": "Plan"}, STRATEGY))[
        "strategy"
    ]
    await refused(
        gql,
        "updateStrategy",
        {"id": created["id"], "version": 1, "name": None},
        [(["name"], "REQUIRED")],
        [created["id"]],
    )
    await refused(
        gql,
        "updateStrategy",
        {"id": created["id"], "version": 1, "status": None},
        [(["status"], "REQUIRED")],
        [created["id"]],
    )
    await refused(
        gql,
        "updateStrategy",
        {"id": created["id"], "version": 0, "name": "New"},
        [(["version"], "CONFLICT")],
        [created["id"]],
    )


async def test_deleting_a_strategy_removes_its_parts(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "Idea")
    payload = await ok(gql, "deleteStrategy", {"id": graph["strategy"]})
    assert payload["deletedId"] == graph["strategy"]
    parts = [graph["strategy"], *graph["tactics"], *graph["kpis"], graph["audience"], item["id"]]
    assert (await snapshot(gql, parts))["nodes"] == [None] * len(parts)
    # The channel belongs to the workspace and stays.
    assert await node(gql, graph["channel"]) is not None
    await refused(gql, "deleteStrategy", {"id": graph["strategy"]}, [(["id"], "NOT_FOUND")])


# --- tactics -----------------------------------------------------------------------


async def test_create_a_tactic_with_every_field(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    created = (
        await ok(
            gql,
            "createTactic",
            {
                "strategyId": graph["strategy"],
                "name": " Give insight ",
                "kind": "INSIGHT",
                "description": "Show how we work.",
                "targetShare": "33.33",
            },
            TACTIC,
        )
    )["tactic"]
    assert created["name"] == "Give insight"
    assert created["kind"] == "INSIGHT"
    assert created["description"] == "Show how we work."
    assert same_decimal(created["targetShare"], "33.33")
    assert created["position"] == 2  # after the two tactics of the graph
    assert created["version"] == 1
    assert created["strategy"]["id"] == graph["strategy"]
    strategy = await node(gql, graph["strategy"])
    assert strategy is not None
    assert [t["id"] for t in strategy["tactics"]] == [*graph["tactics"], created["id"]]


async def test_update_a_tactic(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    tactic = graph["tactics"][0]
    updated = (
        await ok(
            gql,
            "updateTactic",
            {"id": tactic, "version": 1, "name": "Be inspiring", "kind": "ENGAGE", "targetShare": "50"},
            TACTIC,
        )
    )["tactic"]
    assert (updated["name"], updated["kind"], updated["version"]) == ("Be inspiring", "ENGAGE", 2)
    assert same_decimal(updated["targetShare"], "50")
    cleared = (
        await ok(
            gql, "updateTactic", {"id": tactic, "version": 2, "targetShare": None, "position": 9}, TACTIC
        )
    )["tactic"]
    assert cleared["targetShare"] is None
    assert cleared["position"] == 9
    assert cleared["name"] == "Be inspiring"


async def test_tactic_value_rules(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    tactic = graph["tactics"][0]
    watch = [graph["strategy"], tactic]
    for share, code in (("100.01", "OUT_OF_RANGE"), ("-1", "OUT_OF_RANGE"), ("12.345", "TOO_PRECISE")):
        await refused(
            gql,
            "createTactic",
            {"strategyId": graph["strategy"], "name": "T", "kind": "CUSTOM", "targetShare": share},
            [(["targetShare"], code)],
            watch,
        )
        await refused(
            gql,
            "updateTactic",
            {"id": tactic, "version": 1, "targetShare": share},
            [(["targetShare"], code)],
            watch,
        )
    await refused(
        gql,
        "updateTactic",
        {"id": tactic, "version": 1, "position": 1001},
        [(["position"], "OUT_OF_RANGE")],
        watch,
    )
    await refused(
        gql,
        "updateTactic",
        {"id": tactic, "version": 1, "position": -1, "name": "   "},
        [(["name"], "BLANK"), (["position"], "OUT_OF_RANGE")],
        watch,
    )
    await refused(
        gql,
        "updateTactic",
        {"id": tactic, "version": 1, "kind": None},
        [(["kind"], "REQUIRED")],
        watch,
    )
    await refused(
        gql,
        "createTactic",
        {"strategyId": global_id("Strategy"), "name": "T", "kind": "CUSTOM"},
        [(["strategyId"], "NOT_FOUND")],
        watch,
    )


async def test_a_strategy_holds_at_most_twelve_tactics(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    for n in range(10):
        await ok(gql, "createTactic", {"strategyId": graph["strategy"], "name": f"T{n}", "kind": "CUSTOM"})
    await refused(
        gql,
        "createTactic",
        {"strategyId": graph["strategy"], "name": "One too many", "kind": "CUSTOM"},
        [(["strategyId"], "TOO_MANY")],
        [graph["strategy"]],
    )


async def test_delete_an_unused_tactic(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    payload = await ok(gql, "deleteTactic", {"id": graph["tactics"][1]}, "deletedId affectedContentCount")
    assert payload == {"deletedId": graph["tactics"][1], "affectedContentCount": 0, "userErrors": []}
    assert await node(gql, graph["tactics"][1]) is None
    kpi = await node(gql, graph["kpis"][1])
    assert kpi is not None
    assert kpi["tactics"] == []


async def test_a_tactic_in_use_is_not_deleted_by_default(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(
        gql, graph, "Mapped", tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0]
    )
    await refused(
        gql,
        "deleteTactic",
        {"id": graph["tactics"][0]},
        [(["onContent"], "TACTIC_IN_USE")],
        [graph["strategy"], graph["tactics"][0], item["id"]],
    )
    await refused(
        gql,
        "deleteTactic",
        {"id": graph["tactics"][0], "onContent": "RESTRICT"},
        [(["onContent"], "TACTIC_IN_USE")],
        [graph["strategy"], graph["tactics"][0], item["id"]],
    )


async def test_delete_a_tactic_unmapping_its_content(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    used = [
        await content_item(
            gql, graph, f"Mapped {n}", tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0]
        )
        for n in range(2)
    ]
    other = await content_item(
        gql, graph, "Other", tacticId=graph["tactics"][1], primaryKpiId=graph["kpis"][1]
    )
    payload = await ok(
        gql,
        "deleteTactic",
        {"id": graph["tactics"][0], "onContent": "UNMAP"},
        "deletedId affectedContentCount",
    )
    assert payload["affectedContentCount"] == 2
    assert payload["deletedId"] == graph["tactics"][0]
    for item in used:
        after = await node(gql, item["id"])
        assert after is not None
        assert after["tactic"] is None
        assert after["mapped"] is False
        assert after["primaryKpi"] == {"id": graph["kpis"][0]}
        assert after["version"] == item["version"] + 1
    untouched = await node(gql, other["id"])
    assert untouched is not None
    assert untouched["tactic"] == {"id": graph["tactics"][1]}
    assert untouched["version"] == other["version"]


async def test_delete_a_tactic_reassigning_its_content(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(
        gql, graph, "Mapped", tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0]
    )
    payload = await ok(
        gql,
        "deleteTactic",
        {"id": graph["tactics"][0], "onContent": "REASSIGN", "reassignToId": graph["tactics"][1]},
        "deletedId affectedContentCount",
    )
    assert payload["affectedContentCount"] == 1
    after = await node(gql, item["id"])
    assert after is not None
    assert after["tactic"] == {"id": graph["tactics"][1]}
    assert after["mapped"] is True
    assert after["version"] == item["version"] + 1
    assert await node(gql, graph["tactics"][0]) is None


async def test_reassigning_a_tactic_needs_a_valid_target(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql, "Mine")
    other = await strategy_graph(gql, "Other")
    item = await content_item(
        gql, graph, "Mapped", tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0]
    )
    watch = [graph["strategy"], *graph["tactics"], item["id"], other["tactics"][0]]
    tactic = graph["tactics"][0]
    cases = [
        ({}, [(["reassignToId"], "REASSIGN_TARGET_REQUIRED")]),
        ({"reassignToId": None}, [(["reassignToId"], "REASSIGN_TARGET_REQUIRED")]),
        ({"reassignToId": tactic}, [(["reassignToId"], "REASSIGN_TARGET_REQUIRED")]),
        ({"reassignToId": other["tactics"][0]}, [(["reassignToId"], "WRONG_STRATEGY")]),
        ({"reassignToId": global_id("Tactic")}, [(["reassignToId"], "NOT_FOUND")]),
        ({"reassignToId": graph["kpis"][1]}, [(["reassignToId"], "INVALID_ID")]),
    ]
    for extra, expected in cases:
        await refused(gql, "deleteTactic", {"id": tactic, "onContent": "REASSIGN", **extra}, expected, watch)


async def test_tactic_ids_are_checked(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    watch = [graph["strategy"], *graph["tactics"]]
    await refused(gql, "deleteTactic", {"id": global_id("Tactic")}, [(["id"], "NOT_FOUND")], watch)
    await refused(gql, "deleteTactic", {"id": graph["kpis"][0]}, [(["id"], "INVALID_ID")], watch)
    await refused(
        gql,
        "updateTactic",
        {"id": graph["tactics"][0], "version": 2, "name": "New"},
        [(["version"], "CONFLICT")],
        watch,
    )
    payload = await call(
        gql, "createTactic", {"strategyId": graph["tactics"][0], "name": "T", "kind": "CUSTOM"}
    )
    assert codes(payload) == [(["strategyId"], "INVALID_ID")]
