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
from schema.errors import QueryError
from schema.loading import per_day

strawberry.enum(
    ProgressStatus,
    description=(
        "Whether a KPI is heading the right way. INCREASE/DECREASE: ACHIEVED once the target is reached; "
        "MISSED when the deadline passed without it; otherwise by the pace ratio: ON_TRACK at 0.9 or more "
        "(or before the period begins), AT_RISK from 0.7 (also without a deadline), OFF_TRACK below 0.7. "
        "STAY_ABOVE/STAY_BELOW: OFF_TRACK on the wrong side of the target, AT_RISK when the forecast "
        "crosses it by the deadline, else ON_TRACK; ACHIEVED or MISSED after the deadline. "
        "NO_DATA: nothing measured yet."
    ),
)
strawberry.enum(
    SmartLetter, description="A letter of SMART: specific, measurable, achievable, relevant, time-bound."
)
strawberry.enum(SmartReasonCode, description="Why a KPI fails a letter of SMART.")


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
    status: ProgressStatus
    current: Decimal | None = strawberry.field(
        description="The latest measurement up to the day (up to the deadline once it has passed)."
    )
    start_value: Decimal | None = strawberry.field(
        description="Where progress is counted from: the baseline, else the first measurement."
    )
    baseline: Decimal | None
    target: Decimal
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
    last_observed_on: dt.date | None
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
    code: SmartReasonCode
    message: str


@strawberry.type(description="The verdict on one letter of SMART.")
class SmartVerdict:
    letter: SmartLetter
    met: bool
    reasons: list[SmartReason] = strawberry.field(description="Empty when the letter is met.")


@strawberry.type(description="Whether a KPI is specific, measurable, achievable, relevant and time-bound.")
class KpiSmart:
    met: bool = strawberry.field(description="True when every letter is met.")
    specific: SmartVerdict
    measurable: SmartVerdict
    achievable: SmartVerdict
    relevant: SmartVerdict
    time_bound: SmartVerdict

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
