"""`make soak`, shortly: a few clients for a few seconds, and nothing unexpected."""

from __future__ import annotations

import pytest

from tests.bench.soak import soak
from tests.live import LiveServer


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    return {"REDTHREAD_THROTTLE_CAPACITY": "1000000000", "REDTHREAD_THROTTLE_RESTORE_RATE": "1000000000"}


async def test_a_short_soak_meets_only_expected_outcomes(live_server: LiveServer) -> None:
    verdict = await soak(live_server, seconds=8, clients=4, every=4)
    assert verdict.requests > 20
    assert verdict.unexpected == {}
    assert verdict.log_errors == 0
