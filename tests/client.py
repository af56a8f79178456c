"""Reaching the API as a front end does: GraphQL over HTTP to the app, signed in as a test says.

Every client of the tests and benchmarks comes from :func:`signed_in`: the app over a test
database, signed in through the test identity provider of :mod:`tests.auth` with a sign-in
token, an API key, or nothing at all.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.applications import Starlette

from api.app import create_app
from api.auth import Authenticator
from api.settings import Settings
from domain.persistence.database import Database
from domain.tenancy.demo import DemoWorkspaces
from tests import auth

BASE_URL = "http://redthread.test"
#: The ``application_name`` of the connections of a client's twin (see :class:`GraphQLClient`).
TWIN = "redthread test twin"
#: The suite's documents fetch whole test worlds in one request: the API tests run without the
#: request limits, which tests/http (limits, budgets, HTTP) check at their defaults.
UNLIMITED = Settings(
    max_document_bytes=1024 * 1024,
    max_tokens=1_000_000,
    max_depth=100,
    max_aliases=10_000,
    max_directives=10_000,
    max_fragments=10_000,
    max_cost=2**62,
    throttle_capacity=2**62,
    request_timeout_seconds=600,
)


class GraphQLClient:
    """Posts GraphQL over HTTP to the app, as a front end does (signed in as the HTTP client is).

    With a ``twin`` (the same app with compiled plans the other way round, on a database engine
    of its own), every query is sent to both, and the two responses must be the same: each query
    of the suite runs on the compiled path and on the executor.
    """

    def __init__(self, http: httpx.AsyncClient, twin: httpx.AsyncClient | None = None) -> None:
        self.http = http
        self.twin = twin

    async def post(self, query: str, **variables: Any) -> dict[str, Any]:
        payload = {"query": query, "variables": variables}
        response = await self.http.post("/graphql", json=payload)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if self.twin is not None and _is_query(query):
            twin = await self.twin.post("/graphql", json=payload)
            assert (twin.status_code, _comparable(twin.json())) == (200, _comparable(body)), (
                f"the compiled plan and the executor answer differently:\n{response.text}\n{twin.text}"
            )
        return body

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """The data of a query that must succeed without GraphQL errors."""
        body = await self.post(query, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(self, query: str, **variables: Any) -> dict[str, Any]:
        """The payload of a single mutation that must succeed without user errors."""
        data = await self.data(query, **variables)
        (payload,) = data.values()
        assert payload["userErrors"] == [], payload["userErrors"]
        result: dict[str, Any] = payload
        return result


def _app(app: Starlette) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=app)


@functools.lru_cache(maxsize=4096)
def _is_query(document: str) -> bool:
    try:
        operations = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    except GraphQLError:
        return False
    return len(operations) == 1 and operations[0].operation is OperationType.QUERY


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    """A response without what differs between two apps: their budgets, the request ids."""
    body = copy.deepcopy(body)
    body.get("extensions", {}).get("cost", {}).pop("throttleStatus", None)
    for error in body.get("errors", ()):
        error.get("extensions", {}).pop("requestId", None)
    return body


@asynccontextmanager
async def signed_in(
    db: Database,
    credential: str | None = None,
    *,
    demo: DemoWorkspaces | None = None,
    demo_mode: bool = False,
    authenticator: Authenticator | None = None,
    settings: Settings = UNLIMITED,
    differential: bool = True,
) -> AsyncIterator[GraphQLClient]:
    """A client of the app over ``db`` sending ``credential`` (a sign-in token or an API key) as its
    bearer token, or none.

    ``demo`` offers demo workspaces; ``demo_mode`` lets visitors in without signing in. The
    app signs callers in with the test identity provider, unless another ``authenticator``
    is given (one trusting another provider). ``settings`` give the request limits. Unless
    ``differential`` is off, each query is answered on both paths and the answers compared
    (see :class:`GraphQLClient`).
    """
    authenticator = authenticator or auth.authenticator(db, demo_mode=demo_mode)
    app = create_app(db, demo=demo, authenticator=authenticator, settings=settings)
    headers = auth.bearer(credential) if credential is not None else {}
    # The twin reads through an engine of its own: statement counts see the client's requests only.
    twin_db = Database(db.url, pool_size=2, application_name=TWIN)
    twin_authenticator = Authenticator(twin_db, authenticator.tokens, demo_mode=authenticator.demo_mode)
    twin_settings = settings.model_copy(update={"compiled_plans": not settings.compiled_plans})
    twin_app = create_app(twin_db, demo=demo, authenticator=twin_authenticator, settings=twin_settings)
    try:
        async with (
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=BASE_URL, headers=headers
            ) as http,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=twin_app), base_url=BASE_URL, headers=headers
            ) as twin,
        ):
            yield GraphQLClient(http, twin if differential else None)
    finally:
        await authenticator.close()
        await twin_authenticator.close()
        await twin_db.dispose()
