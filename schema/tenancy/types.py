"""Organizations and their workspaces."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import ColumnElement, Row

from domain.scope import Scope
from domain.strategy.models import StrategyStatus
from domain.tenancy.models import Organization as OrganizationRow
from domain.tenancy.models import Workspace as WorkspaceRow
from domain.tenancy.services import organizations_seen
from schema import ids
from schema.context import Info
from schema.descriptions import CREATED_AT, UPDATED_AT, VERSION
from schema.loading import ConnectionSpec, Loaded, NodeSpec, in_workspace
from schema.pagination import After, Before, Connection, First, Last
from schema.relay import Node, load_required, paginate, register, relation

if TYPE_CHECKING:
    from schema.access.types import Membership
    from schema.activity.types import Activity
    from schema.channel.types import Channel
    from schema.strategy.types import Strategy

organization_table = OrganizationRow.__table__
workspace_table = WorkspaceRow.__table__


@strawberry.type(description="An agency or a brand. It holds workspaces, one per client or brand.")
class Organization(Node):
    db_id: strawberry.Private[uuid.UUID]
    name: str = strawberry.field(description="The organization's name.")
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | OrganizationRow) -> Organization:
        return cls(
            id=strawberry.ID(ids.encode("Organization", row.id)),
            db_id=row.id,
            name=row.name,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The organization's workspaces, oldest first.")
    async def workspaces(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Workspace]:
        return await paginate(info, WORKSPACES_OF_ORGANIZATION, self.db_id, first, after, last, before)

    @strawberry.field(
        description=(
            "The memberships on the organization: who holds which role in all its workspaces, oldest "
            "first. Memberships on one workspace are in that workspace's `members`."
        )
    )
    async def members(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Membership, strawberry.lazy("schema.access.types")]]:
        from schema.access.types import MEMBERSHIPS_OF_ORGANIZATION

        return await paginate(info, MEMBERSHIPS_OF_ORGANIZATION, self.db_id, first, after, last, before)


@strawberry.type(description="One client or brand: the boundary around strategies, channels and content.")
class Workspace(Node):
    db_id: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID]
    name: str = strawberry.field(description="The workspace's name, usually the client's or the brand's.")
    scenario: str | None = strawberry.field(
        description="The demo scenario this workspace was seeded from, if any (see `demoScenarios`)."
    )
    expires_at: dt.datetime | None = strawberry.field(
        description="When this demo workspace and everything in it will be deleted; null for a lasting one."
    )
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | WorkspaceRow) -> Workspace:
        return cls(
            id=strawberry.ID(ids.encode("Workspace", row.id)),
            db_id=row.id,
            organization_id=row.organization_id,
            name=row.name,
            scenario=row.scenario,
            expires_at=row.expires_at,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @relation(Organization, "The organization the workspace belongs to.")
    def organization(self, info: Info) -> Loaded[Organization]:
        return load_required(info, ORGANIZATION, self.organization_id)

    @strawberry.field(
        description="The workspace's strategies, oldest first; optionally only those in `status`."
    )
    async def strategies(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        status: Annotated[
            list[StrategyStatus] | None,
            strawberry.argument(description="Only strategies in one of these statuses; null or empty: all."),
        ] = None,
    ) -> Connection[Annotated[Strategy, strawberry.lazy("schema.strategy.types")]]:
        from schema.strategy.types import STRATEGIES_OF_WORKSPACE

        statuses = frozenset(status) if status else None
        return await paginate(info, STRATEGIES_OF_WORKSPACE, self.db_id, first, after, last, before, statuses)

    @strawberry.field(description="The workspace's channels (accounts on platforms), oldest first.")
    async def channels(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Channel, strawberry.lazy("schema.channel.types")]]:
        from schema.channel.types import CHANNELS_OF_WORKSPACE

        return await paginate(info, CHANNELS_OF_WORKSPACE, self.db_id, first, after, last, before)

    @strawberry.field(description="Who changed what in the workspace, newest first.")
    async def activity(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Activity, strawberry.lazy("schema.activity.types")]]:
        from schema.activity.types import ACTIVITY_OF_WORKSPACE

        return await paginate(info, ACTIVITY_OF_WORKSPACE, self.db_id, first, after, last, before)

    @strawberry.field(
        description=(
            "The memberships on this workspace itself: who holds which role in it, oldest first. "
            "Memberships on the whole organization are in the organization's `members`."
        )
    )
    async def members(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Membership, strawberry.lazy("schema.access.types")]]:
        from schema.access.types import MEMBERSHIPS_OF_WORKSPACE

        return await paginate(info, MEMBERSHIPS_OF_WORKSPACE, self.db_id, first, after, last, before)


def organization_visible(scope: Scope) -> ColumnElement[bool]:
    """An organization is visible to whoever holds a role on it or sees one of its workspaces."""
    return organizations_seen(scope, organization_table.c.id)


ORGANIZATION = register(
    "Organization",
    NodeSpec(organization_table, organization_table.c.id, organization_visible, Organization.from_row),
)
WORKSPACE = register(
    "Workspace",
    NodeSpec(workspace_table, workspace_table.c.id, in_workspace(workspace_table.c.id), Workspace.from_row),
)
WORKSPACES_OF_ORGANIZATION = ConnectionSpec(
    source=workspace_table,
    columns=list(workspace_table.c),
    parent=workspace_table.c.organization_id,
    visible=in_workspace(workspace_table.c.id),
    order=[workspace_table.c.created_at, workspace_table.c.id],
    convert=Workspace.from_row,
)
