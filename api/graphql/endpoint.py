"""GraphQL over HTTP at /graphql: every request bounded before it runs.

One request goes through these steps, and any of them may refuse it:

1. credentials, where anonymous callers are not let in (present, not yet verified), and the
   media type to answer in (``application/graphql-response+json`` or ``application/json``);
2. the parameters: GET query string, JSON body or multipart upload, read up to the body limit;
3. the document's text: sent, registered (trusted documents) or persisted (APQ);
4. the checked document: parsed with the token limit, held to the size limits, validated;
5. the operation and its static cost, against the per-request cap;
6. the caller, signed in (the first step that may read the database: a caller signed in a
   moment ago is known, see :mod:`api.callers`);
7. the caller's budget (points per second), shared through Redis when configured;
8. execution within the request deadline: a query a compiled plan can read
   (:mod:`schema.compiled`) in one statement, anything else on Strawberry's executor.

A request reads on one connection in one transaction (:class:`~domain.persistence.database.Reads`),
a query in one read-only snapshot.

From step 3 on, a client that disconnects cancels the request: its database work stops, and a
change it was making rolls back unless its COMMIT was already sent (then it commits). A
database that cannot serve the request (unreachable, restarting, no free connection) is
HTTP 503 ``SERVICE_UNAVAILABLE`` with ``Retry-After``, whichever step found it out.

Refusals before execution are HTTP errors with a JSON body in the GraphQL error shape.
GraphQL's own errors (a document that does not parse or validate, bad variables) follow the
GraphQL-over-HTTP specification: HTTP 200 with ``application/json``, 400 with
``application/graphql-response+json``. Every response carries the request id, and a
successful one its cost (``extensions.cost``, as Shopify reports it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from graphql import GraphQLError, OperationDefinitionNode, OperationType
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Send
from starlette.types import Scope as AsgiScope
from strawberry.http.ides import get_graphql_ide_html
from strawberry.types.graphql import OperationType as StrawberryOperationType

from api.auth import CHALLENGE, UNAUTHENTICATED, Authenticator, Unauthenticated, request_id_of
from api.errors import GRAPHQL_RESPONSE_JSON, JSONResponse, error_body, error_response, unavailable_response
from api.graphql.documents import Documents, Prepared
from api.graphql.limits import coded_error
from api.graphql.params import Params, Refusal, from_body, from_query_string, response_media_type
from api.throttle import Decision, Throttle
from domain.persistence.database import Database, DatabaseUnavailable, Reads
from domain.scope import ActorKind, Scope
from domain.tenancy.demo import DemoWorkspaces
from schema.build import Schema
from schema.compiled.plan import Fallback, NotCompiled, Planner
from schema.context import Context
from schema.cost import operation_cost

log = logging.getLogger("redthread.http")

REQUEST_ID = "x-request-id"
#: Operations a request may run (subscriptions are not served by requests).
RUNS_OVER_HTTP = (StrawberryOperationType.QUERY, StrawberryOperationType.MUTATION)

T = TypeVar("T")


class ClientGone(Exception):
    """The client disconnected before its response was ready; the request's work was cancelled."""


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """What one request may be beyond its document (see :class:`~api.graphql.limits.Limits`):
    its body and its time."""

    body_bytes: int
    multipart_bytes: int
    request_seconds: float


class GraphQLEndpoint:
    """The ASGI app behind /graphql."""

    def __init__(
        self,
        *,
        db: Database,
        authenticator: Authenticator,
        schema: Schema,
        documents: Documents,
        throttle: Throttle,
        limits: HttpLimits,
        graphiql: bool,
        demo: DemoWorkspaces | None,
        planner: Planner | None = None,
    ) -> None:
        self.db = db
        self.authenticator = authenticator
        self.schema = schema
        self.documents = documents
        self.throttle = throttle
        self.limits = limits
        self.graphiql = graphiql
        self.demo = demo
        #: Answers the queries it can with one statement, without the executor (None: never).
        self.planner = planner

    async def prepare_ahead(self, texts: Sequence[str]) -> int:
        """Check ``texts`` now, not on their first request (the trusted documents, as the process
        starts), and compile ahead the plans of their queries (:meth:`Planner.warm`); how many
        plans. A text that does not pass is left for its requests to be refused."""
        plans = 0
        for text in texts:
            prepared = self.documents.prepare(text)
            if self.planner is not None and prepared.document is not None and not prepared.errors:
                plans += self.planner.warm(prepared.document)
            await asyncio.sleep(0)  # one document at a time: requests go on meanwhile
        return plans

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        request_id = request_id_of(request)
        try:
            response = await self.respond(request, request_id, receive)
        except ClientGone:
            log.info(
                "the client of request %s disconnected; the request was cancelled",
                request_id,
                extra={"request_id": request_id},
            )
            return
        response.headers[REQUEST_ID] = request_id
        await response(scope, receive, send)

    async def respond(self, request: Request, request_id: str, receive: Receive) -> Response:
        media_type = "application/json"
        try:
            if self._wants_ide(request):
                return HTMLResponse(get_graphql_ide_html("graphiql"))
            try:
                self.authenticator.refuse_anonymous(request)
            except Unauthenticated as error:
                raise Refusal(401, UNAUTHENTICATED, str(error), headers=CHALLENGE) from None
            media_type = response_media_type(request.headers.get("accept"))
            params = await self._params(request)
            return await _unless_client_leaves(receive, self._run(request, request_id, media_type, params))
        except Refusal as refusal:
            return error_response(
                refusal.status, refusal.code, refusal.message, headers=refusal.headers, media_type=media_type
            )
        except DatabaseUnavailable as error:
            log.warning("request %s: %s", request_id, error, extra={"request_id": request_id})
            return unavailable_response(error, request_id, media_type=media_type)

    def _wants_ide(self, request: Request) -> bool:
        return (
            self.graphiql
            and request.method == "GET"
            and not request.query_params
            and "text/html" in request.headers.get("accept", "")
        )

    async def _run(self, request: Request, request_id: str, media_type: str, params: Params) -> Response:
        text = await self.documents.text_of(params)
        if isinstance(text, GraphQLError):
            return _graphql_errors([text], media_type)
        prepared = self.documents.prepare(text)
        if prepared.errors:
            return _graphql_errors(list(prepared.errors), media_type)
        operation = prepared.operation(params.operation_name)
        if isinstance(operation, GraphQLError):
            return _graphql_errors([operation], media_type)
        self._check_method(request, operation)
        cost = operation_cost(self.schema._schema, operation, prepared.fragments, params.variables)
        cap = self.documents.limits.max_cost
        if cost > cap:
            return _graphql_errors([_too_complex(cost, cap)], media_type)
        # A query reads one snapshot, on one connection, the caller's sign-in included. A
        # mutation's payload reads what its transaction committed, on a connection taken after it.
        query = operation.operation is OperationType.QUERY
        reads = self.db.reads(Scope.everything(), snapshot=query)
        try:
            caller = await self._caller(request, reads if query else None)
            budget = _budget_key(caller, request)
            return await self._execute(
                request_id, media_type, params, text, prepared, operation, cost, caller, budget, reads
            )
        finally:
            await reads.close()

    async def _execute(
        self,
        request_id: str,
        media_type: str,
        params: Params,
        text: str,
        prepared: Prepared,
        operation: OperationDefinitionNode,
        cost: int,
        caller: Scope,
        budget: str,
        reads: Reads,
    ) -> Response:
        decision = await self.throttle.spend(budget, cost)
        if not decision.allowed:
            return _throttled(cost, decision, media_type)
        self.documents.remember(params, text)
        context = Context(db=self.db, scope=caller, request_id=request_id, reads=reads, demo=self.demo)
        context.document = prepared.document
        try:
            async with asyncio.timeout(self.limits.request_seconds):
                data = await self._compiled(operation, prepared, params, caller, reads)
                if data is not None:
                    answer = {"data": data, "extensions": {"cost": _cost(cost, decision)}}
                    return JSONResponse(answer, media_type=media_type)
                result = await self.schema.execute(
                    text,
                    variable_values=params.variables,
                    context_value=context,
                    operation_name=params.operation_name,
                    allowed_operation_types=RUNS_OVER_HTTP,
                    operation_extensions=params.extensions,
                )
        except TimeoutError:
            log.warning(
                "request %s ran past %s s and was stopped",
                request_id,
                self.limits.request_seconds,
                extra={"request_id": request_id, "operation": params.operation_name},
            )
            return error_response(
                503,
                "REQUEST_TIMEOUT",
                f"The request took longer than {self.limits.request_seconds:g} s and was stopped; a"
                " change it had not yet committed was rolled back.",
                media_type=media_type,
                requestId=request_id,
            )
        body: dict[str, Any] = {}
        errors = [error.formatted for error in result.errors or ()]
        executed = result.data is not None or any(error.path for error in result.errors or ())
        if executed:
            body["data"] = result.data
        if errors:
            body["errors"] = errors
        body["extensions"] = {**(result.extensions or {}), "cost": _cost(cost, decision)}
        status = 200 if executed or media_type == "application/json" else 400
        unavailable = _unavailable(result.errors or ())
        if unavailable is not None:
            # Part of the response could not be read or written: the whole of it is to be tried again.
            log.warning("request %s: %s", request_id, unavailable, extra={"request_id": request_id})
            headers = {"Retry-After": str(unavailable.retry_after)}
            return JSONResponse(body, status_code=503, headers=headers, media_type=media_type)
        return JSONResponse(body, status_code=status, media_type=media_type)

    async def _compiled(
        self,
        operation: OperationDefinitionNode,
        prepared: Prepared,
        params: Params,
        caller: Scope,
        reads: Reads,
    ) -> dict[str, Any] | None:
        """The data of a query answered by its compiled plan; None when the executor is to answer
        (an operation a plan cannot read, or a request only the executor answers rightly)."""
        if self.planner is None or operation.operation is not OperationType.QUERY:
            return None
        if params.operation_name in prepared.uncompiled:
            return None
        try:
            request = self.planner.request(operation, prepared.fragments, params.variables)
            plan = self.planner.compiled(request, caller)
            row = None
            if plan.sql is not None:
                async with reads.connection() as connection:
                    result = await connection.exec_driver_sql(plan.sql, plan.parameters(request, caller))
                    row = result.one()
            return plan.write(row)
        except NotCompiled:
            prepared.uncompiled.add(params.operation_name)
        except Fallback:
            pass
        except DBAPIError:
            pass  # a statement or lock timeout: the executor answers it with its typed error
        return None

    async def _caller(self, request: Request, reads: Reads | None) -> Scope:
        try:
            return await self.authenticator.caller(request, reads)
        except Unauthenticated as error:
            raise Refusal(401, UNAUTHENTICATED, str(error), headers=CHALLENGE) from None

    async def _params(self, request: Request) -> Params:
        if request.method == "GET":
            return from_query_string(request, self.limits.body_bytes)
        if request.method == "POST":
            return await from_body(request, self.limits.body_bytes, self.limits.multipart_bytes)
        raise Refusal(
            405, "METHOD_NOT_ALLOWED", "Send GraphQL requests as GET or POST.", headers={"Allow": "GET, POST"}
        )

    def _check_method(self, request: Request, operation: OperationDefinitionNode) -> None:
        if request.method == "GET" and operation.operation is not OperationType.QUERY:
            raise Refusal(
                405,
                "METHOD_NOT_ALLOWED",
                f"A {operation.operation.value} must be sent as a POST.",
                headers={"Allow": "POST"},
            )
        if operation.operation is OperationType.SUBSCRIPTION:
            raise Refusal(400, "BAD_REQUEST", "Subscriptions are not served over HTTP requests.")


async def _unless_client_leaves(receive: Receive, work: Awaitable[T]) -> T:
    """``work``'s result, or :class:`ClientGone` (``work`` cancelled) once the client disconnects.

    The request's body has been read: the next message the server sends is the disconnect.
    """
    current = asyncio.current_task()
    assert current is not None
    gone = False

    async def watch() -> None:
        nonlocal gone
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
        except Exception:  # a server that cannot say: the request runs to its end
            return
        gone = True
        current.cancel()

    watcher = asyncio.create_task(watch(), name="watch for the client leaving")
    try:
        return await work
    except asyncio.CancelledError:
        if not gone:
            raise
        current.uncancel()
        raise ClientGone from None
    finally:
        watcher.cancel()


def _unavailable(errors: Sequence[GraphQLError]) -> DatabaseUnavailable | None:
    """The database's unavailability, if that is what failed a field."""
    for error in errors:
        if isinstance(error.original_error, DatabaseUnavailable):
            return error.original_error
    return None


def _graphql_errors(errors: list[GraphQLError], media_type: str) -> JSONResponse:
    """A request GraphQL refuses before execution: no ``data``, 200 in JSON and 400 otherwise."""
    status = 400 if media_type == GRAPHQL_RESPONSE_JSON else 200
    return JSONResponse({"errors": [e.formatted for e in errors]}, status_code=status, media_type=media_type)


def _too_complex(cost: int, cap: int) -> GraphQLError:
    return coded_error(
        "QUERY_TOO_COMPLEX",
        f"The operation costs {cost:,} points; one request may cost at most {cap:,}. Ask for smaller pages"
        " (`first`), fewer fields, or split it into several requests.",
        cost={"requestedQueryCost": cost, "maximumAvailable": cap},
    )


def _cost(cost: int, decision: Decision) -> dict[str, Any]:
    """The cost as Shopify reports it: what was asked for, and the caller's bucket."""
    return {
        "requestedQueryCost": cost,
        "throttleStatus": {
            "maximumAvailable": decision.budget.capacity,
            "currentlyAvailable": round(decision.available, 1),
            "restoreRate": decision.budget.restore_rate,
        },
    }


def _throttled(cost: int, decision: Decision, media_type: str) -> Response:
    wait = decision.retry_after
    retry = max(1, int(wait + 0.999)) if wait is not None else None
    message = (
        f"This request costs {cost:,} points and {decision.available:,.0f} are left in your budget; try again"
        f" in {retry} s."
        if retry is not None
        else f"This request costs {cost:,} points, more than a budget of"
        f" {decision.budget.capacity:,.0f} holds."
    )
    body = error_body("THROTTLED", message, cost=_cost(cost, decision))
    headers = {"Retry-After": str(retry)} if retry is not None else {}
    return JSONResponse(body, status_code=429, headers=headers, media_type=media_type)


def _budget_key(caller: Scope, request: Request) -> str:
    """Whose budget a request spends: the key's, the member's, or (a visitor) the address's."""
    actor = caller.actor
    if actor.kind in (ActorKind.API_KEY, ActorKind.MEMBER) and actor.id is not None:
        return f"{actor.kind.value.lower()}:{actor.id}"
    host = request.client.host if request.client else "unknown"
    return f"visitor:{host}"
