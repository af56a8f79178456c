"""Mutations on KPIs and their measurements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain.content.rules import ContentOnDelete
from domain.kpi import services
from domain.kpi.models import Aggregation, Direction, MeasurementSource, Metric, Unit
from domain.kpi.models import Kpi as KpiRow
from domain.kpi.models import KpiMeasurement as KpiMeasurementRow
from domain.kpi.services import KpiChanges, MeasurementChanges
from schema.context import Info
from schema.errors import UserError
from schema.kpi.types import Kpi, KpiMeasurement
from schema.mutation import changes, decode, run

UNSET = strawberry.UNSET


@strawberry.input(description="A SMART KPI: what is measured, from where to where, by when.")
class CreateKpiInput:
    strategy_id: strawberry.ID
    name: str
    metric: Metric
    target: Decimal
    description: str | None = UNSET
    unit: Unit | None = UNSET
    baseline: Decimal | None = UNSET
    direction: Direction | None = UNSET
    starts_on: dt.date | None = UNSET
    deadline: dt.date | None = UNSET
    aggregation: Aggregation | None = UNSET
    channel_id: strawberry.ID | None = UNSET
    tactic_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="The tactics of the strategy this KPI measures."
    )
    audience_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="The audiences of the strategy this KPI measures."
    )


@strawberry.input(description="Omitted fields stay as they are; id lists replace the whole list.")
class UpdateKpiInput:
    id: strawberry.ID
    version: int
    name: str | None = UNSET
    metric: Metric | None = UNSET
    target: Decimal | None = UNSET
    description: str | None = UNSET
    unit: Unit | None = UNSET
    baseline: Decimal | None = UNSET
    direction: Direction | None = UNSET
    starts_on: dt.date | None = UNSET
    deadline: dt.date | None = UNSET
    aggregation: Aggregation | None = UNSET
    channel_id: strawberry.ID | None = UNSET
    tactic_ids: list[strawberry.ID] | None = UNSET
    audience_ids: list[strawberry.ID] | None = UNSET


@strawberry.input
class DeleteKpiInput:
    id: strawberry.ID
    on_content: ContentOnDelete = strawberry.field(
        default=ContentOnDelete.RESTRICT,
        description="What happens to content that serves the KPI. RESTRICT refuses while there is any.",
    )
    reassign_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="With REASSIGN: the KPI of the same strategy that takes over the content."
    )


@strawberry.input
class CreateKpiMeasurementInput:
    kpi_id: strawberry.ID
    observed_on: dt.date
    value: Decimal
    source: MeasurementSource | None = UNSET
    note: str | None = UNSET


@strawberry.input
class UpdateKpiMeasurementInput:
    id: strawberry.ID
    version: int
    observed_on: dt.date | None = UNSET
    value: Decimal | None = UNSET
    source: MeasurementSource | None = UNSET
    note: str | None = UNSET


@strawberry.input
class DeleteKpiMeasurementInput:
    id: strawberry.ID


@strawberry.type
class CreateKpiPayload:
    kpi: Kpi | None
    user_errors: list[UserError]


@strawberry.type
class UpdateKpiPayload:
    kpi: Kpi | None
    user_errors: list[UserError]


@strawberry.type
class DeleteKpiPayload:
    deleted_id: strawberry.ID | None
    affected_content_count: int | None = strawberry.field(
        description="How many content items were unmapped or reassigned."
    )
    user_errors: list[UserError]


@strawberry.type
class CreateKpiMeasurementPayload:
    kpi_measurement: KpiMeasurement | None
    user_errors: list[UserError]


@strawberry.type
class UpdateKpiMeasurementPayload:
    kpi_measurement: KpiMeasurement | None
    user_errors: list[UserError]


@strawberry.type
class DeleteKpiMeasurementPayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


def _kpi(row: KpiRow | None) -> Kpi | None:
    return Kpi.from_row(row) if row is not None else None


def _measurement(row: KpiMeasurementRow | None) -> KpiMeasurement | None:
    return KpiMeasurement.from_row(row) if row is not None else None


@strawberry.type
class KpiMutations:
    @strawberry.field(description="Set a KPI for a strategy.")
    async def create_kpi(self, info: Info, input: CreateKpiInput) -> CreateKpiPayload:
        async def body(session: AsyncSession) -> KpiRow:
            strategy_id = decode(input.strategy_id, "Strategy", "strategy_id")
            change = changes(input, KpiChanges)
            return await services.create_kpi(session, info.context.scope, strategy_id, change)

        row, errors = await run(info, body)
        return CreateKpiPayload(kpi=_kpi(row), user_errors=errors)

    @strawberry.field(description="Change a KPI.")
    async def update_kpi(self, info: Info, input: UpdateKpiInput) -> UpdateKpiPayload:
        async def body(session: AsyncSession) -> KpiRow:
            id_ = decode(input.id, "Kpi")
            change = changes(input, KpiChanges)
            return await services.update_kpi(session, info.context.scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateKpiPayload(kpi=_kpi(row), user_errors=errors)

    @strawberry.field(description="Delete a KPI and its measurements, saying what happens to its content.")
    async def delete_kpi(self, info: Info, input: DeleteKpiInput) -> DeleteKpiPayload:
        async def body(session: AsyncSession) -> int:
            id_ = decode(input.id, "Kpi")
            target = decode(input.reassign_to_id, "Kpi", "reassign_to_id") if input.reassign_to_id else None
            return await services.delete_kpi(session, info.context.scope, id_, input.on_content, target)

        affected, errors = await run(info, body)
        return DeleteKpiPayload(
            deleted_id=input.id if affected is not None else None,
            affected_content_count=affected,
            user_errors=errors,
        )

    @strawberry.field(description="Record one observed value of a KPI.")
    async def create_kpi_measurement(
        self, info: Info, input: CreateKpiMeasurementInput
    ) -> CreateKpiMeasurementPayload:
        async def body(session: AsyncSession) -> KpiMeasurementRow:
            kpi_id = decode(input.kpi_id, "Kpi", "kpi_id")
            change = changes(input, MeasurementChanges)
            return await services.create_measurement(session, info.context.scope, kpi_id, change)

        row, errors = await run(info, body)
        return CreateKpiMeasurementPayload(kpi_measurement=_measurement(row), user_errors=errors)

    @strawberry.field(description="Correct a measurement.")
    async def update_kpi_measurement(
        self, info: Info, input: UpdateKpiMeasurementInput
    ) -> UpdateKpiMeasurementPayload:
        async def body(session: AsyncSession) -> KpiMeasurementRow:
            id_ = decode(input.id, "KpiMeasurement")
            change = changes(input, MeasurementChanges)
            return await services.update_measurement(session, info.context.scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateKpiMeasurementPayload(kpi_measurement=_measurement(row), user_errors=errors)

    @strawberry.field(description="Delete a measurement.")
    async def delete_kpi_measurement(
        self, info: Info, input: DeleteKpiMeasurementInput
    ) -> DeleteKpiMeasurementPayload:
        async def body(session: AsyncSession) -> strawberry.ID:
            await services.delete_measurement(session, info.context.scope, decode(input.id, "KpiMeasurement"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteKpiMeasurementPayload(deleted_id=deleted, user_errors=errors)
