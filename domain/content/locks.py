"""Locking content items for a write that refreshes KPI rollups, in the lock order of :mod:`domain.records`.

Such a write holds, before it locks an item, every KPI whose rollup it will refresh — those the
items serve, and those it will make them serve — FOR KEY SHARE. A KPI being deleted is locked
FOR UPDATE before the content serving it; so the write either waits for the deletion before it
holds any item, or holds the KPI and the deletion waits for the write. It never waits for the
deletion while the deletion waits for one of its items.

What the items serve is read before they are locked, so it may change meanwhile (another write
maps an item). Once they are locked it cannot: it is read again, and a KPI found only then is
locked without waiting. That fails only when the KPI is being deleted this very moment; the
write is then refused as a CONFLICT (the item changed meanwhile) rather than left to deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.content.models import ContentItem, content_item_kpi
from domain.errors import ConflictError
from domain.kpi.models import Kpi
from domain.persistence.database import sqlstate
from domain.records import Lock, any_id, locking, part_owners
from domain.scope import Scope

#: PostgreSQL's code for a lock that could not be had at once (NOWAIT).
LOCK_NOT_AVAILABLE = "55P03"


class ChangedMeanwhile(ConflictError):
    """The item came to serve a KPI that is being deleted this moment (see the module's doc)."""

    def __init__(self, item_id: uuid.UUID, version: int) -> None:
        super().__init__("content item", version)
        self.item_id = item_id


@dataclass(frozen=True, slots=True)
class LockedContent:
    items: dict[uuid.UUID, ContentItem]
    """The items found in scope, by id, locked."""
    kpis: dict[uuid.UUID, uuid.UUID]
    """Every KPI held FOR KEY SHARE (those asked for that exist in scope, and those the items
    serve), with its strategy."""
    served: set[uuid.UUID]
    """The KPIs the items serve, read once they were locked."""


async def lock_content(
    session: AsyncSession,
    scope: Scope,
    item_ids: Iterable[uuid.UUID],
    lock: Lock,
    *,
    kpi_ids: Collection[uuid.UUID] = (),
    refreshing: bool = True,
) -> LockedContent:
    """Lock the KPIs ``kpi_ids`` and, when ``refreshing``, those the items serve (FOR KEY SHARE,
    in id order); then the items (``lock``, in id order); then read what the items serve.

    Items outside the scope (or gone) are left out; the caller says NOT_FOUND.
    """
    ids = sorted(set(item_ids))
    kpis = await _lock_kpis(session, scope, kpi_ids, ids if refreshing else [])
    stmt = (
        select(ContentItem)
        .where(ContentItem.id == any_id("item_ids", ids), scope.where(ContentItem.workspace_id))
        .order_by(ContentItem.id)
    )
    stmt = locking(stmt, lock).execution_options(populate_existing=True)
    items = {item.id: item for item in (await session.execute(stmt)).scalars()}
    served: set[uuid.UUID] = set()
    if refreshing and items:
        served = await _served_now(session, scope, items, kpis)
    return LockedContent(items, kpis, served)


async def _lock_kpis(
    session: AsyncSession, scope: Scope, kpi_ids: Collection[uuid.UUID], item_ids: list[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The KPIs named and those the items serve, FOR KEY SHARE in id order, in one statement."""
    if not kpi_ids and not item_ids:
        return {}
    link = content_item_kpi
    wanted = []
    if kpi_ids:
        wanted.append(Kpi.id == any_id("kpi_ids", kpi_ids))
    if item_ids:
        served = select(link.c.kpi_id).where(link.c.content_item_id == any_id("served_by_items", item_ids))
        wanted.append(Kpi.id.in_(served))
    stmt = select(Kpi.id, Kpi.strategy_id).where(or_(*wanted), scope.where(Kpi.workspace_id)).order_by(Kpi.id)
    return {row.id: row.strategy_id for row in await session.execute(locking(stmt, Lock.REFER))}


async def _served_now(
    session: AsyncSession, scope: Scope, items: dict[uuid.UUID, ContentItem], kpis: dict[uuid.UUID, uuid.UUID]
) -> set[uuid.UUID]:
    """What the locked items serve; a KPI not locked yet is locked FOR KEY SHARE without waiting
    (added to ``kpis``), or the item that came to serve it is a CONFLICT."""
    link = content_item_kpi
    stmt = select(link.c.content_item_id, link.c.kpi_id).where(
        link.c.content_item_id == any_id("served_by_locked", items)
    )
    pairs = (await session.execute(stmt)).all()
    late = {kpi for _, kpi in pairs if kpi not in kpis}
    if late:
        try:
            kpis.update(await part_owners(session, Kpi, late, scope, nowait=True))
        except DBAPIError as error:
            if sqlstate(error) != LOCK_NOT_AVAILABLE:
                raise
            changed = min(item for item, kpi in pairs if kpi in late)
            raise ChangedMeanwhile(changed, items[changed].version) from error
    return {kpi for _, kpi in pairs}
