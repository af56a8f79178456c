"""Everything the written strategy says, read in a fixed number of statements.

The parts (tactics, audiences, channels, KPIs and their links) are read with plain Core
selects; how content covers them and how the KPIs are doing come from the same SQL
figures as the API's health, dashboard and progress. No content row is loaded.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import FromClause, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.audience.models import Audience
from domain.channel.models import Channel, StrategyChannel, strategy_channel_audience
from domain.kpi.facts import strategy_kpi_facts
from domain.kpi.models import Kpi, kpi_audience, kpi_tactic
from domain.kpi.progress import KpiFacts
from domain.scope import Scope
from domain.strategy.coverage import Coverage, Dashboard, coverage, dashboard
from domain.strategy.health import Finding, findings
from domain.strategy.models import Strategy, Tactic


@dataclass(frozen=True)
class StrategyBrief:
    as_of: dt.date
    strategy: Any
    tactics: list[Any]
    audiences: list[Any]
    #: Chosen channels: the StrategyChannel's columns with the channel's platform, name and handle.
    channels: list[Any]
    #: Names of the audiences each chosen channel reaches.
    channel_audiences: dict[uuid.UUID, list[str]]
    kpis: list[Any]
    kpi_tactics: dict[uuid.UUID, list[str]]
    kpi_audiences: dict[uuid.UUID, list[str]]
    #: Names of the workspace's channels, for the KPIs tied to one.
    channel_names: dict[uuid.UUID, str]
    facts: dict[uuid.UUID, KpiFacts]
    coverage: Coverage
    dashboard: Dashboard
    findings: list[Finding]


@dataclass(frozen=True)
class Figures:
    """The SQL figures of a strategy, when the caller has them at hand already."""

    coverage: Coverage
    facts: dict[uuid.UUID, KpiFacts]
    dashboard: Dashboard


async def brief(
    connection: AsyncConnection,
    scope: Scope,
    strategy_id: uuid.UUID,
    as_of: dt.date,
    figures: Figures | None = None,
) -> StrategyBrief | None:
    """The strategy as a document describes it; None when the caller cannot see it.

    ``figures`` (coverage, KPI facts and dashboard as of ``as_of``) are computed unless given.
    """
    strategy_row = (
        await connection.execute(
            select(Strategy.__table__).where(Strategy.id == strategy_id, scope.where(Strategy.workspace_id))
        )
    ).one_or_none()
    if strategy_row is None:
        return None
    if figures is None:
        figures = Figures(
            coverage=(await coverage(connection, scope, [strategy_id]))[strategy_id],
            facts=(await strategy_kpi_facts(connection, scope, as_of, [strategy_id]))[strategy_id],
            dashboard=(await dashboard(connection, scope, [strategy_id]))[strategy_id],
        )
    tactics = await _parts(connection, Tactic.__table__, strategy_id, "position", "created_at")
    audiences = await _parts(connection, Audience.__table__, strategy_id, "created_at")
    kpis = await _parts(connection, Kpi.__table__, strategy_id, "created_at")
    channel = Channel.__table__
    chosen = StrategyChannel.__table__
    channels = list(
        await connection.execute(
            select(chosen, channel.c.platform, channel.c.name, channel.c.handle)
            .join(channel, channel.c.id == chosen.c.channel_id)
            .where(chosen.c.strategy_id == strategy_id)
            .order_by(chosen.c.created_at, chosen.c.id)
        )
    )
    channel_names = {
        row.id: row.name
        for row in await connection.execute(
            select(channel.c.id, channel.c.name).where(channel.c.workspace_id == strategy_row.workspace_id)
        )
    }
    tactic_names = {row.id: row.name for row in tactics}
    audience_names = {row.id: row.name for row in audiences}
    return StrategyBrief(
        as_of=as_of,
        strategy=strategy_row,
        tactics=tactics,
        audiences=audiences,
        channels=channels,
        channel_audiences=await _links(
            connection,
            strategy_channel_audience,
            "strategy_channel_id",
            "audience_id",
            strategy_id,
            audience_names,
        ),
        # A KPI created after the figures were read has none yet: it waits for the next document.
        kpis=[kpi for kpi in kpis if kpi.id in figures.facts],
        kpi_tactics=await _links(connection, kpi_tactic, "kpi_id", "tactic_id", strategy_id, tactic_names),
        kpi_audiences=await _links(
            connection, kpi_audience, "kpi_id", "audience_id", strategy_id, audience_names
        ),
        channel_names=channel_names,
        facts=figures.facts,
        coverage=figures.coverage,
        dashboard=figures.dashboard,
        findings=findings(figures.coverage, figures.facts),
    )


async def _parts(
    connection: AsyncConnection, table: FromClause, strategy_id: uuid.UUID, *order: str
) -> list[Any]:
    stmt = (
        select(table)
        .where(table.c.strategy_id == strategy_id)
        .order_by(*(table.c[o] for o in order), table.c.id)
    )
    return list(await connection.execute(stmt))


async def _links(
    connection: AsyncConnection,
    table: Table,
    owner: str,
    other: str,
    strategy_id: uuid.UUID,
    names: dict[uuid.UUID, str],
) -> dict[uuid.UUID, list[str]]:
    """Per owner, the names of what it links to, in the order of ``names``."""
    linked: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for row in await connection.execute(
        select(table.c[owner], table.c[other]).where(table.c.strategy_id == strategy_id)
    ):
        linked[row[0]].add(row[1])
    return {owner_id: [name for id_, name in names.items() if id_ in ids] for owner_id, ids in linked.items()}
