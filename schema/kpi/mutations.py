"""Mutations on KPIs and their measurements."""

from __future__ import annotations

import datetime as dt
import inspect
import uuid
from decimal import Decimal
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.file_uploads import Upload

from domain.access.roles import Action
from domain.content.rules import ContentOnDelete
from domain.errors import DomainError, ErrorCode, Problem
from domain.kpi import csv_import, services
from domain.kpi.measurements import MEASUREMENTS_MAX, MeasurementEntry, check_batch_size, record_measurements
from domain.kpi.models import Aggregation, Direction, KpiSource, MeasurementSource, Metric, Unit
from domain.kpi.models import Kpi as KpiRow
from domain.kpi.models import KpiMeasurement as KpiMeasurementRow
from domain.kpi.services import KpiChanges, MeasurementChanges
from domain.scope import Scope
from domain.upsert import Counts
from schema import ids
from schema.context import Info
from schema.descriptions import DAY, DELETED_ID, GIVEN_VERSION, NAME, NUMBER, TEXT, USER_ERRORS, Input
from schema.errors import UserError, user_error
from schema.ids import AudienceID, ChannelID, MemberID, TacticID
from schema.kpi.types import Kpi, KpiMeasurement
from schema.mutation import RecordedPayload, changes, decode, decode_batch, performs, run

UNSET = strawberry.UNSET

KPI_NAME = f"The KPI's name: {NAME}."
KPI_DESCRIPTION = f"What is measured, how and why (a CUSTOM metric is said here): {TEXT}."
TARGET = f"The value to reach (or stay beyond) by the deadline, in the KPI's unit: {NUMBER}."
BASELINE = f"Where the KPI stands now, in its unit (null: not known): {NUMBER}."
STARTS_ON = f"When progress starts to count (null: at the strategy's start): {DAY}."
DEADLINE = (
    "When the target is due (null: at the strategy's end), after the start (else DEADLINE_BEFORE_START): "
    f"{DAY}."
)
CHANNEL = "The workspace's channel the KPI is measured on; null: none."
OBSERVED_ON = f"The day the value was observed: {DAY}."
VALUE = f"The KPI's value as of that day, in its unit: {NUMBER}."
NOTE = f"A remark on the value: {TEXT}."


@strawberry.input(description="A SMART KPI: what is measured, from where to where, by when.")
class CreateKpiInput:
    strategy_id: strawberry.ID = strawberry.field(
        description=f"The strategy the KPI belongs to; TOO_MANY when it holds {services.KPIS_MAX} already."
    )
    name: str = strawberry.field(description=KPI_NAME)
    metric: Metric = strawberry.field(description="What the KPI counts.")
    target: Decimal = strawberry.field(description=TARGET)
    description: str | None = strawberry.field(default=UNSET, description=KPI_DESCRIPTION)
    unit: Unit | None = strawberry.field(default=UNSET, description="The unit of its values; default: COUNT.")
    baseline: Decimal | None = strawberry.field(default=UNSET, description=BASELINE)
    direction: Direction | None = strawberry.field(
        default=UNSET, description="Which way the KPI should move; default: INCREASE."
    )
    starts_on: dt.date | None = strawberry.field(default=UNSET, description=STARTS_ON)
    deadline: dt.date | None = strawberry.field(default=UNSET, description=DEADLINE)
    aggregation: Aggregation | None = strawberry.field(
        default=UNSET, description="How content metrics combine, for source CONTENT; default: LATEST."
    )
    source: KpiSource | None = strawberry.field(
        default=UNSET,
        description=(
            "Where the KPI's values come from. MEASUREMENTS (the default): recorded or imported. "
            "CONTENT: rolled up from the metrics of the content serving the KPI."
        ),
    )
    channel_id: ChannelID | None = strawberry.field(default=UNSET, description=CHANNEL)
    tactic_ids: list[TacticID] | None = strawberry.field(
        default=UNSET, description="The tactics of the strategy this KPI measures."
    )
    audience_ids: list[AudienceID] | None = strawberry.field(
        default=UNSET, description="The audiences of the strategy this KPI measures."
    )
    owner_id: MemberID | None = strawberry.field(
        default=UNSET, description="The member who follows the KPI (one holding a role in its workspace)."
    )


@strawberry.input(description="Omitted fields stay as they are; id lists replace the whole list.")
class UpdateKpiInput:
    id: strawberry.ID = strawberry.field(description="The KPI to change.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    name: str | None = strawberry.field(default=UNSET, description=f"{KPI_NAME} Null is refused (REQUIRED).")
    metric: Metric | None = strawberry.field(
        default=UNSET, description="What the KPI counts; null is refused (REQUIRED)."
    )
    target: Decimal | None = strawberry.field(
        default=UNSET, description=f"{TARGET} Null is refused (REQUIRED)."
    )
    description: str | None = strawberry.field(default=UNSET, description=KPI_DESCRIPTION)
    unit: Unit | None = strawberry.field(
        default=UNSET, description="The unit of its values; null is refused (REQUIRED)."
    )
    baseline: Decimal | None = strawberry.field(default=UNSET, description=BASELINE)
    direction: Direction | None = strawberry.field(
        default=UNSET, description="Which way the KPI should move; null is refused (REQUIRED)."
    )
    starts_on: dt.date | None = strawberry.field(default=UNSET, description=STARTS_ON)
    deadline: dt.date | None = strawberry.field(default=UNSET, description=DEADLINE)
    aggregation: Aggregation | None = strawberry.field(
        default=UNSET,
        description="How content metrics combine, for source CONTENT; null is refused (REQUIRED).",
    )
    source: KpiSource | None = strawberry.field(
        default=UNSET,
        description=(
            "Where the KPI's values come from. MEASUREMENTS (the default): recorded or imported. "
            "CONTENT: rolled up from the metrics of the content serving the KPI."
        ),
    )
    channel_id: ChannelID | None = strawberry.field(default=UNSET, description=CHANNEL)
    tactic_ids: list[TacticID] | None = strawberry.field(
        default=UNSET, description="The tactics of the strategy this KPI measures; null or [] clears them."
    )
    audience_ids: list[AudienceID] | None = strawberry.field(
        default=UNSET, description="The audiences of the strategy this KPI measures; null or [] clears them."
    )
    owner_id: MemberID | None = strawberry.field(
        default=UNSET, description="The member who follows the KPI; null clears it."
    )


@strawberry.input(description="The KPI to delete with its measurements, and what happens to its content.")
class DeleteKpiInput:
    id: strawberry.ID = strawberry.field(description="The KPI to delete.")
    on_content: ContentOnDelete = strawberry.field(
        default=ContentOnDelete.RESTRICT,
        description="What happens to content that serves the KPI. RESTRICT refuses while there is any.",
    )
    reassign_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="With REASSIGN: the KPI of the same strategy that takes over the content."
    )


@strawberry.input(
    description="One observed value of a KPI; a KPI holds one per day and source (else DUPLICATE)."
)
class CreateKpiMeasurementInput:
    kpi_id: strawberry.ID = strawberry.field(
        description="The KPI measured; one whose source is CONTENT is refused (KPI_COMPUTED_FROM_CONTENT)."
    )
    observed_on: dt.date = strawberry.field(description=OBSERVED_ON)
    value: Decimal = strawberry.field(description=VALUE)
    source: MeasurementSource | None = strawberry.field(
        default=UNSET,
        description="Where the value comes from; default: MANUAL. CONTENT_ROLLUP is SOURCE_RESERVED.",
    )
    note: str | None = strawberry.field(default=UNSET, description=NOTE)


@strawberry.input(description="A corrected measurement. Omitted fields stay as they are.")
class UpdateKpiMeasurementInput:
    id: strawberry.ID = strawberry.field(
        description="The measurement to correct; one rolled up from content is KPI_COMPUTED_FROM_CONTENT."
    )
    version: int = strawberry.field(description=GIVEN_VERSION)
    observed_on: dt.date | None = strawberry.field(
        default=UNSET, description=f"{OBSERVED_ON} Null is refused (REQUIRED)."
    )
    value: Decimal | None = strawberry.field(
        default=UNSET, description=f"{VALUE} Null is refused (REQUIRED)."
    )
    source: MeasurementSource | None = strawberry.field(
        default=UNSET,
        description="Where the value comes from; null is REQUIRED, CONTENT_ROLLUP SOURCE_RESERVED.",
    )
    note: str | None = strawberry.field(default=UNSET, description=NOTE)


@strawberry.input(description="The measurement to delete.")
class DeleteKpiMeasurementInput:
    id: strawberry.ID = strawberry.field(
        description="The measurement to delete; one rolled up from content is KPI_COMPUTED_FROM_CONTENT."
    )


@strawberry.input(description="One observed value of a KPI.")
class KpiMeasurementEntryInput:
    kpi_id: strawberry.ID = strawberry.field(description="A KPI of the strategy named in the input.")
    observed_on: dt.date = strawberry.field(description=OBSERVED_ON)
    value: Decimal = strawberry.field(description=VALUE)
    source: MeasurementSource = strawberry.field(
        default=MeasurementSource.MANUAL,
        description="Where the value comes from; CONTENT_ROLLUP is kept for values rolled up from content.",
    )
    note: str | None = strawberry.field(default=None, description=NOTE)


@strawberry.input(description="Measurements of one strategy's KPIs, recorded together or not at all.")
class RecordKpiMeasurementsInput:
    strategy_id: strawberry.ID = strawberry.field(description="The strategy whose KPIs are measured.")
    measurements: list[KpiMeasurementEntryInput] = strawberry.field(
        description=(
            f"At most {MEASUREMENTS_MAX:,}. A KPI, day and source may appear once; a measurement that "
            "already exists for them is updated, and left as it is when value and note are the same."
        )
    )


@strawberry.input(description="A CSV file of measurements of one strategy's KPIs.")
class ImportKpiMeasurementsInput:
    strategy_id: strawberry.ID = strawberry.field(
        description="The strategy whose KPIs the file measures (by name or id)."
    )
    file: Upload = strawberry.field(
        description=(
            "UTF-8 CSV, sent as a multipart upload, at most "
            f"{csv_import.FILE_MAX_BYTES // (1024 * 1024)} MB and {csv_import.ROWS_MAX:,} rows. "
            "A header row names the columns kpi (the KPI's name or id), observed_on (YYYY-MM-DD), "
            "value (digits with '.' for decimals; with semicolons or tabs, ',' too) and, optionally, "
            "note; cells are separated by commas, semicolons or tabs. A first line such as `sep=;` "
            "names the separator, and empty columns at the end of the header are left out."
        )
    )


@strawberry.type(description="What `recordKpiMeasurements` did; the counts are null when it was refused.")
class RecordKpiMeasurementsPayload(RecordedPayload):
    user_errors: list[UserError] = strawberry.field(
        description=f"{USER_ERRORS} A measurement's problem has the field ['measurements', index, field]."
    )


@strawberry.type(description="What `importKpiMeasurements` did; the counts are null when it was refused.")
class ImportKpiMeasurementsPayload(RecordedPayload):
    user_errors: list[UserError] = strawberry.field(
        description="Problems of the file; a row's problem has the field ['rows', line, column]."
    )


@strawberry.type(description="What `createKpi` did.")
class CreateKpiPayload:
    kpi: Kpi | None = strawberry.field(description="The new KPI; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateKpi` did.")
class UpdateKpiPayload:
    kpi: Kpi | None = strawberry.field(description="The KPI as changed; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteKpi` did.")
class DeleteKpiPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    affected_content_count: int | None = strawberry.field(
        description="How many content items were unmapped or reassigned; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `createKpiMeasurement` did.")
class CreateKpiMeasurementPayload:
    kpi_measurement: KpiMeasurement | None = strawberry.field(
        description="The new measurement; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateKpiMeasurement` did.")
class UpdateKpiMeasurementPayload:
    kpi_measurement: KpiMeasurement | None = strawberry.field(
        description="The measurement as corrected; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteKpiMeasurement` did.")
class DeleteKpiMeasurementPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def kpi_id_of(text: str) -> uuid.UUID | None:
    """The KPI a global id names; None when the text is no global id.

    The global id of something else (a tactic, say) is refused with INVALID_ID.
    """
    if ids.parse(text) is None:
        return None
    kpi_id: uuid.UUID = ids.decode(text, "Kpi")
    return kpi_id


def _entries(
    strategy_id: strawberry.ID, given: list[KpiMeasurementEntryInput]
) -> tuple[uuid.UUID, list[MeasurementEntry]]:
    def entry_of(index: int, entry: KpiMeasurementEntryInput) -> MeasurementEntry:
        kpi_id = ids.decode(entry.kpi_id, "Kpi", "measurements", str(index), "kpi_id")
        return MeasurementEntry(kpi_id, entry.observed_on, entry.value, entry.source, entry.note)

    return decode_batch(strategy_id, given, check_batch_size, entry_of)


async def _file_bytes(file: Any) -> bytes:
    """The uploaded file's bytes, refused once they pass the size limit."""
    read = getattr(file, "read", None)
    if not callable(read):
        raise DomainError.of(
            ErrorCode.REQUIRED, "Send the file as a multipart upload (GraphQL multipart request).", "file"
        )
    data = read(csv_import.FILE_MAX_BYTES + 1)
    if inspect.isawaitable(data):
        data = await data
    if not isinstance(data, bytes):
        raise DomainError.of(ErrorCode.REQUIRED, "The upload holds no file.", "file")
    return data


def _file_error(problem: Problem) -> UserError:
    """A problem of the file keeps the column names as the file spells them (``observed_on``)."""
    if problem.field[:1] in (("rows",), ("columns",)):
        return UserError(field=list(problem.field), message=problem.message, code=problem.code)
    return user_error(problem)


def _kpi(row: KpiRow | None) -> Kpi | None:
    return Kpi.from_row(row) if row is not None else None


def _measurement(row: KpiMeasurementRow | None) -> KpiMeasurement | None:
    return KpiMeasurement.from_row(row) if row is not None else None


@strawberry.type
class KpiMutations:
    @strawberry.field(description="Set a KPI for a strategy.")
    @performs(Action.EDIT_STRATEGY)
    async def create_kpi(self, info: Info, input: Input[CreateKpiInput]) -> CreateKpiPayload:
        async def body(session: AsyncSession, scope: Scope) -> KpiRow:
            strategy_id = decode(input.strategy_id, "Strategy", "strategy_id")
            change = changes(input, KpiChanges)
            return await services.create_kpi(session, scope, strategy_id, change)

        row, errors = await run(info, body)
        return CreateKpiPayload(kpi=_kpi(row), user_errors=errors)

    @strawberry.field(description="Change a KPI.")
    @performs(Action.EDIT_STRATEGY)
    async def update_kpi(self, info: Info, input: Input[UpdateKpiInput]) -> UpdateKpiPayload:
        async def body(session: AsyncSession, scope: Scope) -> KpiRow:
            id_ = decode(input.id, "Kpi")
            change = changes(input, KpiChanges)
            return await services.update_kpi(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateKpiPayload(kpi=_kpi(row), user_errors=errors)

    @strawberry.field(description="Delete a KPI and its measurements, saying what happens to its content.")
    @performs(Action.EDIT_STRATEGY)
    async def delete_kpi(self, info: Info, input: Input[DeleteKpiInput]) -> DeleteKpiPayload:
        async def body(session: AsyncSession, scope: Scope) -> int:
            id_ = decode(input.id, "Kpi")
            target = decode(input.reassign_to_id, "Kpi", "reassign_to_id") if input.reassign_to_id else None
            return await services.delete_kpi(session, scope, id_, input.on_content, target)

        affected, errors = await run(info, body)
        return DeleteKpiPayload(
            deleted_id=input.id if affected is not None else None,
            affected_content_count=affected,
            user_errors=errors,
        )

    @strawberry.field(description="Record one observed value of a KPI.")
    @performs(Action.RECORD_MEASUREMENTS)
    async def create_kpi_measurement(
        self, info: Info, input: Input[CreateKpiMeasurementInput]
    ) -> CreateKpiMeasurementPayload:
        async def body(session: AsyncSession, scope: Scope) -> KpiMeasurementRow:
            kpi_id = decode(input.kpi_id, "Kpi", "kpi_id")
            change = changes(input, MeasurementChanges)
            return await services.create_measurement(session, scope, kpi_id, change)

        row, errors = await run(info, body)
        return CreateKpiMeasurementPayload(kpi_measurement=_measurement(row), user_errors=errors)

    @strawberry.field(description="Correct a measurement.")
    @performs(Action.RECORD_MEASUREMENTS)
    async def update_kpi_measurement(
        self, info: Info, input: Input[UpdateKpiMeasurementInput]
    ) -> UpdateKpiMeasurementPayload:
        async def body(session: AsyncSession, scope: Scope) -> KpiMeasurementRow:
            id_ = decode(input.id, "KpiMeasurement")
            change = changes(input, MeasurementChanges)
            return await services.update_measurement(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateKpiMeasurementPayload(kpi_measurement=_measurement(row), user_errors=errors)

    @strawberry.field(description="Delete a measurement.")
    @performs(Action.RECORD_MEASUREMENTS)
    async def delete_kpi_measurement(
        self, info: Info, input: Input[DeleteKpiMeasurementInput]
    ) -> DeleteKpiMeasurementPayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await services.delete_measurement(session, scope, decode(input.id, "KpiMeasurement"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteKpiMeasurementPayload(deleted_id=deleted, user_errors=errors)

    @strawberry.field(
        description=(
            "Record many measurements of a strategy's KPIs at once: all of them, or none if any is "
            "refused. Recording the same measurements again changes nothing."
        )
    )
    @performs(Action.RECORD_MEASUREMENTS)
    async def record_kpi_measurements(
        self, info: Info, input: Input[RecordKpiMeasurementsInput]
    ) -> RecordKpiMeasurementsPayload:
        async def body(session: AsyncSession, scope: Scope) -> Counts:
            strategy_id, entries = _entries(input.strategy_id, input.measurements)
            return await record_measurements(session, scope, strategy_id, entries)

        counts, errors = await run(info, body)
        return RecordKpiMeasurementsPayload.of(counts, errors)

    @strawberry.field(
        description=(
            "Import measurements of a strategy's KPIs from a CSV file (source IMPORT). Every row is "
            "checked first; if any is bad nothing is recorded. Importing the same file again changes nothing."
        )
    )
    @performs(Action.RECORD_MEASUREMENTS)
    async def import_kpi_measurements(
        self, info: Info, input: Input[ImportKpiMeasurementsInput]
    ) -> ImportKpiMeasurementsPayload:
        async def body(session: AsyncSession, scope: Scope) -> Counts:
            strategy_id = decode(input.strategy_id, "Strategy", "strategy_id")
            data = await _file_bytes(input.file)
            return await csv_import.import_measurements(session, scope, strategy_id, data, kpi_id_of)

        counts, errors = await run(info, body, _file_error)
        return ImportKpiMeasurementsPayload.of(counts, errors)
