"""API keys over HTTP: made by an admin, shown once, stored as a hash, limited by scope,
workspace, expiry and revocation; and made from the command line."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
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
from tests.api.callers import VIEWER, create_key, refused_as_unauthenticated
from tests.api.helpers import ERRORS, create_workspace, strategy_graph
from tests.client import GraphQLClient, signed_in

KEYS = """
query($o: ID!) {
  apiKeys(organizationId: $o) { nodes { id name prefix scopes status lastUsedAt revokedAt workspace { id } } }
}
"""
WORKSPACE = "query($id: ID!) { workspace(id: $id) { id name } }"
KEY_NODE = "query($id: ID!) { node(id: $id) { ... on ApiKey { name } } }"
RENAME_STRATEGY = f"""
mutation($id: ID!, $name: String!) {{
  updateStrategy(input: {{id: $id, version: 1, name: $name}}) {{ strategy {{ name version }} {ERRORS} }}
}}
"""
REVOKE = f"""
mutation($id: ID!) {{ revokeApiKey(input: {{id: $id}}) {{ apiKey {{ id status revokedAt }} {ERRORS} }} }}
"""
LATER = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).isoformat()


async def organization_with_admin(db: Database, gql: GraphQLClient, subject: str = "ada") -> dict[str, Any]:
    """A workspace with a strategy, in an organization ``subject`` is an ADMIN of."""
    graph = await strategy_graph(gql)
    graph["organization"] = await organization_of(gql, graph["workspace"])
    await auth.grant(db, subject, Role.ADMIN, organization_id=db_id(graph["organization"]))
    return graph


async def key_row(db: Database, key_id: str) -> dict[str, Any]:
    async with db.read(Scope.everything()) as connection:
        row = (
            await connection.execute(text("SELECT * FROM api_key WHERE id = :id"), {"id": db_id(key_id)})
        ).one()
    return dict(row._mapping)


async def key_for(client: GraphQLClient, workspace: str, *scopes: str) -> str:
    payload = await create_key(
        client, workspaceId=workspace, name=f"{'+'.join(scopes)} key", scopes=list(scopes)
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    token: str = payload["token"]
    return token


async def test_an_admin_creates_a_key_that_is_shown_once_and_stored_as_a_hash(
    db: Database, gql: GraphQLClient
) -> None:
    graph = await organization_with_admin(db, gql)
    async with signed_in(db, auth.token("ada")) as ada:
        payload = await create_key(
            ada, workspaceId=graph["workspace"], name="  Scheduler  ", scopes=["WRITE", "READ", "WRITE"]
        )
        assert payload["userErrors"] == []
        key, token = payload["apiKey"], payload["token"]
        assert token.startswith("rtk_")
        assert token.startswith(key["prefix"] + "_")
        assert key["name"] == "Scheduler"
        assert key["scopes"] == ["READ", "WRITE"]
        assert key["status"] == "ACTIVE"
        assert (key["expiresAt"], key["revokedAt"], key["lastUsedAt"]) == (None, None, None)
        assert key["workspace"] == {"id": graph["workspace"]}
        assert key["organization"] == {"id": graph["organization"]}
        assert key["createdBy"] == {"name": "ada"}

        listed = (await ada.data(KEYS, o=graph["organization"]))["apiKeys"]["nodes"]
        assert [k["id"] for k in listed] == [key["id"]]
        assert token not in str(listed)

    secret = token[len(key["prefix"]) + 1 :]
    row = await key_row(db, key["id"])
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).digest()
    for value in row.values():
        assert secret not in str(value)
        assert not (isinstance(value, bytes) and secret.encode() in value)

    # No field of an ApiKey can hold the secret or its hash.
    fields = await gql.data('{ __type(name: "ApiKey") { fields { name } } }')
    names = {field["name"] for field in fields["__type"]["fields"]}
    assert not names & {"token", "secret", "secretHash", "hash"}


async def test_a_key_reads_its_workspace_and_its_last_use_is_recorded(
    db: Database, gql: GraphQLClient
) -> None:
    graph = await organization_with_admin(db, gql)
    async with signed_in(db, auth.token("ada")) as ada:
        token = await key_for(ada, graph["workspace"], "READ")
        async with signed_in(db, token) as integration:
            found = await integration.data(WORKSPACE, id=graph["workspace"])
            assert found["workspace"]["id"] == graph["workspace"]
            viewer = (await integration.data(VIEWER))["viewer"]
            assert viewer == {
                "actor": {"kind": "API_KEY", "name": "READ key"},
                "member": None,
                "memberships": {"nodes": []},
            }
        (key,) = (await ada.data(KEYS, o=graph["organization"]))["apiKeys"]["nodes"]
    assert key["lastUsedAt"] is not None
    last_used = dt.datetime.fromisoformat(key["lastUsedAt"])
    assert abs(dt.datetime.now(dt.UTC) - last_used) < dt.timedelta(minutes=1)


async def test_each_scope_allows_what_it_says(db: Database, gql: GraphQLClient) -> None:
    graph = await organization_with_admin(db, gql)
    async with signed_in(db, auth.token("ada")) as ada:
        read, write, admin = [
            await key_for(ada, graph["workspace"], scope) for scope in ("READ", "WRITE", "ADMIN")
        ]

    async with signed_in(db, read) as reader:
        payload = (await reader.data(RENAME_STRATEGY, id=graph["strategy"], name="By the reader"))[
            "updateStrategy"
        ]
        assert codes(payload) == [(["id"], "FORBIDDEN")]
        assert payload["strategy"] is None
        refused = await create_key(reader, workspaceId=graph["workspace"], name="More", scopes=["READ"])
        assert codes(refused) == [(["workspaceId"], "FORBIDDEN")]
        assert refused["token"] is None

    async with signed_in(db, write) as writer:
        payload = (await writer.data(RENAME_STRATEGY, id=graph["strategy"], name="By the writer"))[
            "updateStrategy"
        ]
        assert payload["userErrors"] == []
        assert payload["strategy"] == {"name": "By the writer", "version": 2}
        refused = await create_key(writer, workspaceId=graph["workspace"], name="More", scopes=["READ"])
        assert codes(refused) == [(["workspaceId"], "FORBIDDEN")]

    async with signed_in(db, admin) as administrator:
        made = await create_key(
            administrator, workspaceId=graph["workspace"], name="Made by a key", scopes=["READ"]
        )
        assert made["userErrors"] == []
        assert made["apiKey"]["createdBy"] is None
        # A workspace's ADMIN key manages that workspace, not the organization.
        refused = await create_key(
            administrator, organizationId=graph["organization"], name="Org", scopes=["READ"]
        )
        assert codes(refused) == [(["organizationId"], "FORBIDDEN")]


async def test_a_workspace_key_does_not_see_another_workspace_of_its_organization(
    db: Database, gql: GraphQLClient
) -> None:
    graph = await organization_with_admin(db, gql)
    other = await gql.mutate(
        f'mutation($o: ID!) {{ createWorkspace(input: {{organizationId: $o, name: "Other"}}) '
        f"{{ workspace {{ id }} {ERRORS} }} }}",
        o=graph["organization"],
    )
    other_workspace = other["workspace"]["id"]
    other_strategy = (
        await gql.mutate(
            f'mutation($w: ID!) {{ createStrategy(input: {{workspaceId: $w, name: "S", purpose: "P"}}) '
            f"{{ strategy {{ id }} {ERRORS} }} }}",
            w=other_workspace,
        )
    )["strategy"]["id"]
    async with signed_in(db, auth.token("ada")) as ada:
        workspace_key = await key_for(ada, graph["workspace"], "WRITE")
        organization_key = (
            await create_key(ada, organizationId=graph["organization"], name="Everywhere", scopes=["READ"])
        )["token"]

    async with signed_in(db, workspace_key) as integration:
        assert (await integration.data(WORKSPACE, id=other_workspace))["workspace"] is None
        assert (await integration.data(WORKSPACE, id=graph["workspace"]))["workspace"] is not None
        payload = (await integration.data(RENAME_STRATEGY, id=other_strategy, name="Taken"))["updateStrategy"]
        assert codes(payload) == [(["id"], "NOT_FOUND")]
        organizations = await integration.data("{ organizations { nodes { workspaces { nodes { id } } } } }")
        assert organizations["organizations"]["nodes"] == [
            {"workspaces": {"nodes": [{"id": graph["workspace"]}]}}
        ]

    async with signed_in(db, organization_key) as integration:
        assert (await integration.data(WORKSPACE, id=other_workspace))["workspace"] is not None


async def test_an_expired_key_is_refused_like_no_key(db: Database, gql: GraphQLClient) -> None:
    graph = await organization_with_admin(db, gql)
    async with signed_in(db, auth.token("ada")) as ada:
        payload = await create_key(
            ada, workspaceId=graph["workspace"], name="Short", scopes=["READ"], expiresAt=LATER
        )
        token = payload["token"]
        assert payload["apiKey"]["expiresAt"] is not None
        async with signed_in(db, token) as integration:
            assert (await integration.data(WORKSPACE, id=graph["workspace"]))["workspace"] is not None

        async with db.transaction(Scope.everything()) as session:
            await session.execute(
                text("UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = :id"),
                {"id": db_id(payload["apiKey"]["id"])},
            )
        async with signed_in(db, token) as integration:
            refused_as_unauthenticated(
                await integration.http.post("/graphql", json={"query": "{ __typename }"})
            )
        async with signed_in(db) as nobody:
            refused_as_unauthenticated(await nobody.http.post("/graphql", json={"query": "{ __typename }"}))
        (key,) = (await ada.data(KEYS, o=graph["organization"]))["apiKeys"]["nodes"]
        assert key["status"] == "EXPIRED"


async def test_a_revoked_key_is_refused_from_the_next_request(db: Database, gql: GraphQLClient) -> None:
    graph = await organization_with_admin(db, gql)
    async with signed_in(db, auth.token("ada")) as ada:
        payload = await create_key(ada, workspaceId=graph["workspace"], name="Soon gone", scopes=["WRITE"])
        token, key_id = payload["token"], payload["apiKey"]["id"]
        async with signed_in(db, token) as integration:
            assert (await integration.data(WORKSPACE, id=graph["workspace"]))["workspace"] is not None

            revoked = (await ada.data(REVOKE, id=key_id))["revokeApiKey"]
            assert revoked["userErrors"] == []
            assert revoked["apiKey"]["status"] == "REVOKED"
            revoked_at = revoked["apiKey"]["revokedAt"]
            assert revoked_at is not None

            refused_as_unauthenticated(
                await integration.http.post("/graphql", json={"query": "{ __typename }"})
            )

        again = (await ada.data(REVOKE, id=key_id))["revokeApiKey"]
        assert again["userErrors"] == []
        assert again["apiKey"]["revokedAt"] == revoked_at


async def test_a_wrong_secret_with_a_right_prefix_is_refused(db: Database, gql: GraphQLClient) -> None:
    graph = await organization_with_admin(db, gql)
    async with signed_in(db, auth.token("ada")) as ada:
        token = await key_for(ada, graph["workspace"], "ADMIN")
    prefix, secret = token[:16], token[17:]
    assert token[16] == "_"
    forged = f"{prefix}_{secret[:-4]}AAAA" if not secret.endswith("AAAA") else f"{prefix}_{secret[:-4]}BBBB"
    for credential in (forged, f"{prefix}_", prefix, "rtk_unknown_" + secret):
        async with signed_in(db, credential) as someone:
            refused_as_unauthenticated(await someone.http.post("/graphql", json={"query": "{ __typename }"}))
    async with signed_in(db, token) as integration:
        assert (await integration.data(WORKSPACE, id=graph["workspace"]))["workspace"] is not None


async def test_an_editor_may_neither_create_nor_list_keys(db: Database, gql: GraphQLClient) -> None:
    graph = await organization_with_admin(db, gql)
    async with signed_in(db, auth.token("ada")) as ada:
        await key_for(ada, graph["workspace"], "READ")
        (key,) = (await ada.data(KEYS, o=graph["organization"]))["apiKeys"]["nodes"]
        assert (await ada.data(KEY_NODE, id=key["id"]))["node"] == {"name": "READ key"}
    await auth.grant(db, "ed", Role.EDITOR, workspace_id=db_id(graph["workspace"]))
    async with signed_in(db, auth.token("ed")) as ed:
        assert (await ed.data(KEY_NODE, id=key["id"]))["node"] is None
        on_workspace = await create_key(ed, workspaceId=graph["workspace"], name="Mine", scopes=["READ"])
        assert codes(on_workspace) == [(["workspaceId"], "FORBIDDEN")]
        on_organization = await create_key(
            ed, organizationId=graph["organization"], name="Mine", scopes=["READ"]
        )
        assert codes(on_organization) == [(["organizationId"], "FORBIDDEN")]
        assert (await ed.data(KEYS, o=graph["organization"]))["apiKeys"]["nodes"] == []
    async with signed_in(db, auth.token("ada")) as ada:
        assert len((await ada.data(KEYS, o=graph["organization"]))["apiKeys"]["nodes"]) == 1


async def test_a_workspace_admin_manages_only_that_workspaces_keys(db: Database, gql: GraphQLClient) -> None:
    graph = await organization_with_admin(db, gql)
    async with signed_in(db, auth.token("ada")) as ada:
        await key_for(ada, graph["workspace"], "READ")
        organization_key = await create_key(
            ada, organizationId=graph["organization"], name="All", scopes=["READ"]
        )
    await auth.grant(db, "wanda", Role.ADMIN, workspace_id=db_id(graph["workspace"]))
    async with signed_in(db, auth.token("wanda")) as wanda:
        listed = (await wanda.data(KEYS, o=graph["organization"]))["apiKeys"]["nodes"]
        assert [key["workspace"] for key in listed] == [{"id": graph["workspace"]}]
        revoked = (await wanda.data(REVOKE, id=organization_key["apiKey"]["id"]))["revokeApiKey"]
        assert codes(revoked) == [(["id"], "NOT_FOUND")]
        made = await create_key(wanda, workspaceId=graph["workspace"], name="Hers", scopes=["ADMIN"])
        assert made["userErrors"] == []


async def test_bad_input_and_ids_from_elsewhere_are_user_errors(db: Database, gql: GraphQLClient) -> None:
    graph = await organization_with_admin(db, gql)
    elsewhere = await create_workspace(gql, "Elsewhere")
    elsewhere_org = await organization_of(gql, elsewhere)
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    async with signed_in(db, auth.token("ada")) as ada:
        both = await create_key(
            ada,
            organizationId=graph["organization"],
            workspaceId=graph["workspace"],
            name="K",
            scopes=["READ"],
        )
        assert codes(both) == [(["workspaceId"], "AMBIGUOUS_TARGET")]
        neither = await create_key(ada, name="K", scopes=["READ"])
        assert codes(neither) == [(["organizationId"], "REQUIRED")]
        bad = await create_key(ada, workspaceId=graph["workspace"], name=" ", scopes=[], expiresAt=past)
        assert codes(bad) == [
            (["name"], "BLANK"),
            (["scopes"], "REQUIRED"),
            (["expiresAt"], "OUT_OF_RANGE"),
        ]
        assert (bad["apiKey"], bad["token"]) == (None, None)
        wrong_type = await create_key(ada, workspaceId=graph["strategy"], name="K", scopes=["READ"])
        assert codes(wrong_type) == [(["workspaceId"], "INVALID_ID")]
        for input in ({"workspaceId": elsewhere}, {"organizationId": elsewhere_org}):
            outside = await create_key(ada, name="K", scopes=["READ"], **input)
            assert codes(outside) == [([next(iter(input))], "NOT_FOUND")]
        unknown = await create_key(ada, workspaceId=global_id("Workspace"), name="K", scopes=["READ"])
        assert codes(unknown) == [(["workspaceId"], "NOT_FOUND")]
        assert (await ada.data(KEYS, o=elsewhere_org))["apiKeys"]["nodes"] == []
        assert (await ada.data(KEYS, o=graph["organization"]))["apiKeys"]["nodes"] == []
        malformed = await ada.post(KEYS, o="nonsense")
        assert malformed["errors"][0]["extensions"]["code"] == "BAD_ID"

    # The operator owns the other organization; its key is not Ada's to revoke.
    theirs = await create_key(gql, organizationId=elsewhere_org, name="Theirs", scopes=["READ"])
    async with signed_in(db, auth.token("ada")) as ada:
        refused = (await ada.data(REVOKE, id=theirs["apiKey"]["id"]))["revokeApiKey"]
        assert codes(refused) == [(["id"], "NOT_FOUND")]
        assert refused["apiKey"] is None
    (key,) = (await gql.data(KEYS, o=elsewhere_org))["apiKeys"]["nodes"]
    assert key["status"] == "ACTIVE"


async def test_the_cli_creates_a_key_and_prints_it_once(
    db: Database, gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db.url.replace("+asyncpg", ""))
    graph = await strategy_graph(gql)
    organization = await organization_of(gql, graph["workspace"])
    runner = CliRunner()
    command = [
        "create-api-key",
        "--workspace",
        str(db_id(graph["workspace"])),
        "--name",
        "Nightly import",
        "--scope",
        "write",
        "--expires-in-days",
        "7",
    ]
    created = await asyncio.to_thread(runner.invoke, cli.main, command)
    assert created.exit_code == 0, created.output
    (token,) = created.stdout.splitlines()
    assert token.startswith("rtk_")
    assert "will not be shown again" in created.stderr
    assert token not in created.stderr

    async with signed_in(db, token) as integration:
        payload = (await integration.data(RENAME_STRATEGY, id=graph["strategy"], name="Nightly"))[
            "updateStrategy"
        ]
        assert payload["userErrors"] == []
    (key,) = (await gql.data(KEYS, o=organization))["apiKeys"]["nodes"]
    assert key["name"] == "Nightly import"
    assert key["scopes"] == ["WRITE"]
    assert key["workspace"] == {"id": graph["workspace"]}

    both = ["--organization", organization, "--workspace", graph["workspace"]]
    ambiguous = await asyncio.to_thread(
        runner.invoke, cli.main, ["create-api-key", *both, "--name", "X", "--scope", "read"]
    )
    assert ambiguous.exit_code == 2
    assert "exactly one of --organization and --workspace" in ambiguous.stderr
    unknown = await asyncio.to_thread(
        runner.invoke,
        cli.main,
        ["create-api-key", "--workspace", str(uuid.uuid4()), "--name", "X", "--scope", "read"],
    )
    assert unknown.exit_code == 1
    assert unknown.stdout == ""
    assert "NOT_FOUND" in unknown.stderr
    malformed = await asyncio.to_thread(
        runner.invoke,
        cli.main,
        ["create-api-key", "--organization", "nonsense", "--name", "X", "--scope", "read"],
    )
    assert malformed.exit_code == 2
    assert len((await gql.data(KEYS, o=organization))["apiKeys"]["nodes"]) == 1


async def test_an_expiry_without_a_time_zone_is_taken_as_utc(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    created = await create_key(
        gql, workspaceId=workspace, name="Naive", scopes=["READ"], expiresAt="2031-01-01T00:00:00"
    )
    assert created["userErrors"] == []
    assert created["apiKey"]["expiresAt"] == "2031-01-01T00:00:00+00:00"


async def test_api_keys_come_in_pages_oldest_first(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    organization = await organization_of(gql, workspace)
    for name in ("First", "Second", "Third"):
        assert (await create_key(gql, workspaceId=workspace, name=name, scopes=["READ"]))["userErrors"] == []
    page = """
    query($o: ID!, $last: Int) {
      apiKeys(organizationId: $o, last: $last) { totalCount pageInfo { hasPreviousPage } nodes { name } }
    }
    """
    newest = (await gql.data(page, o=organization, last=2))["apiKeys"]
    assert newest == {
        "totalCount": 3,
        "pageInfo": {"hasPreviousPage": True},
        "nodes": [{"name": "Second"}, {"name": "Third"}],
    }
