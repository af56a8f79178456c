"""The Starlette application: GraphQL at /graphql, the written strategy as a file, a health check."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette_compress import CompressMiddleware, add_compress_type

from api import logs
from api.auth import Authentication, Authenticator, TokenVerifier, caller_of, request_id_of
from api.documents import document_endpoint
from api.errors import GRAPHQL_RESPONSE_JSON, JSONResponse, error_response, unavailable_response
from api.graphql.documents import Documents
from api.graphql.endpoint import GraphQLEndpoint, HttpLimits
from api.graphql.limits import Limits
from api.graphql.params import PREFLIGHT_HEADERS
from api.graphql.trusted import TrustedDocuments
from api.settings import Settings
from api.throttle import throttle_from
from domain.kpi.csv_import import FILE_MAX_BYTES
from domain.persistence.database import Database, DatabaseUnavailable
from domain.persistence.migrations import heads
from domain.persistence.settings import asyncpg_url, service_url
from domain.scope import Scope
from domain.tenancy.demo import DemoWorkspaces, purge_expired
from schema.build import schema
from schema.compiled.plan import Planner

log = logging.getLogger(__name__)

#: What a browser on an allowed origin may send: credentials, GraphQL bodies, request ids, and
#: the preflight headers of uploads and of Apollo's clients.
CORS_REQUEST_HEADERS = [
    "authorization",
    "content-type",
    "x-request-id",
    *PREFLIGHT_HEADERS,
    "apollographql-client-name",
    "apollographql-client-version",
]
#: What its scripts may read of a response beyond the simple headers.
CORS_EXPOSED_HEADERS = ["x-request-id", "retry-after", "www-authenticate", "content-disposition"]
add_compress_type(GRAPHQL_RESPONSE_JSON)
#: Responses smaller than this go out uncompressed: the headers would cost more than they save.
COMPRESS_MIN_BYTES = 1024


class Cors(CORSMiddleware):
    """CORS from the allowlist; a refused preflight says why in the GraphQL error shape."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        reason = bytes(response.body).decode()
        return error_response(400, "CORS_REFUSED", f"{reason}.", headers=dict(response.headers))


async def purge_periodically(db: Database, every: float) -> None:
    """Purge expired demo workspaces every ``every`` seconds until cancelled; a failed round is logged."""
    while True:
        try:
            async with db.transaction(Scope.everything()) as session:
                purged = await purge_expired(session, dt.datetime.now(dt.UTC))
            if purged:
                log.info("purged %d expired demo workspaces", purged)
        except Exception:
            log.exception("purging expired demo workspaces failed; retrying in %s s", every)
        await asyncio.sleep(every)


async def prepare_trusted(trusted: TrustedDocuments, graphql: GraphQLEndpoint) -> None:
    """Check the newest trusted documents and compile their plans once the process has started,
    so that their first requests find them ready; requests go on meanwhile."""
    started = time.perf_counter()
    try:
        documents = await trusted.preload()
        plans = await graphql.prepare_ahead([document.body for document in documents])
    except (DatabaseUnavailable, DBAPIError) as error:
        log.warning(
            "the trusted documents could not be read ahead (%s); each is read on its first request", error
        )
        return
    except Exception:
        # Only a head start: a failure here must not end the task with an error the shutdown re-raises.
        log.exception("preparing the trusted documents ahead failed; each is prepared on its first request")
        return
    log.info(
        "prepared %d trusted documents, %d compiled plans, in %.0f ms",
        len(documents),
        plans,
        (time.perf_counter() - started) * 1000,
    )


def document_limits(settings: Settings) -> Limits:
    """The bounds every document is held to, from the settings."""
    return Limits(
        max_document_bytes=settings.max_document_bytes,
        max_tokens=settings.max_tokens,
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_directives=settings.max_directives,
        max_fragments=settings.max_fragments,
        max_cost=settings.max_cost,
    )


def demo_workspaces(settings: Settings) -> DemoWorkspaces | None:
    """The demo workspace policy the settings ask for, if any."""
    if not settings.demo_workspaces:
        return None
    from seed.catalog import Catalog

    lifetime = dt.timedelta(hours=settings.demo_workspace_hours)
    return DemoWorkspaces(Catalog(), lifetime, settings.demo_workspaces_max)


def factory() -> Starlette:
    """The app as `redthread serve` runs it in each worker process, from the settings alone.

    ``DATABASE_URL`` names the server and database (its user owns the tables, and migrations
    have run: `redthread migrate`); the app connects as the service role. Other ASGI servers
    load it the same way: ``uvicorn --factory api.app:factory``.
    """
    settings = Settings()
    if not settings.database_url:
        raise RuntimeError("Set DATABASE_URL: the app factory does not start an embedded PostgreSQL.")
    logs.configure(settings.log_level)
    db = Database(
        service_url(asyncpg_url(settings.database_url), settings),
        pool_size=settings.pool_size,
        pool_timeout_seconds=settings.pool_timeout_seconds,
        echo=settings.echo_sql,
        statement_timeout_ms=settings.statement_timeout_ms,
        lock_timeout_ms=settings.lock_timeout_ms,
        idle_in_transaction_timeout_ms=settings.idle_in_transaction_timeout_ms,
    )
    jwt_settings = settings.jwt()
    tokens = TokenVerifier(jwt_settings) if jwt_settings else None
    return create_app(
        db,
        graphiql=settings.graphiql,
        demo=demo_workspaces(settings),
        purge_every=settings.demo_purge_seconds,
        authenticator=Authenticator(
            db, tokens, demo_mode=settings.demo_mode, cache_seconds=settings.caller_cache_seconds
        ),
        settings=settings,
    )


def create_app(
    db: Database,
    *,
    graphiql: bool = False,
    demo: DemoWorkspaces | None = None,
    purge_every: float | None = None,
    authenticator: Authenticator | None = None,
    settings: Settings | None = None,
) -> Starlette:
    """The ASGI app over ``db``; the app disposes of the database when it shuts down.

    ``settings`` (by default, from the environment) give the request limits, the origins
    browsers may call from, and the timeouts.

    Callers authenticate through ``authenticator`` (by default: API keys only). With
    ``demo``, `createDemoWorkspace` is offered. With ``purge_every``, expired demo
    workspaces are purged that often while the app runs (also those left from a time when
    demo workspaces were on).
    """

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> Response:
        return await readiness(db, migrations_heads)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[dict[str, Any]]:
        # What exists once the app has started (modules, the schema, the routes) lives as long as
        # the process: out of the collector's way, its passes walk only what requests make
        # (they took a third of a request's CPU before; see the README's Speed section).
        gc.collect()
        gc.freeze()
        tasks = [
            asyncio.create_task(signing_in.usage.run(), name="record API keys' last use"),
            asyncio.create_task(prepare_trusted(trusted, graphql), name="prepare trusted documents"),
        ]
        if purge_every is not None:
            tasks.append(
                asyncio.create_task(purge_periodically(db, purge_every), name="purge demo workspaces")
            )
        yield {}
        await graphql.throttle.close()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await signing_in.close()
        await db.dispose()

    settings = settings or Settings()
    migrations_heads = heads()
    signing_in = authenticator or Authenticator(db)
    limits = document_limits(settings)
    trusted = TrustedDocuments(db)
    graphql = GraphQLEndpoint(
        db=db,
        authenticator=signing_in,
        schema=schema,
        documents=Documents(schema._schema, limits, trusted, trusted_only=settings.trusted_documents_only),
        throttle=throttle_from(
            settings.throttle_capacity, settings.throttle_restore_rate, settings.redis_url
        ),
        limits=HttpLimits(
            body_bytes=settings.max_body_bytes,
            multipart_bytes=settings.max_body_bytes + FILE_MAX_BYTES,
            request_seconds=settings.request_timeout_seconds,
        ),
        graphiql=graphiql,
        demo=demo,
        planner=Planner(schema._schema) if settings.compiled_plans else None,
    )
    return Starlette(
        routes=[
            Route("/graphql", graphql),
            Route("/health", health, methods=["GET"]),
            Route("/ready", ready, methods=["GET"]),
            Route("/strategies/{strategy_id}/document.md", document_endpoint(db, caller_of), methods=["GET"]),
        ],
        middleware=[
            # Outermost: a browser's preflight is answered before anyone is signed in, and
            # refusals carry the CORS headers too, so the front end can read them.
            Middleware(
                Cors,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=CORS_REQUEST_HEADERS,
                expose_headers=CORS_EXPOSED_HEADERS,
                max_age=settings.cors_max_age,
            ),
            Middleware(CompressMiddleware, minimum_size=COMPRESS_MIN_BYTES),
            Middleware(Authentication, authenticator=signing_in),
        ],
        lifespan=lifespan,
        exception_handlers={
            404: _not_found,
            405: _method_not_allowed,
            500: _unexpected,
            DatabaseUnavailable: _unavailable,
        },
    )


async def readiness(db: Database, migrations_heads: frozenset[str]) -> Response:
    """Whether the service can serve: the database answers and its migrations are at head.

    HTTP 200 when it can; 503 with ``Retry-After`` and what is missing when it cannot.
    """
    migrations: dict[str, Any] = {"head": sorted(migrations_heads)}
    try:
        async with db.read(Scope.everything()) as connection:
            current = (await connection.exec_driver_sql("SELECT version_num FROM alembic_version")).scalars()
            migrations["current"] = sorted(current)
    except DatabaseUnavailable as error:
        unreachable = {"status": "unavailable", "database": "unreachable", "message": str(error)}
        return JSONResponse(unreachable, status_code=503, headers={"Retry-After": str(error.retry_after)})
    except DBAPIError:
        migrations["current"] = []
    if set(migrations["current"]) != migrations_heads:
        body: dict[str, Any] = {
            "status": "unavailable",
            "database": "ok",
            "migrations": migrations,
            "message": "The database's migrations are not at head: run `redthread migrate`.",
        }
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return JSONResponse({"status": "ready", "database": "ok", "migrations": migrations})


async def _unavailable(request: Request, error: Exception) -> Response:
    assert isinstance(error, DatabaseUnavailable)
    log.warning("request to %s: %s", request.url.path, error)
    return unavailable_response(error, request_id_of(request))


async def _not_found(request: Request, _: Exception) -> Response:
    return error_response(404, "NOT_FOUND", f"Nothing is served at {request.url.path}.")


async def _method_not_allowed(request: Request, _: Exception) -> Response:
    return error_response(405, "METHOD_NOT_ALLOWED", f"{request.method} is not served at {request.url.path}.")


async def _unexpected(request: Request, error: Exception) -> Response:
    request_id = request_id_of(request)
    log.error("unexpected error (request %s)", request_id, exc_info=error)
    return error_response(
        500,
        "INTERNAL_SERVER_ERROR",
        "Unexpected error.",
        requestId=request_id,
        headers={"x-request-id": request_id},
    )
