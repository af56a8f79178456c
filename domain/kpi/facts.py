"""The figures the progress and SMART rules read, computed by PostgreSQL in one statement."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ARRAY, Date, Uuid
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.kpi.models import Direction, Metric, Unit
from domain.kpi.progress import KpiDefinition, KpiFacts, Trend
from domain.scope import Scope
from domain.sql import statement

#: See domain/sql/kpi_facts.sql.
_FACTS = statement("kpi_facts", ids=ARRAY(Uuid), strategies=ARRAY(Uuid), as_of=Date())


async def kpi_facts(
    connection: AsyncConnection, scope: Scope, as_of: dt.date, kpi_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, KpiFacts]:
    """As of ``as_of``, the facts of each KPI in ``kpi_ids`` that the caller can see."""
    return {row.id: _facts(row, as_of) for row in await _rows(connection, scope, as_of, kpi_ids, ())}


async def strategy_kpi_facts(
    connection: AsyncConnection, scope: Scope, as_of: dt.date, strategy_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, KpiFacts]]:
    """As of ``as_of``, the facts of every KPI of each strategy, by strategy and KPI."""
    found: dict[uuid.UUID, dict[uuid.UUID, KpiFacts]] = {strategy_id: {} for strategy_id in strategy_ids}
    for row in await _rows(connection, scope, as_of, (), strategy_ids):
        found[row.strategy_id][row.id] = _facts(row, as_of)
    return found


async def _rows(
    connection: AsyncConnection,
    scope: Scope,
    as_of: dt.date,
    kpi_ids: Collection[uuid.UUID],
    strategy_ids: Collection[uuid.UUID],
) -> list[Any]:
    result = await connection.execute(
        _FACTS,
        {
            "ids": sorted(set(kpi_ids)),
            "strategies": sorted(set(strategy_ids)),
            **scope.params(),
            "as_of": as_of,
        },
    )
    return list(result)


def _facts(row: Any, as_of: dt.date) -> KpiFacts:
    return KpiFacts(
        direction=Direction(row.direction),
        baseline=row.baseline,
        target=row.target,
        starts_on=row.own_starts_on or row.strategy_starts_on,
        deadline=row.own_deadline or row.strategy_ends_on,
        as_of=as_of,
        measurement_count=row.n,
        first_observed_on=row.first_on,
        first_value=row.first_value,
        last_observed_on=row.last_on,
        last_value=row.last_value,
        trend=Trend(row.slope, row.level) if row.slope is not None and row.level is not None else None,
        definition=KpiDefinition(
            metric=Metric(row.metric),
            unit=Unit(row.unit),
            description=row.description,
            own_starts_on=row.own_starts_on,
            own_deadline=row.own_deadline,
            strategy_starts_on=row.strategy_starts_on,
            strategy_ends_on=row.strategy_ends_on,
            tactic_count=row.tactic_count,
            audience_count=row.audience_count,
            has_channel=row.has_channel,
        ),
    )
