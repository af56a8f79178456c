"""A caller signed in a moment ago is known without reading the database, and any change of
access is honoured from the next request on: made here, by another process, or by hand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from api.auth import Authenticator
from api.callers import CallerCache
from domain.access.roles import Role
from domain.persistence.database import Database
from domain.persistence.notifications import LISTENER
from tests import auth
from tests.api.builders import db_id
from tests.api.callers import refused_as_unauthenticated
from tests.api.test_api_keys import REVOKE, WORKSPACE, key_for, key_row, organization_with_admin
from tests.auth import listening, until
from tests.client import GraphQLClient, signed_in
from tests.conftest import StatementLog, owner_session

MEMBERS = "query($o: ID!) { organization(id: $o) { members { nodes { id member { subject } } } } }"
REVOKE_ROLE = "mutation($id: ID!) { revokeRole(input: {id: $id}) { deletedId userErrors { code } } }"


def signs_in(sql: StatementLog) -> bool:
    """Whether the statements sent read a caller's credentials or grants."""
    return any(" api_key" in statement or "membership" in statement for statement in sql.statements)


@pytest.fixture
async def integration(db: Database, gql: GraphQLClient) -> AsyncIterator[dict[str, Any]]:
    """A workspace, Ada (its organization's ADMIN) and a READ key she made, its caller cached."""
    graph = await organization_with_admin(db, gql)
    async with signed_in(db, auth.token("ada")) as ada:
        graph["ada"] = ada
        graph["token"] = await key_for(ada, graph["workspace"], "READ")
        graph["key"] = await _key_id(ada, graph)
        authenticator = auth.authenticator(db)
        async with signed_in(db, graph["token"], authenticator=authenticator) as client:
            await listening(authenticator)
            await client.data(WORKSPACE, id=graph["workspace"])  # signed in, and kept
            graph["client"], graph["authenticator"] = client, authenticator
            yield graph


async def _key_id(ada: GraphQLClient, graph: dict[str, Any]) -> str:
    query = "query($o: ID!) { apiKeys(organizationId: $o) { nodes { id } } }"
    (key,) = (await ada.data(query, o=graph["organization"]))["apiKeys"]["nodes"]
    key_id: str = key["id"]
    return key_id


async def test_a_caller_signed_in_a_moment_ago_costs_no_statement(
    integration: dict[str, Any], sql: StatementLog
) -> None:
    sql.reset()
    found = await integration["client"].data(WORKSPACE, id=integration["workspace"])
    assert found["workspace"]["id"] == integration["workspace"]
    assert not signs_in(sql), sql.statements
    # One transaction: the caller's scope bound once, the workspace read.
    assert (sql.bindings, sql.count) == (1, 1)


async def test_a_key_revoked_here_is_refused_on_the_next_request(integration: dict[str, Any]) -> None:
    revoked = (await integration["ada"].data(REVOKE, id=integration["key"]))["revokeApiKey"]
    assert revoked["userErrors"] == []
    refused_as_unauthenticated(await integration["client"].http.post("/graphql", json={"query": WORKSPACE}))


async def test_a_key_revoked_elsewhere_is_refused_once_postgresql_says_so(
    integration: dict[str, Any], fresh_url: str
) -> None:
    """Another process, or someone at psql: the notification clears the cache."""
    cache: CallerCache = integration["authenticator"].cache
    before = cache.lookup()
    async with owner_session(fresh_url) as owner:
        await owner.execute("UPDATE api_key SET revoked_at = now() WHERE id = $1", db_id(integration["key"]))
    await until(lambda: cache.lookup() != before)
    refused_as_unauthenticated(await integration["client"].http.post("/graphql", json={"query": WORKSPACE}))


async def test_writing_a_keys_last_use_tells_no_one(
    integration: dict[str, Any], db: Database, sql: StatementLog
) -> None:
    """The request notes the use; the write comes later, and changes no one's access."""
    cache: CallerCache = integration["authenticator"].cache
    sql.reset()
    await integration["client"].data(WORKSPACE, id=integration["workspace"])
    assert not any(statement.startswith("UPDATE") for statement in sql.statements)
    assert (await key_row(db, integration["key"]))["last_used_at"] is None
    before = cache.lookup()
    assert await integration["authenticator"].usage.flush() == 1
    assert (await key_row(db, integration["key"]))["last_used_at"] is not None
    await asyncio.sleep(0.2)  # a notification, if one were sent, would have arrived
    assert cache.lookup() == before
    sql.reset()
    await integration["client"].data(WORKSPACE, id=integration["workspace"])
    assert not signs_in(sql)


async def test_a_revoked_role_is_honoured_on_the_next_request(db: Database, gql: GraphQLClient) -> None:
    graph = await organization_with_admin(db, gql)
    authenticator = auth.authenticator(db)
    async with signed_in(db, auth.token("ada"), authenticator=authenticator) as ada:
        await listening(authenticator)
        assert (await ada.data(WORKSPACE, id=graph["workspace"]))["workspace"] is not None
        assert (await ada.data(WORKSPACE, id=graph["workspace"]))["workspace"] is not None
        members = (await gql.data(MEMBERS, o=graph["organization"]))["organization"]["members"]["nodes"]
        (hers,) = [m["id"] for m in members if m["member"]["subject"] == "ada"]
        assert (await gql.data(REVOKE_ROLE, id=hers))["revokeRole"]["userErrors"] == []
        assert (await ada.data(WORKSPACE, id=graph["workspace"]))["workspace"] is None


async def test_a_role_granted_by_hand_is_honoured_once_postgresql_says_so(
    db: Database, gql: GraphQLClient, fresh_url: str
) -> None:
    graph = await organization_with_admin(db, gql, subject="ada")
    authenticator = auth.authenticator(db)
    async with signed_in(db, auth.token("bob"), authenticator=authenticator) as bob:
        await listening(authenticator)
        assert (await bob.data(WORKSPACE, id=graph["workspace"]))["workspace"] is None
        before = authenticator.cache.lookup()
        async with owner_session(fresh_url) as owner:
            await owner.execute(
                "INSERT INTO membership (id, member_id, workspace_id, role, version, created_at, updated_at)"
                " SELECT gen_random_uuid(), id, $1, $2, 1, now(), now() FROM member WHERE subject = 'bob'",
                db_id(graph["workspace"]),
                Role.VIEWER.value,
            )
        await until(lambda: authenticator.cache.lookup() != before)
        assert (await bob.data(WORKSPACE, id=graph["workspace"]))["workspace"] is not None


async def test_while_no_one_listens_every_request_signs_in_afresh(
    integration: dict[str, Any], fresh_url: str, sql: StatementLog
) -> None:
    """Changes made while the listener's connection is down would go unheard: nothing is kept
    until it listens again."""
    authenticator: Authenticator = integration["authenticator"]
    async with owner_session(fresh_url) as owner:
        ended = await owner.fetchval(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = $1) AS ended",
            LISTENER,
        )
    assert ended >= 1  # (each client of the test has a listener of its own)
    await until(lambda: not authenticator.cache.listening)
    sql.reset()
    await integration["client"].data(WORKSPACE, id=integration["workspace"])
    assert signs_in(sql)  # (it waits half a second before connecting again)
    await until(lambda: authenticator.cache.listening)  # it connects again by itself
    await integration["client"].data(WORKSPACE, id=integration["workspace"])
    sql.reset()
    await integration["client"].data(WORKSPACE, id=integration["workspace"])
    assert not signs_in(sql)


async def test_a_kept_caller_is_forgotten_after_the_configured_time(
    integration: dict[str, Any], db: Database, sql: StatementLog
) -> None:
    now = [0.0]
    authenticator: Authenticator = integration["authenticator"]
    authenticator.cache = CallerCache(db, 30, clock=lambda: now[0])
    await listening(authenticator)
    await integration["client"].data(WORKSPACE, id=integration["workspace"])
    now[0] = 29.9
    sql.reset()
    await integration["client"].data(WORKSPACE, id=integration["workspace"])
    assert not signs_in(sql)
    now[0] = 30.1
    sql.reset()
    await integration["client"].data(WORKSPACE, id=integration["workspace"])
    assert signs_in(sql)
    await authenticator.cache.close()
