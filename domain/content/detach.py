"""What happens to content when the tactic, KPI or channel it uses is deleted.

A deletion follows the lock order of :mod:`domain.records`: the record being deleted FOR UPDATE
(with its REASSIGN target FOR KEY SHARE, the two in id order), then every content item using it
in one statement in id order, then what the change refreshes (the target KPI's rollup).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records
from domain.activity import recording as activity
from domain.base import TenantEntity
from domain.content.models import ContentItem
from domain.content.rules import ContentOnDelete
from domain.errors import DomainError, ErrorCode
from domain.records import Lock, locking
from domain.scope import Scope

R = TypeVar("R", bound=TenantEntity)


async def content_using(
    session: AsyncSession,
    using: ColumnElement[bool],
    on_content: ContentOnDelete,
    code: ErrorCode,
    what: str,
) -> list[uuid.UUID]:
    """The items matching ``using``, locked in id order; refused with ``code`` while there are any
    and ``on_content`` is RESTRICT.

    The caller holds what is being deleted FOR UPDATE (and a REASSIGN target FOR KEY SHARE), so
    no item can start using it meanwhile: these are all the items that will. An item being
    changed meanwhile is waited for.
    ``what`` completes "N content item(s) …", e.g. "use this tactic".
    """
    stmt = select(ContentItem.id).where(using).order_by(ContentItem.id)
    ids = list((await session.execute(locking(stmt, Lock.CHANGE))).scalars())
    if ids and on_content is ContentOnDelete.RESTRICT:
        raise DomainError.of(
            code,
            f"{len(ids)} content item(s) {what}. Say whether to UNMAP them or REASSIGN them elsewhere.",
            "on_content",
        )
    return ids


async def lock_for_deletion(
    session: AsyncSession,
    scope: Scope,
    model: type[R],
    id_: uuid.UUID,
    target: uuid.UUID | None,
    *,
    owner: str = "strategy_id",
) -> tuple[R, dict[uuid.UUID, uuid.UUID]]:
    """The record to delete, FOR UPDATE, and a REASSIGN ``target`` of the same model FOR KEY SHARE,
    the two in id order; returns the record and, if the target was found in scope, its ``owner``
    (its strategy; a channel's workspace)."""
    if target is None or target == id_:
        return await records.get(session, model, id_, scope, lock=Lock.DELETE), {}
    owned_by = getattr(model, owner)

    async def lock_target() -> dict[uuid.UUID, uuid.UUID]:
        stmt = select(model.id, owned_by.label("owner")).where(
            model.id == target, scope.where(model.workspace_id)
        )
        return {row.id: row.owner for row in await session.execute(locking(stmt, Lock.REFER))}

    if target < id_:
        owners = await lock_target()
        return await records.get(session, model, id_, scope, lock=Lock.DELETE), owners
    deleted = await records.get(session, model, id_, scope, lock=Lock.DELETE)
    return deleted, await lock_target()


async def repoint_content(session: AsyncSession, ids: Sequence[uuid.UUID], **values: Any) -> None:
    """Change the items ``ids`` (locked by :func:`content_using`), bumping their version and logging
    each change as any edit does."""
    if not ids:
        return
    table = cast(Table, ContentItem.__table__)
    chosen = table.c.id == records.any_id("repointed_ids", ids)
    old = select(table.c.id, *(table.c[name] for name in values)).where(chosen).subquery("old")
    stmt = (
        update(table)
        .where(table.c.id == old.c.id)
        .values(**values, version=table.c.version + 1, updated_at=func.clock_timestamp())
        .returning(
            table.c.id,
            table.c.workspace_id,
            table.c.strategy_id,
            *(old.c[name].label(f"before_{name}") for name in values),
            *(table.c[name].label(f"after_{name}") for name in values),
        )
    )
    for row in await session.execute(stmt):
        found = row._mapping
        activity.note_change(
            session,
            "ContentItem",
            row.id,
            row.workspace_id,
            row.strategy_id,
            {name: (found[f"before_{name}"], found[f"after_{name}"]) for name in values},
        )
