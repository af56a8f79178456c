"""Comments on content items: what reviewers and makers say about a piece of content.

Anyone whose role allows COMMENT may comment. A comment given with a workflow step is
kept with that step, so the reason a review sent an item back to draft stays beside it.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.content.models import COMMENT_MAX, Comment, ContentItem, ContentStatus
from domain.errors import Problems
from domain.scope import Scope

#: A step of the workflow: the status an item left and the one it reached.
Step = tuple[ContentStatus, ContentStatus]

#: The longest author name kept with a comment.
AUTHOR_NAME_MAX = 200


def comment_body(problems: Problems, given: str | None, field: str) -> str:
    """A comment's text, trimmed: BLANK when empty, TOO_LONG past :data:`COMMENT_MAX` characters."""
    return values.name(problems, given, field, limit=COMMENT_MAX)


def optional_comment(problems: Problems, given: str | None, field: str) -> str:
    """A comment that may be left out (empty when it is): TOO_LONG past :data:`COMMENT_MAX`."""
    return values.text(problems, given, field, limit=COMMENT_MAX)


async def add_comment(session: AsyncSession, scope: Scope, item_id: uuid.UUID, body: str) -> Comment:
    """Comment on a content item as the caller."""
    # The item's strategy first (the lock order of domain.records): the comment refers to both.
    await records.hold_strategies(session, records.strategy_of(ContentItem, [item_id]))
    item = await records.get(session, ContentItem, item_id, scope, "content_item_id", lock=records.Lock.REFER)
    problems = Problems()
    text = comment_body(problems, body, "body")
    problems.raise_if_any()
    return await write_comment(session, scope, item, text)


async def write_comment(
    session: AsyncSession, scope: Scope, item: ContentItem, body: str, step: Step | None = None
) -> Comment:
    """Store a checked comment on ``item`` by the scope's actor, with the workflow step it came with."""
    actor = scope.actor
    comment = Comment(
        workspace_id=item.workspace_id,
        strategy_id=item.strategy_id,
        content_item_id=item.id,
        author_kind=actor.kind,
        author_id=actor.id,
        author_name=actor.name[:AUTHOR_NAME_MAX],
        body=body,
        transition_from=step[0] if step else None,
        transition_to=step[1] if step else None,
    )
    session.add(comment)
    await session.flush()
    return comment
