"""Reading a GraphQL request off HTTP, as the GraphQL-over-HTTP specification describes it.

A request is a GET with the parameters in the query string, a POST with a JSON body, or a
POST in the GraphQL multipart request format (file uploads). Whatever arrives, the body is
read only up to its limit (a chunked body too: reading stops at the limit), and anything that
is not a well-formed request is refused with a :class:`Refusal` before a document is looked at.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from python_multipart.exceptions import MultipartParseError
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message, Receive
from strawberry.file_uploads.utils import replace_placeholders_with_files

from api.errors import GRAPHQL_RESPONSE_JSON

#: A multipart request (a file upload) must carry one of these headers, non-empty. A browser
#: sends a cross-site form post without custom headers, and a script can add them only after a
#: CORS preflight the server does not grant, so a forged upload is refused (the same rule as
#: Apollo Server's CSRF prevention, which upload clients already follow).
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name", "graphql-preflight")
#: The most files one multipart request may carry.
MAX_FILES = 4


class Refusal(Exception):
    """The request is refused before any GraphQL work: an HTTP status, a code and why."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True, slots=True)
class Params:
    """The parameters of one GraphQL request."""

    query: str | None = None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] = field(default_factory=dict)
    #: A registered document named by its id (``documentId``, or Relay's ``doc_id``).
    document_id: str | None = None


def response_media_type(accept: str | None) -> str:
    """The media type to answer with, from the client's Accept header (none: JSON).

    ``application/graphql-response+json`` when the client lists it before ``application/json``;
    ``application/json`` for it, ``application/*`` and ``*/*``. Anything else is refused (406).
    """
    for entry in (accept or "*/*").lower().replace(" ", "").split(","):
        media_type, *parameters = entry.split(";")
        charset = next((p for p in parameters if p.startswith("charset=")), "charset=utf-8")
        refused = any(p.startswith("q=") and not p[2:].strip("0.") for p in parameters)  # q=0
        if refused or charset not in ("charset=utf-8", "charset=utf8"):
            continue
        if media_type == GRAPHQL_RESPONSE_JSON:
            return GRAPHQL_RESPONSE_JSON
        if media_type in ("application/json", "application/*", "*/*"):
            return "application/json"
    raise Refusal(
        406,
        "NOT_ACCEPTABLE",
        f"Accept {GRAPHQL_RESPONSE_JSON} or application/json: those are the media types this API answers in.",
    )


def from_query_string(request: Request, limit: int) -> Params:
    """A GET's parameters: ``query``, ``operationName``, and JSON-encoded ``variables`` and
    ``extensions``; the query string is held to the body's limit."""
    if len(request.scope.get("query_string", b"")) > limit:
        raise _too_large(limit)
    given = request.query_params
    return _params(
        {
            "query": given.get("query"),
            "operationName": given.get("operationName"),
            "variables": _json_parameter(given.get("variables"), "variables"),
            "extensions": _json_parameter(given.get("extensions"), "extensions"),
            "documentId": given.get("documentId") or given.get("doc_id"),
        }
    )


async def from_body(request: Request, limit: int, multipart_limit: int) -> Params:
    """A POST's parameters, from a JSON body or a multipart upload, read up to the limit."""
    content_type = request.headers.get("content-type", "")
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type == "multipart/form-data":
        return await _from_multipart(request, multipart_limit)
    if media_type != "application/json":
        raise Refusal(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "Send the request as application/json (or multipart/form-data for a file upload).",
        )
    charset = next(
        (p.split("=", 1)[1].strip().strip('"').lower() for p in parameters.split(";") if "charset=" in p),
        "utf-8",
    )
    if charset not in ("utf-8", "utf8"):
        raise Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "Send the JSON body in UTF-8.")
    body = await read_body(request, limit)
    try:
        parsed = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Refusal(400, "BAD_REQUEST", "The body is not valid UTF-8.") from None
    except ValueError as error:
        raise Refusal(400, "BAD_REQUEST", f"The body is not valid JSON: {error}.") from None
    except RecursionError:
        raise Refusal(400, "BAD_REQUEST", "The body nests JSON too deeply.") from None
    if not isinstance(parsed, dict):
        raise Refusal(400, "BAD_REQUEST", "The body must be a JSON object with a `query`.")
    return _params(parsed)


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or 413 as soon as it passes ``limit`` bytes (without reading on)."""
    _refuse_declared_length(request, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_declared_length(request: Request, limit: int) -> None:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise _too_large(limit)


def _too_large(limit: int) -> Refusal:
    return Refusal(413, "REQUEST_TOO_LARGE", f"The request body is larger than {limit:,} bytes.")


def _json_parameter(text: str | None, name: str) -> Any:
    if text is None or text == "":
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise Refusal(
            400, "BAD_REQUEST", f"`{name}` must be JSON-encoded (and not nested too deeply)."
        ) from None


def _params(given: Mapping[str, Any]) -> Params:
    query = given.get("query")
    operation_name = given.get("operationName")
    variables = given.get("variables")
    extensions = given.get("extensions")
    document_id = given.get("documentId", given.get("doc_id"))
    if query is not None and not isinstance(query, str):
        raise Refusal(400, "BAD_REQUEST", "`query` must be a string.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise Refusal(400, "BAD_REQUEST", "`operationName` must be a string.")
    if variables is not None and not isinstance(variables, dict):
        raise Refusal(400, "BAD_REQUEST", "`variables` must be a map of variable names to values.")
    if extensions is not None and not isinstance(extensions, dict):
        raise Refusal(400, "BAD_REQUEST", "`extensions` must be a map.")
    if document_id is not None and not isinstance(document_id, str):
        raise Refusal(400, "BAD_REQUEST", "`documentId` must be a string.")
    return Params(query, operation_name or None, variables, extensions or {}, document_id or None)


async def _from_multipart(request: Request, limit: int) -> Params:
    """The GraphQL multipart request: ``operations`` (JSON), ``map`` (JSON) and the files."""
    if not any(request.headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
        raise Refusal(
            400,
            "PREFLIGHT_REQUIRED",
            "A multipart request needs a non-empty Apollo-Require-Preflight (or "
            "X-Apollo-Operation-Name, GraphQL-Preflight) header.",
        )
    _refuse_declared_length(request, limit)
    limited = Request(request.scope, _limited(request.receive, limit))
    try:
        form = await limited.form(max_files=MAX_FILES, max_fields=MAX_FILES + 2)
    except _BodyTooLarge:
        raise _too_large(limit) from None
    except (MultiPartException, MultipartParseError) as error:
        raise Refusal(400, "BAD_REQUEST", f"The multipart body cannot be read: {error}.") from None
    operations = _json_parameter(_text_field(form.get("operations")), "operations")
    files_map = _json_parameter(_text_field(form.get("map")), "map") or {}
    if not isinstance(operations, dict) or not isinstance(files_map, dict):
        raise Refusal(400, "BAD_REQUEST", "A multipart request needs the `operations` and `map` fields.")
    if not all(
        isinstance(paths, list) and all(isinstance(path, str) for path in paths)
        for paths in files_map.values()
    ):
        raise Refusal(400, "BAD_REQUEST", "The multipart `map` must map each file to a list of paths.")
    files = {name: value for name, value in form.items() if isinstance(value, UploadFile)}
    try:
        with_files = replace_placeholders_with_files(operations, files_map, files)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):
        raise Refusal(400, "BAD_REQUEST", "The multipart `map` names files or paths not there.") from None
    return _params(with_files)


def _text_field(value: str | UploadFile | None) -> str | None:
    return value if isinstance(value, str) else None


class _BodyTooLarge(Exception):
    pass


def _limited(receive: Receive, limit: int) -> Receive:
    """``receive`` that stops the request once its body passes ``limit`` bytes."""
    size = 0

    async def limited_receive() -> Message:
        nonlocal size
        message = await receive()
        size += len(message.get("body", b""))
        if size > limit:
            raise _BodyTooLarge
        return message

    return limited_receive
