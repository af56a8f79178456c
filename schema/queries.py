"""The entry points of the graph."""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry
from strawberry.types.arguments import StrawberryArgumentAnnotation

from schema.access.queries import AccessQueries
from schema.content.types import CONTENT_ITEM, ContentItem
from schema.context import Info
from schema.errors import QueryError
from schema.loading import ROOT, ROOT_PARENT, ConnectionSpec
from schema.pagination import After, Before, Connection, First, Last
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


def _id_of(what: str) -> StrawberryArgumentAnnotation:
    return strawberry.argument(description=f"The global ID of the {what}.")


@strawberry.type(
    description=(
        "What can be read: start from `viewer` (who you are and your roles), `organizations`, or any "
        "record by its global ID."
    )
)
class Query(StrategyTemplateQueries, AccessQueries):
    @strawberry.field(description="The object with this global ID, or null if there is none you may see.")
    async def node(self, info: Info, id: Annotated[strawberry.ID, _id_of("object")]) -> Node | None:
        return await load_node(info, id)

    @strawberry.field(description=f"The objects with these global IDs, in order (at most {NODES_MAX}).")
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description=f"At most {NODES_MAX} global IDs (else TOO_MANY_IDS); each answer is null "
                "where there is no object you may see."
            ),
        ],
    ) -> list[Node | None]:
        if len(ids) > NODES_MAX:
            raise QueryError(f"Ask for at most {NODES_MAX} ids at once.", "TOO_MANY_IDS")
        return list(await asyncio.gather(*(load_node(info, id_) for id_ in ids)))

    @strawberry.field(description="The organizations you can see, oldest first.")
    async def organizations(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Organization]:
        return await paginate(info, ORGANIZATIONS, ROOT, first, after, last, before)

    @strawberry.field(
        description="The scenarios `createDemoWorkspace` can build; empty when demo workspaces are off."
    )
    def demo_scenarios(self, info: Info) -> list[DemoScenario]:
        return demo_scenarios(info)

    @strawberry.field(
        description=(
            "The organization with this ID; null if there is none you may see (or it names another type)."
        )
    )
    async def organization(
        self, info: Info, id: Annotated[strawberry.ID, _id_of("organization")]
    ) -> Organization | None:
        return await load_typed(info, id, "Organization", ORGANIZATION)

    @strawberry.field(
        description=(
            "The workspace with this ID; null if there is none you may see (or it names another type)."
        )
    )
    async def workspace(
        self, info: Info, id: Annotated[strawberry.ID, _id_of("workspace")]
    ) -> WorkspaceType | None:
        return await load_typed(info, id, "Workspace", WORKSPACE)

    @strawberry.field(
        description="The strategy with this ID; null if there is none you may see (or it names another type)."
    )
    async def strategy(self, info: Info, id: Annotated[strawberry.ID, _id_of("strategy")]) -> Strategy | None:
        return await load_typed(info, id, "Strategy", STRATEGY)

    @strawberry.field(
        description=(
            "The content item with this ID; null if there is none you may see (or it names another type)."
        )
    )
    async def content_item(
        self, info: Info, id: Annotated[strawberry.ID, _id_of("content item")]
    ) -> ContentItem | None:
        return await load_typed(info, id, "ContentItem", CONTENT_ITEM)
