"""Reading the manifests front ends' builds write: the GraphQL documents they will send.

Two shapes are known:

* **Apollo's persisted-query manifest** (``@apollo/generate-persisted-query-manifest``)::

      {"format": "apollo-persisted-query-manifest", "version": 1,
       "operations": [{"id": "<sha256 hex>", "name": "Op", "type": "query", "body": "query Op { … }"}]}

  Apollo clients send the SHA-256 hash of the body as the document's id, so an id that is
  not that hash is refused, and so are a ``name`` or ``type`` the body does not have.
* **A query map**: a flat JSON object of id → document text. Relay's compiler writes one
  (``persistConfig: {file: …}``, ids md5 hex by default), and so does graphql-codegen's
  client preset (``persisted-documents.json``, ids sha1 or sha256 hex by default). The two
  cannot be told apart and need not be: an id is any string.

The format is told from the content unless it is given. Every entry is checked: its id is
not blank and at most 200 characters, its body is not blank and parses as GraphQL with
exactly one operation (the operation's name and type are read from it), and, when a
validator is given, the body fits the schema. The problems of every entry are collected
and raised together, each placed at the entry (``("operations", "3", "body")`` in an Apollo
manifest, ``("<id>",)`` in a query map). Nothing here reads or writes the database.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import ExecutableDefinitionNode, GraphQLError, OperationDefinitionNode, parse

from domain.documents.models import ID_MAX, OperationType
from domain.errors import DomainError, ErrorCode, Field, Problems

#: What Apollo's manifests name their format, and the version read here.
APOLLO_FORMAT = "apollo-persisted-query-manifest"
APOLLO_VERSION = 1
#: The largest manifest accepted.
FILE_MAX_BYTES = 20 * 1024 * 1024
#: The most documents one manifest may hold.
DOCUMENTS_MAX = 10_000
#: The longest document, in bytes of UTF-8.
BODY_MAX_BYTES = 256 * 1024
#: How much of a long id a message quotes.
_QUOTED_ID_MAX = 80

Validator = Callable[[str], list[str]]
"""The ways a document's text does not fit the schema, as messages; empty when it fits."""


class ManifestFormat(enum.Enum):
    """The shape of a manifest."""

    APOLLO = "apollo"
    """Apollo's persisted-query manifest."""
    QUERY_MAP = "query-map"
    """A flat JSON object of id → document text (Relay's query map, graphql-codegen's persisted documents)."""


@dataclass(frozen=True, slots=True)
class Document:
    """A checked entry of a manifest, ready to register."""

    id: str
    body: str
    #: Hex SHA-256 of the body's UTF-8.
    sha256: str
    operation_type: OperationType
    operation_name: str | None
    #: Where the entry's id is in the manifest, for problems found later.
    field: Field = ()


@dataclass(frozen=True, slots=True)
class Manifest:
    format: ManifestFormat
    documents: tuple[Document, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    """An entry as the manifest gives it, not yet checked."""

    field: Field
    label: str
    id: object
    body: object
    #: Apollo's manifests also say the operation's name and type.
    apollo: bool = False
    name: object = None
    type: object = None
    #: Not even an object with an id and a body.
    malformed: bool = False


class _DuplicateKey(ValueError):
    pass


def sha256_hex(body: str) -> str:
    """The hex SHA-256 of a document's text (its UTF-8), as Apollo clients send it."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def detect_format(content: object) -> ManifestFormat | None:
    """The format of a decoded manifest, or None when it has neither known shape."""
    if not isinstance(content, dict):
        return None
    if content.get("format") == APOLLO_FORMAT:
        return ManifestFormat.APOLLO
    if all(isinstance(value, str) for value in content.values()):
        return ManifestFormat.QUERY_MAP
    return None


def parse_manifest(
    data: bytes, format: ManifestFormat | None = None, validate: Validator | None = None
) -> Manifest:
    """The documents of a manifest, every entry checked; raises :class:`DomainError` with the
    problems of every entry if any is bad. ``format`` None: told from the content."""
    content = _load(data)
    found = format or detect_format(content)
    if found is None:
        raise DomainError.of(
            ErrorCode.INVALID_MANIFEST,
            "The file is neither an Apollo persisted-query manifest "
            f'({{"format": "{APOLLO_FORMAT}", "operations": [...]}}) nor a query map '
            '({"<id>": "<document>", ...}, as Relay and graphql-codegen write it).',
            "file",
        )
    entries = list(
        _apollo_entries(content) if found is ManifestFormat.APOLLO else _query_map_entries(content)
    )
    if len(entries) > DOCUMENTS_MAX:
        raise DomainError.of(
            ErrorCode.TOO_MANY, f"The manifest holds more than {DOCUMENTS_MAX:,} documents.", "file"
        )
    problems = Problems()
    documents: dict[str, Document] = {}
    for entry in entries:
        document = _check(entry, validate, problems)
        if document is None:
            continue
        earlier = documents.get(document.id)
        if earlier is None:
            documents[document.id] = document
        elif earlier.body != document.body:
            problems.add(
                ErrorCode.DUPLICATE,
                f"{entry.label}: the manifest gives this id to another document too.",
                *_at(entry, "id"),
            )
    problems.raise_if_any()
    return Manifest(found, tuple(documents.values()))


def _load(data: bytes) -> Any:
    if len(data) > FILE_MAX_BYTES:
        raise DomainError.of(
            ErrorCode.FILE_TOO_LARGE, f"The file is larger than {FILE_MAX_BYTES // (1024 * 1024)} MB.", "file"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError.of(
            ErrorCode.INVALID_ENCODING, f"The file is not UTF-8 text (byte {error.start + 1}).", "file"
        ) from None
    if not text.strip():
        raise DomainError.of(ErrorCode.EMPTY_FILE, "The file is empty; it needs a manifest.", "file")
    try:
        return json.loads(text, object_pairs_hook=_object)
    except _DuplicateKey as error:
        raise DomainError.of(ErrorCode.INVALID_MANIFEST, str(error), "file") from None
    except RecursionError:
        raise DomainError.of(
            ErrorCode.INVALID_MANIFEST, "The file nests JSON deeper than a manifest does.", "file"
        ) from None
    except json.JSONDecodeError as error:
        raise DomainError.of(
            ErrorCode.INVALID_MANIFEST,
            f"The file is not JSON: {error.msg} (line {error.lineno}, column {error.colno}).",
            "file",
        ) from None


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a key given twice with different values is refused, not silently overwritten."""
    decoded: dict[str, Any] = {}
    for key, value in pairs:
        if key in decoded and decoded[key] != value:
            raise _DuplicateKey(
                f'The key "{_quoted(key)}" appears twice in an object, with different values.'
            )
        decoded[key] = value
    return decoded


def _apollo_entries(content: Any) -> Iterator[_Entry]:
    if not isinstance(content, dict) or content.get("format") != APOLLO_FORMAT:
        raise DomainError.of(
            ErrorCode.INVALID_MANIFEST,
            f'The file is not an Apollo persisted-query manifest: its "format" is not "{APOLLO_FORMAT}".',
            "format",
        )
    if content.get("version") != APOLLO_VERSION:
        raise DomainError.of(
            ErrorCode.INVALID_MANIFEST,
            f"Apollo persisted-query manifests of version {content.get('version')!r} are not known; "
            f"version {APOLLO_VERSION} is.",
            "version",
        )
    operations = content.get("operations")
    if not isinstance(operations, list):
        raise DomainError.of(
            ErrorCode.INVALID_MANIFEST, 'The manifest\'s "operations" is not a list.', "operations"
        )
    for index, operation in enumerate(operations):
        field = ("operations", str(index))
        if not isinstance(operation, dict):
            yield _Entry(field, f"operations[{index}]", None, None, apollo=True, malformed=True)
            continue
        id_ = operation.get("id")
        label = (
            f'Document "{_quoted(id_)}" (operations[{index}])'
            if isinstance(id_, str)
            else f"operations[{index}]"
        )
        yield _Entry(
            field, label, id_, operation.get("body"), True, operation.get("name"), operation.get("type")
        )


def _query_map_entries(content: Any) -> Iterator[_Entry]:
    if not isinstance(content, dict):
        raise DomainError.of(
            ErrorCode.INVALID_MANIFEST,
            'The file is not a query map: a query map is a JSON object {"<id>": "<document>", ...}.',
            "file",
        )
    for id_, body in content.items():
        yield _Entry((id_,), f'Document "{_quoted(id_)}"', id_, body)


def _check(entry: _Entry, validate: Validator | None, problems: Problems) -> Document | None:
    """The entry as a document, or None with its problems noted."""
    before = len(problems.items)
    if entry.malformed:
        problems.add(
            ErrorCode.INVALID_MANIFEST, f"{entry.label}: not an object with an id and a body.", *entry.field
        )
        return None
    id_ = _id(entry, problems)
    body = _body(entry, problems)
    if body is None:
        return None
    operation = _operation(entry, body, problems)
    if operation is None or id_ is None:
        return None
    operation_type, operation_name = operation
    digest = sha256_hex(body)
    if entry.apollo:
        _check_declared(entry, id_, digest, operation_type, operation_name, problems)
    if validate is not None and len(problems.items) == before:
        for message in validate(body):
            problems.add(ErrorCode.INVALID_DOCUMENT, f"{entry.label}: {message}", *_at(entry, "body"))
    if len(problems.items) > before:
        return None
    return Document(id_, body, digest, operation_type, operation_name, _at(entry, "id"))


def _id(entry: _Entry, problems: Problems) -> str | None:
    field = _at(entry, "id")
    if not isinstance(entry.id, str):
        problems.add(ErrorCode.REQUIRED, f"{entry.label}: the id is missing (or not a string).", *field)
        return None
    if not entry.id.strip():
        problems.add(ErrorCode.BLANK, f"{entry.label}: the id must not be blank.", *field)
    elif len(entry.id) > ID_MAX:
        problems.add(ErrorCode.TOO_LONG, f"{entry.label}: the id is longer than {ID_MAX} characters.", *field)
    elif not entry.id.isprintable():
        problems.add(
            ErrorCode.INVALID_ID, f"{entry.label}: the id holds control or unprintable characters.", *field
        )
    else:
        return entry.id
    return None


def _body(entry: _Entry, problems: Problems) -> str | None:
    field = _at(entry, "body")
    if not isinstance(entry.body, str):
        problems.add(
            ErrorCode.REQUIRED, f"{entry.label}: the document's text is missing (or not a string).", *field
        )
        return None
    if not entry.body.strip():
        problems.add(ErrorCode.BLANK, f"{entry.label}: the document's text must not be blank.", *field)
        return None
    try:
        size = len(entry.body.encode("utf-8"))
    except UnicodeEncodeError:
        problems.add(
            ErrorCode.INVALID_ENCODING, f"{entry.label}: the document's text is not valid Unicode.", *field
        )
        return None
    if size > BODY_MAX_BYTES:
        problems.add(
            ErrorCode.TOO_LONG,
            f"{entry.label}: the document is larger than {BODY_MAX_BYTES // 1024} KB.",
            *field,
        )
        return None
    return entry.body


def _operation(entry: _Entry, body: str, problems: Problems) -> tuple[OperationType, str | None] | None:
    """The type and name of the body's one operation, or None with the problem noted."""
    field = _at(entry, "body")
    try:
        document = parse(body)
    except GraphQLError as error:
        problems.add(ErrorCode.INVALID_DOCUMENT, f"{entry.label}: {located(error)}", *field)
        return None
    except RecursionError:
        problems.add(ErrorCode.INVALID_DOCUMENT, f"{entry.label}: the document nests too deeply.", *field)
        return None
    if not all(isinstance(node, ExecutableDefinitionNode) for node in document.definitions):
        problems.add(
            ErrorCode.INVALID_DOCUMENT,
            f"{entry.label}: the document defines types or a schema; it may hold only an operation "
            "and fragments.",
            *field,
        )
        return None
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    if len(operations) != 1:
        problems.add(
            ErrorCode.INVALID_DOCUMENT,
            f"{entry.label}: the document holds {len(operations)} operations; a trusted document holds "
            "exactly one.",
            *field,
        )
        return None
    (operation,) = operations
    name = operation.name.value if operation.name is not None else None
    return OperationType(operation.operation.value), name


def _check_declared(
    entry: _Entry,
    id_: str,
    digest: str,
    operation_type: OperationType,
    operation_name: str | None,
    problems: Problems,
) -> None:
    """What an Apollo manifest says of the document agrees with the document."""
    if id_ != digest:
        problems.add(
            ErrorCode.INVALID_ID,
            f"{entry.label}: the id is not the SHA-256 hash of the body ({digest}); Apollo clients "
            "send that hash, so they would never find this document.",
            *_at(entry, "id"),
        )
    if entry.type != operation_type.value:
        problems.add(
            ErrorCode.INVALID_DOCUMENT,
            f"{entry.label}: the type is {entry.type!r}, but the body's operation is a "
            f"{operation_type.value}.",
            *_at(entry, "type"),
        )
    if entry.name != operation_name:
        problems.add(
            ErrorCode.INVALID_DOCUMENT,
            f"{entry.label}: the name is {entry.name!r}, but the body's operation is named "
            f"{operation_name!r}.",
            *_at(entry, "name"),
        )


def _at(entry: _Entry, part: str) -> Field:
    """Where a part of an entry is: a field of an Apollo operation; the entry itself in a query map."""
    return (*entry.field, part) if entry.apollo else entry.field


def located(error: GraphQLError) -> str:
    """The error's message with where in the document it is (its first location)."""
    if error.locations:
        location = error.locations[0]
        return f"{error.message} (line {location.line}, column {location.column})"
    return error.message


def _quoted(id_: str) -> str:
    return id_ if len(id_) <= _QUOTED_ID_MAX else id_[: _QUOTED_ID_MAX - 1] + "…"
