"""Is a KPI heading the right way? Progress, planned pace, status and forecast.

The rule works on a few figures PostgreSQL computes per KPI (:class:`KpiFacts`); it loads
no measurements itself. How it decides, for a KPI with target *T* and deadline *D*:

* **Value.** A measurement is the KPI's value as of its day. The current value is the
  latest measurement up to today (or up to the deadline, once it has passed). When one
  day has several measurements (e.g. typed in and imported), the last written counts.
* **Start.** Progress is counted from the baseline over the period from the KPI's start
  (else the strategy's start) to its deadline (else the strategy's end). Without a
  baseline it is counted from the first measurement, and the period from its day (or from
  the start, if that is later).
* **Plan.** The plan is a straight line from the start value to *T* over the period.
  ``expected`` is the plan's value today.
* **Pace ratio** = (current − start) / (the plan's value on the day of the latest
  measurement − start): 1 is exactly on plan. Judging the latest measurement against the plan
  on its own day keeps a KPI measured monthly from drifting behind between measurements.
  The status is decided on the exact ratio (a fraction, never rounded); ``pace_ratio`` and
  ``expected`` are shown rounded to four places, so a ratio of 0.69998 shows as 0.7000 and
  is OFF_TRACK.
* **Forecast** = the least-squares line through every measurement up to today, read at the
  deadline (needs two days with a measurement).

Status for INCREASE and DECREASE (checked in this order):

========== ==================================================================
NO_DATA    no measurement yet
ACHIEVED   the current value has reached the target (also before the deadline)
MISSED     the deadline has passed without reaching the target
ON_TRACK   pace ratio ≥ 0.9, or nothing was expected yet by the latest measurement
AT_RISK    pace ratio ≥ 0.7; also any KPI without a deadline that has not reached its target
OFF_TRACK  pace ratio < 0.7
========== ==================================================================

STAY_ABOVE and STAY_BELOW keep a line rather than reach it: the value on the wrong side of
the target is OFF_TRACK, on the right side it is ON_TRACK unless the forecast crosses the
line by the deadline (AT_RISK); once the deadline has passed it is ACHIEVED when the value
held, MISSED when it did not.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Final

from domain.kpi.models import Direction, Metric, Unit

#: A pace ratio at or above this is ON_TRACK.
ON_TRACK_PACE: Final = Decimal("0.9")
#: A pace ratio at or above this (and below ON_TRACK_PACE) is AT_RISK; below it, OFF_TRACK.
AT_RISK_PACE: Final = Decimal("0.7")

_PLACES = Decimal("0.0001")


class ProgressStatus(enum.Enum):
    NO_DATA = "NO_DATA"
    MISSED = "MISSED"
    OFF_TRACK = "OFF_TRACK"
    AT_RISK = "AT_RISK"
    ON_TRACK = "ON_TRACK"
    ACHIEVED = "ACHIEVED"


#: From worst to best (NO_DATA stands apart and is not ranked).
STATUS_RANK: Final = {
    ProgressStatus.MISSED: 0,
    ProgressStatus.OFF_TRACK: 1,
    ProgressStatus.AT_RISK: 2,
    ProgressStatus.ON_TRACK: 3,
    ProgressStatus.ACHIEVED: 4,
}


@dataclass(frozen=True, slots=True)
class Trend:
    """The least-squares line through the measurements: value = level + slope × (day − as_of)."""

    slope: float
    level: float

    def at(self, day: dt.date, as_of: dt.date) -> Decimal:
        return _round(Decimal(repr(self.level + self.slope * (day - as_of).days)))


@dataclass(frozen=True, slots=True)
class KpiFacts:
    """What the progress and SMART rules need of one KPI, as of one day."""

    direction: Direction
    baseline: Decimal | None
    target: Decimal
    #: The KPI's start, else its strategy's start.
    starts_on: dt.date | None
    #: The KPI's deadline, else its strategy's end.
    deadline: dt.date | None
    as_of: dt.date
    measurement_count: int = 0
    first_observed_on: dt.date | None = None
    first_value: Decimal | None = None
    last_observed_on: dt.date | None = None
    last_value: Decimal | None = None
    trend: Trend | None = None
    #: What the SMART check reads besides the above.
    definition: KpiDefinition | None = None


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    """How a KPI is written down, as the SMART check reads it."""

    metric: Metric
    unit: Unit
    description: str
    own_starts_on: dt.date | None
    own_deadline: dt.date | None
    strategy_starts_on: dt.date | None
    strategy_ends_on: dt.date | None
    tactic_count: int
    audience_count: int
    has_channel: bool


@dataclass(frozen=True, slots=True)
class Progress:
    status: ProgressStatus
    current: Decimal | None
    start_value: Decimal | None
    target: Decimal
    expected: Decimal | None
    pace_ratio: Decimal | None
    forecast: Decimal | None
    days_left: int | None
    last_observed_on: dt.date | None
    measurement_count: int


def progress(facts: KpiFacts) -> Progress:
    start_value = facts.baseline if facts.baseline is not None else facts.first_value
    period_start = facts.starts_on
    if facts.baseline is None and facts.first_observed_on is not None:
        period_start = max(period_start or facts.first_observed_on, facts.first_observed_on)
    expected = _planned(facts, start_value, period_start, facts.as_of)
    planned_then = (
        _planned(facts, start_value, period_start, facts.last_observed_on)
        if facts.last_observed_on is not None
        else None
    )
    pace = _pace(facts.last_value, start_value, planned_then)
    shown_expected = None if expected is None else _decimal(expected)
    forecast = (
        facts.trend.at(facts.deadline, facts.as_of)
        if facts.trend is not None and facts.deadline is not None
        else None
    )
    return Progress(
        status=_status(facts, start_value, planned_then, pace, forecast),
        current=facts.last_value,
        start_value=start_value,
        target=facts.target,
        expected=shown_expected,
        pace_ratio=None if pace is None else _decimal(pace),
        forecast=forecast,
        days_left=(facts.deadline - facts.as_of).days if facts.deadline is not None else None,
        last_observed_on=facts.last_observed_on,
        measurement_count=facts.measurement_count,
    )


def keeps_a_line(direction: Direction) -> bool:
    return direction in (Direction.STAY_ABOVE, Direction.STAY_BELOW)


def upward(direction: Direction) -> bool:
    """Whether a higher value is better."""
    return direction in (Direction.INCREASE, Direction.STAY_ABOVE)


def reached(direction: Direction, value: Decimal, target: Decimal) -> bool:
    return value >= target if upward(direction) else value <= target


def _elapsed(facts: KpiFacts, period_start: dt.date | None, day: dt.date) -> Fraction | None:
    """The share of the KPI's period passed on ``day``, from 0 to 1; None without a period."""
    if period_start is None or facts.deadline is None or facts.deadline <= period_start:
        return None
    passed = Fraction((day - period_start).days, (facts.deadline - period_start).days)
    return min(max(passed, Fraction(0)), Fraction(1))


def _planned(
    facts: KpiFacts, start_value: Decimal | None, period_start: dt.date | None, day: dt.date
) -> Fraction | None:
    """The plan's exact value on ``day`` (for a KPI that keeps a line, the line itself)."""
    if keeps_a_line(facts.direction):
        return Fraction(facts.target)
    elapsed = _elapsed(facts, period_start, day)
    if start_value is None or elapsed is None:
        return None
    return Fraction(start_value) + (Fraction(facts.target) - Fraction(start_value)) * elapsed


def _pace(current: Decimal | None, start_value: Decimal | None, planned: Fraction | None) -> Fraction | None:
    """The exact pace ratio: what was gained against what the plan had gained by then."""
    if current is None or start_value is None or planned is None or planned == Fraction(start_value):
        return None
    return (Fraction(current) - Fraction(start_value)) / (planned - Fraction(start_value))


def _status(
    facts: KpiFacts,
    start_value: Decimal | None,
    planned: Fraction | None,
    pace: Fraction | None,
    forecast: Decimal | None,
) -> ProgressStatus:
    current = facts.last_value
    if current is None:
        return ProgressStatus.NO_DATA
    held = reached(facts.direction, current, facts.target)
    if facts.deadline is not None and facts.as_of > facts.deadline:
        return ProgressStatus.ACHIEVED if held else ProgressStatus.MISSED
    if keeps_a_line(facts.direction):
        if not held:
            return ProgressStatus.OFF_TRACK
        if forecast is not None and not reached(facts.direction, forecast, facts.target):
            return ProgressStatus.AT_RISK
        return ProgressStatus.ON_TRACK
    if held:
        return ProgressStatus.ACHIEVED
    if facts.deadline is None:
        return ProgressStatus.AT_RISK
    if pace is None:
        if planned is None:
            return ProgressStatus.AT_RISK  # no period to hold the pace against
        # Nothing was planned yet by the latest measurement, unless the target is the start itself.
        return ProgressStatus.OFF_TRACK if facts.target == start_value else ProgressStatus.ON_TRACK
    if pace >= Fraction(ON_TRACK_PACE):
        return ProgressStatus.ON_TRACK
    if pace >= Fraction(AT_RISK_PACE):
        return ProgressStatus.AT_RISK
    return ProgressStatus.OFF_TRACK


def _round(value: Decimal) -> Decimal:
    return value.quantize(_PLACES)


def _decimal(value: Fraction) -> Decimal:
    """An exact value rounded to four places (half to even), however large it is."""
    return Decimal(f"{round(value * 10_000)}E-4")
