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
from schema.content.types import content_items_field
from schema.context import Info
from schema.descriptions import CREATED_AT, UPDATED_AT, VERSION
from schema.loading import ListSpec, Loaded, NodeSpec, in_workspace
from schema.relay import Node, load_children, load_required, register, relation

if TYPE_CHECKING:
    from schema.channel.types import StrategyChannel
    from schema.kpi.types import Kpi
    from schema.strategy.types import Strategy

audience_table = AudienceRow.__table__


@strawberry.type(
    description=(
        "A group the strategy speaks to: who they are (demographics), how they behave, where they are "
        "and how they buy. Lists of labels are free text, in the order given; empty when not said."
    )
)
class Audience(Node):
    db_id: strawberry.Private[uuid.UUID]
    strategy_id: strawberry.Private[uuid.UUID]
    name: str = strawberry.field(description="The audience's name, e.g. “In-house counsel”.")
    description: str = strawberry.field(
        description="Who they are, in a few sentences; empty when not written."
    )
    genders: list[str] = strawberry.field(description="Their genders, as labels.")
    age_min: int | None = strawberry.field(description="The youngest age, in years; null: no lower bound.")
    age_max: int | None = strawberry.field(description="The oldest age, in years; null: no upper bound.")
    interests: list[str] = strawberry.field(description="What they care about.")
    family_statuses: list[str] = strawberry.field(
        description="Their family status: single, parents of toddlers …"
    )
    locations: list[str] = strawberry.field(description="Where they live or work.")
    behaviours: list[str] = strawberry.field(description="What they do: clicks, site visits, downloads …")
    buying_process: BuyingProcess | None = strawberry.field(description="How they buy; null: not said.")
    buying_notes: str = strawberry.field(
        description="How their buying fits the product, in words; empty when not written."
    )
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

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

    @relation(
        Annotated["Strategy", strawberry.lazy("schema.strategy.types")],
        description="The strategy the audience belongs to.",
    )
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

    content_items = content_items_field("audience", "The content made for this audience.")


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
