"""Per-caller budgets in one process: the refill arithmetic at exact times, and bounded memory."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.throttle import Budget, Decision, LocalThrottle, RedisThrottle, throttle_from

BUDGET = Budget(capacity=100, restore_rate=10)


class Clock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(clock: Clock) -> LocalThrottle:
    return LocalThrottle(BUDGET, clock=clock)


async def test_a_new_caller_starts_with_a_full_bucket(throttle: LocalThrottle) -> None:
    assert await throttle.spend("a", 30) == Decision(True, 70, 0, BUDGET)


async def test_spent_to_empty_the_bucket_refills_at_the_restore_rate(
    throttle: LocalThrottle, clock: Clock
) -> None:
    assert (await throttle.spend("a", 60)).available == 40
    assert (await throttle.spend("a", 40)).available == 0
    assert await throttle.spend("a", 10) == Decision(False, 0, 1.0, BUDGET)

    clock.advance(2.5)
    assert await throttle.spend("a", 40) == Decision(False, 25, 1.5, BUDGET)
    assert await throttle.spend("a", 25) == Decision(True, 0, 0, BUDGET)


async def test_a_refusal_takes_nothing(throttle: LocalThrottle, clock: Clock) -> None:
    await throttle.spend("a", 90)
    for _ in range(3):
        assert not (await throttle.spend("a", 20)).allowed
    clock.advance(1)
    assert await throttle.spend("a", 20) == Decision(True, 0, 0, BUDGET)


async def test_waiting_retry_after_is_exactly_enough(throttle: LocalThrottle, clock: Clock) -> None:
    await throttle.spend("a", 100)
    refused = await throttle.spend("a", 35)
    assert refused.retry_after == 3.5
    clock.advance(3.25)
    assert not (await throttle.spend("a", 35)).allowed
    clock.advance(0.25)
    assert (await throttle.spend("a", 35)).allowed


async def test_the_bucket_never_holds_more_than_its_capacity(throttle: LocalThrottle, clock: Clock) -> None:
    await throttle.spend("a", 10)
    clock.advance(3_600)
    assert (await throttle.spend("a", 0)).available == 100
    assert await throttle.spend("a", 100) == Decision(True, 0, 0, BUDGET)
    assert not (await throttle.spend("a", 1)).allowed


async def test_a_cost_above_the_capacity_never_fits(throttle: LocalThrottle, clock: Clock) -> None:
    assert await throttle.spend("a", 100.5) == Decision(False, 100, None, BUDGET)
    await throttle.spend("a", 50)
    clock.advance(3_600)
    assert await throttle.spend("a", 101) == Decision(False, 100, None, BUDGET)
    assert (await throttle.spend("a", 100)).allowed


async def test_a_free_operation_always_passes_and_takes_nothing(throttle: LocalThrottle) -> None:
    assert await throttle.spend("a", 0) == Decision(True, 100, 0, BUDGET)
    assert throttle.bucket_count == 0
    await throttle.spend("a", 100)
    assert await throttle.spend("a", 0) == Decision(True, 0, 0, BUDGET)
    assert not (await throttle.spend("a", 0.5)).allowed


async def test_callers_have_their_own_buckets(throttle: LocalThrottle) -> None:
    await throttle.spend("a", 100)
    assert await throttle.spend("b", 30) == Decision(True, 70, 0, BUDGET)
    assert not (await throttle.spend("a", 1)).allowed
    assert (await throttle.spend("b", 0)).available == 70


@pytest.mark.parametrize("cost", [-1, math.nan])
async def test_a_cost_is_zero_or_more(throttle: LocalThrottle, cost: float) -> None:
    with pytest.raises(ValueError, match="zero or more"):
        await throttle.spend("a", cost)


async def test_buckets_full_again_are_forgotten(throttle: LocalThrottle, clock: Clock) -> None:
    # One new caller every 1/8 s; a bucket is full again 10 s after it was last drawn from.
    for n in range(1_000):
        await throttle.spend(f"caller-{n}", 100)
        assert throttle.bucket_count == min(n + 1, 80)
        clock.advance(0.125)
    assert throttle.bucket_count == 80
    assert (await throttle.spend("caller-0", 0)).available == 100
    clock.advance(10)
    await throttle.spend("another", 1)
    assert throttle.bucket_count == 1


async def test_a_bucket_drawn_from_again_is_kept(throttle: LocalThrottle, clock: Clock) -> None:
    await throttle.spend("steady", 100)
    for n in range(200):
        clock.advance(0.5)
        assert (await throttle.spend("steady", 5)).available == 0
        await throttle.spend(f"passer-by-{n}", 1)
    assert (await throttle.spend("steady", 0)).available == 0


async def test_a_flood_of_callers_forgets_the_longest_idle_first(clock: Clock) -> None:
    throttle = LocalThrottle(BUDGET, clock=clock, max_keys=50)
    for n in range(1_000):
        await throttle.spend(f"caller-{n}", 100)
    assert throttle.bucket_count == 50
    assert (await throttle.spend("caller-0", 0)).available == 100
    assert (await throttle.spend("caller-999", 0)).available == 0


@given(
    steps=st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=20, allow_nan=False),
            st.floats(min_value=0, max_value=150, allow_nan=False),
        ),
        max_size=60,
    )
)
async def test_a_caller_never_spends_more_than_the_capacity_and_what_flowed_back(
    steps: list[tuple[float, float]],
) -> None:
    clock = Clock()
    throttle = LocalThrottle(BUDGET, clock=clock)
    spent = elapsed = 0.0
    for wait, cost in steps:
        clock.advance(wait)
        elapsed += wait
        decision = await throttle.spend("a", cost)
        assert 0 <= decision.available <= BUDGET.capacity
        if decision.allowed:
            spent += cost
        elif cost <= BUDGET.capacity:
            assert decision.retry_after is not None
            assert decision.available + decision.retry_after * BUDGET.restore_rate == pytest.approx(cost)
        else:
            assert decision.retry_after is None
        assert spent <= BUDGET.capacity + elapsed * BUDGET.restore_rate + 1e-6


@pytest.mark.parametrize(("capacity", "restore_rate"), [(0, 1), (-5, 1), (10, 0), (10, -1), (math.inf, 1)])
def test_a_budget_is_positive_and_finite(capacity: float, restore_rate: float) -> None:
    with pytest.raises(ValueError, match="positive and finite"):
        Budget(capacity=capacity, restore_rate=restore_rate)


async def test_settings_choose_the_throttle() -> None:
    local = throttle_from(2_000, 100, None)
    assert isinstance(local, LocalThrottle)
    assert local.budget == Budget(2_000, 100)
    shared = throttle_from(2_000, 100, "redis://127.0.0.1:6379/0")
    assert isinstance(shared, RedisThrottle)
    assert shared.prefix == "redthread:budget:"
    await shared.close()
