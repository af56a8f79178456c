"""Opaque global IDs: ``base64url("Type:uuid")``.

A global ID names its type, so ``node(id:)`` knows where to look and a mutation can
tell a KPI id passed where a tactic id belongs (INVALID_ID) from an unknown one
(NOT_FOUND).
"""

from __future__ import annotations

import base64
import binascii
import functools
import typing
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import strawberry

from domain.errors import DomainError, ErrorCode, Problem
from domain.scope import ActorKind

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


@dataclass(frozen=True, slots=True)
class Of:
    """Declares the type of record the global ids of an input field name (``Annotated[ID, Of("Tactic")]``);
    :func:`schema.mutation.changes` decodes them by it. GraphQL sees a plain ``ID``."""

    type_name: str


AudienceID = Annotated[strawberry.ID, Of("Audience")]
ChannelID = Annotated[strawberry.ID, Of("Channel")]
MemberID = Annotated[strawberry.ID, Of("Member")]
TacticID = Annotated[strawberry.ID, Of("Tactic")]


def declared_type(annotation: Any) -> str | None:
    """The type of record an annotation declares its ids of (:class:`Of`, through ``| None`` and
    ``list[…]``); None when it declares none."""
    if typing.get_origin(annotation) is Annotated:
        marks = [mark for mark in annotation.__metadata__ if isinstance(mark, Of)]
        if marks:
            return marks[0].type_name
    for argument in typing.get_args(annotation):
        found = declared_type(argument)
        if found is not None:
            return found
    return None
