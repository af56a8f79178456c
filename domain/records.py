"""Loading and changing records inside a unit of work, always within a scope."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Table, Uuid, any_, bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.roles import Action
from domain.activity import recording
from domain.base import Entity, StrategyPart, TenantEntity
from domain.errors import ConflictError, DomainError, ErrorCode, Problem, Problems
from domain.scope import Scope
from domain.tenancy.models import Workspace
from domain.values import Unset

R = TypeVar("R", bound=TenantEntity)
P = TypeVar("P", bound=StrategyPart)


def kind_of(model: type[Any]) -> str:
    """A model's name as people say it: ``ContentItem`` → "content item"."""
    name: str = model.__name__
    words = [name[0]]
    for char in name[1:]:
        words.append(f" {char}" if char.isupper() else char)
    return "".join(words).lower().replace("kpi", "KPI")


async def get(session: AsyncSession, model: type[R], id_: uuid.UUID, scope: Scope, *field: str) -> R:
    """The record with ``id_`` in scope, locked for update; NOT_FOUND otherwise.

    FORBIDDEN when the caller may see the record but not do the scope's action on it.
    """
    stmt = select(model).where(model.id == id_, scope.where(model.workspace_id)).with_for_update()
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, f"No {kind_of(model)} with this id.", *(field or ("id",)))
    scope.check(found.workspace_id, kind_of(model), *field)
    return found


def check_version(record: Entity, seen: int | None) -> None:
    """Refuse a change made from a stale read (``seen`` is the version the caller last saw)."""
    if seen is not None and record.version != seen:
        raise ConflictError(kind_of(type(record)), record.version)


async def strategy_parts(
    session: AsyncSession,
    model: type[P],
    ids: Sequence[uuid.UUID],
    strategy_id: uuid.UUID,
    scope: Scope,
    field: str,
) -> list[Problem]:
    """Check that every id names a ``model`` record of the given strategy.

    Returns one problem per bad id: NOT_FOUND (unknown or outside the scope) or
    WRONG_STRATEGY (it belongs to another strategy).
    """
    if not ids:
        return []
    stmt = select(model.id, model.strategy_id).where(model.id.in_(set(ids)), scope.where(model.workspace_id))
    owners = {row.id: row.strategy_id for row in await session.execute(stmt)}
    problems = []
    many = len(ids) > 1
    for index, id_ in enumerate(ids):
        path = (field, str(index)) if many else (field,)
        kind = kind_of(model)
        if id_ not in owners:
            problems.append(Problem(ErrorCode.NOT_FOUND, f"No {kind} with this id.", path))
        elif owners[id_] != strategy_id:
            problems.append(
                Problem(ErrorCode.WRONG_STRATEGY, f"This {kind} belongs to another strategy.", path)
            )
    return problems


def unique_ids(problems: Problems, ids: Iterable[uuid.UUID], field: str) -> list[uuid.UUID]:
    listed = list(ids)
    unique = list(dict.fromkeys(listed))
    if len(unique) != len(listed):
        problems.add(ErrorCode.DUPLICATE, "The same id is listed more than once.", field)
    return unique


async def count(session: AsyncSession, model: type[Any], **where: Any) -> int:
    stmt = select(func.count()).select_from(model).filter_by(**where)
    return int((await session.execute(stmt)).scalar_one())


async def replace_links(
    session: AsyncSession,
    link: Table,
    owner_column: str,
    owner_id: uuid.UUID,
    target_column: str,
    target_ids: Sequence[uuid.UUID],
    common: Mapping[str, Any],
) -> None:
    """Make the link table hold exactly ``target_ids`` for the owner; the activity log notes the change."""
    removed = delete(link).where(link.c[owner_column] == owner_id).returning(link.c[target_column])
    before = list((await session.execute(removed)).scalars())
    if target_ids:
        rows = [{**common, owner_column: owner_id, target_column: target} for target in target_ids]
        await session.execute(insert(link), rows)
    recording.note_links(session, owner_column, owner_id, target_column, before, target_ids, common)


def apply(record: object, changes: Mapping[str, Any]) -> None:
    """Set every changed attribute (values are already validated)."""
    for name, value in changes.items():
        if not isinstance(value, Unset):
            setattr(record, name, value)


async def workspace_in_scope(
    session: AsyncSession,
    scope: Scope,
    workspace_id: uuid.UUID,
    *field: str,
    action: Action | None = None,
    changing_it: bool = False,
) -> Workspace:
    """The workspace, if the scope allows it: NOT_FOUND otherwise, FORBIDDEN when the caller's
    role does not allow ``action`` (by default, the scope's) in it.

    The row is held in KEY SHARE mode until the transaction ends, so a purge of the workspace
    waits for (or skips) a write into it instead of pulling it away midway; ``changing_it``
    (renaming or deleting the workspace itself) locks it for update instead.
    """
    field = field or ("workspace_id",)
    stmt = select(Workspace).where(Workspace.id == workspace_id, scope.where(Workspace.id))
    stmt = stmt.with_for_update() if changing_it else stmt.with_for_update(key_share=True)
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "No workspace with this id.", *field)
    scope.check(workspace_id, "workspace", *field, action=action)
    return found


async def flush_unique(session: AsyncSession, message: str, *field: str) -> None:
    """Flush pending changes; a unique-constraint clash becomes DUPLICATE, the transaction lives on."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as error:
        raise DomainError.of(ErrorCode.DUPLICATE, message, *field) from error


def any_id(name: str, ids: Iterable[uuid.UUID]) -> ColumnElement[Any]:
    """``ANY(:name)`` over an array of ids: one statement text whatever the number of ids."""
    return any_(bindparam(name, sorted(set(ids)), type_=ARRAY(Uuid)))


def check_batch_size(count: int, maximum: int, field: str, one: str) -> None:
    """Refuse a batch (at ``field``, of entries each called ``one``) that is empty or too large."""
    if not count:
        raise DomainError.of(ErrorCode.REQUIRED, f"List at least one {one}.", field)
    if count > maximum:
        raise DomainError.of(ErrorCode.TOO_MANY, f"Record at most {maximum:,} {field} per call.", field)
