"""How content covers a strategy, and the figures a dashboard draws, counted by PostgreSQL.

Each function is one statement whatever the size of the content plan: no content row is
loaded into Python, only counts per tactic, KPI, audience and channel, and at most
:data:`SAMPLE` ids of the items a finding is about. Archived content counts nowhere,
except in the content per channel and status.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import ARRAY, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.content.models import ContentStatus
from domain.scope import Scope

#: How many items of a content finding are named (the count says how many there are).
SAMPLE: Final = 50
#: How many items are listed as the top contributors of each KPI.
TOP: Final = 3

_SCOPE = "(:everywhere OR s.workspace_id = ANY(:workspaces))"

#: The strategy in scope, its live (not archived) content, and every (item, KPI) it serves.
#: The link table holds every KPI an item serves, its primary KPI included (the content
#: services keep it so), so ``served`` needs no union with ``primary_kpi_id``.
_LIVE = f"""
WITH s AS (SELECT s.id FROM strategy s WHERE s.id = :strategy AND {_SCOPE}),
live AS (
    SELECT c.id, c.tactic_id, c.primary_kpi_id, c.channel_id, c.created_at
    FROM content_item c JOIN s ON c.strategy_id = s.id
    WHERE c.strategy_id = :strategy AND c.status <> 'ARCHIVED'
),
served AS (
    SELECT l.id AS item_id, l.tactic_id, ck.kpi_id
    FROM content_item_kpi ck JOIN live l ON l.id = ck.content_item_id
    WHERE ck.strategy_id = :strategy
)
"""

_COVERAGE = text(
    _LIVE
    + """,
misaligned AS (
    SELECT DISTINCT sv.item_id FROM served sv
    WHERE sv.tactic_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM kpi_tactic kt WHERE kt.kpi_id = sv.kpi_id AND kt.tactic_id = sv.tactic_id
    )
),
unmapped AS (SELECT l.id, l.created_at FROM live l WHERE l.tactic_id IS NULL OR l.primary_kpi_id IS NULL)
SELECT 'tactic' AS kind, t.id, t.name, coalesce(n.n, 0) AS n, 0::bigint AS m, t.target_share AS share,
       row_number() OVER (ORDER BY t.position, t.created_at, t.id) AS rank
FROM tactic t JOIN s ON t.strategy_id = s.id
LEFT JOIN (SELECT l.tactic_id, count(*) AS n FROM live l GROUP BY l.tactic_id) n ON n.tactic_id = t.id
UNION ALL
SELECT 'kpi', k.id, k.name, coalesce(n.n, 0), 0, NULL, row_number() OVER (ORDER BY k.created_at, k.id)
FROM kpi k JOIN s ON k.strategy_id = s.id
LEFT JOIN (SELECT sv.kpi_id, count(*) AS n FROM served sv GROUP BY sv.kpi_id) n ON n.kpi_id = k.id
UNION ALL
SELECT 'audience', a.id, a.name, count(sca.strategy_channel_id), 0, NULL,
       row_number() OVER (ORDER BY a.created_at, a.id)
FROM audience a JOIN s ON a.strategy_id = s.id
LEFT JOIN strategy_channel_audience sca ON sca.audience_id = a.id
GROUP BY a.id
UNION ALL
SELECT 'channel', sc.id, ch.name,
       (SELECT count(*) FROM strategy_channel_audience sca WHERE sca.strategy_channel_id = sc.id),
       coalesce(used.n, 0), NULL, row_number() OVER (ORDER BY sc.created_at, sc.id)
FROM strategy_channel sc JOIN s ON sc.strategy_id = s.id JOIN channel ch ON ch.id = sc.channel_id
LEFT JOIN (SELECT l.channel_id, count(*) AS n FROM live l GROUP BY l.channel_id) used
       ON used.channel_id = sc.channel_id
UNION ALL
SELECT 'live', s.id, NULL, (SELECT count(*) FROM live), 0, NULL, 0 FROM s
UNION ALL
SELECT 'unmapped', NULL, NULL, (SELECT count(*) FROM unmapped), 0, NULL, 0
UNION ALL
(SELECT 'unmapped_item', u.id, NULL, 0, 0, NULL, 0 FROM unmapped u ORDER BY u.created_at, u.id LIMIT :sample)
UNION ALL
SELECT 'misaligned', NULL, NULL, (SELECT count(*) FROM misaligned), 0, NULL, 0
UNION ALL
(SELECT 'misaligned_item', l.id, NULL, 0, 0, NULL, 0 FROM misaligned m JOIN live l ON l.id = m.item_id
 ORDER BY l.created_at, l.id LIMIT :sample)
"""
).bindparams(bindparam("strategy", type_=Uuid), bindparam("workspaces", type_=ARRAY(Uuid)))

_DASHBOARD = text(
    _LIVE
    + """,
contribution AS (
    SELECT sv.kpi_id, sv.item_id, sum(cm.value) AS value
    FROM served sv
    JOIN kpi k ON k.id = sv.kpi_id
    JOIN content_metric cm ON cm.content_item_id = sv.item_id AND cm.metric = k.metric
    GROUP BY sv.kpi_id, sv.item_id
),
ranked AS (
    SELECT c.*, row_number() OVER (PARTITION BY c.kpi_id ORDER BY c.value DESC, c.item_id) AS place
    FROM contribution c
)
SELECT 'cell' AS kind, sv.tactic_id AS a, sv.kpi_id AS b, NULL AS status, count(*) AS n,
       NULL::numeric AS value
FROM served sv WHERE sv.tactic_id IS NOT NULL GROUP BY sv.tactic_id, sv.kpi_id
UNION ALL
SELECT 'channel', c.channel_id, NULL, c.status::text, count(*), NULL
FROM content_item c JOIN s ON c.strategy_id = s.id WHERE c.strategy_id = :strategy
GROUP BY c.channel_id, c.status
UNION ALL
SELECT 'top', r.kpi_id, r.item_id, NULL, r.place, r.value FROM ranked r WHERE r.place <= :top
"""
).bindparams(bindparam("strategy", type_=Uuid), bindparam("workspaces", type_=ARRAY(Uuid)))


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
    def mapped_content(self) -> int:
        return sum(tactic.content_count for tactic in self.tactics)


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


def _params(scope: Scope, strategy_id: uuid.UUID) -> dict[str, Any]:
    return {
        "strategy": strategy_id,
        "everywhere": scope.workspace_ids is None,
        "workspaces": list(scope.workspace_ids or ()),
        "sample": SAMPLE,
        "top": TOP,
    }


async def coverage(connection: AsyncConnection, scope: Scope, strategy_id: uuid.UUID) -> Coverage | None:
    """The coverage of a strategy in scope; None when the caller cannot see it."""
    rows = (await connection.execute(_COVERAGE, _params(scope, strategy_id))).all()
    by_kind: dict[str, list[Any]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    if not by_kind.get("live"):
        return None
    return Coverage(
        tactics=[TacticCoverage(row.id, row.name, row.n, row.share) for row in _ranked(by_kind, "tactic")],
        kpis=[PartCount(row.id, row.name, row.n) for row in _ranked(by_kind, "kpi")],
        audiences=[PartCount(row.id, row.name, row.n) for row in _ranked(by_kind, "audience")],
        channels=[ChannelCoverage(row.id, row.name, row.n, row.m) for row in _ranked(by_kind, "channel")],
        live_content=_single(by_kind, "live"),
        unmapped=_sample(by_kind, "unmapped"),
        misaligned=_sample(by_kind, "misaligned"),
    )


def _ranked(by_kind: dict[str, list[Any]], kind: str) -> list[Any]:
    return sorted(by_kind.get(kind, []), key=lambda row: (row.rank, str(row.id)))


def _single(by_kind: dict[str, list[Any]], kind: str) -> int:
    (row,) = by_kind[kind]
    count: int = row.n
    return count


def _sample(by_kind: dict[str, list[Any]], kind: str) -> ItemSample:
    return ItemSample(_single(by_kind, kind), [row.id for row in by_kind.get(f"{kind}_item", [])])


async def dashboard(connection: AsyncConnection, scope: Scope, strategy_id: uuid.UUID) -> Dashboard:
    """The figures a dashboard draws for a strategy (empty for one the caller cannot see)."""
    matrix: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    channel_status: dict[tuple[uuid.UUID | None, ContentStatus], int] = {}
    top: dict[uuid.UUID, list[Contribution]] = {}
    places: list[tuple[int, uuid.UUID, Contribution]] = []
    for row in await connection.execute(_DASHBOARD, _params(scope, strategy_id)):
        if row.kind == "cell":
            matrix[(row.a, row.b)] = row.n
        elif row.kind == "channel":
            channel_status[(row.a, ContentStatus(row.status))] = row.n
        else:
            places.append((row.n, row.a, Contribution(row.b, row.value)))
    for _, kpi_id, contribution in sorted(places, key=lambda place: place[0]):
        top.setdefault(kpi_id, []).append(contribution)
    return Dashboard(matrix, channel_status, top)
