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

from sqlalchemy import ARRAY, Uuid, bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.content.models import ContentStatus
from domain.scope import Scope

#: How many items of a content finding are named (the count says how many there are).
SAMPLE: Final = 50
#: How many items are listed as the top contributors of each KPI.
TOP: Final = 3

_SCOPE = Scope.sql("s.workspace_id")

#: The strategies asked for that are in scope, and the figures kept of their content
#: (:mod:`domain.strategy.figures`): items per tactic, channel, status and mapping (``counted``,
#: live items only) and live items per KPI and tactic (``served``).
_FIGURES = f"""
WITH s AS (SELECT s.id FROM strategy s WHERE s.id = ANY(:strategies) AND {_SCOPE}),
counted AS (
    SELECT cc.strategy_id, cc.tactic_id, cc.channel_id, cc.unmapped, cc.n
    FROM content_count cc JOIN s ON cc.strategy_id = s.id
    WHERE cc.strategy_id = ANY(:strategies) AND cc.status <> 'ARCHIVED'
),
served AS (
    SELECT kc.strategy_id, kc.kpi_id, kc.tactic_id, kc.n
    FROM content_kpi_count kc JOIN s ON kc.strategy_id = s.id
    WHERE kc.strategy_id = ANY(:strategies)
)
"""

#: One row per part (kind, strategy, id, name, count n, second count m, share, rank in its
#: strategy), per strategy's totals, and the sampled items of the content findings.
#: Misaligned content is read from the links of the (KPI, tactic) pairs that content serves
#: and the KPI does not name (``off``): none in a strategy that is in order.
_COVERAGE = text(
    _FIGURES
    + """,
off AS (
    SELECT sv.strategy_id, sv.kpi_id, sv.tactic_id FROM served sv
    WHERE sv.tactic_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM kpi_tactic kt WHERE kt.kpi_id = sv.kpi_id AND kt.tactic_id = sv.tactic_id
    )
),
misaligned AS (
    SELECT DISTINCT c.strategy_id, c.id AS item_id, c.created_at
    FROM off o
    JOIN content_item_kpi ck ON ck.kpi_id = o.kpi_id
    JOIN content_item c ON c.id = ck.content_item_id AND c.tactic_id = o.tactic_id
    WHERE c.status <> 'ARCHIVED'
),
totals AS (
    SELECT s.id AS sid,
           (SELECT coalesce(sum(c.n), 0)::bigint FROM counted c WHERE c.strategy_id = s.id) AS live,
           (SELECT coalesce(sum(c.n), 0)::bigint FROM counted c WHERE c.strategy_id = s.id AND c.unmapped)
               AS unmapped,
           (SELECT count(*) FROM misaligned m WHERE m.strategy_id = s.id) AS misaligned
    FROM s
)
SELECT 'tactic' AS kind, t.strategy_id AS sid, t.id, t.name, coalesce(n.n, 0)::bigint AS n, 0::bigint AS m,
       t.target_share AS share,
       row_number() OVER (PARTITION BY t.strategy_id ORDER BY t.position, t.created_at, t.id) AS rank
FROM tactic t JOIN s ON t.strategy_id = s.id
LEFT JOIN (SELECT c.tactic_id, sum(c.n) AS n FROM counted c GROUP BY c.tactic_id) n ON n.tactic_id = t.id
UNION ALL
SELECT 'kpi', k.strategy_id, k.id, k.name, coalesce(n.n, 0)::bigint, 0, NULL,
       row_number() OVER (PARTITION BY k.strategy_id ORDER BY k.created_at, k.id)
FROM kpi k JOIN s ON k.strategy_id = s.id
LEFT JOIN (SELECT sv.kpi_id, sum(sv.n) AS n FROM served sv GROUP BY sv.kpi_id) n ON n.kpi_id = k.id
UNION ALL
SELECT 'audience', a.strategy_id, a.id, a.name, count(sca.strategy_channel_id), 0, NULL,
       row_number() OVER (PARTITION BY a.strategy_id ORDER BY a.created_at, a.id)
FROM audience a JOIN s ON a.strategy_id = s.id
LEFT JOIN strategy_channel_audience sca ON sca.audience_id = a.id
GROUP BY a.id
UNION ALL
SELECT 'channel', sc.strategy_id, sc.id, ch.name,
       (SELECT count(*) FROM strategy_channel_audience sca WHERE sca.strategy_channel_id = sc.id),
       coalesce(used.n, 0)::bigint, NULL,
       row_number() OVER (PARTITION BY sc.strategy_id ORDER BY sc.created_at, sc.id)
FROM strategy_channel sc JOIN s ON sc.strategy_id = s.id JOIN channel ch ON ch.id = sc.channel_id
LEFT JOIN (
    SELECT c.strategy_id, c.channel_id, sum(c.n) AS n FROM counted c GROUP BY c.strategy_id, c.channel_id
) used
       ON used.strategy_id = sc.strategy_id AND used.channel_id = sc.channel_id
UNION ALL
SELECT 'live', t.sid, NULL, NULL, t.live, 0, NULL, 0 FROM totals t
UNION ALL
SELECT 'unmapped', t.sid, NULL, NULL, t.unmapped, 0, NULL, 0 FROM totals t
UNION ALL
SELECT 'misaligned', t.sid, NULL, NULL, t.misaligned, 0, NULL, 0 FROM totals t
UNION ALL
SELECT 'unmapped_item', s.id, u.content_item_id, NULL, 0, 0, NULL, u.rank
FROM s CROSS JOIN LATERAL (
    SELECT f.content_item_id, row_number() OVER (ORDER BY f.created_at, f.content_item_id) AS rank
    FROM content_item_figure f
    WHERE f.strategy_id = s.id AND f.live AND f.unmapped
    ORDER BY f.created_at, f.content_item_id
    LIMIT :sample
) u
UNION ALL
SELECT 'misaligned_item', m.strategy_id, m.item_id, NULL, 0, 0, NULL, m.rank
FROM (SELECT m.*, row_number() OVER (PARTITION BY m.strategy_id ORDER BY m.created_at, m.item_id) AS rank
      FROM misaligned m) m
WHERE m.rank <= :sample
"""
).bindparams(bindparam("strategies", type_=ARRAY(Uuid)), bindparam("workspaces", type_=ARRAY(Uuid)))

#: Rows (kind, strategy, a, b, status, n, value): tactic x KPI cells, channel x status counts,
#: and each KPI's top contributors (the first rows of its contributions' index).
_DASHBOARD = text(
    _FIGURES
    + """
SELECT 'cell' AS kind, sv.strategy_id AS sid, sv.tactic_id AS a, sv.kpi_id AS b, NULL AS status,
       sv.n, NULL::numeric AS value
FROM served sv WHERE sv.tactic_id IS NOT NULL
UNION ALL
SELECT 'channel', cc.strategy_id, cc.channel_id, NULL, cc.status::text, sum(cc.n)::bigint, NULL
FROM content_count cc JOIN s ON cc.strategy_id = s.id WHERE cc.strategy_id = ANY(:strategies)
GROUP BY cc.strategy_id, cc.channel_id, cc.status
UNION ALL
SELECT 'top', k.strategy_id, k.id, t.content_item_id, NULL, t.place, t.value
FROM kpi k JOIN s ON k.strategy_id = s.id
CROSS JOIN LATERAL (
    SELECT kc.content_item_id, kc.value,
           row_number() OVER (ORDER BY kc.value DESC, kc.content_item_id) AS place
    FROM kpi_contribution kc WHERE kc.kpi_id = k.id
    ORDER BY kc.value DESC, kc.content_item_id
    LIMIT :top
) t
"""
).bindparams(bindparam("strategies", type_=ARRAY(Uuid)), bindparam("workspaces", type_=ARRAY(Uuid)))


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
