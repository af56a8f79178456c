"""How a demo scenario is written down: a strategy along the method's four steps, plus a content plan.

A scenario is plain data. Parts refer to each other by ``key`` (a short slug unique within
the scenario), and every date is given in days or weeks relative to the day the seed runs,
so a demo always looks current. :mod:`seed.plan` turns a scenario into concrete values and
:mod:`seed.load` writes them through the domain services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from domain.audience.models import BuyingProcess
from domain.channel.models import Platform
from domain.content.models import ContentFormat, ContentStatus
from domain.kpi.models import Aggregation, Direction, KpiSource, Metric, Unit
from domain.strategy.models import TacticKind


@dataclass(frozen=True)
class TacticSpec:
    key: str
    name: str
    kind: TacticKind
    description: str
    #: The share of content this tactic should have, in percent.
    target_share: int


@dataclass(frozen=True)
class AudienceSpec:
    key: str
    name: str
    description: str
    genders: tuple[str, ...] = ()
    age_min: int | None = None
    age_max: int | None = None
    interests: tuple[str, ...] = ()
    family_statuses: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    #: What they do: clicks, site visits, downloads …
    behaviours: tuple[str, ...] = ()
    buying_process: BuyingProcess | None = None
    buying_notes: str = ""


@dataclass(frozen=True)
class ChannelSpec:
    """A workspace's account on a platform and, when ``chosen``, its place in the strategy."""

    key: str
    platform: Platform
    name: str
    handle: str | None = None
    url: str | None = None
    #: What we do here.
    role: str = ""
    #: Why this channel fits the audiences and the purpose.
    rationale: str = ""
    #: Keys of the audiences this channel reaches.
    audiences: tuple[str, ...] = ()
    #: False for an account the workspace has but the strategy does not use.
    chosen: bool = True
    #: Typical impressions of one post here; content metrics are drawn around it.
    impressions_per_post: int = 1000


@dataclass(frozen=True)
class KpiSpec:
    key: str
    name: str
    metric: Metric
    unit: Unit
    baseline: Decimal
    target: Decimal
    direction: Direction = Direction.INCREASE
    aggregation: Aggregation = Aggregation.LATEST
    description: str = ""
    #: Key of the channel it is measured on, if one.
    channel: str | None = None
    tactics: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    #: The deadline in weeks from the strategy's start; None means the strategy's end.
    deadline_weeks: int | None = None
    #: CONTENT: the KPI is rolled up from the metrics of the content serving it and gets no
    #: weekly measurements of its own.
    source: KpiSource = KpiSource.MEASUREMENTS
    #: How much the measured value moves per week (negative for a falling value).
    weekly_change: Decimal = Decimal(0)
    #: How far a weekly measurement may stray from the trend, as a fraction (0.05 = ±5 %).
    noise: Decimal = Decimal("0.03")


@dataclass(frozen=True)
class ContentSpec:
    title: str
    format: ContentFormat
    #: Key of the channel it is published on.
    channel: str
    brief: str = ""
    #: Key of the tactic it serves; None only for an unmapped idea.
    tactic: str | None = None
    #: Keys of the KPIs it serves, the primary KPI first.
    kpis: tuple[str, ...] = ()
    #: Keys of the audiences it speaks to; empty means the channel's audiences.
    audiences: tuple[str, ...] = ()
    #: When it is planned, in days from the day the seed runs; None for an unplanned idea.
    day: int | None = None
    #: The workflow status; None derives it from ``day`` (see :func:`seed.plan.status_on`).
    status: ContentStatus | None = None
    #: The time of day (UTC) it is planned for; None picks a usual posting hour.
    at: dt.time | None = None


@dataclass(frozen=True)
class Scenario:
    key: str
    #: One line for `python -m seed list`.
    summary: str
    #: The language the scenario is written in (ISO 639-1).
    language: str
    organization: str
    workspace: str
    strategy: str
    #: "We want to help the customer to …"
    purpose: str
    tactics: tuple[TacticSpec, ...]
    audiences: tuple[AudienceSpec, ...]
    channels: tuple[ChannelSpec, ...]
    kpis: tuple[KpiSpec, ...]
    content: tuple[ContentSpec, ...]
    #: Weeks of KPI measurements up to today; the strategy started this many weeks ago.
    history_weeks: int = 10
    #: Weeks from today to the strategy's end.
    weeks_ahead: int = 40
    #: What the planted gaps are, for the reader of the scenario (tests check them).
    gaps: tuple[str, ...] = field(default=())
