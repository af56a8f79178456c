"""Trusted documents: front ends' manifests (Apollo, Relay, graphql-codegen) read, checked against
the schema and registered all or nothing; found by id and by text; imported and listed from the
command line; read by the service role in any scope."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Connection, MetaData, event, text
from sqlalchemy.exc import DBAPIError

from api import cli
from domain.documents.manifests import ManifestFormat, detect_format, parse_manifest, sha256_hex
from domain.documents.models import OperationType
from domain.documents.store import TABLE, ImportCounts, find, find_by_sha256, import_documents, newest
from domain.errors import DomainError, ErrorCode
from domain.persistence.database import Database
from domain.scope import Scope
from schema.documents import validate_document

ORGANIZATIONS = """query Organizations {
  organizations(first: 5) {
    nodes {
      ...OrganizationFields
    }
  }
}

fragment OrganizationFields on Organization {
  id
  name
}"""
CREATE_ORGANIZATION = """mutation CreateOrganization($input: CreateOrganizationInput!) {
  createOrganization(input: $input) {
    organization {
      id
      name
    }
    userErrors {
      field
      message
      code
    }
  }
}"""
CONTENT_ITEM = (
    "query ContentItem($id: ID!) { contentItem(id: $id) { title tactic { name } "
    "kpis { name progress @include(if: false) { status } } } }"
)
VIEWER = "query AppViewerQuery {\n  viewer {\n    actor {\n      kind\n      name\n    }\n  }\n}\n"
STRATEGIES = "query Strategies { organizations(first: 5) { nodes { __typename name } } }"
ORGANIZATION = (
    "query Organization($id: ID!) { organization(id: $id) { __typename id name "
    "workspaces(first: 10) { nodes { __typename id name } } } }"
)


def apollo_operation(body: str, name: str | None, kind: str, id_: str | None = None) -> dict[str, Any]:
    return {"id": id_ or sha256_hex(body), "name": name, "type": kind, "body": body}


def apollo_manifest(*operations: object) -> bytes:
    """What ``@apollo/generate-persisted-query-manifest`` writes."""
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": list(operations)}
    return json.dumps(manifest, indent=2).encode()


def relay_query_map(*bodies: str) -> bytes:
    """What ``relay-compiler`` writes with ``persistConfig: {file: …}``: md5 hex ids."""
    return json.dumps({hashlib.md5(body.encode()).hexdigest(): body for body in bodies}, indent=2).encode()


def codegen_documents(*bodies: str) -> bytes:
    """What graphql-codegen's client preset writes to ``persisted-documents.json``: sha1 hex ids."""
    return json.dumps({hashlib.sha1(body.encode()).hexdigest(): body for body in bodies}, indent=2).encode()


GOOD_APOLLO = apollo_manifest(
    apollo_operation(ORGANIZATIONS, "Organizations", "query"),
    apollo_operation(CREATE_ORGANIZATION, "CreateOrganization", "mutation"),
)


async def imported(db: Database, data: bytes, **options: Any) -> ImportCounts:
    async with db.transaction(Scope.everything()) as session:
        return await import_documents(session, data, validate_document, **options)


async def refused(db: Database, data: bytes, **options: Any) -> list[tuple[ErrorCode, tuple[str, ...]]]:
    """The problems an import is refused with (it must be refused)."""
    with pytest.raises(DomainError) as error:
        await imported(db, data, **options)
    return [(problem.code, problem.field) for problem in error.value.problems]


async def stored(db: Database) -> dict[str, dict[str, Any]]:
    """Every stored document by id, read as the service in a scope of no workspace at all."""
    async with db.read(Scope.of()) as connection:
        rows = await connection.execute(text("SELECT * FROM trusted_document"))
        return {row.id: dict(row._mapping) for row in rows}


# -- reading manifests ----------------------------------------------------------------------------


def test_the_format_is_told_from_the_content() -> None:
    assert detect_format(json.loads(GOOD_APOLLO)) is ManifestFormat.APOLLO
    # Relay's query map and graphql-codegen's persisted documents have the one shape.
    assert detect_format(json.loads(relay_query_map(VIEWER))) is ManifestFormat.QUERY_MAP
    assert detect_format(json.loads(codegen_documents(STRATEGIES))) is ManifestFormat.QUERY_MAP
    assert detect_format({}) is ManifestFormat.QUERY_MAP
    assert detect_format({"format": "other", "operations": []}) is None
    assert detect_format({"a": {"body": "query { viewer { member { name } } }"}}) is None
    assert detect_format(["query { viewer { member { name } } }"]) is None


def test_the_operation_is_read_from_each_document() -> None:
    manifest = parse_manifest(relay_query_map(VIEWER, CREATE_ORGANIZATION), validate=validate_document)
    assert manifest.format is ManifestFormat.QUERY_MAP
    read = {(d.operation_name, d.operation_type, d.sha256) for d in manifest.documents}
    assert read == {
        ("AppViewerQuery", OperationType.QUERY, hashlib.sha256(VIEWER.encode()).hexdigest()),
        (
            "CreateOrganization",
            OperationType.MUTATION,
            hashlib.sha256(CREATE_ORGANIZATION.encode()).hexdigest(),
        ),
    }
    anonymous = parse_manifest(json.dumps({"v1": "{ viewer { actor { name } } }"}).encode())
    (document,) = anonymous.documents
    assert (document.operation_name, document.operation_type) == (None, OperationType.QUERY)


def test_a_file_that_is_no_manifest_is_refused_as_a_whole() -> None:
    cases = {
        b"": ErrorCode.EMPTY_FILE,
        b"\xff\xfe{}": ErrorCode.INVALID_ENCODING,
        b'{"a": "query { viewer { member { name } } }",': ErrorCode.INVALID_MANIFEST,
        b'["query { viewer { member { name } } }"]': ErrorCode.INVALID_MANIFEST,
        b'{"a": "{ viewer { actor { name } } }", "a": "{ viewer { actor { kind } } }"}': (
            ErrorCode.INVALID_MANIFEST
        ),
        b'{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}': (
            ErrorCode.INVALID_MANIFEST
        ),
    }
    for data, code in cases.items():
        with pytest.raises(DomainError) as error:
            parse_manifest(data)
        assert [problem.code for problem in error.value.problems] == [code], data


def test_an_explicit_format_must_match_the_file() -> None:
    with pytest.raises(DomainError) as as_apollo:
        parse_manifest(relay_query_map(VIEWER), ManifestFormat.APOLLO)
    assert [(p.code, p.field) for p in as_apollo.value.problems] == [
        (ErrorCode.INVALID_MANIFEST, ("format",))
    ]
    with pytest.raises(DomainError) as as_map:
        parse_manifest(GOOD_APOLLO, ManifestFormat.QUERY_MAP)
    # Read as a query map, its "format" is a document that does not parse, and the rest no documents.
    assert [(p.code, p.field) for p in as_map.value.problems] == [
        (ErrorCode.INVALID_DOCUMENT, ("format",)),
        (ErrorCode.REQUIRED, ("version",)),
        (ErrorCode.REQUIRED, ("operations",)),
    ]


def test_every_entry_is_checked_and_every_problem_reported() -> None:
    data = json.dumps(
        {
            "": VIEWER,
            "x" * 201: VIEWER,
            "blank": "  \n",
            "broken": "query Broken { viewer {",
            "two": VIEWER + "\nquery Other { viewer { actor { kind } } }",
            "types": "type Strategy { name: String }",
            "unknown-field": "query Unknown { viewer { password } }",
            "good": STRATEGIES,
        }
    ).encode()
    with pytest.raises(DomainError) as error:
        parse_manifest(data, validate=validate_document)
    problems = [(p.code, p.field) for p in error.value.problems]
    assert problems == [
        (ErrorCode.BLANK, ("",)),
        (ErrorCode.TOO_LONG, ("x" * 201,)),
        (ErrorCode.BLANK, ("blank",)),
        (ErrorCode.INVALID_DOCUMENT, ("broken",)),
        (ErrorCode.INVALID_DOCUMENT, ("two",)),
        (ErrorCode.INVALID_DOCUMENT, ("types",)),
        (ErrorCode.INVALID_DOCUMENT, ("unknown-field",)),
    ]
    messages = {p.field: p.message for p in error.value.problems}
    assert messages[("broken",)].startswith('Document "broken": Syntax Error')
    assert "holds 2 operations" in messages[("two",)]
    assert "Cannot query field 'password' on type 'Viewer'" in messages[("unknown-field",)]
    assert "(line 1, column 26)" in messages[("unknown-field",)]


def test_an_apollo_manifest_must_say_what_its_documents_are() -> None:
    wrong = apollo_manifest(
        apollo_operation(
            STRATEGIES, "Strategies", "query", id_=hashlib.sha1(STRATEGIES.encode()).hexdigest()
        ),
        apollo_operation(VIEWER, "Viewer", "mutation"),
        {"id": sha256_hex(STRATEGIES), "type": "query"},
        "query Strategies { organizations { nodes { name } } }",
        apollo_operation(STRATEGIES, "Strategies", "query"),
        {**apollo_operation(ORGANIZATIONS, "Organizations", "query"), "id": sha256_hex(STRATEGIES)},
    )
    with pytest.raises(DomainError) as error:
        parse_manifest(wrong, validate=validate_document)
    assert [(p.code, p.field) for p in error.value.problems] == [
        (ErrorCode.INVALID_ID, ("operations", "0", "id")),
        (ErrorCode.INVALID_DOCUMENT, ("operations", "1", "type")),
        (ErrorCode.INVALID_DOCUMENT, ("operations", "1", "name")),
        (ErrorCode.REQUIRED, ("operations", "2", "body")),
        (ErrorCode.INVALID_MANIFEST, ("operations", "3")),
        # The id of another document's text.
        (ErrorCode.INVALID_ID, ("operations", "5", "id")),
    ]
    assert "not the SHA-256 hash of the body" in error.value.problems[0].message


# -- registering ----------------------------------------------------------------------------------


async def test_an_apollo_manifest_is_registered_and_a_second_import_changes_nothing(db: Database) -> None:
    assert await imported(db, GOOD_APOLLO, client_name="web") == ImportCounts(created=2, unchanged=0)
    documents = await stored(db)
    organizations = documents[sha256_hex(ORGANIZATIONS)]
    assert organizations["body"] == ORGANIZATIONS
    assert organizations["sha256"] == sha256_hex(ORGANIZATIONS)
    assert (organizations["operation_name"], organizations["operation_type"]) == ("Organizations", "query")
    assert organizations["client_name"] == "web"
    assert documents[sha256_hex(CREATE_ORGANIZATION)]["operation_type"] == "mutation"

    # Again, and from another front end: nothing changes, not even who registered them.
    assert await imported(db, GOOD_APOLLO, client_name="admin") == ImportCounts(created=0, unchanged=2)
    assert await stored(db) == documents


async def test_relay_and_codegen_query_maps_are_registered(db: Database) -> None:
    relay = relay_query_map(VIEWER, ORGANIZATION)
    assert await imported(db, relay, client_name="ios") == ImportCounts(created=2, unchanged=0)
    codegen = codegen_documents(STRATEGIES, VIEWER)
    assert await imported(db, codegen, format=ManifestFormat.QUERY_MAP) == ImportCounts(
        created=2, unchanged=0
    )
    documents = await stored(db)
    assert set(documents) == {
        hashlib.md5(VIEWER.encode()).hexdigest(),
        hashlib.md5(ORGANIZATION.encode()).hexdigest(),
        hashlib.sha1(STRATEGIES.encode()).hexdigest(),
        hashlib.sha1(VIEWER.encode()).hexdigest(),
    }
    assert documents[hashlib.md5(ORGANIZATION.encode()).hexdigest()]["operation_name"] == "Organization"
    assert documents[hashlib.sha1(STRATEGIES.encode()).hexdigest()]["client_name"] is None
    # A manifest of one front end grown by a document: the old ones stay as they are.
    assert await imported(db, relay_query_map(VIEWER, ORGANIZATION, STRATEGIES)) == ImportCounts(1, 2)


async def test_an_id_keeps_its_document(db: Database) -> None:
    await imported(db, json.dumps({"viewer": VIEWER}).encode())
    changed = VIEWER.replace("kind", "id")
    problems = await refused(db, json.dumps({"new": STRATEGIES, "viewer": changed}).encode())
    assert problems == [(ErrorCode.DOCUMENT_ID_TAKEN, ("viewer",))]
    # Nothing of the refused manifest is stored, the new document neither.
    assert set(await stored(db)) == {"viewer"}
    assert (await stored(db))["viewer"]["body"] == VIEWER

    with pytest.raises(DomainError) as error:
        await imported(db, json.dumps({"viewer": ORGANIZATIONS}).encode())
    assert error.value.problems[0].message.startswith('Document "viewer": another document')


async def test_a_document_the_schema_refuses_is_not_registered_nor_anything_with_it(db: Database) -> None:
    manifests = {
        "does not parse": {"good": STRATEGIES, "bad": "query Broken { viewer { actor { name } }"},
        "does not fit the schema": {
            "good": STRATEGIES,
            "bad": "mutation Rename { renameOrganization(id: 1) { name } }",
        },
        "a variable of the wrong type": {
            "good": STRATEGIES,
            "bad": "query Organization($id: Int) { organization(id: $id) { name } }",
        },
        "two operations": {"good": STRATEGIES, "bad": VIEWER + "query Again { viewer { actor { name } } }"},
    }
    for case, manifest in manifests.items():
        problems = await refused(db, json.dumps(manifest).encode())
        assert problems, case
        assert set(problems) == {(ErrorCode.INVALID_DOCUMENT, ("bad",))}, case
    assert await stored(db) == {}


async def test_a_blank_client_name_is_refused(db: Database) -> None:
    assert await refused(db, GOOD_APOLLO, client_name="  ") == [(ErrorCode.BLANK, ("client",))]
    assert await stored(db) == {}


# -- finding --------------------------------------------------------------------------------------


async def test_the_newest_documents_are_read_as_far_as_the_bytes_asked_for(db: Database) -> None:
    await imported(db, relay_query_map(VIEWER))
    await imported(db, relay_query_map(STRATEGIES, ORGANIZATION))
    async with db.read(Scope.of()) as connection:
        everything = await newest(connection, 1_000_000)
        assert [document.body for document in everything[2:]] == [VIEWER]
        assert {document.body for document in everything[:2]} == {STRATEGIES, ORGANIZATION}
        two = await newest(connection, len(STRATEGIES) + len(ORGANIZATION))
        assert [document.id for document in two] == [document.id for document in everything[:2]]
        assert await newest(connection, min(len(STRATEGIES), len(ORGANIZATION)) - 1) == []


async def test_a_document_is_found_by_id_and_by_its_text(db: Database) -> None:
    await imported(db, GOOD_APOLLO)
    await imported(db, codegen_documents(ORGANIZATIONS))
    async with db.read(Scope.of()) as connection:
        by_id = await find(connection, sha256_hex(ORGANIZATIONS))
        assert by_id is not None
        assert (by_id.body, by_id.operation_name, by_id.operation_type) == (
            ORGANIZATIONS,
            "Organizations",
            OperationType.QUERY,
        )
        assert by_id.sha256 == sha256_hex(ORGANIZATIONS)
        codegen = await find(connection, hashlib.sha1(ORGANIZATIONS.encode()).hexdigest())
        assert codegen is not None
        assert codegen.body == ORGANIZATIONS

        # Two ids carry this text; either is the same document.
        by_text = await find_by_sha256(connection, sha256_hex(ORGANIZATIONS).upper())
        assert by_text is not None
        assert by_text.body == ORGANIZATIONS
        assert by_text.id in {sha256_hex(ORGANIZATIONS), hashlib.sha1(ORGANIZATIONS.encode()).hexdigest()}
        mutation = await find_by_sha256(connection, sha256_hex(CREATE_ORGANIZATION))
        assert mutation is not None
        assert mutation.operation_type is OperationType.MUTATION

        assert await find(connection, sha256_hex(VIEWER)) is None
        assert await find(connection, "") is None
        assert await find(connection, "x" * 10_000) is None
        assert await find_by_sha256(connection, sha256_hex(VIEWER)) is None
        assert await find_by_sha256(connection, "not a hash") is None


async def test_the_lookups_use_the_indexes(owner_db: Database) -> None:
    sent: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(owner_db.engine.sync_engine, "before_cursor_execute", record)
    async with owner_db.read(Scope.everything()) as connection:
        sent.clear()
        await find_by_sha256(connection, sha256_hex(VIEWER))
        await find(connection, "viewer")
        lookups = list(sent)
        await connection.execute(text("SET LOCAL enable_seqscan = off"))
        for (statement, parameters), index in zip(
            lookups, ["ix_trusted_document_sha256", "pk_trusted_document"], strict=True
        ):
            plan = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            assert index in " ".join(row[0] for row in plan), statement


# -- the table, as the service meets it -----------------------------------------------------------


async def test_the_service_reads_and_adds_documents_but_never_changes_one(db: Database) -> None:
    await imported(db, GOOD_APOLLO)
    async with db.read(Scope.of()) as connection:
        rights = await connection.execute(
            text(
                "SELECT has_table_privilege('trusted_document', 'SELECT') AS read,"
                " has_table_privilege('trusted_document', 'INSERT') AS add,"
                " has_table_privilege('trusted_document', 'DELETE') AS remove,"
                " has_table_privilege('trusted_document', 'UPDATE') AS change,"
                " has_table_privilege('trusted_document', 'TRUNCATE') AS empty,"
                " (SELECT relrowsecurity FROM pg_class WHERE oid = 'trusted_document'::regclass) AS policed,"
                " current_user AS role"
            )
        )
        row = rights.one()
    assert (row.read, row.add, row.remove, row.change, row.empty) == (True, True, True, False, False)
    assert not row.policed
    assert row.role != "postgres"
    with pytest.raises(DBAPIError, match="permission denied"):
        async with db.transaction(Scope.everything()) as session:
            await session.execute(
                text("UPDATE trusted_document SET body = 'query { viewer { member { id } } }'")
            )


async def test_the_model_matches_the_migration(owner_db: Database) -> None:
    def differences(connection: Connection) -> list[Any]:
        metadata = MetaData()
        TABLE.to_metadata(metadata)
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parents: kind != "table" or name == TABLE.name,
            },
        )
        return list(compare_metadata(context, metadata))

    async with owner_db.engine.connect() as connection:
        assert await connection.run_sync(differences) == []


# -- the command line -----------------------------------------------------------------------------


async def test_the_cli_imports_and_lists_documents(
    db: Database, fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_url.replace("+asyncpg", ""))
    runner = CliRunner()
    apollo = tmp_path / "persisted-query-manifest.json"
    apollo.write_bytes(GOOD_APOLLO)
    command = ["documents", "import", str(apollo), "--client", "web"]
    first = await asyncio.to_thread(runner.invoke, cli.main, command)
    assert first.exit_code == 0, first.output
    paths = sorted(
        [
            f"{sha256_hex(ORGANIZATIONS)}\tOrganizations\texecutor: organizations\n",
            f"{sha256_hex(CREATE_ORGANIZATION)}\tCreateOrganization\texecutor: mutation\n",
        ]
    )
    assert first.stdout == "created 2, unchanged 0\n" + "".join(paths)
    again = await asyncio.to_thread(runner.invoke, cli.main, command)
    assert again.stdout.splitlines()[0] == "created 0, unchanged 2"

    relay = tmp_path / "queryMap.json"
    relay.write_bytes(relay_query_map(VIEWER, CONTENT_ITEM))
    as_map = await asyncio.to_thread(
        runner.invoke, cli.main, ["documents", "import", str(relay), "--format", "query-map"]
    )
    assert as_map.stdout.splitlines()[0] == "created 2, unchanged 0", as_map.output
    assert sorted(as_map.stdout.splitlines()[1:]) == sorted(
        [
            f"{hashlib.md5(VIEWER.encode()).hexdigest()}\tAppViewerQuery\texecutor: viewer",
            f"{hashlib.md5(CONTENT_ITEM.encode()).hexdigest()}\tContentItem\tcompiled plan",
        ]
    )

    listed = await asyncio.to_thread(runner.invoke, cli.main, ["documents", "list"])
    assert listed.exit_code == 0, listed.output
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert sorted((line[0], line[1], line[2], line[4], line[5]) for line in lines) == sorted(
        [
            (sha256_hex(ORGANIZATIONS), "Organizations", "query", "web", "executor: organizations"),
            (sha256_hex(CREATE_ORGANIZATION), "CreateOrganization", "mutation", "web", "executor: mutation"),
            (hashlib.md5(VIEWER.encode()).hexdigest(), "AppViewerQuery", "query", "-", "executor: viewer"),
            (hashlib.md5(CONTENT_ITEM.encode()).hexdigest(), "ContentItem", "query", "-", "compiled plan"),
        ]
    )

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"good": STRATEGIES, "bad": "query Bad { viewer { password } }"}))
    refused_import = await asyncio.to_thread(runner.invoke, cli.main, ["documents", "import", str(bad)])
    assert refused_import.exit_code == 1
    assert refused_import.stdout == ""
    assert "INVALID_DOCUMENT: Document \"bad\": Cannot query field 'password'" in refused_import.stderr
    assert "nothing was registered (1 problem(s))" in refused_import.stderr
    as_apollo = await asyncio.to_thread(
        runner.invoke, cli.main, ["documents", "import", str(relay), "--format", "apollo"]
    )
    assert as_apollo.exit_code == 1
    assert "INVALID_MANIFEST" in as_apollo.stderr
    unknown_format = await asyncio.to_thread(
        runner.invoke, cli.main, ["documents", "import", str(relay), "--format", "relay"]
    )
    assert unknown_format.exit_code == 2
    assert len(await stored(db)) == 4
