"""What happens to content when the tactic, KPI or channel it uses is deleted."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.activity import recording as activity
from domain.content.models import ContentItem
from domain.content.rules import ContentOnDelete
from domain.errors import DomainError, ErrorCode


async def content_using(
    session: AsyncSession,
    using: ColumnElement[bool],
    on_content: ContentOnDelete,
    code: ErrorCode,
    what: str,
) -> int:
    """How many items match ``using``; refused with ``code`` while any do and ``on_content`` is RESTRICT.

    ``what`` completes "N content item(s) …", e.g. "use this tactic".
    """
    in_use = int((await session.execute(select(func.count()).where(using))).scalar_one())
    if in_use and on_content is ContentOnDelete.RESTRICT:
        raise DomainError.of(
            code,
            f"{in_use} content item(s) {what}. Say whether to UNMAP them or REASSIGN them elsewhere.",
            "on_content",
        )
    return in_use


async def repoint_content(session: AsyncSession, using: ColumnElement[bool], **values: Any) -> None:
    """Change the items matching ``using``, bumping their version and logging each change as any edit does."""
    table = cast(Table, ContentItem.__table__)
    old = select(table.c.id, *(table.c[name] for name in values)).where(using).subquery("old")
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
