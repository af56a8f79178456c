"""Scale data for benchmarks: one strategy with N content items, written with COPY.

The strategy, its tactics, audiences, channels, KPIs and measurements go through the domain
services like any scenario. The content — items, their KPI and audience links, and metrics
of the published ones — is generated and copied in bulk, following the same rules: every
item past the idea stage has a tactic and a primary KPI linked to that tactic, statuses
follow the calendar, published items have a publication time and metrics.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audience.models import BuyingProcess
from domain.channel.models import Channel, Platform, StrategyChannel, strategy_channel_audience
from domain.content.models import ContentFormat, ContentStatus
from domain.kpi.models import Aggregation, Kpi, Metric, Unit, kpi_tactic
from domain.persistence.database import Database
from domain.scope import Scope
from domain.strategy.figures import FIGURE_TABLES, fold_now
from domain.strategy.models import Strategy, Tactic, TacticKind
from seed.load import Outcome, build, make_room
from seed.plan import plan, status_on
from seed.scenario import AudienceSpec, ChannelSpec, KpiSpec, Scenario, TacticSpec

CONTENT_MIN = 1
CONTENT_MAX = 1_000_000
#: Weeks of history; planned times spread from then to this many days ahead.
HISTORY_WEEKS = 12
DAYS_AHEAD = 60
CHANNELS = (
    (Platform.LINKEDIN, ContentFormat.ARTICLE),
    (Platform.INSTAGRAM, ContentFormat.CAROUSEL),
    (Platform.TIKTOK, ContentFormat.VIDEO),
    (Platform.NEWSLETTER, ContentFormat.NEWSLETTER),
)
FORMAT_OF = dict(CHANNELS)
TOPICS = (
    "what changed this month",
    "a question from a customer",
    "behind the scenes",
    "five tips",
    "a case in numbers",
    "myth or fact",
    "how we work",
    "a guest's view",
)


@dataclass(frozen=True)
class ScaleResult:
    outcome: Outcome
    workspace_id: uuid.UUID
    strategy_id: uuid.UUID


def key_of(content: int) -> str:
    return f"scale-{content}"


def scenario_for(content: int) -> Scenario:
    """The strategy around ``content`` items: KPIs grow with the content, 4 to 40."""
    kpi_count = min(40, max(4, content // 2500))
    tactics = (
        TacticSpec("educate", "Educate", TacticKind.EDUCATE, "Explain what changes for the customer.", 40),
        TacticSpec("inspire", "Inspire", TacticKind.INSPIRE, "Show what is possible.", 35),
        TacticSpec("brand", "Build brand awareness", TacticKind.BRAND_AWARENESS, "Be known.", 25),
    )
    audiences = tuple(
        AudienceSpec(
            f"audience-{i}",
            f"Audience {i}",
            "Generated for scale tests.",
            age_min=20 + 5 * i,
            age_max=45 + 5 * i,
            buying_process=BuyingProcess.CONSIDERED,
        )
        for i in range(1, 5)
    )
    channels = tuple(
        ChannelSpec(
            platform.value.lower(),
            platform,
            f"Scale on {platform.value.title()}",
            role="Publish",
            rationale="Where the audience is",
            audiences=(audiences[i].key,),
        )
        for i, (platform, _) in enumerate(CHANNELS)
    )
    metrics = (Metric.REACH, Metric.ENGAGEMENT_RATE, Metric.FOLLOWERS, Metric.CLICKS, Metric.WEBSITE_VISITS)
    kpis = tuple(
        KpiSpec(
            f"kpi-{i}",
            f"KPI {i}: {metrics[i % len(metrics)].value.lower()}",
            metrics[i % len(metrics)],
            Unit.PERCENT if metrics[i % len(metrics)] is Metric.ENGAGEMENT_RATE else Unit.COUNT,
            baseline=Decimal(100 * (i + 1)),
            target=Decimal(300 * (i + 1)),
            aggregation=Aggregation.LATEST,
            channel=channels[i % len(channels)].key,
            tactics=(tactics[i % len(tactics)].key,),
            weekly_change=Decimal(4 * (i + 1)),
        )
        for i in range(kpi_count)
    )
    return Scenario(
        key=key_of(content),
        summary=f"Scale data: one strategy with {content} content items.",
        language="en",
        organization=f"Scale test ({content} items)",
        workspace=f"Scale test ({content} items)",
        strategy="Scale strategy",
        purpose="We want to help the customer to find out how fast redthread is.",
        tactics=tactics,
        audiences=audiences,
        channels=channels,
        kpis=kpis,
        content=(),
        history_weeks=HISTORY_WEEKS,
        weeks_ahead=30,
    )


async def load_scale(
    db: Database, content: int, today: dt.date, seed: int = 1, *, reset: bool = False
) -> ScaleResult:
    """A workspace with exactly ``content`` items, in one transaction; present already unless ``reset``.

    ``db`` connects as the owner of the tables: COPY into a table with row-level security and
    ANALYZE are the owner's (the service role gets "COPY FROM not supported with row-level security").
    """
    if not CONTENT_MIN <= content <= CONTENT_MAX:
        raise ValueError(f"The number of content items must be between {CONTENT_MIN} and {CONTENT_MAX}.")
    async with db.transaction(Scope.everything()) as session:
        outcome, existing = await make_room(session, key_of(content), reset=reset)
        if existing is not None:
            return ScaleResult(outcome, existing.id, await _strategy_of(session, existing.id))
        workspace = await build(session, plan(scenario_for(content), today, seed))
        strategy_id = await _strategy_of(session, workspace.id)
        await _copy_content(session, workspace.id, strategy_id, content, today, random.Random(seed))
    return ScaleResult(outcome, workspace.id, strategy_id)


async def _strategy_of(session: AsyncSession, workspace_id: uuid.UUID) -> uuid.UUID:
    """The one strategy of a scale workspace."""
    stmt = select(Strategy.id).where(Strategy.workspace_id == workspace_id)
    strategy_id: uuid.UUID = (await session.execute(stmt)).scalar_one()
    return strategy_id


async def _copy_content(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    strategy_id: uuid.UUID,
    count: int,
    today: dt.date,
    rng: random.Random,
) -> None:
    # In the order they were written (not by id), so the same seed value gives the same content.
    links = (
        select(Tactic.id, kpi_tactic.c.kpi_id)
        .join(kpi_tactic, kpi_tactic.c.tactic_id == Tactic.id)
        .join(Kpi, Kpi.id == kpi_tactic.c.kpi_id)
        .where(Tactic.strategy_id == strategy_id)
        .order_by(Tactic.position, Kpi.created_at)
    )
    tactic_kpis: dict[uuid.UUID, list[uuid.UUID]] = {}
    for tactic_id, kpi_id in await session.execute(links):
        tactic_kpis.setdefault(tactic_id, []).append(kpi_id)
    chosen = (
        select(Channel.id, Channel.platform, strategy_channel_audience.c.audience_id)
        .join(StrategyChannel, StrategyChannel.channel_id == Channel.id)
        .join(
            strategy_channel_audience, strategy_channel_audience.c.strategy_channel_id == StrategyChannel.id
        )
        .where(Channel.workspace_id == workspace_id)
        .order_by(Channel.platform)
    )
    channels = (await session.execute(chosen)).all()
    rows = _Rows(workspace_id, strategy_id, today)
    for n in range(count):
        channel = channels[n % len(channels)]
        rows.add(rng, n, tactic_kpis, channel.id, channel.platform, channel.audience_id)
    connection = await (await session.connection()).get_raw_connection()
    driver: Any = connection.driver_connection
    for table, columns, records in rows.tables():
        await driver.copy_records_to_table(table, records=records, columns=columns)
    await fold_now(session)
    # The small tables too: a table never analyzed is planned as if it held a few rows of any kind.
    analyzed = (
        *("strategy", "tactic", "kpi", "kpi_tactic", "audience", "channel", "strategy_channel"),
        *("content_item", "content_item_kpi", "content_item_audience", "content_metric"),
    )
    for table in (*analyzed, *(figures.name for figures in FIGURE_TABLES)):
        await session.execute(text(f"ANALYZE {table}"))


class _Rows:
    """The generated rows, table by table, in COPY's column order."""

    def __init__(self, workspace_id: uuid.UUID, strategy_id: uuid.UUID, today: dt.date) -> None:
        self.workspace_id = workspace_id
        self.strategy_id = strategy_id
        self.today = today
        self.created = dt.datetime.now(dt.UTC)
        self.items: list[tuple[Any, ...]] = []
        self.kpis: list[tuple[Any, ...]] = []
        self.audiences: list[tuple[Any, ...]] = []
        self.metrics: list[tuple[Any, ...]] = []

    def add(
        self,
        rng: random.Random,
        n: int,
        tactic_kpis: dict[uuid.UUID, list[uuid.UUID]],
        channel_id: uuid.UUID,
        platform: Platform,
        audience_id: uuid.UUID,
    ) -> None:
        item_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        roll = rng.random()
        day: int | None = rng.randint(-7 * HISTORY_WEEKS, DAYS_AHEAD)
        tactics = list(tactic_kpis)
        tactic: uuid.UUID | None = tactics[n % len(tactics)]
        status = status_on(day)
        if roll < 0.01:
            day, tactic, status = None, None, ContentStatus.IDEA
        elif roll < 0.03:
            status = ContentStatus.ARCHIVED
        planned = None
        if day is not None:
            planned = dt.datetime.combine(self.today + dt.timedelta(days=day), dt.time(9), tzinfo=dt.UTC)
        published = planned if status is ContentStatus.PUBLISHED else None
        primary = None
        if tactic is not None:
            options = tactic_kpis[tactic]
            primary = options[n % len(options)]
            served = {primary, options[rng.randrange(len(options))]}
            self.kpis.extend((self.workspace_id, self.strategy_id, item_id, kpi) for kpi in sorted(served))
        format_ = FORMAT_OF[platform]
        title = f"{TOPICS[n % len(TOPICS)].capitalize()} #{n + 1}"
        created = self.created + dt.timedelta(microseconds=n)
        self.items.append(
            (
                item_id,
                self.workspace_id,
                self.strategy_id,
                title,
                "",
                format_.value,
                status.value,
                channel_id,
                tactic,
                primary,
                planned,
                published,
                1,
                created,
                created,
            )
        )
        self.audiences.append((self.workspace_id, self.strategy_id, item_id, audience_id))
        if published is not None:
            observed = min(published.date() + dt.timedelta(days=7), self.today)
            impressions = rng.randint(200, 20_000)
            for metric, value in (
                (Metric.IMPRESSIONS, impressions),
                (Metric.REACH, impressions * 7 // 10),
                (Metric.CLICKS, impressions // 60),
            ):
                metric_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                self.metrics.append(
                    (
                        metric_id,
                        self.workspace_id,
                        item_id,
                        metric.value,
                        observed,
                        Decimal(value),
                        1,
                        created,
                        created,
                    )
                )

    def tables(self) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
        link = ["workspace_id", "strategy_id", "content_item_id"]
        stamps = ["version", "created_at", "updated_at"]
        return [
            (
                "content_item",
                [
                    "id",
                    "workspace_id",
                    "strategy_id",
                    "title",
                    "brief",
                    "format",
                    "status",
                    "channel_id",
                    "tactic_id",
                    "primary_kpi_id",
                    "planned_at",
                    "published_at",
                    *stamps,
                ],
                self.items,
            ),
            ("content_item_kpi", [*link, "kpi_id"], self.kpis),
            ("content_item_audience", [*link, "audience_id"], self.audiences),
            (
                "content_metric",
                ["id", "workspace_id", "content_item_id", "metric", "observed_on", "value", *stamps],
                self.metrics,
            ),
        ]
