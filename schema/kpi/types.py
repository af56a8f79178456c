"""SMART KPIs and their measurements."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Row

from domain.content.models import content_item_kpi
from domain.kpi.models import (
    Aggregation,
    Direction,
    KpiSource,
    MeasurementSource,
    Metric,
    Unit,
    kpi_audience,
    kpi_tactic,
)
from domain.kpi.models import Kpi as KpiRow
from domain.kpi.models import KpiMeasurement as KpiMeasurementRow
from domain.kpi.smart import smart
from schema import ids
from schema.content.types import content_items_field
from schema.context import Info
from schema.descriptions import CREATED_AT, UPDATED_AT, VERSION
from schema.kpi.progress import KpiProgress, KpiSmart, load_facts
from schema.loading import ConnectionSpec, ListSpec, Loaded, NodeSpec, in_workspace
from schema.pagination import After, Before, Connection, First, Last
from schema.relay import Node, load_by_id, load_children, load_required, paginate, register, relation

if TYPE_CHECKING:
    from schema.access.types import Member
    from schema.audience.types import Audience
    from schema.channel.types import Channel
    from schema.strategy.types import Strategy, Tactic

kpi_table = KpiRow.__table__
measurement_table = KpiMeasurementRow.__table__


@strawberry.type(
    description=(
        "A KPI set from the strategy's audiences and tactics, to follow over time: what is measured, "
        "from where to where, by when. SMART: specific, measurable, achievable, relevant, time-bound."
    )
)
class Kpi(Node):
    db_id: strawberry.Private[uuid.UUID]
    strategy_id: strawberry.Private[uuid.UUID]
    channel_id: strawberry.Private[uuid.UUID | None]
    owner_id: strawberry.Private[uuid.UUID | None]
    name: str = strawberry.field(description="The KPI's name, e.g. “Newsletter sign-ups from LinkedIn”.")
    description: str = strawberry.field(
        description="What is measured, how and why; a CUSTOM metric is said here. Empty when not written."
    )
    metric: Metric = strawberry.field(description="What the KPI counts.")
    unit: Unit = strawberry.field(description="The unit of its baseline, target and measurements.")
    baseline: Decimal | None = strawberry.field(
        description="Where the KPI stood when it was set; null: not known (then not MEASURABLE)."
    )
    target: Decimal = strawberry.field(description="The value to reach (or stay beyond) by the deadline.")
    direction: Direction = strawberry.field(
        description="Which way the KPI should move, or which side to stay on."
    )
    starts_on: dt.date | None = strawberry.field(
        description="When progress starts to count; null: from the strategy's start."
    )
    deadline: dt.date | None = strawberry.field(
        description="When the target is due; null: at the strategy's end."
    )
    aggregation: Aggregation = strawberry.field(
        description="How its content's metrics combine into its value, for a KPI whose source is CONTENT."
    )
    source: KpiSource = strawberry.field(
        description=(
            "MEASUREMENTS: values are recorded or imported. "
            "CONTENT: values are rolled up from the metrics of the content serving the KPI."
        )
    )
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | KpiRow) -> Kpi:
        return cls(
            id=strawberry.ID(ids.encode("Kpi", row.id)),
            db_id=row.id,
            strategy_id=row.strategy_id,
            channel_id=row.channel_id,
            owner_id=row.owner_id,
            name=row.name,
            description=row.description,
            metric=row.metric,
            unit=row.unit,
            baseline=row.baseline,
            target=row.target,
            direction=row.direction,
            starts_on=row.starts_on,
            deadline=row.deadline,
            aggregation=row.aggregation,
            source=row.source,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @relation(
        Annotated["Strategy", strawberry.lazy("schema.strategy.types")],
        description="The strategy the KPI belongs to.",
    )
    def strategy(self, info: Info) -> Loaded[Strategy]:
        from schema.strategy.types import STRATEGY

        return load_required(info, STRATEGY, self.strategy_id)

    @relation(
        Annotated["Channel", strawberry.lazy("schema.channel.types")] | None,
        description="The channel this KPI is measured on, if it is tied to one.",
    )
    def channel(self, info: Info) -> Loaded[Channel | None]:
        from schema.channel.types import CHANNEL

        return load_by_id(info, CHANNEL, self.channel_id)

    @relation(
        Annotated["Member", strawberry.lazy("schema.access.types")] | None,
        description="The member who follows the KPI.",
    )
    def owner(self, info: Info) -> Loaded[Member | None]:
        from schema.access.types import MEMBER

        return load_by_id(info, MEMBER, self.owner_id)

    @relation(
        list[Annotated["Tactic", strawberry.lazy("schema.strategy.types")]],
        description="The tactics this KPI measures.",
    )
    def tactics(self, info: Info) -> Loaded[list[Tactic]]:
        from schema.strategy.types import TACTICS_OF_KPI

        return load_children(info, TACTICS_OF_KPI, self.db_id)

    @relation(
        list[Annotated["Audience", strawberry.lazy("schema.audience.types")]],
        description="The audiences this KPI measures.",
    )
    def audiences(self, info: Info) -> Loaded[list[Audience]]:
        from schema.audience.types import AUDIENCES_OF_KPI

        return load_children(info, AUDIENCES_OF_KPI, self.db_id)

    content_items = content_items_field(
        "kpi", "The content that serves this KPI, as primary or contributing KPI."
    )

    @strawberry.field(description="Where the KPI stands: value, planned pace, status and forecast.")
    async def progress(
        self,
        info: Info,
        as_of: Annotated[
            dt.date | None, strawberry.argument(description="The day to judge on; default: today (UTC).")
        ] = None,
    ) -> KpiProgress:
        return KpiProgress.of(await load_facts(info, self.db_id, as_of))

    @strawberry.field(description="Whether the KPI is SMART, letter by letter, with the reasons.")
    async def smart(
        self,
        info: Info,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(
                description="The day whose history the achievable check reads; default: today."
            ),
        ] = None,
    ) -> KpiSmart:
        return KpiSmart.of(smart(await load_facts(info, self.db_id, as_of)))

    @strawberry.field(description="The measurements, oldest observation first.")
    async def measurements(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[KpiMeasurement]:
        return await paginate(info, MEASUREMENTS_OF_KPI, self.db_id, first, after, last, before)


@strawberry.type(description="The KPI's value as of one day (followers that day, leads since the start …).")
class KpiMeasurement(Node):
    db_id: strawberry.Private[uuid.UUID]
    kpi_id: strawberry.Private[uuid.UUID]
    observed_on: dt.date = strawberry.field(description="The day the value was observed.")
    value: Decimal = strawberry.field(description="The KPI's value as of that day, in the KPI's unit.")
    source: MeasurementSource = strawberry.field(description="Where the value came from.")
    note: str = strawberry.field(description="A remark on the value (how it was counted …); empty when none.")
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | KpiMeasurementRow) -> KpiMeasurement:
        return cls(
            id=strawberry.ID(ids.encode("KpiMeasurement", row.id)),
            db_id=row.id,
            kpi_id=row.kpi_id,
            observed_on=row.observed_on,
            value=row.value,
            source=row.source,
            note=row.note,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @relation(Kpi, "The KPI measured.")
    def kpi(self, info: Info) -> Loaded[Kpi]:
        return load_required(info, KPI, self.kpi_id)


_visible = in_workspace(kpi_table.c.workspace_id)
_order = [kpi_table.c.created_at, kpi_table.c.id]
KPI = register("Kpi", NodeSpec(kpi_table, kpi_table.c.id, _visible, Kpi.from_row))
KPIS_OF_STRATEGY = ListSpec(
    kpi_table, list(kpi_table.c), kpi_table.c.strategy_id, _visible, _order, Kpi.from_row
)
KPIS_OF_TACTIC = ListSpec.through(
    kpi_table,
    kpi_tactic.c.kpi_id,
    kpi_tactic.c.tactic_id,
    _visible,
    _order,
    Kpi.from_row,
)
KPIS_OF_AUDIENCE = ListSpec.through(
    kpi_table,
    kpi_audience.c.kpi_id,
    kpi_audience.c.audience_id,
    _visible,
    _order,
    Kpi.from_row,
)
KPI_MEASUREMENT = register(
    "KpiMeasurement",
    NodeSpec(
        measurement_table,
        measurement_table.c.id,
        in_workspace(measurement_table.c.workspace_id),
        KpiMeasurement.from_row,
    ),
)
MEASUREMENTS_OF_KPI = ConnectionSpec(
    source=measurement_table,
    columns=list(measurement_table.c),
    parent=measurement_table.c.kpi_id,
    visible=in_workspace(measurement_table.c.workspace_id),
    order=[measurement_table.c.observed_on, measurement_table.c.id],
    convert=KpiMeasurement.from_row,
)
KPIS_OF_CONTENT_ITEM = ListSpec.through(
    kpi_table,
    content_item_kpi.c.kpi_id,
    content_item_kpi.c.content_item_id,
    _visible,
    _order,
    Kpi.from_row,
)
