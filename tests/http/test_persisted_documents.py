"""Documents a request names instead of sending: automatic persisted queries and trusted documents.

Over HTTP, in-process, at the default limits: Apollo's automatic persisted queries (a hash
alone, then the hash with the text once the server says ``PersistedQueryNotFound``), trusted
documents registered from the front ends' manifests and named by ``documentId`` (Relay:
``doc_id``) or by the SHA-256 of their text, and a deployment that runs registered documents
only.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from starlette.routing import Route

from api import cli
from api.app import create_app
from api.graphql.endpoint import GraphQLEndpoint
from api.settings import Settings
from domain.documents.store import ImportCounts, import_documents
from domain.persistence.database import Database
from domain.scope import Scope
from domain.tenancy.models import Organization
from schema.documents import validate_document
from schema.ids import encode
from tests import auth
from tests.client import signed_in

JSON = "application/json"
GRAPHQL_JSON = "application/graphql-response+json"
ORGANIZATIONS = (
    "query Organizations($first: Int) {\n  organizations(first: $first) {\n    nodes {\n      name\n"
    "    }\n  }\n}"
)
CREATE = (
    "mutation Create($name: String!) {\n  createOrganization(input: {name: $name}) {\n"
    "    organization {\n      name\n    }\n    userErrors {\n      code\n    }\n  }\n}"
)
VIEWER = "query AppViewerQuery {\n  viewer {\n    actor {\n      kind\n    }\n  }\n}\n"
#: A document the tests never register.
TYPENAME = "query Typename { __typename }"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(digest: str, version: object = 1) -> dict[str, Any]:
    """The ``extensions`` of an automatic persisted query."""
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


@pytest.fixture
async def http(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app at its default settings, called by the operator."""
    async with signed_in(db, auth.token(auth.OPERATOR), settings=Settings()) as client:
        yield client.http


@pytest.fixture
async def trusted_only(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app of a deployment that runs registered documents only, called by the operator."""
    async with signed_in(
        db, auth.token(auth.OPERATOR), settings=Settings(trusted_documents_only=True)
    ) as client:
        yield client.http


async def register(db: Database, documents: Mapping[str, str]) -> ImportCounts:
    """Register a query map of id → text, as `redthread documents import` does."""
    async with db.transaction(Scope.everything()) as session:
        return await import_documents(session, json.dumps(dict(documents)).encode(), validate_document)


async def organizations(db: Database) -> list[str]:
    async with db.read(Scope.everything()) as connection:
        names = await connection.execute(select(Organization.name).order_by(Organization.name))
        return list(names.scalars())


async def organization_count(db: Database) -> int:
    async with db.read(Scope.everything()) as connection:
        count: int = (await connection.execute(select(func.count()).select_from(Organization))).scalar_one()
        return count


def data_of(response: httpx.Response) -> dict[str, Any]:
    """The data of a request that ran without errors."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def error_of(response: httpx.Response, status: int, code: str, media_type: str = JSON) -> dict[str, Any]:
    """The first error of a request refused before it ran (no ``data``), with its code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == media_type
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    error: dict[str, Any] = body["errors"][0]
    assert error["extensions"]["code"] == code, body
    return error


async def create_organizations(http: httpx.AsyncClient, *names: str) -> None:
    for name in names:
        response = await http.post("/graphql", json={"query": CREATE, "variables": {"name": name}})
        assert data_of(response)["createOrganization"]["userErrors"] == []


def names(data: dict[str, Any]) -> list[str]:
    return [node["name"] for node in data["organizations"]["nodes"]]


# -- automatic persisted queries --------------------------------------------------------------------


async def test_the_automatic_persisted_query_cycle(http: httpx.AsyncClient) -> None:
    await create_organizations(http, "Acme")
    digest = sha256(ORGANIZATIONS)
    variables = {"first": 5}

    # The client sends the hash alone; the server does not know it yet.
    unknown = await http.post("/graphql", json={"extensions": persisted(digest), "variables": variables})
    error = error_of(unknown, 200, "PERSISTED_QUERY_NOT_FOUND")
    assert error["message"] == "PersistedQueryNotFound"
    as_graphql = await http.post(
        "/graphql", json={"extensions": persisted(digest)}, headers={"accept": GRAPHQL_JSON}
    )
    error_of(as_graphql, 400, "PERSISTED_QUERY_NOT_FOUND", GRAPHQL_JSON)

    # It sends the hash with the text: the server runs it and keeps it.
    registered = await http.post(
        "/graphql", json={"query": ORGANIZATIONS, "variables": variables, "extensions": persisted(digest)}
    )
    assert names(data_of(registered)) == ["Acme"]

    # From now on the hash alone is enough, by POST and by GET, in either case of hex.
    again = await http.post("/graphql", json={"extensions": persisted(digest), "variables": variables})
    assert names(data_of(again)) == ["Acme"]
    upper = await http.post("/graphql", json={"extensions": persisted(digest.upper())})
    assert names(data_of(upper)) == ["Acme"]
    by_get = await http.get(
        "/graphql",
        params={
            "extensions": json.dumps(persisted(digest)),
            "variables": json.dumps(variables),
            "operationName": "Organizations",
        },
    )
    assert names(data_of(by_get)) == ["Acme"]


async def test_a_persisted_mutation_runs_by_post_only(http: httpx.AsyncClient, db: Database) -> None:
    digest = sha256(CREATE)
    first = await http.post(
        "/graphql", json={"query": CREATE, "variables": {"name": "One"}, "extensions": persisted(digest)}
    )
    assert data_of(first)["createOrganization"]["organization"] == {"name": "One"}
    by_get = await http.get(
        "/graphql",
        params={"extensions": json.dumps(persisted(digest)), "variables": json.dumps({"name": "Two"})},
    )
    error_of(by_get, 405, "METHOD_NOT_ALLOWED")
    assert by_get.headers["allow"] == "POST"
    by_post = await http.post(
        "/graphql", json={"extensions": persisted(digest), "variables": {"name": "Two"}}
    )
    assert data_of(by_post)["createOrganization"]["organization"] == {"name": "Two"}
    assert await organizations(db) == ["One", "Two"]


async def test_a_hash_that_is_not_the_texts_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": ORGANIZATIONS, "extensions": persisted(sha256(ORGANIZATIONS + " "))}
    )
    error_of(response, 400, "PERSISTED_QUERY_HASH_MISMATCH")
    # Nothing was kept under either hash.
    for digest in (sha256(ORGANIZATIONS + " "), sha256(ORGANIZATIONS)):
        response = await http.post("/graphql", json={"extensions": persisted(digest)})
        error_of(response, 200, "PERSISTED_QUERY_NOT_FOUND")


@pytest.mark.parametrize(
    "extensions",
    [
        persisted(sha256(TYPENAME), version=2),
        persisted(sha256(TYPENAME), version="1"),
        persisted(sha256(TYPENAME), version=None),
        {"persistedQuery": {"sha256Hash": sha256(TYPENAME)}},
        {"persistedQuery": {"version": 1}},
        {"persistedQuery": {"version": 1, "sha256Hash": 7}},
        {"persistedQuery": "yes"},
        {"persistedQuery": [1, sha256(TYPENAME)]},
    ],
)
async def test_a_persisted_query_needs_version_1_and_a_hash(
    http: httpx.AsyncClient, extensions: dict[str, Any]
) -> None:
    for request in ({"extensions": extensions}, {"query": TYPENAME, "extensions": extensions}):
        error_of(await http.post("/graphql", json=request), 400, "BAD_REQUEST")


async def test_a_query_that_does_not_validate_is_not_remembered(http: httpx.AsyncClient) -> None:
    invalid = "query Invalid { noSuchField }"
    digest = sha256(invalid)
    sent = await http.post("/graphql", json={"query": invalid, "extensions": persisted(digest)})
    error_of(sent, 200, "GRAPHQL_VALIDATION_FAILED")
    later = await http.post("/graphql", json={"extensions": persisted(digest)})
    error_of(later, 200, "PERSISTED_QUERY_NOT_FOUND")

    broken = "query Broken { __typename"
    error_of(
        await http.post("/graphql", json={"query": broken, "extensions": persisted(sha256(broken))}),
        200,
        "GRAPHQL_PARSE_FAILED",
    )
    error_of(
        await http.post("/graphql", json={"extensions": persisted(sha256(broken))}),
        200,
        "PERSISTED_QUERY_NOT_FOUND",
    )


# -- trusted documents ------------------------------------------------------------------------------


async def test_a_registered_document_runs_by_its_id(http: httpx.AsyncClient, db: Database) -> None:
    await create_organizations(http, "Acme", "Globex")
    assert await register(db, {"organizations": ORGANIZATIONS, "create": CREATE}) == ImportCounts(2, 0)

    by_id = await http.post("/graphql", json={"documentId": "organizations", "variables": {"first": 1}})
    assert names(data_of(by_id)) == ["Acme"]
    relay = await http.post("/graphql", json={"doc_id": "organizations", "variables": {"first": 5}})
    assert names(data_of(relay)) == ["Acme", "Globex"]
    for parameter in ("documentId", "doc_id"):
        by_get = await http.get(
            "/graphql", params={parameter: "organizations", "variables": json.dumps({"first": 5})}
        )
        assert names(data_of(by_get)) == ["Acme", "Globex"]

    # A registered mutation runs by POST, and never by GET.
    created = await http.post("/graphql", json={"documentId": "create", "variables": {"name": "Initech"}})
    assert data_of(created)["createOrganization"]["organization"] == {"name": "Initech"}
    refused = await http.get("/graphql", params={"documentId": "create", "variables": '{"name": "By GET"}'})
    error_of(refused, 405, "METHOD_NOT_ALLOWED")
    assert await organizations(db) == ["Acme", "Globex", "Initech"]


async def test_an_unknown_document_id_is_not_found(http: httpx.AsyncClient, db: Database) -> None:
    await register(db, {"organizations": ORGANIZATIONS})
    for request in ({"documentId": "unknown"}, {"doc_id": "Organizations"}, {"documentId": "x" * 1000}):
        error = error_of(await http.post("/graphql", json=request), 200, "PERSISTED_QUERY_NOT_FOUND")
        assert len(error["message"]) < 300
    error_of(
        await http.get("/graphql", params={"documentId": "unknown"}, headers={"accept": GRAPHQL_JSON}),
        400,
        "PERSISTED_QUERY_NOT_FOUND",
        GRAPHQL_JSON,
    )
    # Registered while the service runs: found on the next request.
    await register(db, {"unknown": VIEWER})
    found = await http.post("/graphql", json={"documentId": "unknown"})
    assert data_of(found) == {"viewer": {"actor": {"kind": "MEMBER"}}}


async def test_a_registered_document_runs_by_the_hash_of_its_text(
    http: httpx.AsyncClient, db: Database
) -> None:
    await create_organizations(http, "Acme")
    await register(db, {"some-id": ORGANIZATIONS})
    # The text was never sent to this process, only registered.
    response = await http.post("/graphql", json={"extensions": persisted(sha256(ORGANIZATIONS))})
    assert names(data_of(response)) == ["Acme"]
    error_of(
        await http.post("/graphql", json={"extensions": persisted(sha256(VIEWER))}),
        200,
        "PERSISTED_QUERY_NOT_FOUND",
    )


# -- a deployment that runs registered documents only -----------------------------------------------


async def test_a_trusted_only_deployment_runs_registered_documents(
    http: httpx.AsyncClient, trusted_only: httpx.AsyncClient, db: Database
) -> None:
    await create_organizations(http, "Acme")
    await register(db, {"organizations": ORGANIZATIONS, "create": CREATE})

    by_id = await trusted_only.post("/graphql", json={"documentId": "organizations"})
    assert names(data_of(by_id)) == ["Acme"]
    # The text of a registered document, sent as it is: it is that document.
    as_text = await trusted_only.post("/graphql", json={"query": ORGANIZATIONS, "variables": {"first": 1}})
    assert names(data_of(as_text)) == ["Acme"]
    by_get = await trusted_only.get("/graphql", params={"query": ORGANIZATIONS})
    assert names(data_of(by_get)) == ["Acme"]
    by_hash = await trusted_only.post("/graphql", json={"extensions": persisted(sha256(ORGANIZATIONS))})
    assert names(data_of(by_hash)) == ["Acme"]
    with_hash = await trusted_only.post(
        "/graphql", json={"query": ORGANIZATIONS, "extensions": persisted(sha256(ORGANIZATIONS))}
    )
    assert names(data_of(with_hash)) == ["Acme"]
    created = await trusted_only.post("/graphql", json={"query": CREATE, "variables": {"name": "Globex"}})
    assert data_of(created)["createOrganization"]["organization"] == {"name": "Globex"}
    assert await organizations(db) == ["Acme", "Globex"]


@pytest.mark.parametrize(
    "query",
    [
        TYPENAME,
        "{ organizations { nodes { name } } }",
        # A registered document's text, but not exactly: another document.
        ORGANIZATIONS + "\n",
        ORGANIZATIONS.replace("  ", "\t"),
        "{ __typename",
    ],
)
async def test_a_trusted_only_deployment_refuses_any_other_text(
    trusted_only: httpx.AsyncClient, db: Database, query: str
) -> None:
    await register(db, {"organizations": ORGANIZATIONS})
    for accept, status in ((JSON, 200), (GRAPHQL_JSON, 400)):
        response = await trusted_only.post("/graphql", json={"query": query}, headers={"accept": accept})
        error_of(response, status, "DOCUMENT_NOT_TRUSTED", accept)
    error_of(await trusted_only.get("/graphql", params={"query": query}), 200, "DOCUMENT_NOT_TRUSTED")


async def test_a_mutation_a_trusted_only_deployment_does_not_know_is_not_applied(
    trusted_only: httpx.AsyncClient, db: Database
) -> None:
    await register(db, {"organizations": ORGANIZATIONS})
    rogue = 'mutation { createOrganization(input: {name: "Rogue"}) { organization { id } } }'
    error_of(await trusted_only.post("/graphql", json={"query": rogue}), 200, "DOCUMENT_NOT_TRUSTED")
    error_of(
        await trusted_only.post("/graphql", json={"query": CREATE, "variables": {"name": "Rogue"}}),
        200,
        "DOCUMENT_NOT_TRUSTED",
    )
    # Nor through the automatic persisted queries.
    apq = await trusted_only.post(
        "/graphql",
        json={"query": CREATE, "variables": {"name": "Rogue"}, "extensions": persisted(sha256(CREATE))},
    )
    error_of(apq, 200, "DOCUMENT_NOT_TRUSTED")
    assert await organization_count(db) == 0


async def test_a_trusted_only_deployment_registers_no_persisted_query(
    trusted_only: httpx.AsyncClient, db: Database
) -> None:
    await register(db, {"organizations": ORGANIZATIONS})
    digest = sha256(TYPENAME)
    error_of(
        await trusted_only.post("/graphql", json={"extensions": persisted(digest)}),
        200,
        "PERSISTED_QUERY_NOT_FOUND",
    )
    error_of(
        await trusted_only.post("/graphql", json={"query": TYPENAME, "extensions": persisted(digest)}),
        200,
        "DOCUMENT_NOT_TRUSTED",
    )
    error_of(
        await trusted_only.post("/graphql", json={"extensions": persisted(digest)}),
        200,
        "PERSISTED_QUERY_NOT_FOUND",
    )
    # The hash still has to be the text's.
    mismatch = await trusted_only.post(
        "/graphql", json={"query": TYPENAME, "extensions": persisted(sha256(ORGANIZATIONS))}
    )
    error_of(mismatch, 400, "PERSISTED_QUERY_HASH_MISMATCH")


# -- manifests imported from the command line -------------------------------------------------------


def apollo_manifest(*bodies: tuple[str, str, str]) -> bytes:
    """What ``@apollo/generate-persisted-query-manifest`` writes: ids are the bodies' SHA-256."""
    operations = [
        {"id": sha256(body), "name": name, "type": kind, "body": body} for body, name, kind in bodies
    ]
    return json.dumps(
        {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}, indent=2
    ).encode()


def relay_query_map(*bodies: str) -> bytes:
    """What ``relay-compiler`` writes with ``persistConfig: {file: …}``: md5 hex ids."""
    return json.dumps({hashlib.md5(body.encode()).hexdigest(): body for body in bodies}, indent=2).encode()


def codegen_documents(*bodies: str) -> bytes:
    """What graphql-codegen's client preset writes to ``persisted-documents.json``: sha1 hex ids."""
    return json.dumps({hashlib.sha1(body.encode()).hexdigest(): body for body in bodies}, indent=2).encode()


async def test_manifests_imported_from_the_command_line_run_by_id(
    http: httpx.AsyncClient, db: Database, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await create_organizations(http, "Acme")
    monkeypatch.setenv("DATABASE_URL", fresh_url.replace("+asyncpg", ""))
    runner = CliRunner()

    async def imported(name: str, data: bytes, *options: str) -> str:
        manifest = tmp_path / name
        manifest.write_bytes(data)
        result = await asyncio.to_thread(
            runner.invoke, cli.main, ["documents", "import", str(manifest), *options]
        )
        assert result.exit_code == 0, result.output
        return result.stdout

    apollo_id, relay_id, codegen_id = (
        sha256(ORGANIZATIONS),
        hashlib.md5(VIEWER.encode()).hexdigest(),
        hashlib.sha1(CREATE.encode()).hexdigest(),
    )
    # Not registered yet: the process asks the database again once they are.
    for document_id in (apollo_id, relay_id, codegen_id):
        error_of(
            await http.post("/graphql", json={"documentId": document_id}), 200, "PERSISTED_QUERY_NOT_FOUND"
        )

    apollo = apollo_manifest((ORGANIZATIONS, "Organizations", "query"))
    assert await imported("persisted-query-manifest.json", apollo, "--client", "web") == (
        f"created 1, unchanged 0\n{apollo_id}\tOrganizations\texecutor: organizations\n"
    )
    assert await imported("queryMap.json", relay_query_map(VIEWER), "--format", "query-map") == (
        f"created 1, unchanged 0\n{relay_id}\tAppViewerQuery\texecutor: viewer\n"
    )
    assert await imported("persisted-documents.json", codegen_documents(CREATE)) == (
        f"created 1, unchanged 0\n{codegen_id}\tCreate\texecutor: mutation\n"
    )

    # Apollo's clients send the id as the persisted query's hash, without the text.
    as_apollo = await http.post(
        "/graphql", json={"extensions": persisted(apollo_id), "variables": {"first": 5}}
    )
    assert names(data_of(as_apollo)) == ["Acme"]
    assert names(data_of(await http.post("/graphql", json={"documentId": apollo_id}))) == ["Acme"]
    # Relay's, as `doc_id`.
    as_relay = await http.post("/graphql", json={"doc_id": relay_id, "variables": {}})
    assert data_of(as_relay) == {"viewer": {"actor": {"kind": "MEMBER"}}}
    by_get = await http.get("/graphql", params={"doc_id": relay_id})
    assert data_of(by_get) == {"viewer": {"actor": {"kind": "MEMBER"}}}
    # graphql-codegen's, as `documentId`.
    as_codegen = await http.post("/graphql", json={"documentId": codegen_id, "variables": {"name": "Globex"}})
    assert data_of(as_codegen)["createOrganization"]["organization"] == {"name": "Globex"}
    assert await organizations(db) == ["Acme", "Globex"]

    # And a deployment that runs registered documents only runs them too.
    async with signed_in(
        db, auth.token(auth.OPERATOR), settings=Settings(trusted_documents_only=True)
    ) as only:
        for request in ({"documentId": apollo_id}, {"doc_id": relay_id}, {"query": VIEWER}):
            data_of(await only.http.post("/graphql", json=request))
        error_of(await only.http.post("/graphql", json={"query": TYPENAME}), 200, "DOCUMENT_NOT_TRUSTED")


CONTENT_MAP = """query ContentMap($id: ID!, $withKpis: Boolean!) {
  strategy(id: $id) {
    name
    contentItems(first: 20) { nodes { id title kpis @include(if: $withKpis) { name } } }
  }
}"""
PROGRESS = "query Progress($id: ID!) { strategy(id: $id) { kpis { progress { status } } } }"


async def test_a_starting_process_compiles_the_plans_of_the_trusted_documents(db: Database) -> None:
    """The plans of registered queries are compiled as the process starts, in the shape their
    requests come in; a query plans cannot answer and a mutation get none."""
    await register(db, {"map": CONTENT_MAP, "progress": PROGRESS, "create": CREATE})
    app = create_app(db, authenticator=auth.authenticator(db), settings=Settings())
    routes = [route for route in app.routes if isinstance(route, Route)]
    (endpoint,) = [route.endpoint for route in routes if route.path == "/graphql"]
    assert isinstance(endpoint, GraphQLEndpoint)
    assert endpoint.planner is not None
    planner = endpoint.planner
    assert planner.shapes == 0
    async with app.router.lifespan_context(app):
        for _ in range(500):
            if planner.shapes:
                break
            await asyncio.sleep(0.01)
        assert planner.shapes == 1
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://redthread.test",
            headers=auth.bearer(auth.token(auth.OPERATOR)),
        ) as http:
            strategy = encode("Strategy", uuid.uuid4())

            async def ask(with_kpis: bool) -> dict[str, Any]:
                variables = {"id": strategy, "withKpis": with_kpis}
                asked = {"documentId": "map", "variables": variables}
                return data_of(await http.post("/graphql", json=asked))

            assert await ask(with_kpis=True) == {"strategy": None}
            # Its request found the plan compiled: no shape was added.
            assert planner.shapes == 1
            # Another shape of the same document is compiled when it first comes.
            assert await ask(with_kpis=False) == {"strategy": None}
            assert planner.shapes == 2
