"""Is a KPI SMART? One verdict per letter, each with the reasons it fails.

==========  =====================================================================
specific    is written out (its description is no longer a template prompt), says what is
            counted (a CUSTOM metric needs a description), for whom or
            where (an audience or a channel), and a change in the KPI's direction
            (an INCREASE target above the baseline, a DECREASE target below it)
measurable  has a baseline to measure from; a percentage target lies within 0–100
achievable  the target is not far beyond what the history suggests: with three or more
            measurements, the trend must reach at least a third of the change still
            needed by the deadline
relevant    measures at least one tactic of the strategy
time-bound  has a deadline (its own or the strategy's end) that lies within the
            strategy's period
==========  =====================================================================
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from domain.kpi.models import Direction, Metric, Unit
from domain.kpi.progress import KpiFacts, keeps_a_line, upward
from domain.prompts import is_open_prompt

#: The trend must reach at least this share of the change still needed by the deadline.
HISTORY_SHARE: Final = Decimal(1) / 3
#: Measurements needed before the history is taken as a guide.
HISTORY_MIN: Final = 3


class SmartLetter(enum.Enum):
    SPECIFIC = "SPECIFIC"
    MEASURABLE = "MEASURABLE"
    ACHIEVABLE = "ACHIEVABLE"
    RELEVANT = "RELEVANT"
    TIME_BOUND = "TIME_BOUND"


class SmartReasonCode(enum.Enum):
    OPEN_PROMPT = "OPEN_PROMPT"
    CUSTOM_METRIC_UNDESCRIBED = "CUSTOM_METRIC_UNDESCRIBED"
    NO_AUDIENCE_OR_CHANNEL = "NO_AUDIENCE_OR_CHANNEL"
    TARGET_NOT_BEYOND_BASELINE = "TARGET_NOT_BEYOND_BASELINE"
    NO_BASELINE = "NO_BASELINE"
    PERCENT_OUT_OF_RANGE = "PERCENT_OUT_OF_RANGE"
    TARGET_BEYOND_HISTORY = "TARGET_BEYOND_HISTORY"
    NO_TACTIC = "NO_TACTIC"
    NO_DEADLINE = "NO_DEADLINE"
    DEADLINE_OUTSIDE_PERIOD = "DEADLINE_OUTSIDE_PERIOD"
    START_OUTSIDE_PERIOD = "START_OUTSIDE_PERIOD"


@dataclass(frozen=True, slots=True)
class SmartReason:
    code: SmartReasonCode
    message: str


@dataclass(frozen=True, slots=True)
class SmartVerdict:
    letter: SmartLetter
    reasons: tuple[SmartReason, ...] = field(default=())

    @property
    def met(self) -> bool:
        return not self.reasons


@dataclass(frozen=True, slots=True)
class Smart:
    verdicts: tuple[SmartVerdict, ...]

    @property
    def met(self) -> bool:
        return all(verdict.met for verdict in self.verdicts)

    def __getitem__(self, letter: SmartLetter) -> SmartVerdict:
        return next(verdict for verdict in self.verdicts if verdict.letter is letter)

    @property
    def reasons(self) -> tuple[SmartReason, ...]:
        return tuple(reason for verdict in self.verdicts for reason in verdict.reasons)


def smart(facts: KpiFacts) -> Smart:
    assert facts.definition is not None, "the SMART check needs the KPI's definition"
    checks = {
        SmartLetter.SPECIFIC: _specific,
        SmartLetter.MEASURABLE: _measurable,
        SmartLetter.ACHIEVABLE: _achievable,
        SmartLetter.RELEVANT: _relevant,
        SmartLetter.TIME_BOUND: _time_bound,
    }
    return Smart(tuple(SmartVerdict(letter, tuple(check(facts))) for letter, check in checks.items()))


def _specific(facts: KpiFacts) -> list[SmartReason]:
    definition = facts.definition
    assert definition is not None
    reasons = []
    if is_open_prompt(definition.description):
        reasons.append(
            SmartReason(
                SmartReasonCode.OPEN_PROMPT,
                "Its description is still the template's prompt: say what is measured, from where to where.",
            )
        )
    if definition.metric is Metric.CUSTOM and not definition.description.strip():
        reasons.append(
            SmartReason(
                SmartReasonCode.CUSTOM_METRIC_UNDESCRIBED,
                "The metric is CUSTOM and the description does not say what is counted.",
            )
        )
    if not definition.audience_count and not definition.has_channel:
        reasons.append(
            SmartReason(
                SmartReasonCode.NO_AUDIENCE_OR_CHANNEL,
                "It names neither an audience nor a channel: say whom or where it measures.",
            )
        )
    if (
        facts.baseline is not None
        and not keeps_a_line(facts.direction)
        and not (facts.target > facts.baseline if upward(facts.direction) else facts.target < facts.baseline)
    ):
        way = "above" if facts.direction is Direction.INCREASE else "below"
        reasons.append(
            SmartReason(
                SmartReasonCode.TARGET_NOT_BEYOND_BASELINE,
                f"The target {facts.target} is not {way} the baseline {facts.baseline}, "
                f"so it asks for no {facts.direction.value.lower()}.",
            )
        )
    return reasons


def _measurable(facts: KpiFacts) -> list[SmartReason]:
    definition = facts.definition
    assert definition is not None
    reasons = []
    if facts.baseline is None:
        reasons.append(
            SmartReason(SmartReasonCode.NO_BASELINE, "There is no baseline to measure the change from.")
        )
    if definition.unit is Unit.PERCENT and not Decimal(0) <= facts.target <= Decimal(100):
        reasons.append(
            SmartReason(
                SmartReasonCode.PERCENT_OUT_OF_RANGE, f"A percentage target of {facts.target} is not 0–100."
            )
        )
    return reasons


def _achievable(facts: KpiFacts) -> list[SmartReason]:
    if (
        facts.trend is None
        or facts.deadline is None
        or facts.last_value is None
        or facts.measurement_count < HISTORY_MIN
        or facts.deadline <= facts.as_of
        or keeps_a_line(facts.direction)
    ):
        return []
    needed = facts.target - facts.last_value
    if needed == 0 or (needed > 0) != upward(facts.direction):
        return []  # already there
    expected_change = facts.trend.at(facts.deadline, facts.as_of) - facts.trend.at(facts.as_of, facts.as_of)
    if expected_change / needed >= HISTORY_SHARE:
        return []
    return [
        SmartReason(
            SmartReasonCode.TARGET_BEYOND_HISTORY,
            f"At the pace of its measurements so far it moves about {abs(expected_change):.2f} by the "
            f"deadline, far short of the {abs(needed):.2f} still needed to reach {facts.target}.",
        )
    ]


def _relevant(facts: KpiFacts) -> list[SmartReason]:
    definition = facts.definition
    assert definition is not None
    if definition.tactic_count:
        return []
    return [
        SmartReason(SmartReasonCode.NO_TACTIC, "It measures no tactic, so nothing in the strategy moves it.")
    ]


def _time_bound(facts: KpiFacts) -> list[SmartReason]:
    definition = facts.definition
    assert definition is not None
    if facts.deadline is None:
        return [
            SmartReason(SmartReasonCode.NO_DEADLINE, "There is no deadline, and the strategy has no end.")
        ]
    reasons = []
    period_start, period_end = definition.strategy_starts_on, definition.strategy_ends_on
    deadline = definition.own_deadline
    if deadline is not None and (
        (period_start is not None and deadline < period_start)
        or (period_end is not None and deadline > period_end)
    ):
        reasons.append(
            SmartReason(
                SmartReasonCode.DEADLINE_OUTSIDE_PERIOD,
                f"The deadline {deadline} lies outside the strategy's period.",
            )
        )
    start = definition.own_starts_on
    if start is not None and (
        (period_start is not None and start < period_start) or (period_end is not None and start > period_end)
    ):
        reasons.append(
            SmartReason(
                SmartReasonCode.START_OUTSIDE_PERIOD, f"The start {start} lies outside the strategy's period."
            )
        )
    return reasons
