"""How a KPI is doing (progress, pace, forecast) and whether it is SMART."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import strawberry

from domain import values
from domain.errors import Problems
from domain.kpi import progress as rule
from domain.kpi.facts import kpi_facts
from domain.kpi.progress import KpiFacts, ProgressStatus
from domain.kpi.smart import Smart, SmartLetter, SmartReasonCode
from schema.context import Info
from schema.enums import documented_enum
from schema.errors import QueryError
from schema.loading import per_day

documented_enum(
    ProgressStatus,
    "Whether a KPI is heading the right way. INCREASE/DECREASE: ACHIEVED once the target is reached; "
    "MISSED when the deadline passed without it; otherwise by the pace ratio: ON_TRACK at "
    f"{rule.ON_TRACK_PACE} or more (or before the period begins), AT_RISK from {rule.AT_RISK_PACE} (also "
    f"without a deadline), OFF_TRACK below {rule.AT_RISK_PACE}. STAY_ABOVE/STAY_BELOW: OFF_TRACK on the "
    "wrong side of the target, AT_RISK when the forecast crosses it by the deadline, else ON_TRACK; "
    "ACHIEVED or MISSED after the deadline. NO_DATA: nothing measured yet.",
    {
        ProgressStatus.NO_DATA: "Nothing measured up to the day.",
        ProgressStatus.MISSED: (
            "The deadline has passed with the latest value on the wrong side of the target."
        ),
        ProgressStatus.OFF_TRACK: (
            f"Far behind the plan (a pace ratio below {rule.AT_RISK_PACE}); for STAY_ABOVE/STAY_BELOW, on "
            "the wrong side of the target."
        ),
        ProgressStatus.AT_RISK: (
            f"Behind the plan (a pace ratio from {rule.AT_RISK_PACE} up to {rule.ON_TRACK_PACE}), or no "
            "deadline to hold the pace against; for STAY_ABOVE/STAY_BELOW, the forecast crosses the target "
            "by the deadline."
        ),
        ProgressStatus.ON_TRACK: (
            f"On plan (a pace ratio of {rule.ON_TRACK_PACE} or more); for STAY_ABOVE/STAY_BELOW, on the "
            "right side of the target and forecast to stay there."
        ),
        ProgressStatus.ACHIEVED: (
            "The target is reached; for STAY_ABOVE/STAY_BELOW, the deadline has passed with the target held."
        ),
    },
)
#: What it takes to meet each letter of SMART.
SMART_LETTERS = {
    SmartLetter.SPECIFIC: (
        "Specific: written out (not a template's prompt), saying what is counted (a CUSTOM metric "
        "needs a description) and for whom or where (an audience or a channel), with a target beyond "
        "the baseline in the KPI's direction."
    ),
    SmartLetter.MEASURABLE: "Measurable: a baseline to measure from; a percentage target within 0–100.",
    SmartLetter.ACHIEVABLE: (
        "Achievable: not far beyond what the history suggests: with three or more measurements, the trend "
        "reaches at least a third of the change still needed by the deadline."
    ),
    SmartLetter.RELEVANT: "Relevant: measures at least one tactic of the strategy.",
    SmartLetter.TIME_BOUND: (
        "Time-bound: a deadline (its own, else the strategy's end); its own deadline and start lie within "
        "the strategy's period."
    ),
}
documented_enum(
    SmartLetter,
    "A letter of SMART: specific, measurable, achievable, relevant, time-bound.",
    SMART_LETTERS,
)
documented_enum(
    SmartReasonCode,
    "Why a KPI fails a letter of SMART.",
    {
        SmartReasonCode.OPEN_PROMPT: "SPECIFIC: the description is still the template's prompt.",
        SmartReasonCode.CUSTOM_METRIC_UNDESCRIBED: (
            "SPECIFIC: the metric is CUSTOM and the description does not say what is counted."
        ),
        SmartReasonCode.NO_AUDIENCE_OR_CHANNEL: "SPECIFIC: the KPI names neither an audience nor a channel.",
        SmartReasonCode.TARGET_NOT_BEYOND_BASELINE: (
            "SPECIFIC: an INCREASE target is not above the baseline, or a DECREASE target not below it."
        ),
        SmartReasonCode.NO_BASELINE: "MEASURABLE: there is no baseline to measure the change from.",
        SmartReasonCode.PERCENT_OUT_OF_RANGE: "MEASURABLE: the unit is PERCENT and the target is not 0–100.",
        SmartReasonCode.TARGET_BEYOND_HISTORY: (
            "ACHIEVABLE: at the pace of its measurements so far, the KPI moves far less by the deadline "
            "than is still needed to reach the target."
        ),
        SmartReasonCode.NO_TACTIC: "RELEVANT: the KPI measures no tactic.",
        SmartReasonCode.NO_DEADLINE: "TIME_BOUND: the KPI has no deadline and the strategy has no end.",
        SmartReasonCode.DEADLINE_OUTSIDE_PERIOD: (
            "TIME_BOUND: the deadline lies outside the strategy's period."
        ),
        SmartReasonCode.START_OUTSIDE_PERIOD: "TIME_BOUND: the start lies outside the strategy's period.",
    },
)


def judged_on(as_of: dt.date | None) -> dt.date:
    """The day an ``asOf`` argument names (today, UTC, when it is null), within the dates accepted."""
    if as_of is None:
        return dt.datetime.now(dt.UTC).date()
    problems = Problems()
    if values.date(problems, as_of, "asOf") is None:
        raise QueryError(problems.items[0].message, "OUT_OF_RANGE")
    return as_of


#: The facts of each (KPI, day) asked for, one statement per distinct day.
facts_by_key = per_day(kpi_facts)


async def load_facts(info: Info, kpi_id: uuid.UUID, as_of: dt.date | None) -> KpiFacts:
    facts = await info.context.loaders.batch(facts_by_key).load((kpi_id, judged_on(as_of)))
    assert facts is not None, "a KPI the caller can see has facts"
    return facts


@strawberry.type(
    description=(
        "Where a KPI stands on a day. A measurement is the KPI's value as of its day; progress counts "
        "from the baseline (else the first measurement) over the period from the KPI's start (else the "
        "strategy's) to its deadline (else the strategy's end)."
    )
)
class KpiProgress:
    as_of: dt.date = strawberry.field(description="The day this is computed for.")
    status: ProgressStatus = strawberry.field(description="Whether the KPI is heading the right way.")
    current: Decimal | None = strawberry.field(
        description="The latest measurement up to the day (up to the deadline once it has passed)."
    )
    start_value: Decimal | None = strawberry.field(
        description="Where progress is counted from: the baseline, else the first measurement."
    )
    baseline: Decimal | None = strawberry.field(description="The KPI's baseline; null when it has none.")
    target: Decimal = strawberry.field(description="The KPI's target.")
    expected: Decimal | None = strawberry.field(
        description=(
            "The value the plan expects today: start + (target − start) × the share of the period passed. "
            "For STAY_ABOVE/STAY_BELOW, the target itself."
        )
    )
    pace_ratio: Decimal | None = strawberry.field(
        description=(
            "(current − start) / (the plan on the day of the latest measurement − start): 1 is exactly "
            "on plan, below 0.7 is OFF_TRACK. Shown rounded to four places; the status is decided on the "
            "exact ratio (0.69998 shows as 0.7000 and is OFF_TRACK)."
        )
    )
    forecast: Decimal | None = strawberry.field(
        description=(
            "The value at the deadline on the least-squares line through the measurements "
            "(needs two days with a measurement and a deadline)."
        )
    )
    deadline: dt.date | None = strawberry.field(description="The KPI's deadline, else the strategy's end.")
    days_left: int | None = strawberry.field(
        description="Days from the day to the deadline; negative once it has passed."
    )
    last_observed_on: dt.date | None = strawberry.field(
        description="The day of the latest measurement up to the day; null when there is none."
    )
    measurement_count: int = strawberry.field(description="Days with a measurement up to the day.")

    @classmethod
    def of(cls, facts: KpiFacts) -> KpiProgress:
        result = rule.progress(facts)
        return cls(
            as_of=facts.as_of,
            status=result.status,
            current=result.current,
            start_value=result.start_value,
            baseline=facts.baseline,
            target=result.target,
            expected=result.expected,
            pace_ratio=result.pace_ratio,
            forecast=result.forecast,
            deadline=facts.deadline,
            days_left=result.days_left,
            last_observed_on=result.last_observed_on,
            measurement_count=result.measurement_count,
        )


@strawberry.type(description="Why a KPI fails a letter of SMART.")
class SmartReason:
    code: SmartReasonCode = strawberry.field(description="Why, for a client to switch on.")
    message: str = strawberry.field(description="Why, in a sentence with the KPI's figures.")


@strawberry.type(description="The verdict on one letter of SMART.")
class SmartVerdict:
    letter: SmartLetter = strawberry.field(description="The letter judged.")
    met: bool = strawberry.field(description="True when the KPI meets the letter.")
    reasons: list[SmartReason] = strawberry.field(description="Empty when the letter is met.")


@strawberry.type(description="Whether a KPI is specific, measurable, achievable, relevant and time-bound.")
class KpiSmart:
    met: bool = strawberry.field(description="True when every letter is met.")
    specific: SmartVerdict = strawberry.field(description=SMART_LETTERS[SmartLetter.SPECIFIC])
    measurable: SmartVerdict = strawberry.field(description=SMART_LETTERS[SmartLetter.MEASURABLE])
    achievable: SmartVerdict = strawberry.field(description=SMART_LETTERS[SmartLetter.ACHIEVABLE])
    relevant: SmartVerdict = strawberry.field(description=SMART_LETTERS[SmartLetter.RELEVANT])
    time_bound: SmartVerdict = strawberry.field(description=SMART_LETTERS[SmartLetter.TIME_BOUND])

    @classmethod
    def of(cls, smart: Smart) -> KpiSmart:
        def verdict(letter: SmartLetter) -> SmartVerdict:
            found = smart[letter]
            reasons = [SmartReason(code=reason.code, message=reason.message) for reason in found.reasons]
            return SmartVerdict(letter=letter, met=found.met, reasons=reasons)

        return cls(
            met=smart.met,
            specific=verdict(SmartLetter.SPECIFIC),
            measurable=verdict(SmartLetter.MEASURABLE),
            achievable=verdict(SmartLetter.ACHIEVABLE),
            relevant=verdict(SmartLetter.RELEVANT),
            time_bound=verdict(SmartLetter.TIME_BOUND),
        )
