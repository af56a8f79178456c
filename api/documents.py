"""The written strategy as a file: GET /strategies/{id}/document.md[?asOf=YYYY-MM-DD]."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from api.errors import error_response
from domain import values
from domain.errors import Problems
from domain.persistence.database import Database
from domain.scope import Scope
from domain.strategy.brief import brief
from domain.strategy.document import DocumentFormat, render
from schema import ids


def _filename(name: str) -> str:
    """An ASCII stand-in for clients that ignore ``filename*``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "strategy"


def document_endpoint(
    db: Database, scope_of: Callable[[Request], Scope]
) -> Callable[[Request], Awaitable[Response]]:
    async def document(request: Request) -> Response:
        parsed = ids.parse(request.path_params["strategy_id"])
        if parsed is None or parsed[0] != "Strategy":
            return error_response(404, "NOT_FOUND", "No strategy with this id.")
        as_of = dt.datetime.now(dt.UTC).date()
        if "asOf" in request.query_params:
            try:
                as_of = dt.date.fromisoformat(request.query_params["asOf"])
            except ValueError:
                return error_response(400, "INVALID_DATE", "asOf must be a date as YYYY-MM-DD.")
            problems = Problems()
            if values.date(problems, as_of, "asOf") is None:
                return error_response(400, "OUT_OF_RANGE", problems.items[0].message)
        scope = scope_of(request)
        async with db.read(scope) as connection:
            found = await brief(connection, scope, parsed[1], as_of)
        if found is None:
            return error_response(404, "NOT_FOUND", "No strategy with this id.")
        name = found.strategy.name
        disposition = f"attachment; filename=\"{_filename(name)}.md\"; filename*=UTF-8''{quote(name)}.md"
        return Response(
            render(found, DocumentFormat.MARKDOWN),
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )

    return document
