"""Set SMART KPIs for a strategy and record what they measure over time."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Uuid, delete, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.access.people import person
from domain.activity import recording as activity
from domain.audience.models import Audience
from domain.channel.models import Channel
from domain.content.detach import content_using, lock_for_deletion, repoint_content
from domain.content.models import ContentItem, content_item_kpi
from domain.content.rules import ContentOnDelete
from domain.errors import DomainError, ErrorCode, Problems
from domain.kpi.models import (
    Aggregation,
    Direction,
    Kpi,
    KpiMeasurement,
    KpiSource,
    MeasurementSource,
    Metric,
    Unit,
    kpi_audience,
    kpi_tactic,
)
from domain.kpi.rollup import ROLLUP_INPUTS, refresh_rollups
from domain.records import Lock
from domain.scope import Scope
from domain.strategy.models import Strategy, Tactic
from domain.values import UNSET, Maybe

KPIS_MAX = 50

ROLLUP_RESERVED = "CONTENT_ROLLUP is kept for values rolled up from content; choose another source."
COMPUTED_FROM_CONTENT = (
    "This KPI's values are rolled up from its content's metrics; record content metrics instead."
)


@dataclass(frozen=True, slots=True)
class KpiChanges:
    name: Maybe[str] = UNSET
    description: Maybe[str | None] = UNSET
    metric: Maybe[Metric] = UNSET
    unit: Maybe[Unit] = UNSET
    baseline: Maybe[Decimal | None] = UNSET
    target: Maybe[Decimal | None] = UNSET
    direction: Maybe[Direction] = UNSET
    starts_on: Maybe[dt.date | None] = UNSET
    deadline: Maybe[dt.date | None] = UNSET
    aggregation: Maybe[Aggregation] = UNSET
    source: Maybe[KpiSource] = UNSET
    channel_id: Maybe[uuid.UUID | None] = UNSET
    tactic_ids: Maybe[list[uuid.UUID] | None] = UNSET
    audience_ids: Maybe[list[uuid.UUID] | None] = UNSET
    owner_id: Maybe[uuid.UUID | None] = UNSET


def _kpi_values(problems: Problems, changes: KpiChanges) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if not isinstance(changes.name, values.Unset):
        cleaned["name"] = values.name(problems, changes.name, "name")
    if not isinstance(changes.description, values.Unset):
        cleaned["description"] = values.text(problems, changes.description, "description")
    for field in ("metric", "unit", "direction", "aggregation", "source"):
        given = getattr(changes, field)
        if not isinstance(given, values.Unset):
            cleaned[field] = given
    if not isinstance(changes.baseline, values.Unset):
        cleaned["baseline"] = values.decimal(problems, changes.baseline, "baseline")
    if not isinstance(changes.target, values.Unset):
        cleaned["target"] = values.decimal(problems, changes.target, "target")
    for field in ("starts_on", "deadline"):
        given = getattr(changes, field)
        if not isinstance(given, values.Unset):
            cleaned[field] = values.date(problems, given, field)
    return cleaned


def check_deadline(problems: Problems, starts_on: dt.date | None, deadline: dt.date | None) -> None:
    if starts_on is not None and deadline is not None and deadline <= starts_on:
        problems.add(ErrorCode.DEADLINE_BEFORE_START, "The deadline must come after the start.", "deadline")


async def _links(
    session: AsyncSession,
    scope: Scope,
    strategy_id: uuid.UUID,
    workspace_id: uuid.UUID,
    changes: KpiChanges,
    problems: Problems,
) -> dict[str, Any]:
    """The tactics, audiences and channel the changes name, checked and held FOR KEY SHARE."""
    links: dict[str, Any] = {}
    if not isinstance(changes.tactic_ids, values.Unset):
        ids = records.unique_ids(problems, changes.tactic_ids or [], "tactic_ids")
        problems.extend(await records.strategy_parts(session, Tactic, ids, strategy_id, scope, "tactic_ids"))
        links["tactic_ids"] = ids
    if not isinstance(changes.audience_ids, values.Unset):
        ids = records.unique_ids(problems, changes.audience_ids or [], "audience_ids")
        problems.extend(
            await records.strategy_parts(session, Audience, ids, strategy_id, scope, "audience_ids")
        )
        links["audience_ids"] = ids
    if not isinstance(changes.channel_id, values.Unset):
        if changes.channel_id is not None:
            stmt = select(Channel.id).where(
                Channel.id == changes.channel_id, Channel.workspace_id == workspace_id
            )
            if (await session.execute(records.locking(stmt, Lock.REFER))).scalar_one_or_none() is None:
                problems.add(ErrorCode.NOT_FOUND, "No channel with this id.", "channel_id")
        links["channel_id"] = changes.channel_id
    return links


async def _write_links(session: AsyncSession, kpi: Kpi, links: dict[str, Any]) -> None:
    common = {"workspace_id": kpi.workspace_id, "strategy_id": kpi.strategy_id}
    if "tactic_ids" in links:
        await records.replace_links(
            session, kpi_tactic, "kpi_id", kpi.id, "tactic_id", links["tactic_ids"], common
        )
    if "audience_ids" in links:
        await records.replace_links(
            session, kpi_audience, "kpi_id", kpi.id, "audience_id", links["audience_ids"], common
        )


async def create_kpi(session: AsyncSession, scope: Scope, strategy_id: uuid.UUID, changes: KpiChanges) -> Kpi:
    problems = values.required(
        changes, name="A KPI needs a name.", metric="A KPI needs a metric.", target="A KPI needs a target."
    )
    cleaned = _kpi_values(problems, changes)
    check_deadline(problems, cleaned.get("starts_on"), cleaned.get("deadline"))
    problems.raise_if_any()
    # Locked for a change: creates of its KPIs take turns, so the count below stays true.
    strategy = await records.get(session, Strategy, strategy_id, scope, "strategy_id")
    links = await _links(session, scope, strategy.id, strategy.workspace_id, changes, problems)
    await person(session, scope, problems, cleaned, "owner_id", changes.owner_id, strategy.workspace_id)
    problems.raise_if_any()
    if await records.count(session, Kpi, strategy_id=strategy.id) >= KPIS_MAX:
        raise DomainError.of(ErrorCode.TOO_MANY, f"A strategy holds at most {KPIS_MAX} KPIs.", "strategy_id")
    kpi = Kpi(
        workspace_id=strategy.workspace_id,
        strategy_id=strategy.id,
        channel_id=links.get("channel_id"),
        **cleaned,
    )
    session.add(kpi)
    await session.flush()
    await _write_links(session, kpi, links)
    return kpi


async def update_kpi(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, changes: KpiChanges
) -> Kpi:
    # In the lock order of domain.records: the KPI's strategy, what the change refers to, the KPI (a
    # rollup that holds content and waits for this KPI must not wait for a deletion this waits for).
    held = await records.hold_strategies(session, records.strategy_of(Kpi, [id_]))
    problems = Problems()
    if changes.target is None:
        problems.add(ErrorCode.REQUIRED, "A KPI needs a target.", "target")
    cleaned = _kpi_values(problems, changes)
    links: dict[str, Any] = {}
    if held:  # else there is no such KPI in scope, as the next line says
        ((strategy_id, workspace_id),) = held.items()
        links = await _links(session, scope, strategy_id, workspace_id, changes, problems)
    kpi = await records.get(session, Kpi, id_, scope)
    records.check_version(kpi, version)
    check_deadline(problems, cleaned.get("starts_on", kpi.starts_on), cleaned.get("deadline", kpi.deadline))
    await person(session, scope, problems, cleaned, "owner_id", changes.owner_id, kpi.workspace_id)
    problems.raise_if_any()
    rollup_changed = any(getattr(kpi, field) != cleaned[field] for field in ROLLUP_INPUTS & cleaned.keys())
    records.apply(kpi, cleaned)
    if "channel_id" in links:
        kpi.channel_id = links["channel_id"]
    if "tactic_ids" in links or "audience_ids" in links:
        await _write_links(session, kpi, links)
        kpi.updated_at = func.clock_timestamp()
    await session.flush()
    await refresh_rollups(session, [kpi.id] if rollup_changed else [])
    return kpi


async def delete_kpi(
    session: AsyncSession,
    scope: Scope,
    id_: uuid.UUID,
    on_content: ContentOnDelete = ContentOnDelete.RESTRICT,
    reassign_to: uuid.UUID | None = None,
) -> int:
    """Remove a KPI and its measurements; content serving it is refused, unmapped or moved.

    UNMAP drops the KPI from the content (an item whose primary KPI it was is left
    without one and reported as unmapped); REASSIGN puts another KPI of the same
    strategy in its place. Returns how many content items changed.
    """
    moving = on_content is ContentOnDelete.REASSIGN
    await records.hold_strategies(session, records.strategy_of(Kpi, [id_]))
    kpi, owners = await lock_for_deletion(session, scope, Kpi, id_, reassign_to if moving else None)
    target: uuid.UUID | None = None
    if moving:
        if reassign_to is None or reassign_to == kpi.id:
            raise DomainError.of(
                ErrorCode.REASSIGN_TARGET_REQUIRED,
                "Name another KPI to move the content to.",
                "reassign_to_id",
            )
        problems = records.part_problems(Kpi, [reassign_to], owners, kpi.strategy_id, "reassign_to_id")
        if problems:
            raise DomainError(problems)
        target = reassign_to
    link = content_item_kpi
    users = select(link.c.content_item_id).where(link.c.kpi_id == kpi.id)
    using = or_(ContentItem.primary_kpi_id == kpi.id, ContentItem.id.in_(users))
    in_use = await content_using(session, using, on_content, ErrorCode.KPI_IN_USE, "serve this KPI")
    if in_use:
        await _log_content_kpis(session, kpi, target)
        if target is not None:
            moved = select(
                link.c.workspace_id, link.c.strategy_id, link.c.content_item_id, literal(target, Uuid)
            ).where(link.c.kpi_id == kpi.id)
            await session.execute(
                pg_insert(link)
                .from_select(["workspace_id", "strategy_id", "content_item_id", "kpi_id"], moved)
                .on_conflict_do_nothing()
            )
        primary = func.nullif(ContentItem.primary_kpi_id, kpi.id)
        await repoint_content(
            session, in_use, primary_kpi_id=primary if target is None else func.coalesce(primary, target)
        )
        await session.execute(delete(link).where(link.c.kpi_id == kpi.id))
    await session.delete(kpi)
    await session.flush()
    await refresh_rollups(session, [target])
    return len(in_use)


async def _log_content_kpis(session: AsyncSession, kpi: Kpi, target: uuid.UUID | None) -> None:
    """Note the KPIs each item serving ``kpi`` will serve once it is gone (and ``target`` took its place)."""
    link = content_item_kpi
    serving = select(link.c.content_item_id).where(link.c.kpi_id == kpi.id)
    stmt = (
        select(link.c.content_item_id, func.array_agg(link.c.kpi_id).label("kpi_ids"))
        .where(link.c.content_item_id.in_(serving))
        .group_by(link.c.content_item_id)
    )
    common = {"workspace_id": kpi.workspace_id, "strategy_id": kpi.strategy_id}
    for item_id, before in await session.execute(stmt):
        after = [id_ for id_ in before if id_ != kpi.id]
        if target is not None and target not in after:
            after.append(target)
        activity.note_links(session, link, "content_item_id", item_id, "kpi_id", before, after, common)


@dataclass(frozen=True, slots=True)
class MeasurementChanges:
    observed_on: Maybe[dt.date | None] = UNSET
    value: Maybe[Decimal | None] = UNSET
    source: Maybe[MeasurementSource] = UNSET
    note: Maybe[str | None] = UNSET


def _measurement_values(problems: Problems, changes: MeasurementChanges) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for required in ("observed_on", "value"):
        if getattr(changes, required) is None:
            problems.add(ErrorCode.REQUIRED, f"A measurement needs {required.replace('_', ' ')}.", required)
    if not isinstance(changes.observed_on, values.Unset):
        cleaned["observed_on"] = values.date(problems, changes.observed_on, "observed_on")
    if not isinstance(changes.value, values.Unset):
        cleaned["value"] = values.decimal(problems, changes.value, "value")
    if not isinstance(changes.source, values.Unset):
        cleaned["source"] = changes.source
        if changes.source is MeasurementSource.CONTENT_ROLLUP:
            problems.add(ErrorCode.SOURCE_RESERVED, ROLLUP_RESERVED, "source")
    if not isinstance(changes.note, values.Unset):
        cleaned["note"] = values.text(problems, changes.note, "note")
    return cleaned


async def create_measurement(
    session: AsyncSession, scope: Scope, kpi_id: uuid.UUID, changes: MeasurementChanges
) -> KpiMeasurement:
    problems = values.required(
        changes, observed_on="A measurement needs observed on.", value="A measurement needs value."
    )
    cleaned = _measurement_values(problems, changes)
    problems.raise_if_any()
    kpi = await records.get(session, Kpi, kpi_id, scope, "kpi_id", lock=Lock.REFER)
    check_recordable(kpi.source, "kpi_id")
    measurement = KpiMeasurement(workspace_id=kpi.workspace_id, kpi_id=kpi.id, **cleaned)
    session.add(measurement)
    await records.flush_unique(
        session, "This KPI already has a measurement from this source on this day.", "observed_on"
    )
    return measurement


async def update_measurement(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, changes: MeasurementChanges
) -> KpiMeasurement:
    measurement = await records.get(session, KpiMeasurement, id_, scope)
    records.check_version(measurement, version)
    problems = Problems()
    cleaned = _measurement_values(problems, changes)
    problems.raise_if_any()
    check_not_rolled_up(measurement)
    kpi_source = (await session.execute(select(Kpi.source).where(Kpi.id == measurement.kpi_id))).scalar_one()
    check_recordable(kpi_source, "id")
    records.apply(measurement, cleaned)
    await records.flush_unique(
        session, "This KPI already has a measurement from this source on this day.", "observed_on"
    )
    return measurement


async def delete_measurement(session: AsyncSession, scope: Scope, id_: uuid.UUID) -> None:
    measurement = await records.get(session, KpiMeasurement, id_, scope, lock=Lock.DELETE)
    check_not_rolled_up(measurement)
    await session.delete(measurement)
    await session.flush()


def check_recordable(kpi_source: KpiSource, *field: str) -> None:
    """Values of a KPI computed from its content are not recorded by hand."""
    if kpi_source is KpiSource.CONTENT:
        raise DomainError.of(ErrorCode.KPI_COMPUTED_FROM_CONTENT, COMPUTED_FROM_CONTENT, *field)


def check_not_rolled_up(measurement: KpiMeasurement) -> None:
    if measurement.source is MeasurementSource.CONTENT_ROLLUP:
        raise DomainError.of(
            ErrorCode.KPI_COMPUTED_FROM_CONTENT,
            "This measurement is rolled up from content metrics; change the content metrics instead.",
            "id",
        )
