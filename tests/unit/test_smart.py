"""The SMART check: each reason, planted alone in an otherwise SMART KPI, fails its letter."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from domain.kpi.models import Direction, Metric, Unit
from domain.kpi.progress import KpiDefinition, KpiFacts, Trend
from domain.kpi.smart import SmartLetter, SmartReasonCode, smart

R = SmartReasonCode
L = SmartLetter
START, END = dt.date(2030, 1, 1), dt.date(2030, 12, 31)

DEFINITION = KpiDefinition(
    metric=Metric.FOLLOWERS,
    unit=Unit.COUNT,
    description="Followers of the company page.",
    own_starts_on=START,
    own_deadline=END,
    strategy_starts_on=START,
    strategy_ends_on=END,
    tactic_count=1,
    audience_count=1,
    has_channel=False,
)
SMART_KPI = KpiFacts(
    direction=Direction.INCREASE,
    baseline=Decimal(100),
    target=Decimal(200),
    starts_on=START,
    deadline=END,
    as_of=dt.date(2030, 4, 1),
    measurement_count=3,
    first_observed_on=START,
    first_value=Decimal(100),
    last_observed_on=dt.date(2030, 4, 1),
    last_value=Decimal(125),
    trend=Trend(slope=0.3, level=125.0),  # +82 by the deadline: more than a third of the 75 needed
)


def planted(kpi: dict[str, Any] | None = None, **definition: Any) -> KpiFacts:
    facts = replace(SMART_KPI, **(kpi or {}))
    return replace(facts, definition=replace(DEFINITION, **definition))


CASES = [
    (
        "custom metric, no description",
        planted(metric=Metric.CUSTOM, description=" "),
        L.SPECIFIC,
        R.CUSTOM_METRIC_UNDESCRIBED,
    ),
    (
        "description still a template prompt",
        planted(description="TO FILL IN: baseline, target, deadline"),
        L.SPECIFIC,
        R.OPEN_PROMPT,
    ),
    ("no audience, no channel", planted(audience_count=0), L.SPECIFIC, R.NO_AUDIENCE_OR_CHANNEL),
    (
        "increase to below the baseline",
        planted({"target": Decimal(90)}),
        L.SPECIFIC,
        R.TARGET_NOT_BEYOND_BASELINE,
    ),
    (
        "decrease to the baseline",
        planted(
            {"direction": Direction.DECREASE, "target": Decimal(100), "trend": Trend(slope=-0.3, level=125.0)}
        ),
        L.SPECIFIC,
        R.TARGET_NOT_BEYOND_BASELINE,
    ),
    ("no baseline", planted({"baseline": None}), L.MEASURABLE, R.NO_BASELINE),
    (
        "percent above 100",
        planted({"target": Decimal(140)}, unit=Unit.PERCENT),
        L.MEASURABLE,
        R.PERCENT_OUT_OF_RANGE,
    ),
    (
        "trend far below the target",
        planted({"trend": Trend(slope=0.05, level=125.0)}),
        L.ACHIEVABLE,
        R.TARGET_BEYOND_HISTORY,
    ),
    (
        "trend going the wrong way",
        planted({"trend": Trend(slope=-0.1, level=125.0)}),
        L.ACHIEVABLE,
        R.TARGET_BEYOND_HISTORY,
    ),
    ("no tactic", planted(tactic_count=0), L.RELEVANT, R.NO_TACTIC),
    (
        "no deadline and no strategy end",
        planted({"deadline": None}, own_deadline=None, strategy_ends_on=None),
        L.TIME_BOUND,
        R.NO_DEADLINE,
    ),
    (
        "deadline after the strategy's end",
        planted({"deadline": dt.date(2031, 3, 1)}, own_deadline=dt.date(2031, 3, 1)),
        L.TIME_BOUND,
        R.DEADLINE_OUTSIDE_PERIOD,
    ),
    (
        "start before the strategy's start",
        planted(own_starts_on=dt.date(2029, 6, 1)),
        L.TIME_BOUND,
        R.START_OUTSIDE_PERIOD,
    ),
]


def test_the_reference_kpi_is_smart() -> None:
    assert smart(planted()).met


@pytest.mark.parametrize(("facts", "letter", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_reason_fails_only_its_letter(
    facts: KpiFacts, letter: SmartLetter, code: SmartReasonCode
) -> None:
    verdict = smart(facts)
    assert [reason.code for reason in verdict[letter].reasons] == [code]
    assert [v.letter for v in verdict.verdicts if not v.met] == [letter]
    assert verdict[letter].reasons[0].message


def test_history_is_no_guide_with_fewer_than_three_measurements() -> None:
    assert smart(planted({"trend": Trend(slope=-1.0, level=125.0), "measurement_count": 2})).met


def test_a_channel_makes_a_kpi_specific_without_an_audience() -> None:
    assert smart(planted(audience_count=0, has_channel=True)).met


def test_keeping_a_line_asks_for_no_change_beyond_the_baseline() -> None:
    assert smart(planted({"direction": Direction.STAY_ABOVE, "target": Decimal(95)})).met
