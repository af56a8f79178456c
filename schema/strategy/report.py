"""A strategy's health findings and dashboard figures, computed in SQL per strategy."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.content.models import ContentStatus
from domain.kpi.facts import strategy_kpi_facts
from domain.kpi.progress import KpiFacts
from domain.strategy import coverage as counting
from domain.strategy.brief import Figures
from domain.strategy.coverage import Coverage, Dashboard
from domain.strategy.health import (
    MIX_TOLERANCE,
    TACTICS_MAX,
    TACTICS_MIN,
    Finding,
    FindingCode,
    NodeRef,
    Severity,
    findings,
    share,
)
from schema.context import Info
from schema.enums import documented_enum
from schema.loading import Loaded, per_day
from schema.relay import NODE_SPECS, Node, load_by_id, load_required, relation

if TYPE_CHECKING:
    from schema.channel.types import Channel
    from schema.content.types import ContentItem
    from schema.kpi.types import Kpi
    from schema.strategy.types import Tactic

documented_enum(
    Severity,
    "How much a finding matters: CRITICAL, WARNING or INFO.",
    {
        Severity.INFO: "Worth a look; it may be meant that way.",
        Severity.WARNING: "A gap in the strategy or its content plan, to fix.",
        Severity.CRITICAL: "A KPI is failing: act now.",
    },
)
documented_enum(
    FindingCode,
    "What is off in a strategy. Live content is content that is not ARCHIVED. Every finding is a "
    "WARNING, except KPI_OFF_TRACK (CRITICAL) and CHANNEL_UNUSED (INFO).",
    {
        FindingCode.KPI_OFF_TRACK: "A KPI is OFF_TRACK, or MISSED its deadline.",
        FindingCode.TACTIC_COUNT: (
            f"The strategy has fewer than {TACTICS_MIN} or more than {TACTICS_MAX} tactics; the method asks "
            f"for {TACTICS_MIN}–{TACTICS_MAX}."
        ),
        FindingCode.TACTIC_WITHOUT_CONTENT: "No live content plays into a tactic.",
        FindingCode.KPI_WITHOUT_CONTENT: "No live content serves a KPI.",
        FindingCode.UNMAPPED_CONTENT: "Live content lacks a tactic or a primary KPI.",
        FindingCode.CONTENT_KPI_NOT_IN_TACTIC: "Live content serves a KPI that does not measure its tactic.",
        FindingCode.AUDIENCE_WITHOUT_CHANNEL: "No chosen channel reaches an audience.",
        FindingCode.CONTENT_MIX_OFF: (
            f"A tactic's share of the live content with a tactic lies more than {MIX_TOLERANCE} percentage "
            "points from its target share."
        ),
        FindingCode.KPI_NOT_SMART: "A KPI fails a letter of SMART (see `Kpi.smart`).",
        FindingCode.KPI_AT_RISK: "A KPI is AT_RISK.",
        FindingCode.CHANNEL_UNUSED: "A chosen channel reaches no audience and carries no content.",
    },
)


#: The KPI facts of each (strategy, day), one statement per distinct day.
_kpi_facts = per_day(strategy_kpi_facts)


async def load_coverage(info: Info, strategy_id: uuid.UUID) -> Coverage:
    found = await info.context.loaders.batch(counting.coverage).load(strategy_id)
    assert found is not None, "a strategy the caller can see has coverage"
    return found


async def load_kpi_facts(info: Info, strategy_id: uuid.UUID, as_of: dt.date) -> dict[uuid.UUID, KpiFacts]:
    return await info.context.loaders.batch(_kpi_facts).load((strategy_id, as_of)) or {}


async def load_dashboard(info: Info, strategy_id: uuid.UUID) -> Dashboard:
    found = await info.context.loaders.batch(counting.dashboard).load(strategy_id)
    assert found is not None
    return found


async def figures(info: Info, strategy_id: uuid.UUID, as_of: dt.date) -> Figures:
    """The strategy's SQL figures through the request's loaders, shared with health and dashboard."""
    coverage, facts, counted = await asyncio.gather(
        load_coverage(info, strategy_id),
        load_kpi_facts(info, strategy_id, as_of),
        load_dashboard(info, strategy_id),
    )
    return Figures(coverage=coverage, facts=facts, dashboard=counted)


async def load_ref(info: Info, ref: NodeRef) -> Node | None:
    node: Node | None = await info.context.loaders.node(NODE_SPECS[ref.kind]).load(ref.id)
    return node


@strawberry.type(description="Something off in a strategy, and the parts it concerns.")
class HealthFinding:
    code: FindingCode = strawberry.field(description="What is off; stable, for a client to switch on.")
    severity: Severity = strawberry.field(description="How much it matters.")
    message: str = strawberry.field(description="What is off, in a sentence naming the parts concerned.")
    count: int = strawberry.field(description="How many parts are concerned.")
    refs: strawberry.Private[tuple[NodeRef, ...]]

    @strawberry.field(description="The parts concerned; for content, the first 50 items (see `count`).")
    async def nodes(self, info: Info) -> list[Node]:
        found = await asyncio.gather(*(load_ref(info, ref) for ref in self.refs))
        return [node for node in found if node is not None]

    @classmethod
    def of(cls, finding: Finding) -> HealthFinding:
        return cls(
            code=finding.code,
            severity=finding.severity,
            message=finding.message,
            count=finding.count,
            refs=finding.nodes,
        )


@strawberry.type(description="The findings on a strategy as of a day, worst first.")
class StrategyHealth:
    as_of: dt.date = strawberry.field(description="The day the KPIs were judged on.")
    findings: list[HealthFinding] = strawberry.field(
        description="Everything off, CRITICAL first, then WARNING, then INFO; empty when healthy."
    )

    @strawberry.field(description="True when nothing was found.")
    def healthy(self) -> bool:
        return not self.findings


async def health(info: Info, strategy_id: uuid.UUID, as_of: dt.date) -> StrategyHealth:
    coverage, facts = await asyncio.gather(
        load_coverage(info, strategy_id), load_kpi_facts(info, strategy_id, as_of)
    )
    return StrategyHealth(as_of=as_of, findings=[HealthFinding.of(f) for f in findings(coverage, facts)])


@strawberry.type(description="A tactic's share of the live content with a tactic, against its target share.")
class TacticShare:
    tactic_id: strawberry.Private[uuid.UUID]
    content_count: int = strawberry.field(description="Live content items playing into the tactic.")
    share: Decimal = strawberry.field(description="Percent of the live content that has a tactic.")
    target_share: Decimal | None = strawberry.field(
        description="The tactic's target share, in percent; null when it has none."
    )
    deviation: Decimal | None = strawberry.field(description="share − targetShare, in percentage points.")

    @relation(Annotated["Tactic", strawberry.lazy("schema.strategy.types")], "The tactic.")
    def tactic(self, info: Info) -> Loaded[Tactic]:
        from schema.strategy.types import TACTIC

        return load_required(info, TACTIC, self.tactic_id)


@strawberry.type(description="How many live content items play into a tactic and serve a KPI.")
class TacticKpiCell:
    tactic_id: strawberry.Private[uuid.UUID]
    kpi_id: strawberry.Private[uuid.UUID]
    content_count: int = strawberry.field(
        description=(
            "Live content items playing into the tactic and serving the KPI (as primary or contributing KPI)."
        )
    )

    @relation(Annotated["Tactic", strawberry.lazy("schema.strategy.types")], "The tactic of the pair.")
    def tactic(self, info: Info) -> Loaded[Tactic]:
        from schema.strategy.types import TACTIC

        return load_required(info, TACTIC, self.tactic_id)

    @relation(Annotated["Kpi", strawberry.lazy("schema.kpi.types")], "The KPI of the pair.")
    def kpi(self, info: Info) -> Loaded[Kpi]:
        from schema.kpi.types import KPI

        return load_required(info, KPI, self.kpi_id)


@strawberry.type(description="How many content items (archived too) a channel has in a status.")
class ChannelStatusCount:
    channel_id: strawberry.Private[uuid.UUID | None]
    status: ContentStatus = strawberry.field(description="The status counted.")
    count: int = strawberry.field(description="How many content items of the channel are in the status.")

    @relation(
        Annotated["Channel", strawberry.lazy("schema.channel.types")] | None,
        description="None for content not yet given a channel.",
    )
    def channel(self, info: Info) -> Loaded[Channel | None]:
        from schema.channel.types import CHANNEL

        return load_by_id(info, CHANNEL, self.channel_id)


@strawberry.type(description="A content item and what it contributed to a KPI.")
class ContentContribution:
    item_id: strawberry.Private[uuid.UUID]
    value: Decimal = strawberry.field(description="The sum of the item's metrics of the KPI's metric.")

    @relation(Annotated["ContentItem", strawberry.lazy("schema.content.types")], "The content item.")
    def content_item(self, info: Info) -> Loaded[ContentItem]:
        from schema.content.types import CONTENT_ITEM

        return load_required(info, CONTENT_ITEM, self.item_id)


@strawberry.type(description="The content that contributed most to a KPI, best first.")
class KpiTopContent:
    kpi_id: strawberry.Private[uuid.UUID]
    items: list[ContentContribution] = strawberry.field(
        description="The items, best first; empty when no content serving the KPI has metrics of its metric."
    )

    @relation(Annotated["Kpi", strawberry.lazy("schema.kpi.types")], "The KPI.")
    def kpi(self, info: Info) -> Loaded[Kpi]:
        from schema.kpi.types import KPI

        return load_required(info, KPI, self.kpi_id)


@strawberry.type(description="The figures a strategy dashboard draws, counted by the database.")
class StrategyDashboard:
    live_content_count: int = strawberry.field(description="Content items that are not ARCHIVED.")
    mapped_content_count: int = strawberry.field(description="Live content with a tactic and a primary KPI.")
    unmapped_content_count: int = strawberry.field(
        description="Live content lacking a tactic or primary KPI."
    )
    tactic_shares: list[TacticShare] = strawberry.field(description="Per tactic, in position order.")
    tactic_kpi_matrix: list[TacticKpiCell] = strawberry.field(
        description="Every tactic × KPI pair with its live content count (zeros included)."
    )
    content_by_channel_and_status: list[ChannelStatusCount] = strawberry.field(
        description="Every content item counted per channel and status; pairs with none are left out."
    )
    top_content: list[KpiTopContent] = strawberry.field(
        description=(
            f"Per KPI, the {counting.TOP} live items serving it whose metrics of the KPI's metric sum most."
        )
    )


async def dashboard(info: Info, strategy_id: uuid.UUID) -> StrategyDashboard:
    coverage, counted = await asyncio.gather(
        load_coverage(info, strategy_id), load_dashboard(info, strategy_id)
    )
    with_tactic = coverage.with_tactic
    shares = []
    for tactic in coverage.tactics:
        actual = share(tactic.content_count, with_tactic)
        deviation = actual - tactic.target_share if tactic.target_share is not None else None
        shares.append(
            TacticShare(
                tactic_id=tactic.id,
                content_count=tactic.content_count,
                share=actual,
                target_share=tactic.target_share,
                deviation=deviation,
            )
        )
    return StrategyDashboard(
        live_content_count=coverage.live_content,
        mapped_content_count=coverage.mapped,
        unmapped_content_count=coverage.unmapped.count,
        tactic_shares=shares,
        tactic_kpi_matrix=[
            TacticKpiCell(tactic_id=t.id, kpi_id=k.id, content_count=counted.matrix.get((t.id, k.id), 0))
            for t in coverage.tactics
            for k in coverage.kpis
        ],
        content_by_channel_and_status=[
            ChannelStatusCount(channel_id=channel_id, status=status, count=n)
            for (channel_id, status), n in sorted(
                counted.channel_status.items(), key=lambda entry: (str(entry[0][0]), entry[0][1].value)
            )
        ],
        top_content=[
            KpiTopContent(
                kpi_id=k.id,
                items=[
                    ContentContribution(item_id=c.item_id, value=c.value)
                    for c in counted.top_content.get(k.id, [])
                ],
            )
            for k in coverage.kpis
        ],
    )
