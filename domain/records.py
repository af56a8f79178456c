"""Loading and changing records inside a unit of work, always within a scope.

Lock order. Every write takes its row locks in one order, so two writes that need the same
rows wait for each other instead of deadlocking:

1. the workspace, then the strategy: KEY SHARE by a write into them (:func:`hold_strategies`;
   a create that counts the strategy's parts takes NO KEY UPDATE), FOR UPDATE to rename or
   delete the workspace, to delete the strategy;
2. the strategy's parts a write refers to — tactics, audiences, channels, KPIs, and the KPIs whose
   rollups it will refresh — FOR KEY SHARE, one statement per kind, in id order (:func:`part_owners`);
   then the part it changes (FOR NO KEY UPDATE) or deletes (FOR UPDATE; with a REASSIGN target,
   the two in id order);
3. content items, all of a write's in one statement in id order: FOR NO KEY UPDATE to change
   them, FOR UPDATE to delete them, FOR SHARE to record their metrics (their KPIs then stay put);
4. KPIs whose rollups are refreshed, FOR NO KEY UPDATE in id order
   (:func:`domain.kpi.rollup.refresh_rollups`), and the KPIs a deleted channel stops naming;
5. rows under those: links, measurements, metrics, comments; a batch writes them in key order
   (:func:`domain.upsert.upsert_many`).

Why references come first: deleting a part takes it FOR UPDATE, then the content using it; a
write that waited for a part while holding content it had locked would close a circle. KEY SHARE
conflicts only with FOR UPDATE, so writes that refer to the same parts never wait for each
other, and the rollup lock of step 4 never waits for a KPI's deletion: every KPI a write
refreshes it holds in KEY SHARE from step 2. Changing a record takes NO KEY UPDATE, not FOR
UPDATE, so rows being added that point at it (a comment, a metric, a link) need not wait.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import ARRAY, ColumnElement, Table, Uuid, any_, bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import GenerativeSelect

from domain.access.roles import Action
from domain.activity import recording
from domain.base import Entity, StrategyPart, TenantEntity
from domain.errors import ConflictError, DomainError, ErrorCode, Problem, Problems
from domain.scope import Scope
from domain.strategy.models import Strategy
from domain.tenancy.models import Workspace
from domain.values import Unset

R = TypeVar("R", bound=TenantEntity)
S = TypeVar("S", bound=GenerativeSelect)
P = TypeVar("P", bound=StrategyPart)


def kind_of(model: type[Any]) -> str:
    """A model's name as people say it: ``ContentItem`` → "content item"."""
    name: str = model.__name__
    words = [name[0]]
    for char in name[1:]:
        words.append(f" {char}" if char.isupper() else char)
    return "".join(words).lower().replace("kpi", "KPI")


class Lock(enum.Enum):
    """How a statement locks the rows it reads (see the lock order above)."""

    REFER = "FOR KEY SHARE"
    """The write refers to the row: it must not be deleted (nor its key changed) meanwhile."""
    SHARE = "FOR SHARE"
    """The write depends on the row: it must not change meanwhile."""
    CHANGE = "FOR NO KEY UPDATE"
    """The write changes the row (not its key)."""
    DELETE = "FOR UPDATE"
    """The write deletes the row."""


def locking(stmt: S, lock: Lock | None, **of: Any) -> S:
    """``stmt`` taking ``lock`` on the rows it reads (none for ``None``)."""
    if lock is None:
        return stmt
    read = lock in (Lock.REFER, Lock.SHARE)
    key_share = lock in (Lock.REFER, Lock.CHANGE)
    return stmt.with_for_update(read=read, key_share=key_share, **of)


async def get(
    session: AsyncSession,
    model: type[R],
    id_: uuid.UUID,
    scope: Scope,
    *field: str,
    lock: Lock | None = Lock.CHANGE,
) -> R:
    """The record with ``id_`` in scope, locked as ``lock`` says (for a change, by default);
    NOT_FOUND otherwise. With ``lock=None`` it is read as it is, unlocked.

    FORBIDDEN when the caller may see the record but not do the scope's action on it.
    """
    stmt = select(model).where(model.id == id_, scope.where(model.workspace_id))
    stmt = locking(stmt, lock).execution_options(populate_existing=True)
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
    WRONG_STRATEGY (it belongs to another strategy). The records found are held FOR KEY SHARE
    (see :func:`part_owners`).
    """
    owners = await part_owners(session, model, ids, scope)
    return part_problems(model, ids, owners, strategy_id, field)


async def part_owners(
    session: AsyncSession,
    model: type[P],
    ids: Iterable[uuid.UUID],
    scope: Scope,
    *,
    nowait: bool = False,
) -> dict[uuid.UUID, uuid.UUID]:
    """The strategy of each of these records in scope (unknown ones left out), read in id order
    and held FOR KEY SHARE: none of them is deleted before the transaction ends, so a reference
    checked here holds when it is written. ``nowait``: refuse to wait (PostgreSQL's 55P03)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    stmt = select(model.id, model.strategy_id).where(
        model.id == any_id("part_ids", wanted), scope.where(model.workspace_id)
    )
    stmt = locking(stmt.order_by(model.id), Lock.REFER, nowait=nowait)
    return {row.id: row.strategy_id for row in await session.execute(stmt)}


def part_problems(
    model: type[Any],
    ids: Sequence[uuid.UUID],
    owners: Mapping[uuid.UUID, uuid.UUID],
    strategy_id: uuid.UUID,
    field: str,
) -> list[Problem]:
    """The problems of naming ``ids`` (records of ``model``, their strategies in ``owners``) from a
    record of the strategy ``strategy_id``: see :func:`strategy_parts`."""
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
    recording.note_links(session, link, owner_column, owner_id, target_column, before, target_ids, common)


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


async def hold_strategies(session: AsyncSession, which: ColumnElement[bool]) -> dict[uuid.UUID, uuid.UUID]:
    """Hold the strategies ``which`` selects FOR KEY SHARE, in id order: step 1 of the lock order.

    Deleting a strategy takes it FOR UPDATE, then its parts and content kind by kind; a write
    holding some of those and waiting for others would close a circle with it. Holding the
    strategy first, the write waits for the deletion before it holds anything of the strategy,
    or the deletion waits for the write. Returns the workspace of each strategy held.
    """
    stmt = select(Strategy.id, Strategy.workspace_id).where(which).order_by(Strategy.id)
    return {row.id: row.workspace_id for row in await session.execute(locking(stmt, Lock.REFER))}


def strategy_of(model: type[P], ids: Iterable[uuid.UUID]) -> ColumnElement[bool]:
    """For :func:`hold_strategies`: the strategies of these records of ``model``."""
    return Strategy.id.in_(select(model.strategy_id).where(model.id == any_id("strategy_of", ids)))


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
