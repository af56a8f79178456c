"""What every mutation shares: one transaction, typed user errors, input conversion.

A mutation body runs inside :func:`run`: one unit of work that commits when the body
returns and rolls back entirely when it raises, so a refused input never leaves a
partial write behind.
"""

from __future__ import annotations

import dataclasses
import types
import typing
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Self, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.upsert import Counts
from schema import ids
from schema.context import Info
from schema.errors import UserError, user_error, user_errors

T = TypeVar("T")
C = TypeVar("C")
Given = TypeVar("Given")
Entry = TypeVar("Entry")

#: The type of node each id field of a change set names.
ID_FIELDS = {"tactic_ids": "Tactic", "audience_ids": "Audience", "channel_id": "Channel"}


async def run(
    info: Info,
    body: Callable[[AsyncSession], Awaitable[T]],
    to_error: Callable[[Problem], UserError] = user_error,
) -> tuple[T | None, list[UserError]]:
    """Run ``body`` in one transaction; a refused input becomes ``userErrors`` and changes nothing.

    ``to_error`` turns each problem into a user error (by default with camelCase field names).
    """
    try:
        async with info.context.db.transaction() as session:
            return await body(session), []
    except DomainError as error:
        return None, [to_error(problem) for problem in error.problems]
    except StaleDataError:
        conflict = Problem(
            ErrorCode.CONFLICT,
            "The record was changed by someone else meanwhile. Reload and retry.",
            ("version",),
        )
        return None, user_errors(DomainError([conflict]))


_NULLABLE: dict[type[Any], dict[str, bool]] = {}


def _nullable(changes_type: type[Any]) -> dict[str, bool]:
    """Which fields of a change set may be cleared (their type admits ``None``)."""
    known = _NULLABLE.get(changes_type)
    if known is None:
        hints = typing.get_type_hints(changes_type)
        known = _NULLABLE[changes_type] = {
            field.name: types.NoneType in typing.get_args(hints[field.name])
            for field in dataclasses.fields(changes_type)
        }
    return known


def changes(source: object, changes_type: type[C]) -> C:
    """Build a domain change set from a GraphQL input of the same field names.

    Omitted fields stay unset (left as they are); ``null`` clears a nullable field and
    is refused (REQUIRED) for one that cannot be empty; ids are decoded to their type.
    """
    problems = Problems()
    values: dict[str, Any] = {}
    for name, nullable in _nullable(changes_type).items():
        value = getattr(source, name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        if value is None and not nullable:
            problems.add(ErrorCode.REQUIRED, f"{name.replace('_', ' ').capitalize()} cannot be null.", name)
            continue
        try:
            values[name] = _decoded(name, value)
        except DomainError as error:
            problems.extend(error.problems)
    problems.raise_if_any()
    return changes_type(**values)


def _decoded(name: str, value: Any) -> Any:
    type_name = ID_FIELDS.get(name)
    if type_name is None or value is None:
        return value
    if isinstance(value, list):
        return ids.decode_many(value, type_name, name)
    return ids.decode(value, type_name, name)


def decode(global_id: str, type_name: str, field: str = "id") -> Any:
    return ids.decode(global_id, type_name, field)


@strawberry.type
class RecordedPayload:
    """What a batch did: how many records it created, changed and found as they were."""

    created: int | None = strawberry.field(description="Records that did not exist before.")
    updated: int | None = strawberry.field(description="Records whose values changed.")
    unchanged: int | None = strawberry.field(description="Records that already held these values.")
    user_errors: list[UserError]

    @classmethod
    def of(cls, counts: Counts | None, errors: list[UserError]) -> Self:
        if counts is None:
            return cls(created=None, updated=None, unchanged=None, user_errors=errors)
        return cls(
            created=counts.created, updated=counts.updated, unchanged=counts.unchanged, user_errors=errors
        )


def decode_batch(
    strategy_id: str,
    given: Sequence[Given],
    check_size: Callable[[int], None],
    entry_of: Callable[[int, Given], Entry],
) -> tuple[uuid.UUID, list[Entry]]:
    """The strategy and the entries of a batch, or every problem of their ids (and its size) at once.

    ``entry_of(index, given)`` decodes one entry's ids, raising DomainError for a bad one.
    """
    problems: list[Problem] = []
    strategy: uuid.UUID | None = None
    try:
        strategy = ids.decode(strategy_id, "Strategy", "strategy_id")
    except DomainError as error:
        problems.extend(error.problems)
    try:
        check_size(len(given))
    except DomainError as error:
        raise DomainError([*problems, *error.problems]) from error
    entries: list[Entry] = []
    for index, entry in enumerate(given):
        try:
            entries.append(entry_of(index, entry))
        except DomainError as error:
            problems.extend(error.problems)
    if problems or strategy is None:
        raise DomainError(problems)
    return strategy, entries
