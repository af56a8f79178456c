"""What every mutation shares: one transaction, typed user errors, input conversion.

A mutation body runs inside :func:`run`: one unit of work that commits when the body
returns and rolls back entirely when it raises, so a refused input never leaves a
partial write behind. A transaction PostgreSQL ended to let another through (a deadlock
or a serialization failure) is run again, a few times, before the caller is told to try again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import random
import types
import typing
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Self, TypeVar

import strawberry
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from domain.access.roles import Action
from domain.activity import recording as activity
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.persistence.database import sqlstate
from domain.scope import Scope
from domain.upsert import Counts
from schema import ids
from schema.context import Info
from schema.errors import UserError, user_error, user_errors

log = logging.getLogger("redthread.graphql")

T = TypeVar("T")
C = TypeVar("C")
Given = TypeVar("Given")
Entry = TypeVar("Entry")


class Open(enum.Enum):
    """A mutation no role decides on."""

    MEMBER = "MEMBER"
    """Any signed-in member (`createOrganization`: the member becomes its owner)."""
    ANYONE = "ANYONE"
    """Anyone, even anonymous: the service does the work for them (`createDemoWorkspace`)."""


#: What each mutation does, by its Python name (see :func:`performs`).
ACTIONS: dict[str, Action | Open] = {}

F = TypeVar("F", bound=Callable[..., Any])


def performs(action: Action | Open) -> Callable[[F], F]:
    """Declare what a mutation does; :func:`run` checks it against the caller's roles."""

    def declare(resolver: F) -> F:
        ACTIONS[resolver.__name__] = action
        return resolver

    return declare


def acting_scope(caller: Scope, action: Action | Open) -> Scope:
    """The scope a mutation's unit of work runs in."""
    if action is Open.ANYONE:
        return dataclasses.replace(Scope.everything(), actor=caller.actor)
    if action is Open.MEMBER:
        return caller
    return caller.acting(action)


#: PostgreSQL's codes for a transaction it ended so that another could go on: a deadlock and a
#: serialization failure. Run again, the transaction usually goes through.
RETRIED = frozenset({"40P01", "40001"})
#: How often :func:`run` tries a transaction PostgreSQL ended that way.
ATTEMPTS = 4
#: The first pause before trying again, in seconds; each next one may be twice as long (with jitter).
BACKOFF_SECONDS = 0.02


async def run(
    info: Info,
    body: Callable[[AsyncSession, Scope], Awaitable[T]],
    to_error: Callable[[Problem], UserError] = user_error,
) -> tuple[T | None, list[UserError]]:
    """Run ``body`` in one transaction; a refused input becomes ``userErrors`` and changes nothing.

    ``body`` gets the caller's scope acting as the mutation declared (see :func:`performs`).
    ``to_error`` turns each problem into a user error (by default with camelCase field names).
    A deadlock or serialization failure runs ``body`` again in a new transaction, up to
    :data:`ATTEMPTS` times with growing, jittered pauses, and is then TRY_AGAIN.
    """
    scope = acting_scope(info.context.scope, ACTIONS[info.python_name])
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with info.context.db.transaction(scope) as session:
                session.info[activity.OPERATION] = info.field_name
                return await body(session, scope), []
        except DomainError as error:
            return None, [to_error(problem) for problem in error.problems]
        except StaleDataError:
            conflict = Problem(
                ErrorCode.CONFLICT,
                "The record was changed by someone else meanwhile. Reload and retry.",
                ("version",),
            )
            return None, user_errors(DomainError([conflict]))
        except DBAPIError as error:
            code = sqlstate(error)
            if code not in RETRIED:
                raise
            log.info(
                "%s (request %s): PostgreSQL ended the transaction (%s), attempt %d of %d",
                info.field_name,
                info.context.request_id,
                code,
                attempt,
                ATTEMPTS,
            )
            if attempt < ATTEMPTS:
                await asyncio.sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))
    log.warning(
        "%s (request %s) gave up after %d attempts", info.field_name, info.context.request_id, ATTEMPTS
    )
    busy = Problem(
        ErrorCode.TRY_AGAIN,
        "The records were being changed by other requests at the same time; nothing was changed. Send"
        " the change again.",
        (),
    )
    return None, [to_error(busy)]


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
    id_types = _id_types(type(source), changes_type)
    for name, nullable in _nullable(changes_type).items():
        value = getattr(source, name, strawberry.UNSET)
        if value is strawberry.UNSET:
            continue
        if value is None and not nullable:
            problems.add(ErrorCode.REQUIRED, f"{name.replace('_', ' ').capitalize()} cannot be null.", name)
            continue
        try:
            values[name] = _decoded(name, value, id_types.get(name))
        except DomainError as error:
            problems.extend(error.problems)
    problems.raise_if_any()
    return changes_type(**values)


_ID_TYPES: dict[tuple[type[Any], type[Any]], dict[str, str]] = {}


def _id_types(input_type: type[Any], changes_type: type[Any]) -> dict[str, str]:
    """The fields of ``input_type`` that hold global ids, and the type each declares
    (:class:`schema.ids.Of`). A field the change set keeps as uuids must declare one."""
    known = _ID_TYPES.get((input_type, changes_type))
    if known is None:
        given = typing.get_type_hints(input_type, include_extras=True)
        declared = {name: ids.declared_type(hint) for name, hint in given.items()}
        known = {name: type_name for name, type_name in declared.items() if type_name is not None}
        wanted = typing.get_type_hints(changes_type)
        for field in dataclasses.fields(changes_type):
            if field.name in given and _holds_uuids(wanted[field.name]) and field.name not in known:
                raise TypeError(
                    f"{input_type.__name__}.{field.name} holds ids: declare their type "
                    f"(Annotated[strawberry.ID, Of(...)], schema/ids.py)"
                )
        _ID_TYPES[(input_type, changes_type)] = known
    return known


def _holds_uuids(annotation: Any) -> bool:
    return annotation is uuid.UUID or any(_holds_uuids(argument) for argument in typing.get_args(annotation))


def _decoded(name: str, value: Any, type_name: str | None) -> Any:
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
