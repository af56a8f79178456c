"""Opaque global IDs: ``base64url("Type:uuid")``.

A global ID names its type, so ``node(id:)`` knows where to look and a mutation can
tell a KPI id passed where a tactic id belongs (INVALID_ID) from an unknown one
(NOT_FOUND).
"""

from __future__ import annotations

import base64
import binascii
import functools
import uuid
from collections.abc import Sequence

from strawberry.utils.str_converters import to_camel_case

from domain.errors import DomainError, ErrorCode, Problem
from domain.scope import ActorKind

#: The type of record an id field names, where the field's name does not say it.
NAMED_BY_FIELD = {
    "primary_kpi_id": "Kpi",
    "owner_id": "Member",
    "assignee_id": "Member",
    "created_by_id": "Member",
}
#: The type of record an actor's id names; a demo visitor and the service have none.
NAMED_BY_ACTOR = {ActorKind.MEMBER: "Member", ActorKind.API_KEY: "ApiKey"}


@functools.lru_cache(maxsize=16_384)
def encode(type_name: str, id_: uuid.UUID) -> str:
    """The global ID of a record (kept for the records met most often: a page of content names
    the same tactics, KPIs and channels again and again)."""
    return base64.urlsafe_b64encode(f"{type_name}:{id_}".encode()).decode().rstrip("=")


def parse(global_id: str) -> tuple[str, uuid.UUID] | None:
    """The type name and database id of a global ID, or ``None`` when it is malformed."""
    if len(global_id) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
        type_name, _, value = raw.partition(":")
        return type_name, uuid.UUID(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def decode(global_id: str, type_name: str, *field: str) -> uuid.UUID:
    """The database id behind a global ID of ``type_name``; INVALID_ID otherwise."""
    parsed = parse(global_id)
    if parsed is None:
        raise DomainError.of(ErrorCode.INVALID_ID, "This is not a valid id.", *field)
    if parsed[0] != type_name:
        raise DomainError.of(
            ErrorCode.INVALID_ID, f"Expected the id of a {type_name}, got the id of a {parsed[0]}.", *field
        )
    return parsed[1]


def decode_optional(global_id: str | None, type_name: str, *field: str) -> uuid.UUID | None:
    return None if global_id is None else decode(global_id, type_name, *field)


def decode_many(global_ids: Sequence[str], type_name: str, field: str) -> list[uuid.UUID]:
    """Decode a list of ids, reporting every bad one with its position."""
    decoded: list[uuid.UUID] = []
    problems: list[Problem] = []
    for index, global_id in enumerate(global_ids):
        try:
            decoded.append(decode(global_id, type_name, field, str(index)))
        except DomainError as error:
            problems.extend(error.problems)
    if problems:
        raise DomainError(problems)
    return decoded


def type_named_by(field: str) -> str | None:
    """The type of record a field holds ids of (``tactic_ids``: Tactic, ``owner_id``: Member); else None."""
    if field in NAMED_BY_FIELD:
        return NAMED_BY_FIELD[field]
    for suffix in ("_id", "_ids"):
        if field.endswith(suffix):
            camel = to_camel_case(field.removesuffix(suffix))
            return camel[:1].upper() + camel[1:]
    return None
