"""The Starlette application: GraphQL at /graphql, a health check at /health."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from domain.persistence.database import Database
from domain.scope import Scope
from schema.build import schema
from schema.context import Context


class GraphQLApp(GraphQL[Context, None]):
    def __init__(self, db: Database, *, graphiql: bool) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None, allow_queries_via_get=graphiql)
        self.db = db

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        return Context(db=self.db, scope=Scope.everything(), request_id=request_id[:64])


def create_app(db: Database, *, graphiql: bool = False) -> Starlette:
    """The ASGI app over ``db``. The caller owns the database and closes it."""

    async def health(_: Request) -> Response:
        async with db.read() as connection:
            await connection.exec_driver_sql("SELECT 1")
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[dict[str, Any]]:
        yield {}
        await db.dispose()

    graphql = GraphQLApp(db, graphiql=graphiql)
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/health", health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
