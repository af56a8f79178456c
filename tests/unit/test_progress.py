"""KPI progress: expected value, pace, status and forecast in every direction."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.kpi.models import Direction
from domain.kpi.progress import STATUS_RANK, KpiFacts, ProgressStatus, Trend, progress

D = Decimal
S = ProgressStatus
START = dt.date(2030, 1, 1)
DEADLINE = dt.date(2030, 12, 27)  # 360 days after START
MID = START + dt.timedelta(days=180)  # half the period has passed


def facts(
    direction: Direction,
    *,
    baseline: str | None = "100",
    target: str = "200",
    current: str | None = None,
    first: str | None = None,
    as_of: dt.date = MID,
    deadline: dt.date | None = DEADLINE,
    trend: Trend | None = None,
) -> KpiFacts:
    observed = current is not None
    return KpiFacts(
        direction=direction,
        baseline=D(baseline) if baseline is not None else None,
        target=D(target),
        starts_on=START,
        deadline=deadline,
        as_of=as_of,
        measurement_count=2 if observed else 0,
        first_observed_on=START if observed else None,
        first_value=D(first if first is not None else current) if current is not None else None,
        last_observed_on=min(as_of, deadline or as_of) if observed else None,
        last_value=D(current) if current is not None else None,
        trend=trend,
    )


UP, DOWN, ABOVE, BELOW = Direction.INCREASE, Direction.DECREASE, Direction.STAY_ABOVE, Direction.STAY_BELOW
AFTER = DEADLINE + dt.timedelta(days=1)
BEFORE = START - dt.timedelta(days=10)

# direction, baseline, target, current, as_of, deadline, expected status
CASES = [
    # INCREASE 100 -> 200; halfway the plan expects 150.
    ("increase: no data", UP, "100", "200", None, MID, DEADLINE, S.NO_DATA),
    ("increase: exactly on plan", UP, "100", "200", "150", MID, DEADLINE, S.ON_TRACK),
    ("increase: pace 0.9 is on track", UP, "100", "200", "145", MID, DEADLINE, S.ON_TRACK),
    ("increase: pace 0.8 is at risk", UP, "100", "200", "140", MID, DEADLINE, S.AT_RISK),
    ("increase: pace 0.7 is at risk", UP, "100", "200", "135", MID, DEADLINE, S.AT_RISK),
    ("increase: pace 0.6 is off track", UP, "100", "200", "130", MID, DEADLINE, S.OFF_TRACK),
    ("increase: going backwards", UP, "100", "200", "90", MID, DEADLINE, S.OFF_TRACK),
    ("increase: reached early", UP, "100", "200", "205", MID, DEADLINE, S.ACHIEVED),
    ("increase: deadline passed, reached", UP, "100", "200", "200", AFTER, DEADLINE, S.ACHIEVED),
    ("increase: deadline passed, short", UP, "100", "200", "199", AFTER, DEADLINE, S.MISSED),
    ("increase: before the period", UP, "100", "200", "100", BEFORE, DEADLINE, S.ON_TRACK),
    ("increase: no deadline, not reached", UP, "100", "200", "190", MID, None, S.AT_RISK),
    ("increase: no deadline, reached", UP, "100", "200", "200", MID, None, S.ACHIEVED),
    ("increase: one point, no baseline", UP, None, "200", "100", MID, DEADLINE, S.OFF_TRACK),
    # DECREASE 10 % -> 4 % returns; halfway the plan expects 7.
    ("decrease: no data", DOWN, "10", "4", None, MID, DEADLINE, S.NO_DATA),
    ("decrease: on plan", DOWN, "10", "4", "7", MID, DEADLINE, S.ON_TRACK),
    ("decrease: pace 0.8", DOWN, "10", "4", "7.6", MID, DEADLINE, S.AT_RISK),
    ("decrease: pace 0.5", DOWN, "10", "4", "8.5", MID, DEADLINE, S.OFF_TRACK),
    ("decrease: rising instead", DOWN, "10", "4", "11", MID, DEADLINE, S.OFF_TRACK),
    ("decrease: reached early", DOWN, "10", "4", "3.9", MID, DEADLINE, S.ACHIEVED),
    ("decrease: deadline passed, reached", DOWN, "10", "4", "4", AFTER, DEADLINE, S.ACHIEVED),
    ("decrease: deadline passed, short", DOWN, "10", "4", "5", AFTER, DEADLINE, S.MISSED),
    # STAY_ABOVE 95 % satisfaction; STAY_BELOW 2 h response time.
    ("stay above: no data", ABOVE, "96", "95", None, MID, DEADLINE, S.NO_DATA),
    ("stay above: held", ABOVE, "96", "95", "97", MID, DEADLINE, S.ON_TRACK),
    ("stay above: on the line", ABOVE, "96", "95", "95", MID, DEADLINE, S.ON_TRACK),
    ("stay above: fell below", ABOVE, "96", "95", "94", MID, DEADLINE, S.OFF_TRACK),
    ("stay above: held to the end", ABOVE, "96", "95", "96", AFTER, DEADLINE, S.ACHIEVED),
    ("stay above: below at the end", ABOVE, "96", "95", "90", AFTER, DEADLINE, S.MISSED),
    ("stay below: held", BELOW, "1.5", "2", "1.8", MID, DEADLINE, S.ON_TRACK),
    ("stay below: above the line", BELOW, "1.5", "2", "2.1", MID, DEADLINE, S.OFF_TRACK),
    ("stay below: held to the end", BELOW, "1.5", "2", "2", AFTER, DEADLINE, S.ACHIEVED),
    ("stay below: no deadline", BELOW, "1.5", "2", "1", MID, None, S.ON_TRACK),
]


@pytest.mark.parametrize(
    ("direction", "baseline", "target", "current", "as_of", "deadline", "status"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_status(
    direction: Direction,
    baseline: str | None,
    target: str,
    current: str | None,
    as_of: dt.date,
    deadline: dt.date | None,
    status: ProgressStatus,
) -> None:
    result = progress(
        facts(direction, baseline=baseline, target=target, current=current, as_of=as_of, deadline=deadline)
    )
    assert result.status is status


#: Halfway from 0 to 100,000 (or back) the plan expects 50,000 gained: the pace is gained / 50,000.
#: Gained, the exact pace, the status it decides, and the pace as shown (rounded to four places).
BOUNDARIES = [
    ("34999", "0.69998", S.OFF_TRACK, "0.7000"),
    ("35000", "0.7", S.AT_RISK, "0.7000"),
    ("35001", "0.70002", S.AT_RISK, "0.7000"),
    ("44999", "0.89998", S.AT_RISK, "0.9000"),
    ("44999.99", "0.8999998", S.AT_RISK, "0.9000"),
    ("45000", "0.9", S.ON_TRACK, "0.9000"),
]


@pytest.mark.parametrize(("gained", "pace", "status", "shown"), BOUNDARIES, ids=[b[1] for b in BOUNDARIES])
@pytest.mark.parametrize("direction", [UP, DOWN], ids=["increase", "decrease"])
def test_the_status_is_decided_on_the_exact_pace_and_only_shown_rounded(
    direction: Direction, gained: str, pace: str, status: ProgressStatus, shown: str
) -> None:
    baseline, target = ("0", "100000") if direction is UP else ("100000", "0")
    current = D(gained) if direction is UP else D(100000) - D(gained)
    result = progress(facts(direction, baseline=baseline, target=target, current=str(current)))
    assert (D(gained) / D(50000)) == D(pace)
    assert result.status is status
    assert result.pace_ratio == D(shown)
    assert str(result.pace_ratio) == shown


def test_a_pace_with_no_finite_decimal_is_judged_exactly() -> None:
    """A third of the period passed: the plan then is a repeating decimal, 100 + 100 / 3."""
    third = START + dt.timedelta(days=120)
    on_track = progress(facts(UP, current="130", as_of=third))  # 30 / 33.33… = 0.9
    assert on_track.status is S.ON_TRACK
    assert on_track.pace_ratio == D("0.9000")
    assert on_track.expected == D("133.3333")
    assert progress(facts(UP, current="129.9999", as_of=third)).status is S.AT_RISK


def test_figures_of_an_increasing_kpi_halfway() -> None:
    result = progress(facts(UP, current="140", trend=Trend(slope=0.25, level=140.0)))
    assert result.start_value == D("100")
    assert result.expected == D("150.0000")
    assert result.pace_ratio == D("0.8000")
    assert result.current == D("140")
    assert result.forecast == D("185.0000")  # 140 + 0.25 × 180 days
    assert result.days_left == 180
    assert result.last_observed_on == MID
    assert result.measurement_count == 2


def test_figures_of_a_decreasing_kpi() -> None:
    result = progress(facts(DOWN, baseline="10", target="4", current="8.5"))
    assert result.expected == D("7.0000")
    assert result.pace_ratio == D("0.5000")


def test_without_baseline_progress_counts_from_the_first_measurement() -> None:
    result = progress(facts(UP, baseline=None, current="150", first="120"))
    assert result.start_value == D("120")
    assert result.expected == D("160.0000")
    assert result.pace_ratio == D("0.7500")
    assert result.status is S.AT_RISK


def test_no_data_has_no_figures_but_the_target() -> None:
    result = progress(facts(UP))
    assert (result.current, result.expected is not None, result.pace_ratio, result.forecast) == (
        None,
        True,
        None,
        None,
    )
    assert result.target == D("200")


def test_days_left_run_negative_after_the_deadline() -> None:
    assert progress(facts(UP, current="150", as_of=AFTER)).days_left == -1


def test_a_line_kept_now_but_forecast_to_break_is_at_risk() -> None:
    falling = Trend(slope=-0.05, level=97.0)  # 97 now, 88 at the deadline
    result = progress(facts(ABOVE, baseline="96", target="95", current="97", trend=falling))
    assert result.forecast == D("88.0000")
    assert result.status is S.AT_RISK
    rising = Trend(slope=0.01, level=97.0)
    assert progress(facts(ABOVE, baseline="96", target="95", current="97", trend=rising)).status is S.ON_TRACK


def test_forecast_needs_a_trend_and_a_deadline() -> None:
    trend = Trend(slope=1.0, level=150.0)
    assert progress(facts(UP, current="150", trend=trend, deadline=None)).forecast is None
    assert progress(facts(UP, current="150")).forecast is None


def test_the_pace_judges_the_latest_measurement_against_the_plan_on_its_own_day() -> None:
    # Measured on the 1st, exactly on plan then; by the end of the month the plan is further on.
    on_the_1st = START + dt.timedelta(days=90)  # plan: 125
    month_end = on_the_1st + dt.timedelta(days=29)
    stale = replace(facts(UP, current="125"), as_of=month_end, last_observed_on=on_the_1st)
    result = progress(stale)
    assert (result.pace_ratio, result.status) == (D("1.0000"), S.ON_TRACK)
    assert result.expected == D("133.0556")  # the plan today, shown as is


def test_without_baseline_the_period_starts_at_the_first_measurement() -> None:
    first_day = START + dt.timedelta(days=60)
    one_point = replace(
        facts(UP, baseline=None, current="100"),
        as_of=first_day,
        first_observed_on=first_day,
        last_observed_on=first_day,
    )
    result = progress(one_point)
    assert (result.start_value, result.expected, result.status) == (D("100"), D("100.0000"), S.ON_TRACK)
    later = replace(
        one_point,
        as_of=first_day + dt.timedelta(days=150),
        last_observed_on=first_day + dt.timedelta(days=150),
        last_value=D("150"),
    )
    assert progress(later).pace_ratio == D("1.0000")  # halfway from the first measurement to the deadline


def test_expected_value_is_the_target_once_the_period_is_over() -> None:
    assert progress(facts(UP, current="150", as_of=AFTER)).expected == D("200.0000")


# -- properties ------------------------------------------------------------------------

values = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
days = st.integers(min_value=-30, max_value=400)
directions = st.sampled_from(list(Direction))


@st.composite
def kpi_facts(draw: st.DrawFn) -> KpiFacts:
    direction = draw(directions)
    current = draw(values)
    slope = draw(st.floats(min_value=-5, max_value=5, allow_nan=False))
    as_of = START + dt.timedelta(days=draw(days))
    last = as_of - dt.timedelta(days=draw(st.integers(min_value=0, max_value=120)))
    first = last - dt.timedelta(days=draw(st.integers(min_value=0, max_value=200)))
    return KpiFacts(
        direction=direction,
        baseline=draw(st.none() | values),
        target=draw(values),
        starts_on=draw(st.none() | st.just(START)),
        deadline=draw(st.none() | st.just(DEADLINE)),
        as_of=as_of,
        measurement_count=draw(st.integers(min_value=1, max_value=20)),
        first_observed_on=first,
        first_value=draw(values),
        last_observed_on=last,
        last_value=current,
        trend=draw(st.none() | st.just(Trend(slope=slope, level=float(current)))),
    )


def _better(facts: KpiFacts, by: Decimal) -> KpiFacts:
    """The same KPI with every measurement moved ``by`` the right way."""
    assert facts.last_value is not None
    step = by if facts.direction in (Direction.INCREASE, Direction.STAY_ABOVE) else -by
    trend = facts.trend
    if trend is not None:
        trend = Trend(trend.slope, trend.level + float(step))
    return replace(facts, last_value=facts.last_value + step, trend=trend)


@given(kpi_facts(), st.decimals(min_value=0, max_value=500, places=2))
def test_more_progress_never_worsens_the_status(facts: KpiFacts, by: Decimal) -> None:
    before = progress(facts).status
    after = progress(_better(facts, by)).status
    assert STATUS_RANK[after] >= STATUS_RANK[before], (before, after)


@given(kpi_facts())
def test_a_measured_kpi_always_has_a_status_and_a_reached_target_is_never_behind(facts: KpiFacts) -> None:
    result = progress(facts)
    assert result.status is not S.NO_DATA
    assert facts.last_value is not None
    hit = (
        facts.last_value >= facts.target
        if facts.direction in (Direction.INCREASE, Direction.STAY_ABOVE)
        else facts.last_value <= facts.target
    )
    if hit and facts.direction in (Direction.INCREASE, Direction.DECREASE):
        assert result.status is S.ACHIEVED


@given(kpi_facts())
def test_pace_and_expected_stay_within_the_plan(facts: KpiFacts) -> None:
    result = progress(facts)
    if result.expected is not None and result.start_value is not None:
        low, high = sorted((result.start_value, facts.target))
        assert low <= result.expected <= high
