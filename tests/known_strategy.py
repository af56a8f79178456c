"""The tests' own strategy: a small law-firm strategy whose every value the read tests know.

Built by the same code as the demo scenarios (:func:`seed.load.build`), but kept small and
exact — no noise in measurements, every item at 09:00 — so tests can state what they expect.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from domain.audience.models import BuyingProcess
from domain.channel.models import Platform
from domain.content.models import ContentFormat, ContentStatus
from domain.kpi.models import Metric, Unit
from domain.strategy.models import TacticKind
from seed.scenario import AudienceSpec, ChannelSpec, ContentSpec, KpiSpec, Scenario, TacticSpec

ORGANIZATION_NAME = "Northbridge Legal (demo)"
TACTIC_KEYS = ("educate", "insight", "brand")
KPI_KEYS = ("followers", "engagement", "downloads", "leads")
#: Weekly measurements: baseline + weekly change × week, for weeks 1 … 8.
WEEKS = 8

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


def _item(row: tuple[str, ContentFormat, int, int, tuple[int, ...], ContentStatus, int]) -> ContentSpec:
    title, format_, tactic, primary, contributing, status, days = row
    return ContentSpec(
        title=title,
        format=format_,
        channel="brief" if format_ is ContentFormat.NEWSLETTER else "linkedin",
        tactic=TACTIC_KEYS[tactic],
        kpis=(KPI_KEYS[primary], *(KPI_KEYS[i] for i in contributing)),
        audiences=("gc",) if primary == 3 else ("counsel",),
        day=days,
        status=status,
        at=dt.time(9),
    )


def _kpi(key: str, name: str, metric: Metric, unit: Unit, baseline: str, target: str, weekly: str,
         channel: str | None, tactics: tuple[str, ...], audiences: tuple[str, ...]) -> KpiSpec:  # fmt: skip
    return KpiSpec(
        key,
        name,
        metric,
        unit,
        Decimal(baseline),
        Decimal(target),
        channel=channel,
        tactics=tactics,
        audiences=audiences,
        weekly_change=Decimal(weekly),
        noise=Decimal(0),
    )


KNOWN = Scenario(
    key="known-strategy",
    summary="The tests' own strategy.",
    language="en",
    organization=ORGANIZATION_NAME,
    workspace="Northbridge Legal",
    strategy="LinkedIn strategy 2030",
    purpose="We want to help in-house counsel make confident legal decisions without waiting for a meeting.",
    history_weeks=WEEKS,
    weeks_ahead=40,
    tactics=(
        TacticSpec("educate", "Educate", TacticKind.EDUCATE, "Practical explainers on the law.", 50),
        TacticSpec("insight", "Give insight", TacticKind.INSIGHT, "How our partners think.", 30),
        TacticSpec(
            "brand", "Build brand awareness", TacticKind.BRAND_AWARENESS, "Make our people known.", 20
        ),
    ),
    audiences=(
        AudienceSpec(
            "counsel",
            "In-house counsel",
            "Lawyers in legal departments.",
            age_min=30,
            age_max=60,
            buying_process=BuyingProcess.LONG_RESEARCH,
        ),
        AudienceSpec(
            "gc",
            "General counsel and CFOs",
            "Who signs off on legal spend.",
            age_min=40,
            age_max=65,
            buying_process=BuyingProcess.CONSIDERED,
        ),
    ),
    channels=(
        ChannelSpec(
            "linkedin",
            Platform.LINKEDIN,
            "Northbridge on LinkedIn",
            handle="northbridge-legal",
            url="https://www.linkedin.com/company/northbridge-legal",
            role="Publish explainers and partner insight three times a week.",
            rationale="Lawyers are on LinkedIn, and they read long posts there.",
            audiences=("counsel", "gc"),
        ),
        ChannelSpec(
            "brief",
            Platform.NEWSLETTER,
            "The Brief",
            role="A monthly digest for people who asked for it.",
            rationale="Turns followers into subscribers we can reach directly.",
            audiences=("counsel",),
        ),
    ),
    kpis=(
        _kpi(
            "followers",
            "LinkedIn followers",
            Metric.FOLLOWERS,
            Unit.COUNT,
            "1800",
            "3000",
            "60",
            "linkedin",
            ("brand", "insight"),
            ("counsel",),
        ),
        _kpi(
            "engagement",
            "Engagement rate",
            Metric.ENGAGEMENT_RATE,
            Unit.PERCENT,
            "2.1",
            "4.0",
            "0.15",
            "linkedin",
            ("educate",),
            (),
        ),
        _kpi(
            "downloads",
            "Template downloads",
            Metric.DOWNLOADS,
            Unit.COUNT,
            "0",
            "400",
            "18",
            None,
            ("educate",),
            ("counsel",),
        ),
        _kpi(
            "leads",
            "Qualified leads",
            Metric.LEADS,
            Unit.COUNT,
            "2",
            "12",
            "0.5",
            None,
            ("insight",),
            ("gc",),
        ),
    ),
    content=tuple(_item(row) for row in CONTENT),
)
