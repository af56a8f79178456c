"""Reaching the API as a front end does: GraphQL over HTTP to the app, signed in as a test says.

Every client of the tests and benchmarks comes from :func:`signed_in`: the app over a test
database, signed in through the test identity provider of :mod:`tests.auth` with a sign-in
token, an API key, or nothing at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from api.app import create_app
from api.auth import Authenticator
from api.settings import Settings
from domain.persistence.database import Database
from domain.tenancy.demo import DemoWorkspaces
from tests import auth

BASE_URL = "http://redthread.test"
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
    """Posts GraphQL over HTTP to the app, as a front end does (signed in as the HTTP client is)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
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


@asynccontextmanager
async def signed_in(
    db: Database,
    credential: str | None = None,
    *,
    demo: DemoWorkspaces | None = None,
    demo_mode: bool = False,
    authenticator: Authenticator | None = None,
    settings: Settings = UNLIMITED,
) -> AsyncIterator[GraphQLClient]:
    """A client of the app over ``db`` sending ``credential`` (a sign-in token or an API key) as its
    bearer token, or none.

    ``demo`` offers demo workspaces; ``demo_mode`` lets visitors in without signing in. The
    app signs callers in with the test identity provider, unless another ``authenticator``
    is given (one trusting another provider). ``settings`` give the request limits.
    """
    authenticator = authenticator or auth.authenticator(db, demo_mode=demo_mode)
    app = create_app(db, demo=demo, authenticator=authenticator, settings=settings)
    headers = auth.bearer(credential) if credential is not None else {}
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
            yield GraphQLClient(http)
    finally:
        await authenticator.close()
