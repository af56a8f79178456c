"""Fixtures of the tests that call the served API over TCP: a live server, node and chromium.

``live_server`` is the production app in a real uvicorn process (:mod:`tests.live`) over a
fresh migrated database of its own, one per test module: starting it costs seconds (the
app's imports and schema), so the tests of a module share it, and each makes its own data
(``live_server.sign_in()``: a new organization each time). A module changes how it is
started by overriding ``live_env`` (extra environment, e.g. ``REDTHREAD_CORS_ORIGINS``) or
``live_workers`` (worker processes) with a module-scoped fixture of its own, or with
``@pytest.mark.parametrize("live_workers", [2], scope="module")``. A test that needs a server
to itself starts one with :func:`tests.live.serve` over ``live_database``.

The tools these tests drive are required, not optional: without them the tests fail and say
how to install them.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.conftest import copied_database
from tests.live import PROJECT_ROOT, LiveServer, serve

HTTP_TESTS = Path(__file__).resolve().parent
#: Written by `npm ci` once the locked packages are installed.
NODE_PACKAGES = HTTP_TESTS / "node_modules" / ".package-lock.json"
CHROMIUM = Path("/usr/bin/chromium")
#: How the browser tests run chromium: headless, and quiet (no update checks, no sync, no QUIC).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
async def live_database(server_url: str, template_url: str) -> AsyncIterator[str]:
    """A fresh migrated database for the module's live server: its URL as the owner of its tables."""
    async with copied_database(server_url, template_url) as url:
        yield url


@pytest.fixture(scope="module")
def live_env() -> dict[str, str]:
    """Environment the live server gets on top of the database and the test identity provider."""
    return {}


@pytest.fixture(scope="module")
def live_workers() -> int:
    """Worker processes of the live server."""
    return 1


@pytest.fixture(scope="module")
def live_server(live_database: str, live_env: dict[str, str], live_workers: int) -> Iterator[LiveServer]:
    """The app served by uvicorn over the module's database, stopped (every worker too) after its tests."""
    with serve(live_database, env=live_env, workers=live_workers) as server:
        yield server


@pytest.fixture(scope="session")
def node() -> str:
    """The ``node`` executable, with the locked packages of tests/http installed."""
    found = shutil.which("node")
    if found is None:
        pytest.fail(
            "These tests need Node.js 18+ and npm: install them (Debian: `apt-get install nodejs npm`), "
            "then `make install`.",
            pytrace=False,
        )
    if not NODE_PACKAGES.exists():
        pytest.fail(
            f"The npm packages of {HTTP_TESTS.relative_to(PROJECT_ROOT)} are not installed: run "
            "`make install` (or `npm ci --prefix tests/http --no-audit --no-fund`).",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, the browser the browser tests drive (Playwright's own downloads are not used)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need chromium at {CHROMIUM}: install it with "
            "`sudo apt-get update && sudo apt-get install -y chromium` (CI does: .ci/run).",
            pytrace=False,
        )
    return str(CHROMIUM)


@pytest.fixture(scope="module")
async def browser(chromium: str) -> AsyncIterator[Browser]:
    """Chromium driven by Playwright, closed (with Playwright's driver) after the module's tests.

    The async API: the sync one marks its own event loop as running in the thread between
    calls, which stops the async fixtures of the suite from running while it is open.
    """
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()
