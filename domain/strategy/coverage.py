"""How content covers a strategy, and the figures a dashboard draws.

Each function is one statement for any number of strategies. It reads the figures PostgreSQL
keeps of the content (:mod:`domain.strategy.figures`), not the content plan, so it costs the
same whatever the plan's size; only misaligned content is read item by item, and only the
links of the pairs that are off. No content row is loaded into Python, only counts per tactic,
KPI, audience and channel, and at most :data:`SAMPLE` ids of the items a finding is about.
Archived content counts nowhere, except in the content per channel and status.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import ARRAY, Uuid
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.content.models import ContentStatus
from domain.scope import Scope
from domain.sql import statement

#: How many items of a content finding are named (the count says how many there are).
SAMPLE: Final = 50
#: How many items are listed as the top contributors of each KPI.
TOP: Final = 3

#: See domain/sql/strategy_figures.sql, then strategy_coverage.sql or strategy_dashboard.sql.
_COVERAGE = statement("strategy_figures", "strategy_coverage", strategies=ARRAY(Uuid))
_DASHBOARD = statement("strategy_figures", "strategy_dashboard", strategies=ARRAY(Uuid))


@dataclass(frozen=True, slots=True)
class TacticCoverage:
    id: uuid.UUID
    name: str
    content_count: int
    target_share: Decimal | None


@dataclass(frozen=True, slots=True)
class PartCount:
    id: uuid.UUID
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class ChannelCoverage:
    #: The StrategyChannel (the channel as chosen for this strategy).
    id: uuid.UUID
    name: str
    audience_count: int
    content_count: int


@dataclass(frozen=True, slots=True)
class ItemSample:
    count: int = 0
    ids: list[uuid.UUID] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the content of a strategy covers: counts per part and samples of what is off."""

    #: In position order.
    tactics: list[TacticCoverage]
    #: Live content items per KPI (as primary or contributing KPI).
    kpis: list[PartCount]
    #: Chosen channels reaching each audience.
    audiences: list[PartCount]
    channels: list[ChannelCoverage]
    live_content: int
    unmapped: ItemSample
    #: Content whose tactic is not among the tactics of one of its KPIs.
    misaligned: ItemSample

    @property
    def with_tactic(self) -> int:
        """Live content that plays into a tactic (what tactic shares are counted against)."""
        return sum(tactic.content_count for tactic in self.tactics)

    @property
    def mapped(self) -> int:
        """Live content with a tactic and a primary KPI."""
        return self.live_content - self.unmapped.count


@dataclass(frozen=True, slots=True)
class Contribution:
    item_id: uuid.UUID
    #: The sum of the item's metrics of the KPI's metric.
    value: Decimal


@dataclass(frozen=True, slots=True)
class Dashboard:
    #: Live content per (tactic, KPI) it serves.
    matrix: dict[tuple[uuid.UUID, uuid.UUID], int]
    #: Every content item (archived too) per (channel, status); None is "no channel yet".
    channel_status: dict[tuple[uuid.UUID | None, ContentStatus], int]
    #: Per KPI, the items that contributed most to it, best first (at most :data:`TOP`).
    top_content: dict[uuid.UUID, list[Contribution]]


def _params(scope: Scope, strategy_ids: Collection[uuid.UUID]) -> dict[str, Any]:
    return {
        "strategies": sorted(set(strategy_ids)),
        **scope.params(),
        "sample": SAMPLE,
        "top": TOP,
    }


async def coverage(
    connection: AsyncConnection, scope: Scope, strategy_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Coverage]:
    """The coverage of each strategy asked for that the caller can see (one statement for all)."""
    rows: dict[uuid.UUID, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for row in await connection.execute(_COVERAGE, _params(scope, strategy_ids)):
        rows[row.sid][row.kind].append(row)
    return {strategy_id: _coverage(by_kind) for strategy_id, by_kind in rows.items()}


def _coverage(by_kind: dict[str, list[Any]]) -> Coverage:
    return Coverage(
        tactics=[TacticCoverage(row.id, row.name, row.n, row.share) for row in _ranked(by_kind, "tactic")],
        kpis=[PartCount(row.id, row.name, row.n) for row in _ranked(by_kind, "kpi")],
        audiences=[PartCount(row.id, row.name, row.n) for row in _ranked(by_kind, "audience")],
        channels=[ChannelCoverage(row.id, row.name, row.n, row.m) for row in _ranked(by_kind, "channel")],
        live_content=_total(by_kind, "live"),
        unmapped=_sample(by_kind, "unmapped"),
        misaligned=_sample(by_kind, "misaligned"),
    )


def _total(by_kind: dict[str, list[Any]], kind: str) -> int:
    (row,) = by_kind[kind]
    count: int = row.n
    return count


def _sample(by_kind: dict[str, list[Any]], kind: str) -> ItemSample:
    return ItemSample(_total(by_kind, kind), [row.id for row in _ranked(by_kind, f"{kind}_item")])


def _ranked(by_kind: dict[str, list[Any]], kind: str) -> list[Any]:
    return sorted(by_kind.get(kind, []), key=lambda row: row.rank)


async def dashboard(
    connection: AsyncConnection, scope: Scope, strategy_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Dashboard]:
    """The figures a dashboard draws for each strategy asked for (empty for one out of scope)."""
    found = {strategy_id: Dashboard({}, {}, {}) for strategy_id in strategy_ids}
    places: list[tuple[int, uuid.UUID, uuid.UUID, Contribution]] = []
    for row in await connection.execute(_DASHBOARD, _params(scope, strategy_ids)):
        board = found[row.sid]
        if row.kind == "cell":
            board.matrix[(row.a, row.b)] = row.n
        elif row.kind == "channel":
            board.channel_status[(row.a, ContentStatus(row.status))] = row.n
        else:
            places.append((row.n, row.sid, row.a, Contribution(row.b, row.value)))
    for _, strategy_id, kpi_id, contribution in sorted(places, key=lambda place: place[0]):
        found[strategy_id].top_content.setdefault(kpi_id, []).append(contribution)
    return found
