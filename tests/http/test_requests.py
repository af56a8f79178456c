"""GraphQL over HTTP, request by request: what /graphql answers to every kind of request.

The matrix of the GraphQL-over-HTTP specification as this API serves it, in-process (httpx's
ASGI transport, the app at its default limits): the methods and parameters of GET and POST,
the media types it reads and answers in, the body and document limits (a chunked body too:
the server stops reading at the limit), the request id, compression, and who is refused
before anything reads the database. Every refusal is JSON in the GraphQL error shape, with
its code in ``errors[0].extensions.code``.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import brotli  # type: ignore[import-untyped]
import httpx
import pytest
from graphql import get_introspection_query
from sqlalchemy import func, select

from api.settings import Settings
from domain.kpi.csv_import import FILE_MAX_BYTES
from domain.persistence.database import Database
from domain.scope import Scope
from domain.tenancy.models import Organization
from tests import auth
from tests.client import signed_in
from tests.conftest import StatementLog

JSON = "application/json"
GRAPHQL_JSON = "application/graphql-response+json"
MiB = 1024 * 1024
#: The defaults these tests hold the app to (the suite's own client runs without limits).
BODY_LIMIT = 2 * MiB
DOCUMENT_LIMIT = 32 * 1024
PREFLIGHT = {"Apollo-Require-Preflight": "true"}
TYPENAME = {"query": "{ __typename }"}
CREATE_ORGANIZATION = (
    'mutation { createOrganization(input: {name: "Sent by GET"})'
    " { organization { id } userErrors { code } } }"
)
IMPORT = (
    "mutation($input: ImportKpiMeasurementsInput!) {"
    " importKpiMeasurements(input: $input) { created userErrors { code } } }"
)


def defaults(**overrides: Any) -> Settings:
    """The settings of a deployment that sets nothing but ``overrides``."""
    settings = Settings(**overrides)
    assert settings.max_body_bytes == BODY_LIMIT
    assert settings.max_document_bytes == DOCUMENT_LIMIT
    return settings


@pytest.fixture
async def http(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app at its default limits, called by the operator (signed in with a token)."""
    async with signed_in(db, auth.token(auth.OPERATOR), settings=defaults()) as client:
        yield client.http


@pytest.fixture
async def anonymous(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app at its default limits, called with no credentials at all."""
    async with signed_in(db, settings=defaults()) as client:
        yield client.http


def refusal(response: httpx.Response, status: int, code: str, media_type: str = JSON) -> dict[str, Any]:
    """The body of a refusal: ``status``, JSON of ``media_type``, no ``data``, and ``code`` first."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == media_type
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    assert body["errors"][0]["extensions"]["code"] == code, body
    assert body["errors"][0]["message"]
    return body


def success(response: httpx.Response, media_type: str = JSON) -> dict[str, Any]:
    """The data of a request that ran without errors."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def post_json(http: httpx.AsyncClient, content: bytes | str, headers: Mapping[str, str] | None = None) -> Any:
    return http.post("/graphql", content=content, headers={"content-type": JSON, **(headers or {})})


async def organizations(db: Database) -> int:
    async with db.read(Scope.everything()) as connection:
        count: int = (await connection.execute(select(func.count()).select_from(Organization))).scalar_one()
        return count


class Stream:
    """A body sent chunked (no Content-Length): ``head``, then ``chunks`` chunks of ``chunk``, then
    ``tail``; it counts the chunks the server asked for."""

    def __init__(self, chunk: bytes, chunks: int, head: bytes = b"", tail: bytes = b"") -> None:
        self.chunk = chunk
        self.chunks = chunks
        self.head = head
        self.tail = tail
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.head:
            yield self.head
        for _ in range(self.chunks):
            self.read += 1
            yield self.chunk
        if self.tail:
            yield self.tail


# -- GET --------------------------------------------------------------------------------------------


async def test_a_query_is_served_over_get(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "{__typename}"})
    assert success(response) == {"__typename": "Query"}


async def test_get_reads_json_encoded_variables_and_extensions(http: httpx.AsyncClient) -> None:
    query = "query Shown($shown: Boolean!) { __typename @include(if: $shown) }"
    for shown, data in ((True, {"__typename": "Query"}), (False, {})):
        response = await http.get(
            "/graphql",
            params={
                "query": query,
                "operationName": "Shown",
                "variables": json.dumps({"shown": shown}),
                "extensions": json.dumps({"client": "tests"}),
            },
        )
        assert success(response) == data


@pytest.mark.parametrize(
    "params",
    [
        {"variables": "{not json"},
        {"variables": "[1, 2]"},
        {"variables": '"shown"'},
        {"extensions": "{not json"},
        {"extensions": "[]"},
    ],
)
async def test_get_refuses_parameters_that_are_not_json_objects(
    http: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await http.get("/graphql", params={"query": "{ __typename }", **params})
    refusal(response, 400, "BAD_REQUEST")


async def test_a_mutation_over_get_is_refused_and_changes_nothing(
    http: httpx.AsyncClient, db: Database
) -> None:
    response = await http.get("/graphql", params={"query": CREATE_ORGANIZATION})
    refusal(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"
    assert await organizations(db) == 0

    # The same mutation as a POST does create the organization.
    posted = await http.post("/graphql", json={"query": CREATE_ORGANIZATION})
    assert success(posted)["createOrganization"]["userErrors"] == []
    assert await organizations(db) == 1


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_refused_in_json(http: httpx.AsyncClient, method: str) -> None:
    response = await http.request(method, "/graphql", json=TYPENAME)
    refusal(response, 405, "METHOD_NOT_ALLOWED")
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}


async def test_an_unknown_path_is_not_found_in_json(http: httpx.AsyncClient) -> None:
    body = refusal(await http.get("/graphq"), 404, "NOT_FOUND")
    assert "/graphq" in body["errors"][0]["message"]
    refusal(await http.post("/graphql/extra", json=TYPENAME), 404, "NOT_FOUND")


# -- POST with a JSON body --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'"a string"',
        b"null",
        b"[]",
        b"42",
        b'[{"query": "{ __typename }"}]',
        b"\xff\xfe{}",
        b'{"query": "{ __typename }"',
        b"",
        b'{"query": 42}',
        b'{"query": ["{ __typename }"]}',
        b'{"query": "{ __typename }", "variables": []}',
        b'{"query": "{ __typename }", "variables": "{}"}',
        b'{"query": "{ __typename }", "operationName": 1}',
        b'{"query": "{ __typename }", "operationName": {}}',
        b'{"query": "{ __typename }", "extensions": []}',
        b'{"query": "{ __typename }", "extensions": "x"}',
        b"{}",
        b'{"variables": {}}',
        b'{"query": null}',
        b'{"documentId": 7}',
    ],
)
async def test_a_body_that_is_no_graphql_request_is_refused(http: httpx.AsyncClient, content: bytes) -> None:
    refusal(await post_json(http, content), 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/graphql",
        "application/json; charset=latin1",
        'application/json; charset="iso-8859-1"',
        "",
    ],
)
async def test_a_body_of_another_media_type_is_refused(http: httpx.AsyncClient, content_type: str) -> None:
    response = await http.post(
        "/graphql", content=json.dumps(TYPENAME), headers={"content-type": content_type}
    )
    refusal(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
async def test_json_in_utf_8_is_read(http: httpx.AsyncClient, content_type: str) -> None:
    response = await http.post(
        "/graphql", content=json.dumps(TYPENAME), headers={"content-type": content_type}
    )
    assert success(response) == {"__typename": "Query"}


# -- what the client accepts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        ("application/*", JSON),
        (GRAPHQL_JSON, GRAPHQL_JSON),
        (f"{GRAPHQL_JSON}, {JSON}", GRAPHQL_JSON),
        (f"{JSON}, {GRAPHQL_JSON}", JSON),
        (f"text/html, {GRAPHQL_JSON};charset=utf-8", GRAPHQL_JSON),
        (f"{GRAPHQL_JSON};charset=latin1, {JSON}", JSON),
        (f"{GRAPHQL_JSON};q=0, {JSON}", JSON),
    ],
)
async def test_the_answer_is_in_the_media_type_accepted(
    http: httpx.AsyncClient, accept: str | None, media_type: str
) -> None:
    headers = {} if accept is None else {"accept": accept}
    # httpx sends `Accept: */*` unless told otherwise: without it, no Accept header at all.
    request = http.build_request("POST", "/graphql", json=TYPENAME, headers=headers)
    if accept is None:
        del request.headers["accept"]
    response = await http.send(request)
    assert success(response, media_type) == {"__typename": "Query"}


@pytest.mark.parametrize(
    "accept", ["text/html", "text/plain, application/xml", f"{JSON};charset=latin1", f"{JSON};q=0"]
)
async def test_a_client_accepting_no_json_is_refused_in_json(http: httpx.AsyncClient, accept: str) -> None:
    response = await http.post("/graphql", json=TYPENAME, headers={"accept": accept})
    refusal(response, 406, "NOT_ACCEPTABLE")


@pytest.mark.parametrize(
    ("request_body", "code"),
    [
        ({"query": "{ __typename"}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "query($n: Int) { __typename }", "variables": {"n": "ten"}}, None),
        (
            {"query": "query($n: Int!) { organizations(first: $n) { nodes { id } } }", "variables": {}},
            None,
        ),
    ],
)
async def test_a_request_graphql_refuses_is_200_in_json_and_400_in_graphql_response_json(
    http: httpx.AsyncClient, request_body: dict[str, Any], code: str | None
) -> None:
    """GraphQL over HTTP: an error before execution leaves ``data`` out; application/json
    answers it with 200, application/graphql-response+json with 400."""
    for accept, status in ((JSON, 200), (GRAPHQL_JSON, 400)):
        response = await http.post("/graphql", json=request_body, headers={"accept": accept})
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == accept
        body = response.json()
        assert "data" not in body, body
        assert body["errors"], body
        if code is not None:
            assert body["errors"][0]["extensions"]["code"] == code


async def test_a_field_error_comes_with_data_in_either_media_type(http: httpx.AsyncClient) -> None:
    created = await http.post("/graphql", json={"query": CREATE_ORGANIZATION})
    organization = success(created)["createOrganization"]["organization"]["id"]
    query = (
        "query($id: ID!) { __typename organization(id: $id) { name"
        " workspaces(first: 1, last: 1) { nodes { id } } } }"
    )
    for accept in (JSON, GRAPHQL_JSON):
        response = await http.post(
            "/graphql", json={"query": query, "variables": {"id": organization}}, headers={"accept": accept}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == accept
        body = response.json()
        # `workspaces` is not nullable: its error nulls the organization, and the rest stays.
        assert body["data"] == {"__typename": "Query", "organization": None}
        (error,) = body["errors"]
        assert error["path"] == ["organization", "workspaces"]
        assert error["extensions"]["code"] == "BAD_PAGINATION"


# -- how large a request may be ---------------------------------------------------------------------


def padded(request: dict[str, Any], size: int) -> bytes:
    """``request`` as JSON of exactly ``size`` bytes (spaces after the object: still one JSON value)."""
    content = json.dumps(request).encode()
    assert len(content) <= size
    return content + b" " * (size - len(content))


async def test_a_body_of_exactly_the_limit_is_read_and_one_byte_more_is_refused(
    http: httpx.AsyncClient,
) -> None:
    assert success(await post_json(http, padded(TYPENAME, BODY_LIMIT))) == {"__typename": "Query"}
    # Read whole, and refused for what it is (not a request), not for its size.
    not_a_request = b"[" + b" " * (BODY_LIMIT - 2) + b"]"
    assert len(not_a_request) == BODY_LIMIT
    refusal(await post_json(http, not_a_request), 400, "BAD_REQUEST")

    refusal(await post_json(http, padded(TYPENAME, BODY_LIMIT + 1)), 413, "REQUEST_TOO_LARGE")


async def test_a_declared_length_over_the_limit_is_refused_before_reading(http: httpx.AsyncClient) -> None:
    body = Stream(b" " * MiB, 300, head=json.dumps(TYPENAME).encode())
    request = http.build_request(
        "POST",
        "/graphql",
        content=body,
        headers={"content-type": JSON, "content-length": str(300 * MiB + 24)},
    )
    refusal(await http.send(request), 413, "REQUEST_TOO_LARGE")
    assert body.read == 0


async def test_a_chunked_body_is_read_only_up_to_the_limit(http: httpx.AsyncClient) -> None:
    body = Stream(b" " * MiB, 300, head=b'{"query": "{ __typename }", "padding": "')
    started = time.monotonic()
    response = await http.post("/graphql", content=body, headers={"content-type": JSON})
    refusal(response, 413, "REQUEST_TOO_LARGE")
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    # 2 MiB of the limit and the chunk that passed it: 3 of 300.
    assert 2 <= body.read <= 3, body.read
    assert time.monotonic() - started < 10

    # A chunked body within the limit is read to its end.
    within = Stream(b" " * 1024, 100, head=json.dumps(TYPENAME).encode())
    assert success(await http.post("/graphql", content=within, headers={"content-type": JSON})) == {
        "__typename": "Query"
    }
    assert within.read == 100


async def test_a_64_mb_json_body_is_refused(http: httpx.AsyncClient) -> None:
    huge = padded({"query": "{ __typename }", "variables": {"x": "y" * 1000}}, 64 * 1000 * 1000)
    refusal(await post_json(http, huge), 413, "REQUEST_TOO_LARGE")


def multipart(boundary: str, operations: Mapping[str, Any], files_map: Mapping[str, Any]) -> bytes:
    """The parts of a GraphQL multipart request up to (and with the headers of) its file ``0``."""
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
        f"{json.dumps(operations)}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{json.dumps(files_map)}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="0"; filename="huge.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()


UPLOAD = {"query": IMPORT, "variables": {"input": {"strategyId": "x", "file": None}}}
UPLOAD_MAP = {"0": ["variables.input.file"]}


async def test_an_upload_needs_a_preflight_header(http: httpx.AsyncClient) -> None:
    form = {"operations": json.dumps(UPLOAD), "map": json.dumps(UPLOAD_MAP)}
    files = {"0": ("m.csv", b"kpi,observed_on,value\n", "text/csv")}
    refusal(await http.post("/graphql", data=form, files=files), 400, "PREFLIGHT_REQUIRED")
    empty = {"Apollo-Require-Preflight": " "}
    refusal(await http.post("/graphql", data=form, files=files, headers=empty), 400, "PREFLIGHT_REQUIRED")


async def test_a_chunked_upload_over_its_limit_is_refused_at_the_limit(http: httpx.AsyncClient) -> None:
    limit = BODY_LIMIT + FILE_MAX_BYTES
    boundary = "redthread-test-boundary"
    body = Stream(
        b"kpi,2025-01-01,1\n" * (MiB // 17),
        300,
        head=multipart(boundary, UPLOAD, UPLOAD_MAP),
        tail=f"\r\n--{boundary}--\r\n".encode(),
    )
    started = time.monotonic()
    response = await http.post(
        "/graphql",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}", **PREFLIGHT},
    )
    refusal(response, 413, "REQUEST_TOO_LARGE")
    assert body.read <= limit // len(body.chunk) + 1, body.read
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    "files_map",
    [
        "{not json",
        json.dumps(["variables.input.file"]),
        json.dumps({"1": ["variables.input.file"]}),
        json.dumps({"0": ["variables.nothing.file"]}),
        json.dumps({"0": ["variables.input.file.deeper"]}),
        json.dumps({"0": [7]}),
        json.dumps({"0": "variables.input.file"}),
        json.dumps({"0": None}),
        json.dumps({"0": "xyz"}),
    ],
)
async def test_an_upload_with_a_bad_map_is_refused(http: httpx.AsyncClient, files_map: str) -> None:
    response = await http.post(
        "/graphql",
        data={"operations": json.dumps(UPLOAD), "map": files_map},
        files={"0": ("m.csv", b"kpi,observed_on,value\n", "text/csv")},
        headers=PREFLIGHT,
    )
    refusal(response, 400, "BAD_REQUEST")


async def test_an_upload_without_operations_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql",
        data={"map": json.dumps(UPLOAD_MAP)},
        files={"0": ("m.csv", b"kpi,observed_on,value\n", "text/csv")},
        headers=PREFLIGHT,
    )
    refusal(response, 400, "BAD_REQUEST")


async def test_a_document_up_to_its_limit_passes_and_one_byte_more_is_refused(
    http: httpx.AsyncClient,
) -> None:
    query = "{ __typename }"
    within = query + " " * (DOCUMENT_LIMIT - len(query))
    assert success(await http.post("/graphql", json={"query": within})) == {"__typename": "Query"}

    over = within + " "
    body = refusal(await http.post("/graphql", json={"query": over}), 413, "DOCUMENT_TOO_LARGE")
    assert f"{DOCUMENT_LIMIT:,}" in body["errors"][0]["message"]
    # The limit is in bytes of UTF-8: fewer characters than the limit, but more bytes.
    wide = query + " #" + "é" * (DOCUMENT_LIMIT // 2)
    assert len(wide) < DOCUMENT_LIMIT < len(wide.encode())
    refusal(await http.post("/graphql", json={"query": wide}), 413, "DOCUMENT_TOO_LARGE")
    narrow = query + " #" + "é" * ((DOCUMENT_LIMIT - len(query) - 2) // 2)
    assert len(narrow.encode()) <= DOCUMENT_LIMIT
    assert success(await http.post("/graphql", json={"query": narrow})) == {"__typename": "Query"}


# -- the request id ---------------------------------------------------------------------------------

REQUEST_ID = re.compile(r"[0-9a-f]{32}")


async def test_the_request_id_is_echoed_or_made(
    http: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    async def requests(headers: dict[str, str]) -> list[httpx.Response]:
        return [
            await http.post("/graphql", json=TYPENAME, headers=headers),
            await http.get("/graphql", params={"query": "{ __typename }"}, headers=headers),
            await post_json(http, b"[]", headers),
            await post_json(http, b"{", headers),
            await http.post("/graphql", content=b"{}", headers={"content-type": "text/plain", **headers}),
            await http.post("/graphql", json=TYPENAME, headers={"accept": "text/html", **headers}),
            await http.put("/graphql", json=TYPENAME, headers=headers),
            await http.get("/graphql", params={"query": CREATE_ORGANIZATION}, headers=headers),
            await post_json(http, padded(TYPENAME, BODY_LIMIT + 1), headers),
            await http.post("/graphql", json={"query": "{ nothing }"}, headers=headers),
            await anonymous.post("/graphql", json=TYPENAME, headers=headers),
        ]

    sent = await requests({"x-request-id": "trace-4f1c"})
    assert [r.status_code for r in sent] == [200, 200, 400, 400, 415, 406, 405, 405, 413, 200, 401]
    assert [r.headers.get("x-request-id") for r in sent] == ["trace-4f1c"] * len(sent)

    made = [r.headers.get("x-request-id") for r in await requests({})]
    assert all(id_ is not None and REQUEST_ID.fullmatch(id_) for id_ in made), made
    assert len(set(made)) == len(made)

    # A long id is cut to 64 characters.
    long = await http.post("/graphql", json=TYPENAME, headers={"x-request-id": "a" * 500})
    assert long.headers["x-request-id"] == "a" * 64


# -- compression ------------------------------------------------------------------------------------


async def raw(
    http: httpx.AsyncClient, request_body: dict[str, Any], encoding: str
) -> tuple[httpx.Response, bytes]:
    """The response and its bytes as they came (not decoded)."""
    async with http.stream(
        "POST", "/graphql", json=request_body, headers={"accept-encoding": encoding}
    ) as response:
        content = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, content


async def test_a_large_response_is_compressed_as_the_client_accepts(http: httpx.AsyncClient) -> None:
    introspection = {"query": get_introspection_query(descriptions=True)}
    plain, plain_bytes = await raw(http, introspection, "identity")
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    expected = json.loads(plain_bytes)
    assert expected["data"]["__schema"]["queryType"]["name"] == "Query"
    assert "errors" not in expected
    assert len(plain_bytes) > 100_000

    for encoding, decompress in (("gzip", gzip.decompress), ("br", brotli.decompress)):
        response, content = await raw(http, introspection, encoding)
        assert response.status_code == 200
        assert response.headers["content-encoding"] == encoding
        assert response.headers["content-type"] == JSON
        assert "accept-encoding" in response.headers["vary"].lower()
        assert len(content) < len(plain_bytes) / 4
        decoded = json.loads(decompress(content))
        assert decoded["data"] == expected["data"]
        assert (
            decoded["extensions"]["cost"]["requestedQueryCost"]
            == expected["extensions"]["cost"]["requestedQueryCost"]
        )
        # httpx decodes it the same way.
        again = await http.post("/graphql", json=introspection, headers={"accept-encoding": encoding})
        assert again.json()["data"] == expected["data"]


async def test_a_small_response_is_not_compressed(http: httpx.AsyncClient) -> None:
    response, content = await raw(http, TYPENAME, "gzip, br")
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert json.loads(content)["data"] == {"__typename": "Query"}


# -- who may call, and what is refused before the database ------------------------------------------


async def test_a_caller_without_credentials_is_refused(anonymous: httpx.AsyncClient, db: Database) -> None:
    for response in (
        await anonymous.post("/graphql", json=TYPENAME),
        await anonymous.get("/graphql", params={"query": "{ __typename }"}),
        await anonymous.post("/graphql", json=TYPENAME, headers={"authorization": "Basic b3A6cGFzcw=="}),
        await anonymous.post("/graphql", json=TYPENAME, headers=auth.bearer("not a token")),
    ):
        refusal(response, 401, "UNAUTHENTICATED")
        assert response.headers["www-authenticate"].startswith("Bearer")
    response = await anonymous.post("/graphql", json={"query": CREATE_ORGANIZATION})
    refusal(response, 401, "UNAUTHENTICATED")
    assert await organizations(db) == 0


#: Requests refused by the checks of the request itself, each with its status and code.
REFUSED: list[tuple[str, dict[str, Any], int, str]] = [
    ("not an object", {"content": b"[]", "headers": {"content-type": JSON}}, 400, "BAD_REQUEST"),
    ("not JSON", {"content": b"{", "headers": {"content-type": JSON}}, 400, "BAD_REQUEST"),
    ("not UTF-8", {"content": b"\xff{}", "headers": {"content-type": JSON}}, 400, "BAD_REQUEST"),
    ("no query", {"json": {"variables": {}}}, 400, "BAD_REQUEST"),
    (
        "plain text",
        {"content": b"{}", "headers": {"content-type": "text/plain"}},
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    ("HTML only", {"json": TYPENAME, "headers": {"accept": "text/html"}}, 406, "NOT_ACCEPTABLE"),
    (
        "too large",
        {"content": padded(TYPENAME, BODY_LIMIT + 1), "headers": {"content-type": JSON}},
        413,
        "REQUEST_TOO_LARGE",
    ),
    (
        "document too large",
        {"json": {"query": "{ __typename }" + " " * DOCUMENT_LIMIT}},
        413,
        "DOCUMENT_TOO_LARGE",
    ),
    (
        "no preflight",
        {"files": {"0": ("m.csv", b"x", "text/csv")}, "data": {"operations": "{}", "map": "{}"}},
        400,
        "PREFLIGHT_REQUIRED",
    ),
    ("does not parse", {"json": {"query": "{"}}, 200, "GRAPHQL_PARSE_FAILED"),
    ("does not validate", {"json": {"query": "{ nothing }"}}, 200, "GRAPHQL_VALIDATION_FAILED"),
    ("too deep", {"json": {"query": "{ a" + " { a" * 14 + " }" * 15}}, 200, "QUERY_TOO_DEEP"),
    (
        "no such operation",
        {"json": {"query": "query A { __typename }", "operationName": "B"}},
        200,
        "UNKNOWN_OPERATION",
    ),
]


@pytest.mark.parametrize(
    ("case", "request_options", "status", "code"), REFUSED, ids=[case for case, *_ in REFUSED]
)
async def test_a_refused_request_reads_no_database_signed_in_or_not(
    http: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    sql: StatementLog,
    case: str,
    request_options: dict[str, Any],
    status: int,
    code: str,
) -> None:
    sql.reset()
    response = await http.post("/graphql", **request_options)
    refusal(response, status, code)
    assert (sql.count, sql.bindings) == (0, 0), (case, sql.statements)

    # Without credentials, the request is refused as unauthenticated before it is read.
    sql.reset()
    response = await anonymous.post("/graphql", **request_options)
    refusal(response, 401, "UNAUTHENTICATED")
    assert (sql.count, sql.bindings) == (0, 0), (case, sql.statements)

    # The same client's good request does read the database (it signs the caller in).
    sql.reset()
    assert success(await http.post("/graphql", json=TYPENAME)) == {"__typename": "Query"}
    assert sql.count + sql.bindings > 0


async def test_a_get_of_a_mutation_is_refused_before_the_database(
    http: httpx.AsyncClient, anonymous: httpx.AsyncClient, sql: StatementLog
) -> None:
    for client, status, code in ((anonymous, 401, "UNAUTHENTICATED"), (http, 405, "METHOD_NOT_ALLOWED")):
        sql.reset()
        response = await client.get("/graphql", params={"query": CREATE_ORGANIZATION})
        refusal(response, status, code)
        assert (sql.count, sql.bindings) == (0, 0), sql.statements
