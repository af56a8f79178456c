"""Who is calling (`viewer`): who they act as, their memberships and what is on their plate."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.scope import Scope
from schema.access.types import MEMBER, MEMBERSHIPS_OF_MEMBER, Actor, Member, Membership
from schema.context import Info
from schema.loading import ROOT, Loaded
from schema.pagination import After, Before, Connection, First, Last
from schema.relay import load_by_id, paginate, relation

if TYPE_CHECKING:
    from schema.content.types import ContentItem


@strawberry.type(description="Who is calling, and the roles they hold.")
class Viewer:
    scope: strawberry.Private[Scope]
    actor: Actor = strawberry.field(
        description="Who you act as; changes you make are recorded as made by them."
    )

    @classmethod
    def of(cls, scope: Scope) -> Viewer:
        actor = scope.actor
        return cls(scope=scope, actor=Actor.of(actor.kind, actor.id, actor.name))

    @relation(
        Member | None, description="The member signed in; null for an API key, a demo visitor or the service."
    )
    def member(self, info: Info) -> Loaded[Member | None]:
        return load_by_id(info, MEMBER, self._member_id)

    @strawberry.field(
        description=(
            "Your memberships: the roles you hold on organizations and workspaces, oldest first; "
            "empty unless a member is signed in."
        )
    )
    async def memberships(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Membership]:
        member_id = self._member_id
        # Anyone but a member holds no role: ROOT names no member, so their list is empty.
        parent = ROOT if member_id is None else member_id
        return await paginate(info, MEMBERSHIPS_OF_MEMBER, parent, first, after, last, before)

    @strawberry.field(
        description=(
            "What is on your plate, by planned time (unplanned last): the content assigned to you that "
            "is not yet PUBLISHED or ARCHIVED, and the content IN_REVIEW where your role may decide reviews."
        )
    )
    async def my_open_work(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[ContentItem, strawberry.lazy("schema.content.types")]]:
        from schema.content.open_work import open_work

        return await open_work(info, self.scope, first, after, last, before)

    @property
    def _member_id(self) -> uuid.UUID | None:
        return self.scope.actor.member_id
