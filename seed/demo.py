"""The demo strategy: a law firm reaching in-house counsel on LinkedIn.

One organization, one workspace, one strategy filled in along the method's four
steps, and twenty content items mapped to tactics and KPIs. Dates are relative to
today so the demo always looks current. Loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audience.models import BuyingProcess
from domain.audience.services import AudienceChanges, create_audience
from domain.channel.models import Platform
from domain.channel.services import (
    ChannelChanges,
    StrategyChannelChanges,
    create_channel,
    create_strategy_channel,
)
from domain.content.models import ContentFormat, ContentStatus
from domain.content.rules import path_to
from domain.content.services import (
    ContentChanges,
    ContentMapping,
    MetricChanges,
    create_content_item,
    create_content_metric,
    transition_content_item,
)
from domain.kpi.models import Direction, Metric, Unit
from domain.kpi.services import KpiChanges, MeasurementChanges, create_kpi, create_measurement
from domain.persistence.database import Database
from domain.scope import Scope
from domain.strategy.models import StrategyStatus, TacticKind
from domain.strategy.services import StrategyChanges, TacticChanges, create_strategy, create_tactic
from domain.tenancy.models import Organization
from domain.tenancy.services import NameChange, create_organization, create_workspace

ORGANIZATION_NAME = "Northbridge Legal (demo)"
EVERYTHING = Scope.everything()

# (title, format, tactic index, primary KPI index, contributing KPI indexes, status, days from today)
CONTENT: list[tuple[str, ContentFormat, int, int, tuple[int, ...], ContentStatus, int]] = [
    (
        "Five clauses in-house counsel should reread before renewal",
        ContentFormat.CAROUSEL,
        0,
        0,
        (1,),
        ContentStatus.PUBLISHED,
        -40,
    ),
    (
        "What the new EU data act means for your supplier contracts",
        ContentFormat.ARTICLE,
        0,
        1,
        (0,),
        ContentStatus.PUBLISHED,
        -33,
    ),
    (
        "Checklist: due diligence for a small acquisition",
        ContentFormat.POST,
        0,
        2,
        (),
        ContentStatus.PUBLISHED,
        -26,
    ),
    (
        "Partner Q&A: negotiating limitation of liability",
        ContentFormat.VIDEO,
        1,
        0,
        (3,),
        ContentStatus.PUBLISHED,
        -21,
    ),
    (
        "Behind the case: how we untangled a cross-border dispute",
        ContentFormat.ARTICLE,
        1,
        3,
        (0,),
        ContentStatus.PUBLISHED,
        -14,
    ),
    (
        "Webinar recap: ESG reporting for legal teams",
        ContentFormat.CAROUSEL,
        0,
        2,
        (1,),
        ContentStatus.PUBLISHED,
        -9,
    ),
    (
        "Employment law changes this quarter, in one page",
        ContentFormat.POST,
        0,
        1,
        (),
        ContentStatus.PUBLISHED,
        -5,
    ),
    (
        "Meet the team: our commercial contracts group",
        ContentFormat.POST,
        2,
        3,
        (),
        ContentStatus.PUBLISHED,
        -2,
    ),
    (
        "Template: a data processing agreement that procurement accepts",
        ContentFormat.ARTICLE,
        0,
        2,
        (1,),
        ContentStatus.SCHEDULED,
        2,
    ),
    ("Live: ask a partner about AI clauses", ContentFormat.LIVE, 1, 0, (3,), ContentStatus.SCHEDULED, 5),
    (
        "Case note: the supreme court on non-compete clauses",
        ContentFormat.ARTICLE,
        1,
        1,
        (),
        ContentStatus.APPROVED,
        8,
    ),
    (
        "Infographic: the life of a commercial dispute",
        ContentFormat.CAROUSEL,
        2,
        0,
        (),
        ContentStatus.APPROVED,
        10,
    ),
    ("Three mistakes in board minutes", ContentFormat.POST, 0, 1, (0,), ContentStatus.IN_REVIEW, 12),
    (
        "Guide: whistleblower schemes for mid-sized companies",
        ContentFormat.ARTICLE,
        0,
        2,
        (),
        ContentStatus.IN_REVIEW,
        15,
    ),
    ("Why we sponsor the in-house counsel forum", ContentFormat.POST, 2, 3, (), ContentStatus.DRAFT, 18),
    ("Short video: what a legal audit takes", ContentFormat.VIDEO, 1, 2, (0,), ContentStatus.DRAFT, 21),
    (
        "Newsletter: the quarter in commercial law",
        ContentFormat.NEWSLETTER,
        0,
        2,
        (1,),
        ContentStatus.DRAFT,
        24,
    ),
    ("Poll: how do you review contracts today?", ContentFormat.POST, 2, 0, (), ContentStatus.IDEA, 28),
    ("Series idea: one clause a week", ContentFormat.CAROUSEL, 0, 0, (1,), ContentStatus.IDEA, 35),
    ("Client story: a faster contract process", ContentFormat.VIDEO, 1, 3, (), ContentStatus.ARCHIVED, -50),
]


async def load_demo_into(url: str) -> bool:
    """Load the demo into the database at ``url`` (migrated already)."""
    db = Database(url)
    try:
        return await load_demo(db)
    finally:
        await db.dispose()


async def load_demo(db: Database, today: dt.date | None = None) -> bool:
    """Load the demo unless it is there already. Returns whether it was created."""
    async with db.transaction() as session:
        existing = await session.execute(
            select(Organization.id).where(Organization.name == ORGANIZATION_NAME)
        )
        if existing.first() is not None:
            return False
        await _build(session, today or dt.date.today())
    return True


async def _build(session: AsyncSession, today: dt.date) -> None:
    organization = await create_organization(session, NameChange(ORGANIZATION_NAME))
    workspace = await create_workspace(session, EVERYTHING, organization.id, NameChange("Northbridge Legal"))
    strategy = await create_strategy(
        session,
        EVERYTHING,
        workspace.id,
        StrategyChanges(
            name=f"LinkedIn strategy {today.year}",
            purpose=(
                "We want to help in-house counsel make confident legal decisions "
                "without waiting for a meeting."
            ),
            starts_on=today - dt.timedelta(days=60),
            ends_on=today + dt.timedelta(days=305),
            status=StrategyStatus.ACTIVE,
        ),
    )
    tactics = [
        await create_tactic(
            session,
            EVERYTHING,
            strategy.id,
            TacticChanges(name=name, kind=kind, description=text, target_share=Decimal(share)),
        )
        for name, kind, text, share in [
            ("Educate", TacticKind.EDUCATE, "Practical explainers on the law that changes their work.", "50"),
            ("Give insight", TacticKind.INSIGHT, "Show how our partners think through real cases.", "30"),
            ("Build brand awareness", TacticKind.BRAND_AWARENESS, "Make the firm's people known.", "20"),
        ]
    ]
    counsel = await create_audience(
        session,
        EVERYTHING,
        strategy.id,
        AudienceChanges(
            name="In-house counsel",
            description="Lawyers in legal departments of mid-sized and large companies.",
            genders=["female", "male"],
            age_min=30,
            age_max=60,
            interests=["contract law", "compliance", "data protection"],
            locations=["Denmark", "Sweden"],
            behaviours=["reads long posts", "downloads templates", "signs up for webinars"],
            buying_process=BuyingProcess.LONG_RESEARCH,
            buying_notes="Shortlists firms over months; asks peers; reads our content before the first call.",
        ),
    )
    general_counsel = await create_audience(
        session,
        EVERYTHING,
        strategy.id,
        AudienceChanges(
            name="General counsel and CFOs",
            description="The people who sign off on external legal spend.",
            age_min=40,
            age_max=65,
            interests=["risk", "governance"],
            behaviours=["clicks through to the website", "follows partners"],
            buying_process=BuyingProcess.CONSIDERED,
        ),
    )
    linkedin = await create_channel(
        session,
        EVERYTHING,
        workspace.id,
        ChannelChanges(
            platform=Platform.LINKEDIN,
            name="Northbridge on LinkedIn",
            handle="northbridge-legal",
            url="https://www.linkedin.com/company/northbridge-legal",
        ),
    )
    newsletter = await create_channel(
        session, EVERYTHING, workspace.id, ChannelChanges(platform=Platform.NEWSLETTER, name="The Brief")
    )
    await create_strategy_channel(
        session,
        EVERYTHING,
        strategy.id,
        linkedin.id,
        StrategyChannelChanges(
            role="Publish explainers and partner insight three times a week.",
            rationale="Lawyers are on LinkedIn, and they read long posts there.",
            audience_ids=[counsel.id, general_counsel.id],
        ),
    )
    await create_strategy_channel(
        session,
        EVERYTHING,
        strategy.id,
        newsletter.id,
        StrategyChannelChanges(
            role="A monthly digest for people who asked for it.",
            rationale="Turns followers into subscribers we can reach directly.",
            audience_ids=[counsel.id],
        ),
    )
    kpis = [
        await create_kpi(session, EVERYTHING, strategy.id, change)
        for change in [
            KpiChanges(
                name="LinkedIn followers",
                metric=Metric.FOLLOWERS,
                unit=Unit.COUNT,
                baseline=Decimal(1800),
                target=Decimal(3000),
                direction=Direction.INCREASE,
                starts_on=strategy.starts_on,
                deadline=strategy.ends_on,
                channel_id=linkedin.id,
                tactic_ids=[tactics[2].id, tactics[1].id],
                audience_ids=[counsel.id],
            ),
            KpiChanges(
                name="Engagement rate",
                metric=Metric.ENGAGEMENT_RATE,
                unit=Unit.PERCENT,
                baseline=Decimal("2.1"),
                target=Decimal("4.0"),
                direction=Direction.INCREASE,
                starts_on=strategy.starts_on,
                deadline=strategy.ends_on,
                channel_id=linkedin.id,
                tactic_ids=[tactics[0].id],
            ),
            KpiChanges(
                name="Template downloads",
                metric=Metric.DOWNLOADS,
                unit=Unit.COUNT,
                baseline=Decimal(0),
                target=Decimal(400),
                direction=Direction.INCREASE,
                starts_on=strategy.starts_on,
                deadline=strategy.ends_on,
                tactic_ids=[tactics[0].id],
                audience_ids=[counsel.id],
            ),
            KpiChanges(
                name="Qualified leads",
                metric=Metric.LEADS,
                unit=Unit.COUNT,
                baseline=Decimal(2),
                target=Decimal(12),
                direction=Direction.INCREASE,
                starts_on=strategy.starts_on,
                deadline=strategy.ends_on,
                tactic_ids=[tactics[1].id],
                audience_ids=[general_counsel.id],
            ),
        ]
    ]
    for week in range(8, 0, -1):
        observed = today - dt.timedelta(weeks=week)
        elapsed = Decimal(8 - week)
        for kpi, weekly in zip(
            kpis, (Decimal(60), Decimal("0.15"), Decimal(18), Decimal("0.5")), strict=True
        ):
            assert kpi.baseline is not None
            value = (kpi.baseline + weekly * elapsed).quantize(Decimal("0.01"))
            await create_measurement(
                session, EVERYTHING, kpi.id, MeasurementChanges(observed_on=observed, value=value)
            )
    for title, format_, tactic, primary, contributing, status, days in CONTENT:
        planned = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(9, 0), tzinfo=dt.UTC)
        item = await create_content_item(
            session,
            EVERYTHING,
            strategy.id,
            ContentChanges(
                title=title,
                format=format_,
                planned_at=planned,
                channel_id=newsletter.id if format_ is ContentFormat.NEWSLETTER else linkedin.id,
                audience_ids=[counsel.id] if primary != 3 else [general_counsel.id],
            ),
            ContentMapping(
                tactic_id=tactics[tactic].id,
                primary_kpi_id=kpis[primary].id,
                kpi_ids=[kpis[primary].id, *(kpis[i].id for i in contributing)],
            ),
        )
        for step in path_to(status):
            item = await transition_content_item(session, EVERYTHING, item.id, item.version, step)
        if status is ContentStatus.PUBLISHED:
            for metric, amount in (
                (Metric.IMPRESSIONS, 900 + 37 * days * -1),
                (Metric.CLICKS, 20 - days // 3),
            ):
                await create_content_metric(
                    session,
                    EVERYTHING,
                    item.id,
                    MetricChanges(
                        metric=metric,
                        observed_on=planned.date() + dt.timedelta(days=1),
                        value=Decimal(amount),
                    ),
                )
