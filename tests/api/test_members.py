"""Roles over HTTP: granting, changing and revoking them, who may, the last owner, who sees whom;
and the first owner of a seeded organization, made from the command line."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from api import cli
from domain.access.roles import Role
from domain.persistence.database import Database
from domain.scope import Scope
from tests import auth
from tests.api.builders import codes, db_id, global_id, organization_of
from tests.api.callers import VIEWER
from tests.api.helpers import ERRORS, create_workspace
from tests.client import GraphQLClient, signed_in

MEMBERSHIP = "membership { id role version member { id name email } organization { id } workspace { id } }"
GRANT = f"""
mutation($input: GrantRoleInput!) {{ grantRole(input: $input) {{ {MEMBERSHIP} {ERRORS} }} }}
"""
REVOKE = f"""
mutation($id: ID!) {{ revokeRole(input: {{id: $id}}) {{ deletedId {ERRORS} }} }}
"""
MEMBERS = """
query($o: ID!, $w: ID!) {
  organization(id: $o) { members { nodes { id role member { name subject } } } }
  workspace(id: $w) { members { nodes { id role member { name subject } } } }
}
"""


async def grant(client: GraphQLClient, **input: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.data(GRANT, input=input))["grantRole"]
    return payload


async def revoke(client: GraphQLClient, membership: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.data(REVOKE, id=membership))["revokeRole"]
    return payload


async def organization(gql: GraphQLClient) -> tuple[str, str]:
    workspace = await create_workspace(gql)
    return await organization_of(gql, workspace), workspace


async def test_an_owner_grants_changes_and_revokes_roles(db: Database, gql: GraphQLClient) -> None:
    org, workspace = await organization(gql)
    granted = await grant(gql, organizationId=org, subject="auth0|ada", role="ADMIN")
    assert granted["userErrors"] == []
    membership = granted["membership"]
    assert membership["role"] == "ADMIN"
    # Named by subject only: what Ada is called is hers to say, when she signs in.
    assert (membership["member"]["name"], membership["member"]["email"]) == (None, None)
    assert membership["organization"] == {"id": org}
    assert membership["workspace"] is None

    on_workspace = await grant(gql, workspaceId=workspace, subject="auth0|cleo", role="CLIENT_REVIEWER")
    assert on_workspace["userErrors"] == []
    listed = await gql.data(MEMBERS, o=org, w=workspace)
    assert [(m["role"], m["member"]["name"]) for m in listed["organization"]["members"]["nodes"]] == [
        ("OWNER", "operator"),
        ("ADMIN", None),
    ]
    assert [(m["role"], m["member"]["name"]) for m in listed["workspace"]["members"]["nodes"]] == [
        ("CLIENT_REVIEWER", None)
    ]

    # Ada signs in: the member made by the grant, holding the role, named as her sign-in says.
    async with signed_in(db, auth.token("auth0|ada", name="Ada Lovelace")) as ada:
        viewer = (await ada.data(VIEWER))["viewer"]
        assert viewer["member"]["id"] == membership["member"]["id"]
        assert viewer["member"]["name"] == "Ada Lovelace"
        assert viewer["memberships"]["nodes"] == [{"id": membership["id"], "role": "ADMIN"}]

    changed = await grant(gql, organizationId=org, subject="auth0|ada", role="EDITOR")
    assert changed["userErrors"] == []
    assert changed["membership"]["id"] == membership["id"]
    assert changed["membership"]["role"] == "EDITOR"
    assert changed["membership"]["version"] == 2
    assert changed["membership"]["member"]["name"] == "Ada Lovelace"

    removed = await revoke(gql, membership["id"])
    assert removed == {"deletedId": membership["id"], "userErrors": []}
    async with signed_in(db, auth.token("auth0|ada")) as ada:
        assert (await ada.data(VIEWER))["viewer"]["memberships"]["nodes"] == []
        assert (await ada.data("query($o: ID!) { organization(id: $o) { id } }", o=org))[
            "organization"
        ] is None


async def test_only_an_owner_makes_or_unmakes_owners(db: Database, gql: GraphQLClient) -> None:
    org, workspace = await organization(gql)
    await auth.grant(db, "ada", Role.ADMIN, organization_id=db_id(org))
    owner = (await grant(gql, organizationId=org, subject="olga", role="OWNER"))["membership"]
    async with signed_in(db, auth.token("ada")) as ada:
        assert codes(await grant(ada, organizationId=org, subject="eve", role="OWNER")) == [
            (["role"], "FORBIDDEN")
        ]
        assert codes(await grant(ada, workspaceId=workspace, subject="eve", role="OWNER")) == [
            (["role"], "FORBIDDEN")
        ]
        assert codes(await grant(ada, organizationId=org, subject="olga", role="VIEWER")) == [
            (["role"], "FORBIDDEN")
        ]
        assert codes(await revoke(ada, owner["id"])) == [(["id"], "FORBIDDEN")]
        made = await grant(ada, workspaceId=workspace, subject="sam", role="STRATEGIST")
        assert made["userErrors"] == []
        assert made["membership"]["workspace"] == {"id": workspace}
    roles = await gql.data(MEMBERS, o=org, w=workspace)
    assert [m["role"] for m in roles["organization"]["members"]["nodes"]] == ["OWNER", "ADMIN", "OWNER"]


async def test_an_organization_keeps_its_last_owner(gql: GraphQLClient) -> None:
    org, workspace = await organization(gql)
    mine = (await gql.data(VIEWER))["viewer"]["memberships"]["nodes"]
    (operator,) = mine
    assert codes(await revoke(gql, operator["id"])) == [(["id"], "LAST_OWNER")]
    demoted = await grant(gql, organizationId=org, subject=auth.OPERATOR, role="ADMIN")
    assert codes(demoted) == [(["role"], "LAST_OWNER")]

    await grant(gql, organizationId=org, subject="olga", role="OWNER")
    assert (await grant(gql, organizationId=org, subject=auth.OPERATOR, role="ADMIN"))["userErrors"] == []
    listed = await gql.data(MEMBERS, o=org, w=workspace)
    assert [m["role"] for m in listed["organization"]["members"]["nodes"]] == ["ADMIN", "OWNER"]


async def test_a_role_needs_exactly_one_target_that_the_caller_manages(
    db: Database, gql: GraphQLClient
) -> None:
    org, workspace = await organization(gql)
    elsewhere_org, elsewhere = await organization(gql)
    theirs = (await grant(gql, workspaceId=elsewhere, subject="zed", role="VIEWER"))["membership"]
    await auth.grant(db, "ada", Role.ADMIN, organization_id=db_id(org))
    await auth.grant(db, "ed", Role.EDITOR, workspace_id=db_id(workspace))
    async with signed_in(db, auth.token("ada")) as ada:
        both = await grant(ada, organizationId=org, workspaceId=workspace, subject="x", role="VIEWER")
        assert codes(both) == [(["workspaceId"], "AMBIGUOUS_TARGET")]
        assert codes(await grant(ada, subject="x", role="VIEWER")) == [(["organizationId"], "REQUIRED")]
        assert codes(await grant(ada, workspaceId=workspace, subject="  ", role="VIEWER")) == [
            (["subject"], "BLANK")
        ]
        assert codes(await grant(ada, workspaceId=org, subject="x", role="VIEWER")) == [
            (["workspaceId"], "INVALID_ID")
        ]
        for input in ({"workspaceId": elsewhere}, {"organizationId": elsewhere_org}):
            outside = await grant(ada, subject="x", role="VIEWER", **input)
            assert codes(outside) == [([next(iter(input))], "NOT_FOUND")]
        assert codes(await revoke(ada, theirs["id"])) == [(["id"], "NOT_FOUND")]
        assert codes(await revoke(ada, global_id("Membership"))) == [(["id"], "NOT_FOUND")]
        # A member of another organization is no one Ada can look up.
        found = await ada.data("query($id: ID!) { node(id: $id) { id } }", id=theirs["member"]["id"])
        assert found["node"] is None
    async with signed_in(db, auth.token("ed")) as ed:
        assert codes(await grant(ed, workspaceId=workspace, subject="x", role="VIEWER")) == [
            (["workspaceId"], "FORBIDDEN")
        ]
        assert codes(await grant(ed, organizationId=org, subject="x", role="VIEWER")) == [
            (["organizationId"], "FORBIDDEN")
        ]
    listed = await gql.data(MEMBERS, o=elsewhere_org, w=elsewhere)
    assert [m["member"]["subject"] for m in listed["workspace"]["members"]["nodes"]] == ["zed"]


@pytest.mark.demo
async def test_the_cli_makes_the_first_owner_of_a_seeded_organization(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db.url.replace("+asyncpg", ""))
    async with db.read(Scope.everything()) as connection:
        (seeded,) = (await connection.execute(text("SELECT id FROM organization"))).scalars().all()
    async with signed_in(db, auth.token("boss")) as boss:
        assert (await boss.data("{ organizations { totalCount } }"))["organizations"]["totalCount"] == 0

    runner = CliRunner()
    command = ["grant-role", "--organization", str(seeded), "--subject", "boss", "--role", "owner"]
    # A grant names a member by subject only: there is no name to give.
    named = await asyncio.to_thread(runner.invoke, cli.main, [*command, "--name", "The Boss"])
    assert named.exit_code == 2
    made = await asyncio.to_thread(runner.invoke, cli.main, command)
    assert made.exit_code == 0, made.output
    assert made.stdout == f"boss is OWNER on organization {seeded}\n"

    async with signed_in(db, auth.token("boss")) as boss:
        viewer = (await boss.data(VIEWER))["viewer"]
        assert [m["role"] for m in viewer["memberships"]["nodes"]] == ["OWNER"]
        # Signed in without a name claim: the member has no name (a grant never gives one).
        assert viewer["member"]["name"] is None
        assert (await boss.data("{ organizations { totalCount } }"))["organizations"]["totalCount"] == 1

    neither = await asyncio.to_thread(
        runner.invoke, cli.main, ["grant-role", "--subject", "x", "--role", "VIEWER"]
    )
    assert neither.exit_code == 2
    unknown = await asyncio.to_thread(
        runner.invoke,
        cli.main,
        ["grant-role", "--workspace", str(seeded), "--subject", "x", "--role", "VIEWER"],
    )
    assert unknown.exit_code == 1
    assert "NOT_FOUND" in unknown.stderr


@pytest.mark.demo
async def test_a_demo_visitor_sees_who_works_on_the_demo_but_not_their_email(db: Database) -> None:
    async with db.read(Scope.everything()) as connection:
        (workspace_id,) = (await connection.execute(text("SELECT id FROM workspace"))).scalars().all()
    await auth.grant(db, "writer", Role.EDITOR, workspace_id=workspace_id)
    async with db.transaction(Scope.everything()) as session:
        await session.execute(text("UPDATE member SET email = 'writer@example.com' WHERE subject = 'writer'"))
    query = "query($id: ID!) { workspace(id: $id) { members { nodes { member { name email subject } } } } }"
    workspace = global_id("Workspace", workspace_id)
    async with signed_in(db, demo_mode=True) as visitor:
        seen = (await visitor.data(query, id=workspace))["workspace"]["members"]["nodes"]
        assert seen == [{"member": {"name": "writer", "email": None, "subject": None}}]
    async with signed_in(db, auth.token("writer")) as writer:
        seen = (await writer.data(query, id=workspace))["workspace"]["members"]["nodes"]
        assert seen == [{"member": {"name": "writer", "email": "writer@example.com", "subject": "writer"}}]


async def test_a_grant_shows_a_member_already_signed_in_as_they_said(
    db: Database, gql: GraphQLClient
) -> None:
    # Grace signed in before, with an email but no name; a grant adds a role and nothing else.
    async with signed_in(db, auth.token("auth0|grace", email="grace@example.com")) as grace:
        await grace.data(VIEWER)
    org, _ = await organization(gql)
    granted = await grant(gql, organizationId=org, subject="auth0|grace", role="VIEWER")
    assert granted["userErrors"] == []
    member = granted["membership"]["member"]
    assert (member["name"], member["email"]) == (None, "grace@example.com")
    typed = await gql.post(
        GRANT, input={"organizationId": org, "subject": "auth0|grace", "role": "VIEWER", "name": "X"}
    )
    assert typed.get("data") is None
    assert "name" in typed["errors"][0]["message"]


MEMBER_PAGE = """
query($o: ID!, $first: Int, $after: String) {
  organization(id: $o) {
    members(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } nodes { role member { subject } }
    }
  }
}
"""


async def test_memberships_come_in_pages_oldest_first(db: Database, gql: GraphQLClient) -> None:
    org, _ = await organization(gql)
    for subject in ("ada", "bo", "cy"):
        assert (await grant(gql, organizationId=org, subject=subject, role="VIEWER"))["userErrors"] == []
    first = (await gql.data(MEMBER_PAGE, o=org, first=2))["organization"]["members"]
    assert first["totalCount"] == 4
    assert [m["member"]["subject"] for m in first["nodes"]] == [auth.OPERATOR, "ada"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = await gql.data(MEMBER_PAGE, o=org, first=2, after=first["pageInfo"]["endCursor"])
    assert [m["member"]["subject"] for m in rest["organization"]["members"]["nodes"]] == ["bo", "cy"]
    assert rest["organization"]["members"]["pageInfo"]["hasNextPage"] is False
    too_many = await gql.post(MEMBER_PAGE, o=org, first=101)
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_PAGINATION"

    await auth.grant(db, "ada", Role.EDITOR, workspace_id=db_id(await create_workspace(gql, "Second")))
    async with signed_in(db, auth.token("ada")) as ada:
        page = "{ viewer { memberships(first: 1) { totalCount nodes { role } pageInfo { hasNextPage } } } }"
        mine = (await ada.data(page))["viewer"]["memberships"]
        assert mine == {"totalCount": 2, "nodes": [{"role": "VIEWER"}], "pageInfo": {"hasNextPage": True}}
