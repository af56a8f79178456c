"""Registering trusted documents, and finding them for a request.

An import is all or nothing, and idempotent: a document registered before with the same
text is left as it is (and counted unchanged); an id registered with another text is
refused, because a client built against the old text would be given the new one. The
caller's transaction holds the import: when any document is refused, nothing is stored.

Whether a document fits the schema is asked of a :data:`~domain.documents.manifests.Validator`
the caller passes in (the schema layer has one), so the domain never loads the schema.

The lookups serve every request that names a document; each is one indexed SELECT, and
any scope may run it, since the documents belong to the deployment, not to a workspace.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, Table, Text, any_, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain import values
from domain.documents.manifests import Document, ManifestFormat, Validator, parse_manifest
from domain.documents.models import ID_MAX, OperationType, TrustedDocumentRecord
from domain.errors import DomainError, ErrorCode, Problem, Problems

TABLE: Table = TrustedDocumentRecord.__table__  # type: ignore[assignment]
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class TrustedDocument:
    """A registered document, as a request runs it."""

    id: str
    body: str
    operation_name: str | None
    operation_type: OperationType
    #: Hex SHA-256 of the body's UTF-8.
    sha256: str


@dataclass(frozen=True, slots=True)
class RegisteredDocument:
    """A registered document, as the list of them shows it."""

    id: str
    body: str
    operation_name: str | None
    operation_type: OperationType
    client_name: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """What an import did: documents registered now, and documents registered already."""

    created: int = 0
    unchanged: int = 0


_LOOKUP_COLUMNS = (TABLE.c.id, TABLE.c.body, TABLE.c.operation_name, TABLE.c.operation_type, TABLE.c.sha256)
_BY_ID = select(*_LOOKUP_COLUMNS).where(TABLE.c.id == bindparam("document_id"))
# Several ids may carry one text; any of them is the same document.
_BY_SHA256 = (
    select(*_LOOKUP_COLUMNS).where(TABLE.c.sha256 == bindparam("sha256")).order_by(TABLE.c.id).limit(1)
)
_LISTED = select(
    TABLE.c.id,
    TABLE.c.body,
    TABLE.c.operation_name,
    TABLE.c.operation_type,
    TABLE.c.client_name,
    TABLE.c.created_at,
).order_by(TABLE.c.created_at, TABLE.c.id)


_NEWEST = select(*_LOOKUP_COLUMNS).order_by(TABLE.c.created_at.desc(), TABLE.c.id)


async def newest(connection: AsyncConnection, max_bytes: int) -> list[TrustedDocument]:
    """The documents registered last, newest first, as many as ``max_bytes`` of text hold."""
    documents, size = [], 0
    # Read as far as needed only: the table may hold far more than the bytes asked for.
    rows = await connection.stream(_NEWEST.execution_options(yield_per=100))
    async for row in rows:
        size += len(row.body)
        if size > max_bytes:
            break
        documents.append(_trusted(row))
    await rows.close()
    return documents


async def find(connection: AsyncConnection, document_id: str) -> TrustedDocument | None:
    """The document registered with this id, or None."""
    if not 0 < len(document_id) <= ID_MAX:
        return None
    row = (await connection.execute(_BY_ID, {"document_id": document_id})).first()
    return None if row is None else _trusted(row)


async def find_by_sha256(connection: AsyncConnection, sha256_hex: str) -> TrustedDocument | None:
    """A document registered with this text (its hex SHA-256, in either case), or None."""
    digest = sha256_hex.lower()
    if _SHA256_HEX.fullmatch(digest) is None:
        return None
    row = (await connection.execute(_BY_SHA256, {"sha256": digest})).first()
    return None if row is None else _trusted(row)


async def registered_documents(connection: AsyncConnection | AsyncSession) -> list[RegisteredDocument]:
    """Every registered document, oldest first."""
    rows = (await connection.execute(_LISTED)).all()
    return [
        RegisteredDocument(
            row.id,
            row.body,
            row.operation_name,
            OperationType(row.operation_type),
            row.client_name,
            row.created_at,
        )
        for row in rows
    ]


async def import_documents(
    session: AsyncSession,
    data: bytes,
    validate: Validator,
    *,
    format: ManifestFormat | None = None,
    client_name: str | None = None,
) -> ImportCounts:
    """Register every document of a manifest (``format`` None: told from the content), each
    checked against the schema by ``validate``; or, if any is refused, none."""
    client = _client_name(client_name)
    manifest = parse_manifest(data, format, validate)
    return await register(session, manifest.documents, client)


async def register(
    session: AsyncSession, documents: Sequence[Document], client_name: str | None = None
) -> ImportCounts:
    """Register checked documents; the same text again changes nothing, another text for a
    registered id is refused (raise, and the caller's transaction stores nothing)."""
    if not documents:
        return ImportCounts()
    # In the order of their ids: two imports sharing ids then wait for each other, never deadlock.
    ordered = sorted(documents, key=lambda document: document.id)
    created = set((await session.execute(_insert(ordered, client_name))).scalars())
    existing = [document for document in ordered if document.id not in created]
    if existing:
        taken = await _taken(session, existing)
        if taken:
            raise DomainError(taken)
    return ImportCounts(created=len(created), unchanged=len(existing))


def _client_name(client_name: str | None) -> str | None:
    if client_name is None:
        return None
    problems = Problems()
    cleaned = values.name(problems, client_name, "client")
    problems.raise_if_any()
    return cleaned


def _insert(documents: Sequence[Document], client_name: str | None) -> Any:
    """One INSERT of every document (one array per column), skipping ids registered already;
    it returns the ids it stored."""

    def column(name: str, items: list[Any]) -> Any:
        return bindparam(f"given_{name}", items, type_=ARRAY(Text))

    given = (
        func.unnest(
            column("id", [document.id for document in documents]),
            column("sha256", [document.sha256 for document in documents]),
            column("body", [document.body for document in documents]),
            column("operation_name", [document.operation_name for document in documents]),
            column("operation_type", [document.operation_type.value for document in documents]),
        )
        .table_valued("id", "sha256", "body", "operation_name", "operation_type")
        .render_derived(name="given")
    )
    source = select(
        given.c.id,
        given.c.sha256,
        given.c.body,
        given.c.operation_name,
        given.c.operation_type,
        literal(client_name, Text),
    )
    names = ["id", "sha256", "body", "operation_name", "operation_type", "client_name"]
    return (
        pg_insert(TABLE)
        .from_select(names, source)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(TABLE.c.id)
    )


async def _taken(session: AsyncSession, documents: Sequence[Document]) -> list[Problem]:
    """The documents whose ids are registered with another text."""
    ids = bindparam("ids", [document.id for document in documents], type_=ARRAY(Text))
    rows = await session.execute(select(TABLE.c.id, TABLE.c.body).where(TABLE.c.id == any_(ids)))
    stored: dict[str, str] = {row.id: row.body for row in rows}
    return [
        Problem(
            ErrorCode.DOCUMENT_ID_TAKEN,
            f'Document "{document.id}": another document is registered with this id. A registered '
            "id keeps its document (clients built against it would get the new one): give the "
            "changed document a new id.",
            document.field,
        )
        for document in documents
        if stored.get(document.id) != document.body
    ]


def _trusted(row: Any) -> TrustedDocument:
    return TrustedDocument(
        row.id, row.body, row.operation_name, OperationType(row.operation_type), row.sha256
    )
