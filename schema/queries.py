"""The entry points of the graph."""

from __future__ import annotations

import asyncio

import strawberry

from schema.access.queries import AccessQueries
from schema.content.types import CONTENT_ITEM, ContentItem
from schema.context import Info
from schema.errors import QueryError
from schema.loading import ROOT, ROOT_PARENT, ConnectionSpec
from schema.pagination import Connection
from schema.relay import Node, load_node, load_typed, paginate
from schema.strategy.templates import StrategyTemplateQueries
from schema.strategy.types import STRATEGY, Strategy
from schema.tenancy.demo import DemoScenario, demo_scenarios
from schema.tenancy.types import (
    ORGANIZATION,
    WORKSPACE,
    Organization,
    organization_table,
    organization_visible,
)
from schema.tenancy.types import Workspace as WorkspaceType

NODES_MAX = 100

ORGANIZATIONS = ConnectionSpec(
    source=organization_table,
    columns=list(organization_table.c),
    parent=ROOT_PARENT,
    visible=organization_visible,
    order=[organization_table.c.created_at, organization_table.c.id],
    convert=Organization.from_row,
)


@strawberry.type
class Query(StrategyTemplateQueries, AccessQueries):
    @strawberry.field(description="The object with this global ID, or null if there is none you may see.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await load_node(info, id)

    @strawberry.field(description=f"The objects with these global IDs, in order (at most {NODES_MAX}).")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > NODES_MAX:
            raise QueryError(f"Ask for at most {NODES_MAX} ids at once.", "TOO_MANY_IDS")
        return list(await asyncio.gather(*(load_node(info, id_) for id_ in ids)))

    @strawberry.field(description="The organizations you can see, oldest first.")
    async def organizations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Organization]:
        return await paginate(info, ORGANIZATIONS, ROOT, first, after, last, before)

    @strawberry.field(
        description="The scenarios `createDemoWorkspace` can build; empty when demo workspaces are off."
    )
    def demo_scenarios(self, info: Info) -> list[DemoScenario]:
        return demo_scenarios(info)

    @strawberry.field
    async def organization(self, info: Info, id: strawberry.ID) -> Organization | None:
        return await load_typed(info, id, "Organization", ORGANIZATION)

    @strawberry.field
    async def workspace(self, info: Info, id: strawberry.ID) -> WorkspaceType | None:
        return await load_typed(info, id, "Workspace", WORKSPACE)

    @strawberry.field
    async def strategy(self, info: Info, id: strawberry.ID) -> Strategy | None:
        return await load_typed(info, id, "Strategy", STRATEGY)

    @strawberry.field
    async def content_item(self, info: Info, id: strawberry.ID) -> ContentItem | None:
        return await load_typed(info, id, "ContentItem", CONTENT_ITEM)
