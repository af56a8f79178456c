"""The audiences a strategy speaks to."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Row

from domain.audience.models import Audience as AudienceRow
from domain.audience.models import BuyingProcess
from domain.channel.models import strategy_channel_audience
from domain.content.models import content_item_audience
from domain.kpi.models import kpi_audience
from schema import ids
from schema.context import Info
from schema.loading import ListSpec, Loaded, NodeSpec, in_workspace
from schema.pagination import Connection
from schema.relay import Node, load_children, load_required, register, relation

if TYPE_CHECKING:
    from schema.channel.types import StrategyChannel
    from schema.content.types import ContentItem, ContentItemFilter, ContentItemOrder
    from schema.kpi.types import Kpi
    from schema.strategy.types import Strategy

audience_table = AudienceRow.__table__


@strawberry.type(description="Who they are, how they behave, where they are and how they buy.")
class Audience(Node):
    db_id: strawberry.Private[uuid.UUID]
    strategy_id: strawberry.Private[uuid.UUID]
    name: str
    description: str
    genders: list[str]
    age_min: int | None
    age_max: int | None
    interests: list[str]
    family_statuses: list[str]
    locations: list[str]
    behaviours: list[str] = strawberry.field(description="What they do: clicks, site visits, downloads …")
    buying_process: BuyingProcess | None
    buying_notes: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Row[Any] | AudienceRow) -> Audience:
        return cls(
            id=strawberry.ID(ids.encode("Audience", row.id)),
            db_id=row.id,
            strategy_id=row.strategy_id,
            name=row.name,
            description=row.description,
            genders=row.genders,
            age_min=row.age_min,
            age_max=row.age_max,
            interests=row.interests,
            family_statuses=row.family_statuses,
            locations=row.locations,
            behaviours=row.behaviours,
            buying_process=row.buying_process,
            buying_notes=row.buying_notes,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @relation(Annotated["Strategy", strawberry.lazy("schema.strategy.types")])
    def strategy(self, info: Info) -> Loaded[Strategy]:
        from schema.strategy.types import STRATEGY

        return load_required(info, STRATEGY, self.strategy_id)

    @relation(
        list[Annotated["StrategyChannel", strawberry.lazy("schema.channel.types")]],
        description="The chosen channels that reach this audience.",
    )
    def channels(self, info: Info) -> Loaded[list[StrategyChannel]]:
        from schema.channel.types import CHANNELS_OF_AUDIENCE

        return load_children(info, CHANNELS_OF_AUDIENCE, self.db_id)

    @relation(
        list[Annotated["Kpi", strawberry.lazy("schema.kpi.types")]],
        description="The KPIs that measure this audience.",
    )
    def kpis(self, info: Info) -> Loaded[list[Kpi]]:
        from schema.kpi.types import KPIS_OF_AUDIENCE

        return load_children(info, KPIS_OF_AUDIENCE, self.db_id)

    @strawberry.field(description="The content made for this audience.")
    async def content_items(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: Annotated[ContentItemFilter, strawberry.lazy("schema.content.types")] | None = None,
        order_by: Annotated[ContentItemOrder, strawberry.lazy("schema.content.types")] | None = None,
    ) -> Connection[Annotated[ContentItem, strawberry.lazy("schema.content.types")]]:
        from schema.content.types import content_items

        return await content_items(info, "audience", self.db_id, first, after, last, before, filter, order_by)


AUDIENCE = register(
    "Audience",
    NodeSpec(
        audience_table, audience_table.c.id, in_workspace(audience_table.c.workspace_id), Audience.from_row
    ),
)
_visible = in_workspace(audience_table.c.workspace_id)
_order = [audience_table.c.created_at, audience_table.c.id]
AUDIENCES_OF_STRATEGY = ListSpec(
    audience_table, list(audience_table.c), audience_table.c.strategy_id, _visible, _order, Audience.from_row
)
AUDIENCES_OF_STRATEGY_CHANNEL = ListSpec.through(
    audience_table,
    strategy_channel_audience.c.audience_id,
    strategy_channel_audience.c.strategy_channel_id,
    _visible,
    _order,
    Audience.from_row,
)
AUDIENCES_OF_KPI = ListSpec.through(
    audience_table,
    kpi_audience.c.audience_id,
    kpi_audience.c.kpi_id,
    _visible,
    _order,
    Audience.from_row,
)
AUDIENCES_OF_CONTENT_ITEM = ListSpec.through(
    audience_table,
    content_item_audience.c.audience_id,
    content_item_audience.c.content_item_id,
    _visible,
    _order,
    Audience.from_row,
)
