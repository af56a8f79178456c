"""Per-caller cost budgets: a leaky bucket of points for every API key, member and demo visitor.

Each GraphQL operation has a static cost in points. A caller's bucket holds up to ``capacity``
points and refills at ``restore_rate`` points per second. An operation is allowed when the bucket
holds at least its cost, which is then taken out; otherwise nothing is taken and the decision says
how long until the cost would fit. A caller can thus burst up to the capacity and sustain the
restore rate, and an expensive operation waits no longer than it takes to earn its points.

:class:`LocalThrottle` keeps the buckets of one process. :class:`RedisThrottle` keeps them in
Redis, so every worker and instance draws from the same bucket: one Lua script reads, refills and
spends atomically, timed by Redis's own clock so the clocks of the hosts don't matter. A bucket
that is full again is forgotten in both (an absent bucket is a full one), so memory follows the
callers active in the last ``capacity / restore_rate`` seconds. When Redis cannot be reached the
service keeps answering: each process falls back to its own buckets until Redis answers again.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

Clock = Callable[[], float]

DEFAULT_PREFIX = "redthread:budget:"


@dataclass(frozen=True)
class Budget:
    """What every caller may spend: a burst of ``capacity`` points, ``restore_rate`` per second."""

    capacity: float
    restore_rate: float

    def __post_init__(self) -> None:
        if not (0 < self.capacity < math.inf):
            raise ValueError(f"A budget's capacity must be positive and finite, not {self.capacity}.")
        if not (0 < self.restore_rate < math.inf):
            raise ValueError(f"A budget's restore rate must be positive and finite, not {self.restore_rate}.")

    @property
    def refill_seconds(self) -> float:
        """How long an empty bucket takes to fill up again."""
        return self.capacity / self.restore_rate


@dataclass(frozen=True)
class Decision:
    """Whether one operation may run, and what the caller's bucket holds."""

    allowed: bool
    #: Points left after this operation when allowed, or held now when refused.
    available: float
    #: Seconds until the cost would fit: 0 when allowed, None when it exceeds the capacity.
    retry_after: float | None
    budget: Budget


def _allowed(budget: Budget, available: float) -> Decision:
    return Decision(allowed=True, available=available, retry_after=0.0, budget=budget)


def _refused(budget: Budget, cost: float, available: float) -> Decision:
    """The decision for a cost the bucket cannot pay now (or ever, above the capacity)."""
    if cost > budget.capacity:
        return Decision(allowed=False, available=available, retry_after=None, budget=budget)
    wait = (cost - available) / budget.restore_rate
    return Decision(allowed=False, available=available, retry_after=wait, budget=budget)


def _check(cost: float) -> None:
    if not cost >= 0:  # NaN too
        raise ValueError(f"A cost is a number of points, zero or more, not {cost}.")


class Throttle(Protocol):
    """Decides, per caller, whether an operation of some cost may run now."""

    budget: Budget

    async def spend(self, key: str, cost: float) -> Decision:
        """Take ``cost`` points from the bucket of ``key`` if it holds them."""
        ...

    async def close(self) -> None:
        """Release connections; no more spending afterwards."""
        ...


class _Bucket(NamedTuple):
    level: float
    at: float


class LocalThrottle:
    """The buckets of one process, in memory.

    Buckets are kept in the order they were last drawn from, so those that must be full again
    (last drawn from a refill period ago) are dropped from the front as each operation arrives.
    Should more than ``max_keys`` callers draw within one refill period, the longest idle bucket
    is forgotten early, which only ever lets its caller spend more.
    """

    def __init__(self, budget: Budget, *, clock: Clock = time.monotonic, max_keys: int = 100_000) -> None:
        if max_keys < 1:
            raise ValueError("A throttle keeps at least one bucket.")
        self.budget = budget
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    @property
    def bucket_count(self) -> int:
        """How many buckets are kept: those of callers that may not be full again yet."""
        return len(self._buckets)

    async def spend(self, key: str, cost: float) -> Decision:
        _check(cost)
        now = self._clock()
        self._forget_full(now)
        available = self._level(key, now)
        if cost > available:
            return _refused(self.budget, cost, available)
        if cost == 0:
            return _allowed(self.budget, available)
        left = available - cost
        self._buckets[key] = _Bucket(left, now)
        self._buckets.move_to_end(key)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return _allowed(self.budget, left)

    async def close(self) -> None:
        self._buckets.clear()

    def _level(self, key: str, now: float) -> float:
        bucket = self._buckets.get(key)
        if bucket is None:
            return self.budget.capacity
        refilled = bucket.level + max(0.0, now - bucket.at) * self.budget.restore_rate
        return min(self.budget.capacity, refilled)

    def _forget_full(self, now: float) -> None:
        horizon = now - self.budget.refill_seconds
        while self._buckets:
            key, bucket = next(iter(self._buckets.items()))
            if bucket.at > horizon:
                return
            del self._buckets[key]


# KEYS[1]: the caller's bucket, a hash of its level and when it was set (microseconds of Redis's clock).
# ARGV: capacity, restore rate (points per second), cost. Returns {1 if allowed, level as text}; the
# level is what is left when allowed or what the bucket holds when refused. A refusal writes nothing.
# The bucket expires when full again (capped at 1e15 ms, which Redis still reads as an integer).
_SPEND = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local server_time = redis.call('TIME')
local now = tonumber(server_time[1]) * 1000000 + tonumber(server_time[2])
local level = capacity
local stored = redis.call('HMGET', KEYS[1], 'level', 'at')
if stored[1] and stored[2] then
  local elapsed = math.max(0, now - tonumber(stored[2])) / 1000000
  level = math.min(capacity, tonumber(stored[1]) + elapsed * rate)
end
if cost > level then
  return {0, string.format('%.17g', level)}
end
if cost > 0 then
  level = level - cost
  redis.call('HSET', KEYS[1], 'level', string.format('%.17g', level), 'at', string.format('%d', now))
  local full_in = math.ceil((capacity - level) / rate * 1000)
  redis.call('PEXPIRE', KEYS[1], math.min(math.max(1, full_in), 1e15))
end
return {1, string.format('%.17g', level)}
"""


class RedisThrottle:
    """The buckets in Redis, shared by every process and instance that uses it.

    If Redis fails to answer, operations are decided by this process's own buckets (a warning is
    logged once per outage); Redis is tried again ``retry_interval`` seconds after each failure.
    The throttle owns ``client`` and closes it.
    """

    def __init__(
        self,
        budget: Budget,
        client: Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        retry_interval: float = 1.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.budget = budget
        self.prefix = prefix
        self._client = client
        self._script = client.register_script(_SPEND)
        self._fallback = LocalThrottle(budget, clock=clock)
        self._retry_interval = retry_interval
        self._clock = clock
        self._down_until: float | None = None

    @classmethod
    def from_url(
        cls,
        budget: Budget,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = 0.25,
        retry_interval: float = 1.0,
        clock: Clock = time.monotonic,
    ) -> RedisThrottle:
        """A throttle on the Redis at ``url`` that gives up on it after ``timeout`` seconds (no retries:
        an operation must not wait on an outage)."""
        client = Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=Retry(NoBackoff(), 0)
        )
        return cls(budget, client, prefix=prefix, retry_interval=retry_interval, clock=clock)

    @property
    def shared(self) -> bool:
        """False while Redis is failing and this process decides alone."""
        return self._down_until is None

    async def spend(self, key: str, cost: float) -> Decision:
        _check(cost)
        if self._down_until is not None and self._clock() < self._down_until:
            return await self._fallback.spend(key, cost)
        try:
            allowed, level = await self._script(
                keys=[self.prefix + key], args=[self.budget.capacity, self.budget.restore_rate, cost]
            )
        except (RedisError, OSError) as error:
            self._went_down(error)
            return await self._fallback.spend(key, cost)
        self._came_back()
        if allowed:
            return _allowed(self.budget, float(level))
        return _refused(self.budget, cost, float(level))

    async def close(self) -> None:
        await self._client.aclose()
        await self._fallback.close()

    def _went_down(self, error: Exception) -> None:
        if self._down_until is None:
            logger.warning(
                "Redis for caller budgets failed (%s): each process keeps its own budgets until it answers.",
                error,
            )
        self._down_until = self._clock() + self._retry_interval

    def _came_back(self) -> None:
        if self._down_until is not None:
            logger.info("Redis for caller budgets answers again: budgets are shared again.")
            self._down_until = None


def throttle_from(capacity: float, restore_rate: float, redis_url: str | None) -> Throttle:
    """The throttle the settings ask for: shared through Redis at ``redis_url``, else per process."""
    budget = Budget(capacity=capacity, restore_rate=restore_rate)
    if redis_url:
        return RedisThrottle.from_url(budget, redis_url)
    return LocalThrottle(budget)
