"""Comments on content items: the type, the list on an item, and ``addComment``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.roles import Action
from domain.content import comments
from domain.content.models import COMMENT_MAX, ContentStatus
from domain.content.models import Comment as CommentRow
from domain.scope import Scope
from schema import ids
from schema.access.types import Actor
from schema.content.types import CONTENT_ITEM, ContentItem
from schema.context import Info
from schema.descriptions import CREATED_AT, USER_ERRORS, Input
from schema.errors import UserError
from schema.loading import ConnectionSpec, Loaded, NodeSpec, in_workspace
from schema.mutation import decode, performs, run
from schema.relay import Node, load_required, register, relation

comment_table = CommentRow.__table__


@strawberry.type(
    description="A step of the content workflow: the status an item left and the one it reached."
)
class ContentTransition:
    from_: ContentStatus = strawberry.field(name="from", description="The status the item left.")
    to: ContentStatus = strawberry.field(description="The status the item reached.")


@strawberry.type(description="A remark on a content item; one written with a workflow step records the step.")
class Comment(Node):
    db_id: strawberry.Private[uuid.UUID]
    content_item_id: strawberry.Private[uuid.UUID]
    body: str = strawberry.field(description="What was said, as written (trimmed).")
    author: Actor = strawberry.field(description="Who wrote the comment.")
    transition: ContentTransition | None = strawberry.field(
        description="The workflow step the comment came with (e.g. IN_REVIEW → DRAFT); null for a plain one."
    )
    created_at: dt.datetime = strawberry.field(description=f"{CREATED_AT} Comments are never changed.")

    @classmethod
    def from_row(cls, row: Row[Any] | CommentRow) -> Comment:
        step = None
        if row.transition_from is not None and row.transition_to is not None:
            step = ContentTransition(from_=row.transition_from, to=row.transition_to)
        return cls(
            id=strawberry.ID(ids.encode("Comment", row.id)),
            db_id=row.id,
            content_item_id=row.content_item_id,
            body=row.body,
            author=Actor.of(row.author_kind, row.author_id, row.author_name),
            transition=step,
            created_at=row.created_at,
        )

    @relation(ContentItem, "The content item commented on.")
    def content_item(self, info: Info) -> Loaded[ContentItem]:
        return load_required(info, CONTENT_ITEM, self.content_item_id)


COMMENT = register(
    "Comment",
    NodeSpec(comment_table, comment_table.c.id, in_workspace(comment_table.c.workspace_id), Comment.from_row),
)
COMMENTS_OF_CONTENT_ITEM = ConnectionSpec(
    source=comment_table,
    columns=list(comment_table.c),
    parent=comment_table.c.content_item_id,
    visible=in_workspace(comment_table.c.workspace_id),
    order=[comment_table.c.created_at, comment_table.c.id],
    convert=Comment.from_row,
)


@strawberry.input(description="A comment on a content item, written as you.")
class AddCommentInput:
    content_item_id: strawberry.ID = strawberry.field(description="The content item to comment on.")
    body: str = strawberry.field(description=f"What you have to say; at most {COMMENT_MAX:,} characters.")


@strawberry.type(description="What `addComment` did.")
class AddCommentPayload:
    comment: Comment | None = strawberry.field(description="The new comment; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class CommentMutations:
    @strawberry.field(
        description=(
            "Comment on a content item. Needs a role that may COMMENT (every role but VIEWER). "
            "Refused: an empty body (BLANK), one too long (TOO_LONG)."
        )
    )
    @performs(Action.COMMENT)
    async def add_comment(self, info: Info, input: Input[AddCommentInput]) -> AddCommentPayload:
        async def body(session: AsyncSession, scope: Scope) -> CommentRow:
            item_id = decode(input.content_item_id, "ContentItem", "content_item_id")
            return await comments.add_comment(session, scope, item_id, input.body)

        row, errors = await run(info, body)
        return AddCommentPayload(comment=Comment.from_row(row) if row else None, user_errors=errors)
