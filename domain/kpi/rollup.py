"""KPIs computed from content: their measurements roll up the metrics of the content serving them.

A content metric is one item's figure for one day. A KPI whose source is CONTENT gets one
CONTENT_ROLLUP measurement for every day on which the content serving it (as primary or
contributing KPI, ARCHIVED items left out) has a metric of the KPI's metric, from the KPI's
start on. Its value is the KPI's value as of that day:

* SUM — the running total of every value from the start through that day;
* AVERAGE — the mean of every value from the start through that day;
* LATEST — the total of that day's values alone.

:func:`refresh_rollups` recomputes them in SQL with a fixed number of statements, whatever
the data size. A day whose value did not change keeps its version and ``updatedAt``. A value
that would not fit a measurement (NUMERIC(20, 4): less than 10^16 in absolute value) is
found in the same statement that writes the values, which then writes none, and refused
with ROLLUP_OUT_OF_RANGE; the mutation's transaction rolls back the change that caused it.

"Content serving a KPI" is read from the link table ``content_item_kpi`` alone, as the
coverage report reads it: it holds every KPI an item serves, its primary KPI included
(the content services keep it so), so no union with ``content_item.primary_kpi_id``.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.content.models import ContentItem, ContentMetric, ContentStatus, content_item_kpi
from domain.errors import DomainError, ErrorCode
from domain.kpi.models import Aggregation, Kpi, KpiMeasurement, KpiSource, MeasurementSource
from domain.records import any_id
from domain.values import DECIMAL_INTEGER_DIGITS

_kpi = Kpi.__table__
_item = ContentItem.__table__
_metric = ContentMetric.__table__
_link = content_item_kpi
_ROLLUP = MeasurementSource.CONTENT_ROLLUP

#: Changes to these fields of a KPI change its rollup.
ROLLUP_INPUTS = frozenset({"source", "metric", "aggregation", "starts_on"})
#: A rolled-up value must stay below this in absolute value to fit a measurement.
ROLLUP_LIMIT = Decimal(10) ** DECIMAL_INTEGER_DIGITS


def _daily(kpi_ids: Collection[uuid.UUID]) -> Subquery:
    """Per CONTENT KPI of ``kpi_ids`` and day: the total and the number of its content's values.

    The content serving a KPI is what ``content_item_kpi`` links to it; the primary KPI is
    always one of those links, so ``primary_kpi_id`` needs no second look.
    """
    metric_matches = and_(
        _metric.c.content_item_id == _item.c.id,
        _metric.c.metric == _kpi.c.metric,
        or_(_kpi.c.starts_on.is_(None), _metric.c.observed_on >= _kpi.c.starts_on),
    )
    return (
        select(
            _kpi.c.id.label("kpi_id"),
            _kpi.c.workspace_id,
            _kpi.c.aggregation,
            _metric.c.observed_on,
            func.sum(_metric.c.value).label("total"),
            func.count().label("count"),
        )
        .select_from(
            _kpi.join(_link, _link.c.kpi_id == _kpi.c.id)
            .join(
                _item, and_(_item.c.id == _link.c.content_item_id, _item.c.status != ContentStatus.ARCHIVED)
            )
            .join(_metric, metric_matches)
        )
        .where(_kpi.c.id == any_id("kpi_ids", kpi_ids), _kpi.c.source == KpiSource.CONTENT)
        .group_by(_kpi.c.id, _metric.c.observed_on)
        .subquery("daily")
    )


async def refresh_rollups(
    session: AsyncSession, kpi_ids: Iterable[uuid.UUID | None], *, field: tuple[str, ...] = ()
) -> None:
    """Bring the CONTENT_ROLLUP measurements of these KPIs up to date.

    KPIs whose source is not CONTENT lose their CONTENT_ROLLUP measurements. A value that
    would not fit is refused with ROLLUP_OUT_OF_RANGE at ``field`` (the input that caused it).
    The caller holds these KPIs FOR KEY SHARE since before it locked any content (the lock
    order of :mod:`domain.records`; :mod:`domain.content.locks`), so the lock taken here never
    waits for a KPI's deletion.
    """
    ids = {id_ for id_ in kpi_ids if id_ is not None}
    if ids:
        await _refresh(session, _kpi.c.id == any_id("locked_kpi_ids", ids), field)


def _rollup_values(ids: Collection[uuid.UUID]) -> Select[Any]:
    """Every rollup measurement the KPIs ``ids`` should have, rounded as it is stored."""
    daily = _daily(ids)
    by_day = {"partition_by": daily.c.kpi_id, "order_by": daily.c.observed_on}
    running_total = func.sum(daily.c.total).over(**by_day)  # type: ignore[arg-type]
    running_count = func.sum(daily.c.count).over(**by_day)  # type: ignore[arg-type]
    value = case(
        (daily.c.aggregation == Aggregation.SUM, running_total),
        (daily.c.aggregation == Aggregation.AVERAGE, running_total / running_count),
        else_=daily.c.total,
    )
    return select(
        daily.c.workspace_id, daily.c.kpi_id, daily.c.observed_on, func.round(value, 4).label("value")
    )


async def _refresh(session: AsyncSession, which: ColumnElement[bool], field: tuple[str, ...]) -> None:
    """Lock the KPIs ``which`` selects, then recompute the rollups of those that have or need one.

    Three statements at most, whatever the data size; one when no KPI is computed from
    content. The lock makes two transactions refreshing the same KPI take turns, so the
    second computes with what the first committed.
    """
    await session.flush()
    has_rollup = exists().where(KpiMeasurement.kpi_id == _kpi.c.id, KpiMeasurement.source == _ROLLUP)
    lock = (
        select(_kpi.c.id, _kpi.c.source, has_rollup.label("has_rollup"))
        .where(which)
        .order_by(_kpi.c.id)
        .with_for_update(of=_kpi, key_share=True)  # FOR NO KEY UPDATE: leaves foreign key checks free
    )
    locked = (await session.execute(lock)).all()
    ids = {row.id for row in locked if row.source is KpiSource.CONTENT or row.has_rollup}
    if not ids:
        return
    await _write(session, ids, field)
    gone = _daily(ids)
    still_there = exists().where(
        gone.c.kpi_id == KpiMeasurement.kpi_id, gone.c.observed_on == KpiMeasurement.observed_on
    )
    await session.execute(
        delete(KpiMeasurement)
        .where(
            KpiMeasurement.kpi_id == any_id("rollup_kpi_ids", ids),
            KpiMeasurement.source == _ROLLUP,
            ~still_there,
        )
        .execution_options(synchronize_session=False)
    )


async def _write(session: AsyncSession, ids: Collection[uuid.UUID], field: tuple[str, ...]) -> None:
    """Upsert the rollup values of the KPIs ``ids`` in one statement, or none if one is out of range.

    The values are computed once (``computed``); the upsert writes them only when none
    reaches :data:`ROLLUP_LIMIT`, and the statement returns the largest one that does.
    """
    computed = _rollup_values(ids).cte("computed")
    too_large = func.abs(computed.c.value) >= ROLLUP_LIMIT
    rows = select(
        func.gen_random_uuid(),
        computed.c.workspace_id,
        computed.c.kpi_id,
        computed.c.observed_on,
        computed.c.value,
        literal(_ROLLUP, KpiMeasurement.source.type),
        literal(""),
        literal(1),
    ).where(~select(computed.c.kpi_id).where(too_large).correlate(None).exists())
    columns = ["id", "workspace_id", "kpi_id", "observed_on", "value", "source", "note", "version"]
    upsert = pg_insert(KpiMeasurement).from_select(columns, rows)
    upsert = upsert.on_conflict_do_update(
        index_elements=["kpi_id", "observed_on", "source"],
        set_={
            "value": upsert.excluded.value,
            "version": KpiMeasurement.version + 1,
            "updated_at": func.clock_timestamp(),
        },
        where=KpiMeasurement.value != upsert.excluded.value,
    )
    written = upsert.returning(KpiMeasurement.id).cte("written")
    out_of_range = (
        select(_kpi.c.name, computed.c.observed_on, computed.c.value)
        .select_from(computed.join(_kpi, _kpi.c.id == computed.c.kpi_id))
        .where(too_large)
        .order_by(func.abs(computed.c.value).desc(), computed.c.kpi_id, computed.c.observed_on)
        .limit(1)
        .add_cte(written)
    )
    found = (await session.execute(out_of_range)).first()
    if found is not None:
        raise DomainError.of(
            ErrorCode.ROLLUP_OUT_OF_RANGE,
            f"The KPI '{found.name}' is computed from content and would reach {found.value:f} on "
            f"{found.observed_on.isoformat()}; a KPI value must stay below 10^{DECIMAL_INTEGER_DIGITS} "
            "(in absolute value). Nothing was recorded.",
            *field,
        )
