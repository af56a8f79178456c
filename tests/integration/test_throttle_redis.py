"""Per-caller budgets shared through a real Redis (``REDTHREAD_TEST_REDIS_URL``, default the local one).

Every test draws from its own key prefix and deletes its keys afterwards.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from redis.typing import EncodableT

from api.throttle import Budget, Decision, RedisThrottle

REDIS_URL = os.environ.get("REDTHREAD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).resolve().parents[2]

MakeThrottle = Callable[[Budget], Awaitable[RedisThrottle]]


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=1)
    try:
        await client.ping()
    except RedisError as error:
        await client.aclose()
        pytest.fail(
            f"No Redis at {REDIS_URL} ({error}): start one (`redis-server --port 6379`) or point"
            " REDTHREAD_TEST_REDIS_URL at one."
        )
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(redis: Redis) -> AsyncIterator[str]:
    prefix = f"redthread:test:{uuid.uuid4().hex}:"
    yield prefix
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)


@pytest.fixture
async def make_throttle(prefix: str) -> AsyncIterator[MakeThrottle]:
    made: list[RedisThrottle] = []

    async def make(budget: Budget) -> RedisThrottle:
        made.append(RedisThrottle.from_url(budget, REDIS_URL, prefix=prefix))
        return made[-1]

    yield make
    for throttle in made:
        await throttle.close()


async def test_the_bucket_lives_in_redis_under_the_prefix(
    make_throttle: MakeThrottle, redis: Redis, prefix: str
) -> None:
    budget = Budget(capacity=100, restore_rate=0.001)
    first, second = await make_throttle(budget), await make_throttle(budget)
    assert (await first.spend("member:1", 60)).allowed
    refused = await second.spend("member:1", 60)
    assert not refused.allowed
    assert refused.available == pytest.approx(40, abs=0.01)
    assert (await second.spend("member:2", 60)).allowed
    assert sorted(await redis.keys(f"{prefix}*")) == [
        f"{prefix}member:1".encode(),
        f"{prefix}member:2".encode(),
    ]
    assert first.shared
    assert second.shared


_SPENDER = """
import asyncio, json, sys, time
from redis.asyncio import Redis
from api.throttle import Budget, RedisThrottle

async def main(url, prefix):
    throttle = RedisThrottle.from_url(Budget(100, 1e-6), url, prefix=prefix, timeout=1)
    async with Redis.from_url(url) as redis:
        await redis.incr(prefix + "ready")
        deadline = time.monotonic() + 5
        while int(await redis.get(prefix + "ready")) < 2:
            if time.monotonic() > deadline:
                sys.exit("The other process never came.")
            await asyncio.sleep(0.005)
    decisions = await asyncio.gather(*(throttle.spend("key:shared", 10) for _ in range(10)))
    print(json.dumps({"allowed": sum(d.allowed for d in decisions), "shared": throttle.shared}))
    await throttle.close()

asyncio.run(main(*sys.argv[1:]))
"""


async def _spend_in_another_process(prefix: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _SPENDER, REDIS_URL, prefix, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    outcome: dict[str, Any] = json.loads(out)
    return outcome


async def test_processes_draw_from_one_bucket(prefix: str) -> None:
    outcomes = await asyncio.gather(*(_spend_in_another_process(prefix) for _ in range(2)))
    assert all(outcome["shared"] for outcome in outcomes)
    assert sum(outcome["allowed"] for outcome in outcomes) == 10


async def test_retry_after_is_what_redis_refills(make_throttle: MakeThrottle) -> None:
    budget = Budget(capacity=10, restore_rate=20)
    throttle = await make_throttle(budget)
    assert await throttle.spend("visitor:1", 10) == Decision(True, 0, 0, budget)
    refused = await throttle.spend("visitor:1", 5)
    assert not refused.allowed
    assert refused.retry_after is not None
    assert 0 < refused.retry_after <= 0.25
    assert refused.available + refused.retry_after * budget.restore_rate == pytest.approx(5)
    await asyncio.sleep(refused.retry_after + 0.005)
    assert (await throttle.spend("visitor:1", 5)).allowed


async def test_a_cost_above_the_capacity_never_fits(make_throttle: MakeThrottle, redis: Redis) -> None:
    budget = Budget(capacity=100, restore_rate=10)
    throttle = await make_throttle(budget)
    assert await throttle.spend("key:1", 101) == Decision(False, 100, None, budget)
    assert await throttle.spend("key:1", 0) == Decision(True, 100, 0, budget)
    assert await redis.keys(f"{throttle.prefix}*") == []


async def test_a_bucket_never_holds_more_than_the_capacity(make_throttle: MakeThrottle, redis: Redis) -> None:
    budget = Budget(capacity=100, restore_rate=10)
    throttle = await make_throttle(budget)
    # As left by a deployment with a larger capacity.
    seconds, microseconds = await redis.time()
    left: list[EncodableT] = ["level", 1_500, "at", seconds * 1_000_000 + microseconds]
    await redis.hset(f"{throttle.prefix}key:1", items=left)
    assert await throttle.spend("key:1", 0) == Decision(True, 100, 0, budget)
    assert await throttle.spend("key:1", 100) == Decision(True, 0, 0, budget)


async def test_a_bucket_expires_once_full_again(make_throttle: MakeThrottle, redis: Redis) -> None:
    throttle = await make_throttle(Budget(capacity=100, restore_rate=10))
    await throttle.spend("key:1", 40)
    assert 3_000 < await redis.pttl(f"{throttle.prefix}key:1") <= 4_000

    quick = await make_throttle(Budget(capacity=1, restore_rate=100))
    assert (await quick.spend("key:2", 1)).available == 0
    await asyncio.sleep(0.03)
    assert await redis.exists(f"{quick.prefix}key:2") == 0
    assert (await quick.spend("key:2", 1)).allowed


async def test_without_redis_each_process_decides_alone(caplog: pytest.LogCaptureFixture) -> None:
    budget = Budget(capacity=100, restore_rate=0.001)
    throttle = RedisThrottle.from_url(budget, "redis://127.0.0.1:1/0", retry_interval=0)
    started = time.monotonic()
    decisions = [await throttle.spend("key:1", 30) for _ in range(4)]
    assert time.monotonic() - started < 1
    await throttle.close()
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].available == pytest.approx(10, abs=0.01)
    assert not throttle.shared
    assert [record.levelno for record in caplog.records if record.name == "api.throttle"] == [logging.WARNING]


class _Relay:
    """A TCP relay to Redis on a port of its own, to take Redis away and bring it back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in self._writers:
                writer.close()
            await self._server.wait_closed()
            self._server = None

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, upstream_writer}
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer), return_exceptions=True
        )

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65_536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()


async def test_budgets_are_shared_again_once_redis_answers(
    redis: Redis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="api.throttle")
    kwargs = redis.connection_pool.connection_kwargs
    relay = _Relay((kwargs.get("host", "127.0.0.1"), kwargs.get("port", 6379)))
    now = [0.0]
    url = f"redis://127.0.0.1:{relay.port}/{kwargs.get('db', 0)}"
    throttle = RedisThrottle.from_url(
        Budget(100, 0.001), url, prefix=prefix, retry_interval=5, clock=lambda: now[0]
    )
    try:
        assert (await throttle.spend("key:1", 30)).allowed
        assert not throttle.shared

        await relay.start()
        now[0] = 4
        assert (await throttle.spend("key:1", 30)).available == pytest.approx(40, abs=0.01)
        assert await redis.exists(f"{prefix}key:1") == 0

        now[0] = 5
        assert (await throttle.spend("key:1", 30)).available == pytest.approx(70, abs=0.01)
        assert throttle.shared
        assert await redis.exists(f"{prefix}key:1") == 1

        await relay.stop()
        assert (await throttle.spend("key:1", 30)).available == pytest.approx(10, abs=0.01)
        assert not throttle.shared
    finally:
        await throttle.close()
        await relay.stop()
    records = [record for record in caplog.records if record.name == "api.throttle"]
    assert [record.levelno for record in records] == [logging.WARNING, logging.INFO, logging.WARNING]
    assert all(record.getMessage().startswith("Redis for caller budgets") for record in records)
