"""Figures of a strategy's content that PostgreSQL keeps as the content changes.

The coverage report and the dashboard read these instead of counting the content plan, so
they cost the same at 100 items and at 1,000,000. Triggers keep them, in the transaction
that changes the content, for every writer (the services, bulk loads, cascades); revision
0011 describes how. The service never writes them itself.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import ARRAY, BigInteger, Boolean, Column, DateTime, Numeric, Table, Uuid, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import Base
from domain.content.models import CONTENT_STATUS_TYPE

#: What the figures last counted of each content item.
content_item_figure = Table(
    "content_item_figure",
    Base.metadata,
    Column("content_item_id", Uuid, primary_key=True),
    Column("workspace_id", Uuid, nullable=False),
    Column("strategy_id", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("tactic_id", Uuid),
    Column("channel_id", Uuid),
    Column("status", CONTENT_STATUS_TYPE, nullable=False),
    Column("live", Boolean, nullable=False),
    Column("unmapped", Boolean, nullable=False),
    Column("kpi_ids", ARRAY(Uuid), nullable=False),
)

#: Content items per strategy, tactic, channel, status and whether they are mapped.
content_count = Table(
    "content_count",
    Base.metadata,
    Column("workspace_id", Uuid, nullable=False),
    Column("strategy_id", Uuid, nullable=False),
    Column("tactic_id", Uuid),
    Column("channel_id", Uuid),
    Column("status", CONTENT_STATUS_TYPE, nullable=False),
    Column("unmapped", Boolean, nullable=False),
    Column("n", BigInteger, nullable=False),
)

#: Live content items serving each KPI, per the items' tactic.
content_kpi_count = Table(
    "content_kpi_count",
    Base.metadata,
    Column("workspace_id", Uuid, nullable=False),
    Column("strategy_id", Uuid, nullable=False),
    Column("kpi_id", Uuid, nullable=False),
    Column("tactic_id", Uuid),
    Column("n", BigInteger, nullable=False),
)

#: Per KPI and live item serving it with metrics of the KPI's metric: their sum.
kpi_contribution = Table(
    "kpi_contribution",
    Base.metadata,
    Column("workspace_id", Uuid, nullable=False),
    Column("kpi_id", Uuid, primary_key=True),
    Column("content_item_id", Uuid, primary_key=True),
    Column("value", Numeric, nullable=False),
)

#: Derived from the content: left out of a workspace's digest, never written by the service.
FIGURE_TABLES: Final = (content_item_figure, content_count, content_kpi_count, kpi_contribution)


async def fold_now(session: AsyncSession) -> None:
    """Bring the figures up to date now, not at commit: the changes the transaction made so
    far are counted (a bulk load does this to analyze the figures it made)."""
    await session.execute(text("SET CONSTRAINTS figures_due IMMEDIATE"))
