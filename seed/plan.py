"""Turn a scenario into concrete values for one day and one seed value.

Everything random (the noise in measurements, the hour of a post, what a post achieved) is
drawn from one generator seeded with the scenario's key and the seed value, in the order the
scenario lists its parts, so the same scenario, day and seed value always give the same plan.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from domain.content.models import ContentStatus
from domain.kpi.models import KpiSource, Metric, Unit
from seed.scenario import ContentSpec, KpiSpec, Scenario

S = ContentStatus

#: Days ahead at which planned content reaches each status; see :func:`status_on`.
STATUS_BY_DAYS_AHEAD: tuple[tuple[int, ContentStatus], ...] = (
    (0, S.PUBLISHED),
    (7, S.SCHEDULED),
    (14, S.APPROVED),
    (21, S.IN_REVIEW),
    (35, S.DRAFT),
)

#: Metrics a published item reports when one of its KPIs measures them.
CONVERSION_METRICS = frozenset(
    {Metric.WEBSITE_VISITS, Metric.DOWNLOADS, Metric.LEADS, Metric.CONVERSIONS, Metric.FOLLOWERS}
)
#: How a conversion metric relates to a post's clicks (visits per click, leads per click …).
PER_CLICK = {
    Metric.WEBSITE_VISITS: (Decimal("0.6"), Decimal("0.9")),
    Metric.DOWNLOADS: (Decimal("0.05"), Decimal("0.15")),
    Metric.LEADS: (Decimal("0.005"), Decimal("0.03")),
    Metric.CONVERSIONS: (Decimal("0.005"), Decimal("0.02")),
    Metric.FOLLOWERS: (Decimal("0.02"), Decimal("0.08")),
}


def status_on(day: int | None) -> ContentStatus:
    """Where content planned ``day`` days from today stands in the workflow.

    Past content is published; the coming week is scheduled, the week after approved,
    the third in review, the next two weeks drafted, and anything later (or unplanned)
    is still an idea.
    """
    if day is None:
        return S.IDEA
    for until, status in STATUS_BY_DAYS_AHEAD:
        if day < until:
            return status
    return S.IDEA


@dataclass(frozen=True)
class PlannedKpi:
    spec: KpiSpec
    starts_on: dt.date
    deadline: dt.date
    #: Weekly measurements up to today, oldest first.
    measurements: tuple[tuple[dt.date, Decimal], ...]


@dataclass(frozen=True)
class PlannedContent:
    spec: ContentSpec
    status: ContentStatus
    planned_at: dt.datetime | None
    published_at: dt.datetime | None
    #: What a published item achieved, observed once.
    metrics: tuple[tuple[Metric, dt.date, Decimal], ...]


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    starts_on: dt.date
    ends_on: dt.date
    kpis: tuple[PlannedKpi, ...]
    content: tuple[PlannedContent, ...]


def plan(scenario: Scenario, today: dt.date, seed: int = 1) -> Plan:
    rng = random.Random(f"{scenario.key}:{seed}")
    starts_on = today - dt.timedelta(weeks=scenario.history_weeks)
    ends_on = today + dt.timedelta(weeks=scenario.weeks_ahead)
    kpis = tuple(_kpi(rng, spec, scenario.history_weeks, starts_on, ends_on) for spec in scenario.kpis)
    by_key = {kpi.key: kpi for kpi in scenario.kpis}
    reach = {channel.key: channel.impressions_per_post for channel in scenario.channels}
    content = tuple(_content(rng, spec, today, reach[spec.channel], by_key) for spec in scenario.content)
    return Plan(scenario, starts_on, ends_on, kpis, content)


def _kpi(rng: random.Random, spec: KpiSpec, weeks: int, starts_on: dt.date, ends_on: dt.date) -> PlannedKpi:
    deadline = ends_on if spec.deadline_weeks is None else starts_on + dt.timedelta(weeks=spec.deadline_weeks)
    measurements = []
    for week in range(1, weeks + 1 if spec.source is KpiSource.MEASUREMENTS else 1):
        trend = spec.baseline + spec.weekly_change * week
        wobble = Decimal(rng.uniform(-1, 1)).quantize(Decimal("0.001")) * spec.noise
        value = max(Decimal(0), trend * (1 + wobble))
        measurements.append((starts_on + dt.timedelta(weeks=week), _rounded(value, spec.unit)))
    return PlannedKpi(spec, starts_on, deadline, tuple(measurements))


def _rounded(value: Decimal, unit: Unit) -> Decimal:
    return value.quantize(Decimal(1) if unit is Unit.COUNT else Decimal("0.01"))


def _content(
    rng: random.Random, spec: ContentSpec, today: dt.date, impressions: int, kpis: dict[str, KpiSpec]
) -> PlannedContent:
    status = spec.status or status_on(spec.day)
    planned_at = None
    if spec.day is not None:
        at = spec.at or dt.time(rng.choice((7, 8, 9, 12, 17, 19)))
        planned_at = dt.datetime.combine(today + dt.timedelta(days=spec.day), at, tzinfo=dt.UTC)
    published = status is S.PUBLISHED
    metrics: tuple[tuple[Metric, dt.date, Decimal], ...] = ()
    if published and planned_at is not None:
        observed = min(planned_at.date() + dt.timedelta(days=7), today)
        measured = {kpis[key].metric for key in spec.kpis} & CONVERSION_METRICS
        metrics = tuple((metric, observed, value) for metric, value in _metrics(rng, impressions, measured))
    return PlannedContent(spec, status, planned_at, planned_at if published else None, metrics)


def _metrics(rng: random.Random, impressions: int, measured: set[Metric]) -> list[tuple[Metric, Decimal]]:
    """What one published post achieved: impressions around the channel's norm, and what follows."""
    seen = Decimal(round(impressions * rng.lognormvariate(0, 0.45)))
    reach = (seen * Decimal(rng.uniform(0.55, 0.85))).quantize(Decimal(1))
    clicks = (seen * Decimal(rng.uniform(0.004, 0.03))).quantize(Decimal(1))
    engagement = Decimal(rng.uniform(1.0, 6.5)).quantize(Decimal("0.01"))
    drawn = [
        (Metric.IMPRESSIONS, seen),
        (Metric.REACH, reach),
        (Metric.CLICKS, clicks),
        (Metric.ENGAGEMENT_RATE, engagement),
    ]
    for metric in sorted(measured, key=lambda m: m.value):
        low, high = PER_CLICK[metric]
        drawn.append((metric, (clicks * Decimal(rng.uniform(float(low), float(high)))).quantize(Decimal(1))))
    return drawn
