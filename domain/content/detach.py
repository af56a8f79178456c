"""What happens to content when the tactic, KPI or channel it uses is deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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
    """Change the items matching ``using``, bumping their version as any edit does."""
    await session.execute(
        update(ContentItem)
        .where(using)
        .values(**values, version=ContentItem.version + 1, updated_at=func.clock_timestamp())
        .execution_options(synchronize_session=False)
    )
