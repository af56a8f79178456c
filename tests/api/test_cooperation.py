"""Cooperation: owners and assignees, comments, the review workflow per role, and open work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from domain.access.models import Member
from domain.access.roles import Role
from domain.persistence.database import Database
from domain.scope import Scope
from schema import ids
from tests import auth
from tests.api.builders import call, codes, db_id, global_id, ok, organization_of, refused
from tests.api.callers import create_key
from tests.api.helpers import ERRORS, content_item, strategy_graph
from tests.client import GraphQLClient, signed_in
from tests.conftest import StatementLog

OWNED = "id version owner { id name }"
ITEM = "contentItem { id title status version assignee { id name } }"
COMMENT = """comment {
  id body createdAt contentItem { id }
  author { kind name id member { id name } }
  transition { from to }
}"""
ADD_COMMENT = f"""
mutation($input: AddCommentInput!) {{ addComment(input: $input) {{ {COMMENT} {ERRORS} }} }}
"""
COMMENTS = """
query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  contentItem(id: $id) {
    status version
    comments(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage endCursor startCursor }
      nodes { body author { kind name id member { id } } transition { from to } }
    }
  }
}
"""
OPEN_WORK = """
query($first: Int, $after: String) {
  viewer { myOpenWork(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { title status }
  } }
}
"""


def member_id(member: Any) -> str:
    return ids.encode("Member", member)


async def _member_in(db: Database, subject: str, role: Role, workspace: str) -> str:
    """A member (named as their subject) holding ``role`` on the workspace; returns their global id."""
    return member_id(await auth.grant(db, subject, role, workspace_id=db_id(workspace)))


async def _item(
    gql: GraphQLClient, graph: dict[str, Any], title: str = "Post", **extra: Any
) -> dict[str, Any]:
    """A content item mapped to the graph's first tactic and KPI."""
    input = {
        "strategyId": graph["strategy"],
        "title": title,
        "format": "POST",
        "tacticId": graph["tactics"][0],
        "primaryKpiId": graph["kpis"][0],
        **extra,
    }
    item: dict[str, Any] = (await ok(gql, "createContentItem", input, ITEM))["contentItem"]
    return item


async def _move(gql: GraphQLClient, item: dict[str, Any], *statuses: str, **extra: Any) -> dict[str, Any]:
    for status in statuses:
        input = {"id": item["id"], "version": item["version"], "to": status, **extra}
        item = (await ok(gql, "transitionContentItem", input, ITEM))["contentItem"]
        assert item["status"] == status
    return item


async def _comments(gql: GraphQLClient, item: str, **page: Any) -> dict[str, Any]:
    found: dict[str, Any] = (await gql.data(COMMENTS, id=item, **page))["contentItem"]
    return found


# --- owners and assignees --------------------------------------------------------------


async def test_owners_of_strategy_tactic_and_kpi_are_set_and_cleared(
    gql: GraphQLClient, db: Database
) -> None:
    graph = await strategy_graph(gql)
    ada = await _member_in(db, "ada", Role.STRATEGIST, graph["workspace"])
    strategy = await ok(
        gql,
        "updateStrategy",
        {"id": graph["strategy"], "version": 1, "ownerId": ada},
        f"strategy {{ {OWNED} }}",
    )
    assert strategy["strategy"]["owner"] == {"id": ada, "name": "ada"}
    tactic = await ok(
        gql,
        "createTactic",
        {"strategyId": graph["strategy"], "name": "Convert", "kind": "CONVERT", "ownerId": ada},
        f"tactic {{ {OWNED} }}",
    )
    assert tactic["tactic"]["owner"] == {"id": ada, "name": "ada"}
    kpi = await ok(
        gql,
        "createKpi",
        {
            "strategyId": graph["strategy"],
            "name": "Sales",
            "metric": "CONVERSIONS",
            "target": "5",
            "ownerId": ada,
        },
        f"kpi {{ {OWNED} }}",
    )
    assert kpi["kpi"]["owner"] == {"id": ada, "name": "ada"}

    # Omitting ownerId leaves the owner; null clears it.
    kept = await ok(
        gql, "updateKpi", {"id": kpi["kpi"]["id"], "version": 1, "name": "Orders"}, f"kpi {{ {OWNED} }}"
    )
    assert kept["kpi"]["owner"] == {"id": ada, "name": "ada"}
    cleared = await ok(
        gql, "updateKpi", {"id": kpi["kpi"]["id"], "version": 2, "ownerId": None}, f"kpi {{ {OWNED} }}"
    )
    assert cleared["kpi"]["owner"] is None
    tactic = await ok(
        gql,
        "updateTactic",
        {"id": tactic["tactic"]["id"], "version": 1, "ownerId": None},
        f"tactic {{ {OWNED} }}",
    )
    assert tactic["tactic"]["owner"] is None

    # A member who leaves for good takes their name off what they owned.
    async with db.transaction(Scope.everything()) as session:
        await session.execute(delete(Member).where(Member.id == db_id(ada)))
    data = await gql.data("query($id: ID!) { strategy(id: $id) { owner { id } } }", id=graph["strategy"])
    assert data["strategy"]["owner"] is None


async def test_content_is_assigned_to_a_member_of_the_workspace_or_its_organization(
    gql: GraphQLClient, db: Database
) -> None:
    graph = await strategy_graph(gql)
    organization = await organization_of(gql, graph["workspace"])
    bo = member_id(await auth.grant(db, "bo", Role.EDITOR, organization_id=db_id(organization)))
    cy = await _member_in(db, "cy", Role.VIEWER, graph["workspace"])
    item = await _item(gql, graph, assigneeId=bo)
    assert item["assignee"] == {"id": bo, "name": "bo"}
    item = (await ok(gql, "updateContentItem", {"id": item["id"], "version": 1, "assigneeId": cy}, ITEM))[
        "contentItem"
    ]
    assert item["assignee"] == {"id": cy, "name": "cy"}
    item = (await ok(gql, "updateContentItem", {"id": item["id"], "version": 2, "assigneeId": None}, ITEM))[
        "contentItem"
    ]
    assert item["assignee"] is None


async def test_an_owner_or_assignee_from_elsewhere_is_refused(gql: GraphQLClient, db: Database) -> None:
    graph = await strategy_graph(gql)
    other = await strategy_graph(gql, "Other client")
    stranger = await _member_in(db, "stranger", Role.OWNER, other["workspace"])
    nobody = global_id("Member")
    strategy = {"id": graph["strategy"], "version": 1}
    await refused(gql, "updateStrategy", {**strategy, "ownerId": stranger}, [(["ownerId"], "NOT_A_MEMBER")])
    await refused(gql, "updateStrategy", {**strategy, "ownerId": nobody}, [(["ownerId"], "NOT_FOUND")])
    await refused(
        gql, "updateStrategy", {**strategy, "ownerId": graph["tactics"][0]}, [(["ownerId"], "INVALID_ID")]
    )
    await refused(
        gql,
        "createTactic",
        {"strategyId": graph["strategy"], "name": "X", "kind": "ENGAGE", "ownerId": stranger},
        [(["ownerId"], "NOT_A_MEMBER")],
    )
    await refused(
        gql,
        "createKpi",
        {"strategyId": graph["strategy"], "name": "X", "metric": "REACH", "target": "1", "ownerId": nobody},
        [(["ownerId"], "NOT_FOUND")],
    )
    await refused(
        gql,
        "createStrategy",
        {"workspaceId": graph["workspace"], "name": "Next year", "ownerId": stranger},
        [(["ownerId"], "NOT_A_MEMBER")],
    )
    item = await _item(gql, graph)
    await refused(
        gql,
        "updateContentItem",
        {"id": item["id"], "version": 1, "assigneeId": stranger, "title": ""},
        [(["title"], "BLANK"), (["assigneeId"], "NOT_A_MEMBER")],
    )
    await refused(
        gql,
        "createContentItem",
        {"strategyId": graph["strategy"], "title": "T", "format": "POST", "assigneeId": nobody},
        [(["assigneeId"], "NOT_FOUND")],
    )


async def test_setting_an_owner_needs_a_role_that_edits_the_strategy(
    gql: GraphQLClient, db: Database
) -> None:
    graph = await strategy_graph(gql)
    editor = await _member_in(db, "ed", Role.EDITOR, graph["workspace"])
    async with signed_in(db, auth.token("ed")) as ed:
        payload = await call(ed, "updateStrategy", {"id": graph["strategy"], "version": 1, "ownerId": editor})
        assert codes(payload) == [(["id"], "FORBIDDEN")]
        # An editor assigns content, themselves included.
        item = await _item(gql, graph)
        assigned = await ok(
            ed, "updateContentItem", {"id": item["id"], "version": 1, "assigneeId": editor}, ITEM
        )
        assert assigned["contentItem"]["assignee"]["id"] == editor


# --- comments ----------------------------------------------------------------------------


async def test_comments_are_added_and_listed_oldest_first(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await _item(gql, graph)
    first = (await gql.mutate(ADD_COMMENT, input={"contentItemId": item["id"], "body": "  Nice hook.  "}))[
        "comment"
    ]
    assert first["body"] == "Nice hook."
    assert first["contentItem"] == {"id": item["id"]}
    assert first["author"]["kind"] == "MEMBER"
    assert first["author"]["name"] == auth.OPERATOR
    assert first["author"]["member"]["name"] == auth.OPERATOR
    assert first["author"]["id"] == first["author"]["member"]["id"]
    assert first["transition"] is None
    for body in ("Shorter title?", "Agreed.", "Done."):
        await gql.mutate(ADD_COMMENT, input={"contentItemId": item["id"], "body": body})
    listed = await _comments(gql, item["id"], first=10)
    bodies = [c["body"] for c in listed["comments"]["nodes"]]
    assert bodies == ["Nice hook.", "Shorter title?", "Agreed.", "Done."]
    assert listed["comments"]["totalCount"] == 4
    assert listed["version"] == 1  # commenting leaves the item as it is

    page = (await _comments(gql, item["id"], first=3))["comments"]
    assert [c["body"] for c in page["nodes"]] == bodies[:3]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = (await _comments(gql, item["id"], first=3, after=page["pageInfo"]["endCursor"]))["comments"]
    assert [c["body"] for c in rest["nodes"]] == bodies[3:]
    assert rest["pageInfo"]["hasNextPage"] is False
    tail = (await _comments(gql, item["id"], last=2))["comments"]
    assert [c["body"] for c in tail["nodes"]] == bodies[2:]
    before = (await _comments(gql, item["id"], last=5, before=tail["pageInfo"]["startCursor"]))["comments"]
    assert [c["body"] for c in before["nodes"]] == bodies[:2]

    # A comment is a node, and goes with its item.
    node = await gql.data("query($id: ID!) { node(id: $id) { ... on Comment { body } } }", id=first["id"])
    assert node["node"] == {"body": "Nice hook."}
    await ok(gql, "deleteContentItem", {"id": item["id"]})
    gone = await gql.data("query($id: ID!) { node(id: $id) { id } }", id=first["id"])
    assert gone["node"] is None


async def test_a_comment_written_with_an_api_key_names_the_key_and_no_member(
    gql: GraphQLClient, db: Database
) -> None:
    graph = await strategy_graph(gql)
    item = await _item(gql, graph)
    key = await create_key(gql, workspaceId=graph["workspace"], name="Scheduler", scopes=["WRITE"])
    assert key["userErrors"] == []
    async with signed_in(db, key["token"]) as integration:
        written = await integration.mutate(
            ADD_COMMENT, input={"contentItemId": item["id"], "body": "Posted."}
        )
    assert written["comment"]["author"] == {
        "kind": "API_KEY",
        "name": "Scheduler",
        "id": key["apiKey"]["id"],
        "member": None,
    }


async def test_a_blank_or_too_long_comment_is_refused(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    item = await _item(gql, graph)
    for body, code in ((" \n ", "BLANK"), ("x" * 10_001, "TOO_LONG")):
        payload = (await gql.data(ADD_COMMENT, input={"contentItemId": item["id"], "body": body}))[
            "addComment"
        ]
        assert payload["comment"] is None
        assert codes(payload) == [(["body"], code)]
    unknown = await gql.data(ADD_COMMENT, input={"contentItemId": global_id("ContentItem"), "body": "Hi"})
    assert codes(unknown["addComment"]) == [(["contentItemId"], "NOT_FOUND")]
    longest = await gql.mutate(ADD_COMMENT, input={"contentItemId": item["id"], "body": "x" * 10_000})
    assert len(longest["comment"]["body"]) == 10_000
    assert (await _comments(gql, item["id"]))["comments"]["totalCount"] == 1


# --- the workflow per role ---------------------------------------------------------------


async def test_a_client_reviewer_approves_and_requests_changes_but_moves_nothing_else(
    gql: GraphQLClient, db: Database
) -> None:
    graph = await strategy_graph(gql)
    reviewer = await _member_in(db, "client", Role.CLIENT_REVIEWER, graph["workspace"])
    item = await _move(gql, await _item(gql, graph, plannedAt="2030-05-01T09:00:00Z"), "DRAFT", "IN_REVIEW")
    async with signed_in(db, auth.token("client")) as client:
        # Requesting changes without saying which changes nothing.
        for comment in ({}, {"comment": "   "}):
            input = {"id": item["id"], "version": item["version"], "to": "DRAFT", **comment}
            await refused(client, "transitionContentItem", input, [(["comment"], "COMMENT_REQUIRED")])
        assert (await _comments(gql, item["id"]))["comments"]["totalCount"] == 0

        item = await _move(client, item, "DRAFT", comment="Use the client's logo, not ours.")
        listed = (await _comments(gql, item["id"]))["comments"]["nodes"]
        assert listed == [
            {
                "body": "Use the client's logo, not ours.",
                "author": {"kind": "MEMBER", "name": "client", "id": reviewer, "member": {"id": reviewer}},
                "transition": {"from": "IN_REVIEW", "to": "DRAFT"},
            }
        ]

        item = await _move(gql, item, "IN_REVIEW")
        item = await _move(client, item, "APPROVED")
        for status in ("SCHEDULED", "PUBLISHED", "DRAFT", "ARCHIVED"):
            input = {"id": item["id"], "version": item["version"], "to": status}
            await refused(client, "transitionContentItem", input, [(["id"], "FORBIDDEN")])
        await refused(
            client,
            "updateContentItem",
            {"id": item["id"], "version": item["version"], "title": "Better"},
            [(["id"], "FORBIDDEN")],
        )
        await refused(
            client,
            "updateContentItem",
            {"id": item["id"], "version": item["version"], "assigneeId": reviewer},
            [(["id"], "FORBIDDEN")],
        )
        # The reviewer comments freely.
        await client.mutate(ADD_COMMENT, input={"contentItemId": item["id"], "body": "Looks great."})
    comments = (await _comments(gql, item["id"]))["comments"]["nodes"]
    assert [c["transition"] for c in comments] == [{"from": "IN_REVIEW", "to": "DRAFT"}, None]


async def test_an_editor_submits_for_review_but_does_not_decide_it(gql: GraphQLClient, db: Database) -> None:
    graph = await strategy_graph(gql)
    await _member_in(db, "ed", Role.EDITOR, graph["workspace"])
    item = await _move(gql, await _item(gql, graph), "DRAFT")
    async with signed_in(db, auth.token("ed")) as ed:
        item = await _move(ed, item, "IN_REVIEW", comment="Ready when you are.")
        for status in ("APPROVED", "DRAFT"):
            input = {"id": item["id"], "version": item["version"], "to": status, "comment": "Fine by me."}
            await refused(ed, "transitionContentItem", input, [(["id"], "FORBIDDEN")])
        item = await _move(ed, item, "ARCHIVED")
    comments = (await _comments(gql, item["id"]))["comments"]["nodes"]
    assert [(c["body"], c["transition"]) for c in comments] == [
        ("Ready when you are.", {"from": "DRAFT", "to": "IN_REVIEW"})
    ]


async def test_a_viewer_neither_comments_nor_moves_content(gql: GraphQLClient, db: Database) -> None:
    graph = await strategy_graph(gql)
    await _member_in(db, "vi", Role.VIEWER, graph["workspace"])
    item = await _move(gql, await _item(gql, graph), "DRAFT", "IN_REVIEW")
    async with signed_in(db, auth.token("vi")) as vi:
        payload = (await vi.data(ADD_COMMENT, input={"contentItemId": item["id"], "body": "Hm."}))[
            "addComment"
        ]
        assert codes(payload) == [(["contentItemId"], "FORBIDDEN")]
        for status in ("APPROVED", "ARCHIVED"):
            input = {"id": item["id"], "version": item["version"], "to": status}
            await refused(vi, "transitionContentItem", input, [(["id"], "FORBIDDEN")])
        # They still read the discussion.
        assert (await _comments(vi, item["id"]))["comments"]["totalCount"] == 0
    # Someone outside the workspace learns nothing.
    async with signed_in(db, auth.token("outsider")) as outsider:
        payload = await outsider.data(ADD_COMMENT, input={"contentItemId": item["id"], "body": "Hm."})
        assert codes(payload["addComment"]) == [(["contentItemId"], "NOT_FOUND")]
        input = {"id": item["id"], "version": item["version"], "to": "APPROVED"}
        assert codes(await call(outsider, "transitionContentItem", input)) == [(["id"], "NOT_FOUND")]


# --- open work ---------------------------------------------------------------------------


async def _open_work(client: GraphQLClient) -> list[str]:
    work = (await client.data(OPEN_WORK, first=50))["viewer"]["myOpenWork"]
    assert work["totalCount"] == len(work["nodes"])
    return [node["title"] for node in work["nodes"]]


async def test_open_work_is_what_is_assigned_and_what_awaits_my_review(
    gql: GraphQLClient, db: Database
) -> None:
    graph = await strategy_graph(gql)
    other = await strategy_graph(gql, "Other client")
    ed = await _member_in(db, "ed", Role.EDITOR, graph["workspace"])
    await _member_in(db, "rev", Role.CLIENT_REVIEWER, graph["workspace"])
    operator = (await gql.data("{ viewer { member { id } } }"))["viewer"]["member"]["id"]

    async def item(
        title: str, day: int | None, *statuses: str, on: dict[str, Any] = graph, **extra: Any
    ) -> None:
        planned = {"plannedAt": f"2030-01-{day:02}T09:00:00Z"} if day else {}
        await _move(gql, await _item(gql, on, title, **planned, **extra), *statuses)

    await item("ed drafts", 2, "DRAFT", assigneeId=ed)
    await item("ed published", 1, "DRAFT", "IN_REVIEW", "APPROVED", "PUBLISHED", assigneeId=ed)
    await item("ed archived", 1, "ARCHIVED", assigneeId=ed)
    await item("ed someday", None, assigneeId=ed)
    await item("awaiting review", 1, "DRAFT", "IN_REVIEW")
    await item("ed in review", 4, "DRAFT", "IN_REVIEW", assigneeId=ed)
    await item("operator drafts", 3, "DRAFT", assigneeId=operator)
    await item("elsewhere in review", 5, "DRAFT", "IN_REVIEW", on=other)
    await item("approved", 1, "DRAFT", "IN_REVIEW", "APPROVED")

    assert await _open_work(gql) == [
        "awaiting review",
        "operator drafts",
        "ed in review",
        "elsewhere in review",
    ]
    async with signed_in(db, auth.token("ed")) as client:
        assert await _open_work(client) == ["ed drafts", "ed in review", "ed someday"]
        page = (await client.data(OPEN_WORK, first=2))["viewer"]["myOpenWork"]
        assert [n["title"] for n in page["nodes"]] == ["ed drafts", "ed in review"]
        rest = (await client.data(OPEN_WORK, first=2, after=page["pageInfo"]["endCursor"]))["viewer"]
        assert [n["title"] for n in rest["myOpenWork"]["nodes"]] == ["ed someday"]
    async with signed_in(db, auth.token("rev")) as client:
        assert await _open_work(client) == ["awaiting review", "ed in review"]
    async with signed_in(db, auth.token("newcomer")) as client:
        assert await _open_work(client) == []


# --- cost --------------------------------------------------------------------------------

PAGE = """
query($id: ID!, $first: Int!) {
  strategy(id: $id) {
    owner { name }
    contentItems(first: $first) {
      nodes {
        title assignee { name }
        tactic { owner { name } }
        primaryKpi { owner { name } }
        comments(first: 3) {
          totalCount
          nodes { body author { kind name member { name } } transition { from to } contentItem { id } }
        }
      }
    }
  }
}
"""


async def test_owners_assignees_and_comments_cost_the_same_statements_for_5_and_50_items(
    gql: GraphQLClient, db: Database, sql: StatementLog
) -> None:
    graph = await strategy_graph(gql)
    ada = await _member_in(db, "ada", Role.EDITOR, graph["workspace"])
    await ok(gql, "updateStrategy", {"id": graph["strategy"], "version": 1, "ownerId": ada})
    await ok(gql, "updateTactic", {"id": graph["tactics"][0], "version": 1, "ownerId": ada})
    for n in range(50):
        created = await content_item(
            gql,
            graph,
            f"Post {n}",
            tacticId=graph["tactics"][0],
            primaryKpiId=graph["kpis"][0],
            assigneeId=ada,
        )
        await gql.mutate(ADD_COMMENT, input={"contentItemId": created["id"], "body": f"Note {n}"})

    async def cost(first: int) -> Any:
        sql.reset()
        data = await gql.data(PAGE, id=graph["strategy"], first=first)
        nodes = data["strategy"]["contentItems"]["nodes"]
        assert len(nodes) == first
        assert all(
            n["assignee"] == {"name": "ada"} and n["tactic"]["owner"] == {"name": "ada"} for n in nodes
        )
        assert all(n["comments"]["totalCount"] == 1 for n in nodes)
        assert all(n["comments"]["nodes"][0]["author"]["member"] == {"name": auth.OPERATOR} for n in nodes)
        return sql.cost()

    small = await cost(5)
    large = await cost(50)
    assert small == large
    # strategy, content page, tactics, KPIs, members (owners, assignees, authors), comment pages,
    # comment counts, the comments' content items (the caller, signed in a moment ago, is known)
    assert sum(large.values()) == 8
