"""What content achieved: one item's figure for one metric on one day.

A content metric feeds the KPIs its item serves: a KPI whose source is CONTENT rolls
them up (:mod:`domain.kpi.rollup`), so every change here refreshes those KPIs in the
same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.activity import recording as activity
from domain.content.locks import lock_content
from domain.content.models import ContentItem, ContentMetric
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.kpi.models import Metric
from domain.kpi.rollup import refresh_rollups
from domain.records import Lock
from domain.scope import Scope
from domain.strategy.models import Strategy
from domain.upsert import Counts, upsert_many
from domain.values import UNSET, Maybe

#: How many metrics one call may record.
METRICS_MAX = 10_000

ALREADY_THERE = "This item already has a value for this metric on this day."


@dataclass(frozen=True, slots=True)
class MetricChanges:
    metric: Maybe[Metric] = UNSET
    observed_on: Maybe[dt.date | None] = UNSET
    value: Maybe[Decimal | None] = UNSET


def _metric_values(problems: Problems, changes: MetricChanges) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for required in ("observed_on", "value"):
        if getattr(changes, required) is None:
            problems.add(
                ErrorCode.REQUIRED, f"A content metric needs {required.replace('_', ' ')}.", required
            )
    if not isinstance(changes.metric, values.Unset):
        cleaned["metric"] = changes.metric
    if not isinstance(changes.observed_on, values.Unset):
        cleaned["observed_on"] = values.date(problems, changes.observed_on, "observed_on")
    if not isinstance(changes.value, values.Unset):
        cleaned["value"] = values.decimal(problems, changes.value, "value")
    return cleaned


async def create_content_metric(
    session: AsyncSession, scope: Scope, content_item_id: uuid.UUID, changes: MetricChanges
) -> ContentMetric:
    problems = values.required(
        changes,
        metric="A content metric needs metric.",
        observed_on="A content metric needs observed on.",
        value="A content metric needs value.",
    )
    cleaned = _metric_values(problems, changes)
    problems.raise_if_any()
    locked = await _lock_item(session, scope, content_item_id, "content_item_id")
    metric = ContentMetric(workspace_id=locked.workspace_id, content_item_id=content_item_id, **cleaned)
    session.add(metric)
    await records.flush_unique(session, ALREADY_THERE, "observed_on")
    await refresh_rollups(session, locked.served, field=("value",))
    return metric


@dataclass(frozen=True, slots=True)
class _LockedItem:
    workspace_id: uuid.UUID
    served: set[uuid.UUID]


async def _lock_item(session: AsyncSession, scope: Scope, item_id: uuid.UUID, *field: str) -> _LockedItem:
    """The item, FOR SHARE (what it serves stays put until the rollups are refreshed), after its
    strategy and the KPIs it serves (see :mod:`domain.content.locks`); NOT_FOUND at ``field`` if it
    is not in scope."""
    await records.hold_strategies(session, records.strategy_of(ContentItem, [item_id]))
    locked = await lock_content(session, scope, [item_id], Lock.SHARE)
    item = locked.items.get(item_id)
    if item is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "No content item with this id.", *(field or ("id",)))
    scope.check(item.workspace_id, "content item", *field)
    return _LockedItem(item.workspace_id, locked.served)


async def _lock_item_of(session: AsyncSession, scope: Scope, id_: uuid.UUID) -> _LockedItem:
    """:func:`_lock_item` for the metric ``id_``, read first (unlocked) for its item; NOT_FOUND
    (of the metric) if it is not in scope or goes meanwhile."""
    seen = await records.get(session, ContentMetric, id_, scope, lock=None)
    try:
        return await _lock_item(session, scope, seen.content_item_id)
    except DomainError as error:
        if error.problems[0].code is ErrorCode.NOT_FOUND:  # the item went, and its metrics with it
            raise DomainError.of(ErrorCode.NOT_FOUND, "No content metric with this id.", "id") from error
        raise


async def update_content_metric(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, changes: MetricChanges
) -> ContentMetric:
    locked = await _lock_item_of(session, scope, id_)  # the item before its metric (domain.records)
    metric = await records.get(session, ContentMetric, id_, scope)
    records.check_version(metric, version)
    problems = Problems()
    cleaned = _metric_values(problems, changes)
    problems.raise_if_any()
    records.apply(metric, cleaned)
    await records.flush_unique(session, ALREADY_THERE, "observed_on")
    await refresh_rollups(session, locked.served, field=("value",))
    return metric


async def delete_content_metric(session: AsyncSession, scope: Scope, id_: uuid.UUID) -> None:
    locked = await _lock_item_of(session, scope, id_)
    metric = await records.get(session, ContentMetric, id_, scope, lock=Lock.DELETE)
    await session.delete(metric)
    await session.flush()
    await refresh_rollups(session, locked.served, field=("id",))


@dataclass(frozen=True, slots=True)
class MetricEntry:
    content_item_id: uuid.UUID
    metric: Metric
    observed_on: dt.date
    value: Decimal


async def record_content_metrics(
    session: AsyncSession, scope: Scope, strategy_id: uuid.UUID, entries: Sequence[MetricEntry]
) -> Counts:
    """Record what a strategy's content achieved; each metric is created, updated or left as it is.

    Every entry is checked first (problems of the n-th under ``("metrics", "n", field)``);
    nothing is written if any is bad. Then the KPIs the items serve are refreshed.
    """
    rows, served = await _check_metrics(session, scope, strategy_id, entries)
    counts = await upsert_many(
        session, ContentMetric, rows, key=("content_item_id", "metric", "observed_on"), changing=("value",)
    )
    item_ids = [row["content_item_id"] for row in rows]
    activity.note_recorded(session, strategy_id, rows[0]["workspace_id"], counts, content_item_ids=item_ids)
    await refresh_rollups(session, served, field=("metrics",))
    return counts


def check_batch_size(count: int) -> None:
    """Refuse a batch of no metrics or of more than :data:`METRICS_MAX`."""
    records.check_batch_size(count, METRICS_MAX, "metrics", "metric")


async def _check_metrics(
    session: AsyncSession, scope: Scope, strategy_id: uuid.UUID, entries: Sequence[MetricEntry]
) -> tuple[list[dict[str, Any]], set[uuid.UUID]]:
    """The rows to write and the KPIs the items serve; the items are held FOR SHARE (after the
    KPIs, see :mod:`domain.content.locks`), so what they serve stays put until the rollups are done."""
    check_batch_size(len(entries))
    strategy = await records.get(session, Strategy, strategy_id, scope, "strategy_id", lock=Lock.REFER)
    locked = await lock_content(session, scope, {entry.content_item_id for entry in entries}, Lock.SHARE)
    owners = {item.id: item.strategy_id for item in locked.items.values()}
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    seen: set[tuple[uuid.UUID, Metric, dt.date]] = set()
    for index, entry in enumerate(entries):
        found_problems = Problems()
        rows.append(
            {
                "workspace_id": strategy.workspace_id,
                "content_item_id": entry.content_item_id,
                "metric": entry.metric,
                "observed_on": values.date(found_problems, entry.observed_on, "observed_on"),
                "value": values.decimal(found_problems, entry.value, "value"),
            }
        )
        owner = owners.get(entry.content_item_id)
        if owner is None:
            found_problems.add(ErrorCode.NOT_FOUND, "No content item with this id.", "content_item_id")
        elif owner != strategy.id:
            found_problems.add(
                ErrorCode.WRONG_STRATEGY, "This content item belongs to another strategy.", "content_item_id"
            )
        key = (entry.content_item_id, entry.metric, entry.observed_on)
        if key in seen:
            found_problems.add(
                ErrorCode.DUPLICATE,
                "The same item, metric and day appear more than once.",
                "observed_on",
            )
        seen.add(key)
        problems.extend(problem.under("metrics", str(index)) for problem in found_problems.items)
    if problems:
        raise DomainError(problems)
    return rows, locked.served
