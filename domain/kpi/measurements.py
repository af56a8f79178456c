"""Record many measurements of a strategy's KPIs at once: all of them, or none if any is bad.

Recording is idempotent: a measurement is one KPI's value on one day from one source, so
the same batch twice changes nothing the second time. The statements a batch costs do
not depend on its size.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.activity import recording as activity
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.kpi.models import Kpi, KpiMeasurement, KpiSource, MeasurementSource
from domain.kpi.services import COMPUTED_FROM_CONTENT, ROLLUP_RESERVED
from domain.scope import Scope
from domain.strategy.models import Strategy
from domain.upsert import Counts, upsert_many

#: How many measurements one call may record.
MEASUREMENTS_MAX = 10_000


@dataclass(frozen=True, slots=True)
class MeasurementEntry:
    kpi_id: uuid.UUID
    observed_on: dt.date
    value: Decimal
    source: MeasurementSource = MeasurementSource.MANUAL
    note: str | None = None


def check_batch_size(count: int) -> None:
    """Refuse a batch of no measurements or of more than :data:`MEASUREMENTS_MAX`."""
    records.check_batch_size(count, MEASUREMENTS_MAX, "measurements", "measurement")


async def check_measurements(
    session: AsyncSession, scope: Scope, strategy_id: uuid.UUID, entries: Sequence[MeasurementEntry]
) -> list[dict[str, Any]]:
    """Validate every entry; the rows to write, or a DomainError with every problem found.

    Each problem of the n-th entry is placed under ``("measurements", "n", field)``.
    """
    check_batch_size(len(entries))
    strategy = await records.get(
        session, Strategy, strategy_id, scope, "strategy_id", lock=records.Lock.REFER
    )
    kpi_ids = sorted({entry.kpi_id for entry in entries})
    # The KPIs, FOR KEY SHARE in id order (the lock order of domain.records): none is deleted
    # while their measurements are written, and batches sharing KPIs do not wait for each other.
    found = select(Kpi.id, Kpi.strategy_id, Kpi.source).where(
        Kpi.id == records.any_id("kpi_ids", kpi_ids), scope.where(Kpi.workspace_id)
    )
    found = records.locking(found.order_by(Kpi.id), records.Lock.REFER)
    kpis = {row.id: row for row in await session.execute(found)}
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: set[tuple[uuid.UUID, dt.date, MeasurementSource]] = set()
    for index, entry in enumerate(entries):
        found_problems = Problems()
        row = {
            "workspace_id": strategy.workspace_id,
            "kpi_id": entry.kpi_id,
            "observed_on": values.date(found_problems, entry.observed_on, "observed_on"),
            "value": values.decimal(found_problems, entry.value, "value"),
            "source": entry.source,
            "note": values.text(found_problems, entry.note, "note"),
        }
        if entry.source is MeasurementSource.CONTENT_ROLLUP:
            found_problems.add(ErrorCode.SOURCE_RESERVED, ROLLUP_RESERVED, "source")
        _check_kpi(found_problems, kpis.get(entry.kpi_id), strategy.id)
        key = (entry.kpi_id, entry.observed_on, entry.source)
        if key in seen:
            found_problems.add(
                ErrorCode.DUPLICATE,
                "The same KPI, day and source appear more than once.",
                "observed_on",
            )
        seen.add(key)
        problems.extend(problem.under("measurements", str(index)) for problem in found_problems.items)
        rows.append(row)
    if problems:
        raise DomainError(problems)
    return rows


def _check_kpi(problems: Problems, kpi: Any, strategy_id: uuid.UUID) -> None:
    if kpi is None:
        problems.add(ErrorCode.NOT_FOUND, "No KPI with this id.", "kpi_id")
    elif kpi.strategy_id != strategy_id:
        problems.add(ErrorCode.WRONG_STRATEGY, "This KPI belongs to another strategy.", "kpi_id")
    elif kpi.source is KpiSource.CONTENT:
        problems.add(ErrorCode.KPI_COMPUTED_FROM_CONTENT, COMPUTED_FROM_CONTENT, "kpi_id")


async def record_measurements(
    session: AsyncSession, scope: Scope, strategy_id: uuid.UUID, entries: Sequence[MeasurementEntry]
) -> Counts:
    """Record the measurements of one strategy's KPIs; each is created, updated or left as it is."""
    rows = await check_measurements(session, scope, strategy_id, entries)
    counts = await upsert_many(
        session, KpiMeasurement, rows, key=("kpi_id", "observed_on", "source"), changing=("value", "note")
    )
    kpi_ids = [row["kpi_id"] for row in rows]
    activity.note_recorded(session, strategy_id, rows[0]["workspace_id"], counts, kpi_ids=kpi_ids)
    return counts
