"""The figures the progress and SMART rules read, computed by PostgreSQL in one statement."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ARRAY, Date, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.kpi.models import Direction, Metric, Unit
from domain.kpi.progress import KpiDefinition, KpiFacts, Trend
from domain.scope import Scope

#: Per KPI: its terms, its strategy's period, its links, and its measurements summed up.
#: A KPI computed from content counts only its rollup, any other KPI only what was measured.
#: A day with several measurements counts once, with the one written last; after the
#: deadline only measurements up to the deadline count.
_FACTS = text(
    """
SELECT k.id, k.strategy_id, k.direction, k.baseline, k.target, k.metric, k.unit,
       k.description,
       k.starts_on AS own_starts_on, k.deadline AS own_deadline,
       s.starts_on AS strategy_starts_on, s.ends_on AS strategy_ends_on,
       k.channel_id IS NOT NULL AS has_channel,
       (SELECT count(*) FROM kpi_tactic t WHERE t.kpi_id = k.id) AS tactic_count,
       (SELECT count(*) FROM kpi_audience a WHERE a.kpi_id = k.id) AS audience_count,
       h.n, h.first_on, h.first_value, h.last_on, h.last_value, h.slope, h.level
FROM kpi k
JOIN strategy s ON s.id = k.strategy_id
LEFT JOIN LATERAL (
    SELECT count(*) AS n,
           min(d.observed_on) AS first_on,
           (array_agg(d.value ORDER BY d.observed_on))[1] AS first_value,
           max(d.observed_on) AS last_on,
           (array_agg(d.value ORDER BY d.observed_on DESC))[1] AS last_value,
           regr_slope(d.value::float8, (d.observed_on - :as_of)::float8) AS slope,
           regr_intercept(d.value::float8, (d.observed_on - :as_of)::float8) AS level
    FROM (
        SELECT DISTINCT ON (m.observed_on) m.observed_on, m.value
        FROM kpi_measurement m
        WHERE m.kpi_id = k.id
          AND (k.source = 'CONTENT') = (m.source = 'CONTENT_ROLLUP')
          AND m.observed_on <= least(:as_of, coalesce(k.deadline, s.ends_on, :as_of))
        ORDER BY m.observed_on, m.updated_at DESC, m.id DESC
    ) d
) h ON true
WHERE (k.id = ANY(:ids) OR k.strategy_id = ANY(:strategies))
  AND """
    + Scope.sql("k.workspace_id")
    + """
"""
).bindparams(
    bindparam("ids", type_=ARRAY(Uuid)),
    bindparam("strategies", type_=ARRAY(Uuid)),
    bindparam("workspaces", type_=ARRAY(Uuid)),
    bindparam("as_of", type_=Date),
)


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
