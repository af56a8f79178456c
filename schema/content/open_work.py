"""What is on a caller's plate: the content assigned to them and the content awaiting their review."""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_

from domain.access.roles import Action
from domain.content.models import ContentStatus, planned_sort
from domain.content.rules import FINISHED
from domain.scope import Scope
from schema.content.types import ContentItem, content_table
from schema.context import Info
from schema.loading import ROOT, ROOT_PARENT, ConnectionSpec, in_workspace
from schema.pagination import Connection
from schema.relay import paginate


@dataclass(frozen=True, slots=True)
class OpenWork:
    """Whose plate: the member's assignments, and where they may decide reviews (None: everywhere)."""

    member_id: uuid.UUID | None
    reviewing: frozenset[uuid.UUID] | None

    @classmethod
    def of(cls, scope: Scope) -> OpenWork:
        member_id = scope.actor.member_id
        if scope.workspace_ids is None:
            return cls(member_id, None)
        return cls(member_id, scope.permitting(Action.REVIEW_CONTENT))


def _conditions(filter_: Hashable) -> Sequence[ColumnElement[bool]]:
    assert isinstance(filter_, OpenWork)
    c = content_table.c
    assigned: ColumnElement[bool] = false()
    if filter_.member_id is not None:
        assigned = and_(c.assignee_id == filter_.member_id, c.status.not_in(FINISHED))
    in_review = c.status == ContentStatus.IN_REVIEW
    if filter_.reviewing is not None:
        in_review = and_(in_review, c.workspace_id.in_(filter_.reviewing)) if filter_.reviewing else false()
    return [or_(assigned, in_review)]


OPEN_WORK = ConnectionSpec(
    source=content_table,
    columns=list(content_table.c),
    parent=ROOT_PARENT,
    visible=in_workspace(content_table.c.workspace_id),
    order=[planned_sort, content_table.c.id],
    convert=ContentItem.from_row,
    filter=_conditions,
)


async def open_work(
    info: Info, scope: Scope, first: int | None, after: str | None, last: int | None, before: str | None
) -> Connection[ContentItem]:
    """The open work of the caller with ``scope``, by planned time (unplanned last)."""
    return await paginate(info, OPEN_WORK, ROOT, first, after, last, before, OpenWork.of(scope))
