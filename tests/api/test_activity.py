"""The activity log over HTTP: every change names who made it, how, and each field before and after."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from domain.access.roles import Role
from domain.persistence.database import Database
from domain.scope import Scope
from domain.strategy.models import Tactic
from schema import ids
from tests import auth
from tests.api.builders import call, codes, db_id, ok, organization_of
from tests.api.callers import create_key
from tests.api.helpers import content_item, create, record, strategy_graph
from tests.client import GraphQLClient, signed_in
from tests.conftest import StatementLog

ENTRY = """
fragment Entry on Activity {
  id action operation nodeType nodeId occurredAt
  node { __typename id }
  actor { kind name id member { id } }
  changes { field before after }
}
"""
WORKSPACE_LOG = (
    """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  workspace(id: $id) {
    activity(first: $first, after: $after, last: $last, before: $before) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { ...Entry }
    }
  }
}
"""
    + ENTRY
)
STRATEGY_LOG = "query($id: ID!) { strategy(id: $id) { activity(first: 100) { nodes { ...Entry } } } }" + ENTRY
ITEM_LOG = (
    "query($id: ID!) { node(id: $id) { ... on ContentItem { activity(first: 100) { nodes { ...Entry } } } } }"
    + ENTRY
)
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"


def changes_of(entry: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {change["field"]: (change["before"], change["after"]) for change in entry["changes"]}


def by_node(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {entry["nodeId"]: entry for entry in entries}
    assert len(found) == len(entries), "one entry per record and operation"
    return found


async def log_of(gql: GraphQLClient, workspace: str, **page: Any) -> dict[str, Any]:
    data = await gql.data(WORKSPACE_LOG, id=workspace, **page)
    assert data["workspace"] is not None
    log: dict[str, Any] = data["workspace"]["activity"]
    return log


class Log:
    """A workspace's log as the operator reads it: :meth:`new` gives the entries added since last asked."""

    def __init__(self, gql: GraphQLClient, workspace: str) -> None:
        self.gql = gql
        self.workspace = workspace
        self.seen = 0

    async def new(self) -> list[dict[str, Any]]:
        log = await log_of(self.gql, self.workspace, first=100)
        added = log["totalCount"] - self.seen
        assert 0 <= added <= 100
        self.seen = log["totalCount"]
        return list(reversed(log["nodes"][:added]))

    async def one(self) -> dict[str, Any]:
        (entry,) = await self.new()
        return entry


async def member(db: Database, workspace: str, subject: str, name: str, role: Role) -> str:
    """A member with a role on the workspace; their global id."""
    member_id = await auth.member(db, subject, name)
    await auth.grant(db, subject, role, workspace_id=db_id(workspace))
    return ids.encode("Member", member_id)


def actor(kind: str, name: str, id_: str | None) -> dict[str, Any]:
    member = {"id": id_} if kind == "MEMBER" else None
    return {"kind": kind, "name": name, "id": id_, "member": member}


async def test_each_change_names_who_made_it_through_which_operation_and_what_changed(
    db: Database, gql: GraphQLClient
) -> None:
    graph = await strategy_graph(gql)
    workspace, strategy = graph["workspace"], graph["strategy"]
    tactic, (reach, leads) = graph["tactics"][0], graph["kpis"]
    ada = await member(db, workspace, "ada", "Ada Lovelace", Role.STRATEGIST)
    bo = await member(db, workspace, "bo", "Bo Jensen", Role.EDITOR)
    log = Log(gql, workspace)
    await log.new()

    async with signed_in(db, auth.token("ada")) as as_ada, signed_in(db, auth.token("bo")) as as_bo:
        await ok(
            as_ada,
            "updateTactic",
            {"id": tactic, "version": 1, "name": "Inspire buyers", "targetShare": "40"},
        )
        entry = await log.one()
        assert entry["action"] == "UPDATED"
        assert entry["operation"] == "updateTactic"
        assert (entry["nodeType"], entry["nodeId"], entry["node"]) == (
            "Tactic",
            tactic,
            {"__typename": "Tactic", "id": tactic},
        )
        assert entry["actor"] == actor("MEMBER", "Ada Lovelace", ada)
        assert changes_of(entry) == {"name": ("Inspire", "Inspire buyers"), "targetShare": (None, "40")}

        item = await content_item(
            as_bo, graph, "Launch post", brief="Why we exist", channelId=graph["channel"]
        )
        entry = await log.one()
        assert (entry["action"], entry["operation"], entry["nodeType"], entry["nodeId"]) == (
            "CREATED",
            "createContentItem",
            "ContentItem",
            item["id"],
        )
        assert entry["actor"] == actor("MEMBER", "Bo Jensen", bo)
        assert changes_of(entry) == {
            "title": (None, "Launch post"),
            "brief": (None, "Why we exist"),
            "format": (None, "POST"),
            "status": (None, "IDEA"),
            "channelId": (None, graph["channel"]),
        }

        await ok(
            as_bo,
            "mapContentItem",
            {"id": item["id"], "tacticId": tactic, "primaryKpiId": reach, "kpiIds": [reach, leads]},
        )
        entry = await log.one()
        assert (entry["action"], entry["operation"], entry["nodeId"]) == (
            "UPDATED",
            "mapContentItem",
            item["id"],
        )
        mapped = changes_of(entry)
        assert set(mapped) == {"tacticId", "primaryKpiId", "kpiIds"}
        assert mapped["tacticId"] == (None, tactic)
        assert mapped["primaryKpiId"] == (None, reach)
        assert mapped["kpiIds"][0] == []
        assert sorted(mapped["kpiIds"][1]) == sorted([reach, leads])

        await ok(as_bo, "transitionContentItem", {"id": item["id"], "version": 2, "to": "DRAFT"})
        entry = await log.one()
        assert (entry["action"], entry["operation"], entry["nodeId"]) == (
            "TRANSITIONED",
            "transitionContentItem",
            item["id"],
        )
        assert changes_of(entry) == {"status": ("IDEA", "DRAFT")}
        assert entry["actor"] == actor("MEMBER", "Bo Jensen", bo)

        await ok(as_bo, "updateContentItem", {"id": item["id"], "version": 3, "assigneeId": bo})
        entry = await log.one()
        assert (entry["action"], entry["operation"]) == ("UPDATED", "updateContentItem")
        assert changes_of(entry) == {"assigneeId": (None, bo)}

        payload = await ok(
            as_ada, "deleteKpi", {"id": reach, "onContent": "UNMAP"}, "deletedId affectedContentCount"
        )
        assert payload["affectedContentCount"] == 1
        entries = by_node(await log.new())
        assert set(entries) == {reach, item["id"]}
        deleted = entries[reach]
        assert (deleted["action"], deleted["operation"], deleted["node"]) == ("DELETED", "deleteKpi", None)
        assert deleted["actor"] == actor("MEMBER", "Ada Lovelace", ada)
        gone = changes_of(deleted)
        assert gone["name"] == ("Reach", None)
        assert gone["metric"] == ("REACH", None)
        assert gone["target"] == ("100", None)
        assert all(after is None for _, after in gone.values())
        unmapped = entries[item["id"]]
        assert (unmapped["action"], unmapped["operation"]) == ("UPDATED", "deleteKpi")
        item_changes = changes_of(unmapped)
        assert item_changes["primaryKpiId"] == (reach, None)
        assert sorted(item_changes["kpiIds"][0]) == sorted([reach, leads])
        assert item_changes["kpiIds"][1] == [leads]
        assert set(item_changes) == {"primaryKpiId", "kpiIds"}

        entries_in = [
            {"kpiId": leads, "observedOn": "2030-01-01", "value": "5"},
            {"kpiId": leads, "observedOn": "2030-01-02", "value": "6.50"},
        ]
        assert (await record(as_ada, strategy, entries_in))["userErrors"] == []
        entry = await log.one()
        assert (entry["action"], entry["operation"], entry["nodeType"], entry["nodeId"]) == (
            "RECORDED",
            "recordKpiMeasurements",
            "Strategy",
            strategy,
        )
        assert changes_of(entry) == {
            "created": (None, 2),
            "updated": (None, 0),
            "unchanged": (None, 0),
            "kpiIds": (None, [leads]),
        }
        assert (await record(as_ada, strategy, entries_in))["userErrors"] == []
        assert await log.new() == [], "a batch that changed nothing is not logged"

    key = await create_key(gql, workspaceId=workspace, name="Scheduler", scopes=["WRITE"])
    assert key["userErrors"] == []
    entry = await log.one()
    operator = ids.encode("Member", await auth.member(db, auth.OPERATOR))
    assert (entry["action"], entry["operation"], entry["nodeType"], entry["nodeId"]) == (
        "CREATED",
        "createApiKey",
        "ApiKey",
        key["apiKey"]["id"],
    )
    assert entry["actor"] == actor("MEMBER", auth.OPERATOR, operator)
    created = changes_of(entry)
    assert created["name"] == (None, "Scheduler")
    assert created["scopes"] == (None, ["WRITE"])
    assert not {"secretHash", "prefix", "lastUsedAt"} & set(created), "what identifies a key is never logged"

    async with signed_in(db, key["token"]) as as_key:
        await ok(
            as_key, "updateStrategy", {"id": strategy, "version": 1, "purpose": "We want to help the owner."}
        )
    entry = await log.one()
    assert entry["actor"] == actor("API_KEY", "Scheduler", key["apiKey"]["id"])
    assert changes_of(entry) == {
        "purpose": ("We want to help the customer to …", "We want to help the owner.")
    }


async def test_a_refused_change_leaves_no_trace(db: Database, gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await content_item(
        gql, graph, "Mapped", tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0]
    )
    other = await content_item(gql, graph, "Idea")
    log = Log(gql, graph["workspace"])
    await log.new()

    blank = await call(gql, "updateTactic", {"id": graph["tactics"][0], "version": 1, "name": " "})
    assert codes(blank) == [(["name"], "BLANK")]
    in_use = await call(gql, "deleteKpi", {"id": graph["kpis"][0]}, "deletedId")
    assert codes(in_use) == [(["onContent"], "KPI_IN_USE")]
    stale = await call(gql, "transitionContentItem", {"id": item["id"], "version": 7, "to": "DRAFT"})
    assert codes(stale)[0][1] == "CONFLICT"
    batch = await call(
        gql,
        "mapContentItems",
        {
            "items": [
                {"id": item["id"], "tacticId": graph["tactics"][1], "primaryKpiId": graph["kpis"][1]},
                {
                    "id": other["id"],
                    "tacticId": graph["tactics"][1],
                    "primaryKpiId": graph["kpis"][0],
                    "kpiIds": [graph["kpis"][1]],
                },
            ]
        },
        "contentItems { id }",
    )
    assert codes(batch) == [(["items", "1", "primaryKpiId"], "PRIMARY_KPI_NOT_IN_KPIS")]
    twice = await call(
        gql, "createStrategyChannel", {"strategyId": graph["strategy"], "channelId": graph["channel"]}
    )
    assert twice["userErrors"] == []
    await log.new()
    duplicate = await call(
        gql, "createStrategyChannel", {"strategyId": graph["strategy"], "channelId": graph["channel"]}
    )
    assert codes(duplicate) == [(["channelId"], "DUPLICATE")]
    assert await log.new() == []


async def test_a_savepoint_rolled_back_takes_its_changes_out_of_the_log(
    db: Database, gql: GraphQLClient
) -> None:
    graph = await strategy_graph(gql)
    first, second = (db_id(tactic) for tactic in graph["tactics"])
    log = Log(gql, graph["workspace"])
    await log.new()
    async with db.transaction(Scope.everything()) as session:
        kept = await session.get_one(Tactic, first)
        kept.description = "kept"
        await session.flush()
        try:
            async with session.begin_nested():
                dropped = await session.get_one(Tactic, second)
                dropped.description = "dropped"
                await session.flush()
                raise LookupError
        except LookupError:
            pass
    entry = await log.one()
    assert (entry["nodeId"], entry["operation"]) == (graph["tactics"][0], None)
    assert entry["actor"] == actor("SYSTEM", "redthread", None)
    assert changes_of(entry) == {"description": ("", "kept")}


async def test_no_one_sees_the_log_of_a_workspace_they_have_no_role_in(
    db: Database, gql: GraphQLClient
) -> None:
    graph = await strategy_graph(gql)
    organization = await organization_of(gql, graph["workspace"])
    other = (
        await create(gql, "createWorkspace", "workspace", {"organizationId": organization, "name": "Other"})
    )["id"]
    await create(gql, "createChannel", "channel", {"workspaceId": other, "platform": "BLOG", "name": "Blog"})
    await member(db, graph["workspace"], "ada", "Ada Lovelace", Role.VIEWER)
    await ok(gql, "updateOrganization", {"id": organization, "version": 1, "name": "Renamed agency"})

    mine = (await log_of(gql, graph["workspace"], first=100))["nodes"]
    theirs = (await log_of(gql, other, first=100))["nodes"]
    assert {entry["nodeId"] for entry in mine}.isdisjoint(
        entry["nodeId"] for entry in theirs if entry["nodeType"] != "Organization"
    )
    renamed = [entry for entry in theirs + mine if entry["operation"] == "updateOrganization"]
    assert len(renamed) == 2, "a change of the organization is logged in each of its workspaces"
    assert all(changes_of(entry) == {"name": ("Client agency", "Renamed agency")} for entry in renamed)

    async with signed_in(db, auth.token("ada")) as as_ada:
        seen = (await log_of(as_ada, graph["workspace"], first=100))["nodes"]
        assert [entry["id"] for entry in seen] == [entry["id"] for entry in mine]
        assert (await as_ada.data(WORKSPACE_LOG, id=other, first=100))["workspace"] is None
        for entry in theirs[:3]:
            assert (await as_ada.data(NODE, id=entry["id"]))["node"] is None
        found = (await as_ada.data(NODE, id=mine[0]["id"]))["node"]
        assert found == {"__typename": "Activity", "id": mine[0]["id"]}


async def test_a_deleted_record_keeps_its_history(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    tactic = graph["tactics"][1]
    await ok(gql, "updateTactic", {"id": tactic, "version": 1, "description": "How we teach"})
    item = await content_item(gql, graph, "Short-lived")
    await ok(gql, "updateContentItem", {"id": item["id"], "version": 1, "title": "Shorter-lived"})
    history = (await gql.data(ITEM_LOG, id=item["id"]))["node"]["activity"]["nodes"]
    assert [entry["action"] for entry in history] == ["UPDATED", "CREATED"]
    assert changes_of(history[0]) == {"title": ("Short-lived", "Shorter-lived")}

    await ok(gql, "deleteTactic", {"id": tactic})
    await ok(gql, "deleteContentItem", {"id": item["id"]})
    log = (await gql.data(STRATEGY_LOG, id=graph["strategy"]))["strategy"]["activity"]["nodes"]
    tactic_history = [entry for entry in log if entry["nodeId"] == tactic]
    assert [entry["action"] for entry in tactic_history] == ["DELETED", "UPDATED", "CREATED"]
    assert all(entry["node"] is None for entry in tactic_history)
    assert changes_of(tactic_history[0])["description"] == ("How we teach", None)
    item_history = [entry for entry in log if entry["nodeId"] == item["id"]]
    assert [entry["action"] for entry in item_history] == ["DELETED", "UPDATED", "CREATED"]
    assert changes_of(item_history[0])["title"] == ("Shorter-lived", None)

    await ok(gql, "deleteStrategy", {"id": graph["strategy"]})
    after = (await log_of(gql, graph["workspace"], first=100))["nodes"]
    assert after[0]["nodeId"] == graph["strategy"]
    assert after[0]["action"] == "DELETED"
    assert {entry["id"] for entry in log} < {entry["id"] for entry in after}
    assert all(entry["node"] is None for entry in after if entry["nodeType"] not in ("Channel", "Workspace"))


async def test_the_log_pages_newest_first(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    tactic = graph["tactics"][0]
    for version in range(1, 8):
        await ok(gql, "updateTactic", {"id": tactic, "version": version, "position": version})
    everything = await log_of(gql, graph["workspace"], first=100)
    entries = everything["nodes"]
    assert everything["totalCount"] == len(entries) >= 14
    moments = [entry["occurredAt"] for entry in entries]
    assert moments == sorted(moments, reverse=True)
    assert changes_of(entries[0]) == {"position": (6, 7)}

    paged: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await log_of(gql, graph["workspace"], first=4, after=cursor)
        paged.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    assert [entry["id"] for entry in paged] == [entry["id"] for entry in entries]

    back: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await log_of(gql, graph["workspace"], last=5, before=cursor)
        back = page["nodes"] + back
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        cursor = page["pageInfo"]["startCursor"]
    assert [entry["id"] for entry in back] == [entry["id"] for entry in entries]


async def test_a_page_of_the_log_costs_the_same_statements_for_3_or_40_entries(
    gql: GraphQLClient, sql: StatementLog
) -> None:
    graph = await strategy_graph(gql)
    for version in range(1, 41):
        await ok(
            gql,
            "updateTactic",
            {
                "id": graph["tactics"][version % 2],
                "version": (version + 1) // 2,
                "description": f"take {version}",
            },
        )

    async def cost(first: int) -> Any:
        sql.reset()
        log = await log_of(gql, graph["workspace"], first=first)
        assert len(log["nodes"]) == first
        assert {entry["nodeType"] for entry in log["nodes"]} == {"Tactic"}
        return sql.cost()

    assert await cost(3) == await cost(40)


async def test_the_log_cannot_be_changed_and_goes_with_its_workspace(
    db: Database, owner_db: Database, gql: GraphQLClient
) -> None:
    graph = await strategy_graph(gql)
    workspace = db_id(graph["workspace"])
    for statement in (
        "UPDATE activity SET actor_name = 'someone else'",
        "DELETE FROM activity",
        "TRUNCATE activity",
    ):
        with pytest.raises(DBAPIError) as refused:
            async with db.transaction(Scope.everything()) as session:
                await session.execute(text(statement))
        assert getattr(refused.value.orig, "sqlstate", None) == "42501", statement  # insufficient privilege

    async def rows() -> int:
        async with owner_db.read(Scope.everything()) as connection:
            stmt = text("SELECT count(*) FROM activity WHERE workspace_id = :w")
            return int((await connection.execute(stmt, {"w": workspace})).scalar_one())

    assert await rows() > 0
    await ok(gql, "deleteWorkspace", {"id": graph["workspace"]})
    assert await rows() == 0


async def test_measurements_and_metrics_are_logged_on_the_strategy_of_their_kpi_or_item(
    gql: GraphQLClient,
) -> None:
    graph = await strategy_graph(gql)
    kpi = graph["kpis"][1]
    measurement = await create(
        gql,
        "createKpiMeasurement",
        "kpiMeasurement",
        {"kpiId": kpi, "observedOn": "2030-02-01", "value": "3"},
    )
    await ok(gql, "updateKpiMeasurement", {"id": measurement["id"], "version": 1, "value": "4.5"})
    await ok(gql, "deleteKpiMeasurement", {"id": measurement["id"]})
    item = await content_item(gql, graph, "Measured")
    metric = await create(
        gql,
        "createContentMetric",
        "contentMetric",
        {"contentItemId": item["id"], "metric": "REACH", "observedOn": "2030-02-01", "value": "10"},
    )
    await ok(gql, "updateContentMetric", {"id": metric["id"], "version": 1, "value": "12"})

    log = (await gql.data(STRATEGY_LOG, id=graph["strategy"]))["strategy"]["activity"]["nodes"]
    measured = [
        (entry["operation"], changes_of(entry)) for entry in log if entry["nodeId"] == measurement["id"]
    ]
    assert measured == [
        (
            "deleteKpiMeasurement",
            {
                "kpiId": (kpi, None),
                "observedOn": ("2030-02-01", None),
                "value": ("4.5", None),
                "source": ("MANUAL", None),
            },
        ),
        ("updateKpiMeasurement", {"value": ("3", "4.5")}),
        (
            "createKpiMeasurement",
            {
                "kpiId": (None, kpi),
                "observedOn": (None, "2030-02-01"),
                "value": (None, "3"),
                "source": (None, "MANUAL"),
            },
        ),
    ]
    metrics = [(entry["operation"], changes_of(entry)) for entry in log if entry["nodeId"] == metric["id"]]
    assert metrics[0] == ("updateContentMetric", {"value": ("10", "12")})
    assert metrics[1][0] == "createContentMetric"
    assert metrics[1][1]["contentItemId"] == (None, item["id"])
