"""CORS as a real browser applies it: chromium calls the live server from pages on other origins.

The API, the allowed page and the refused page are three origins (127.0.0.1 on three ports).
The page sends a bearer token and a JSON body, so every call needs a preflight. From the
allowed origin a query and a mutation succeed, after one preflight the browser then keeps;
from the refused one the browser sends neither request on, so nothing changes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.live import LiveServer, SignedIn, serve_page

pytestmark = pytest.mark.http

#: How long the browser may keep a preflight's answer, as the server is told (seconds).
MAX_AGE = 900
PAGE = "<!doctype html><html><head><title>A front end</title></head><body></body></html>"
#: Run in the page: a GraphQL POST as a front end sends it, or the error fetch raised.
FETCH = """async ({url, token, query, variables}) => {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {"Authorization": `Bearer ${token}`, "Content-Type": "application/json"},
      body: JSON.stringify({query, variables}),
    });
    return {status: response.status, body: await response.json()};
  } catch (error) {
    return {error: `${error.name}: ${error.message}`};
  }
}"""
VIEWER = "{ viewer { actor { kind name } } }"
CREATE = (
    "mutation($name: String!) { createOrganization(input: {name: $name}) "
    "{ organization { name } userErrors { field message code } } }"
)
ORGANIZATIONS = "{ organizations(first: 100) { nodes { name } } }"
FAILED = {"error": "TypeError: Failed to fetch"}


@pytest.fixture(scope="module")
def allowed_origin() -> Iterator[str]:
    with serve_page(PAGE) as origin:
        yield origin


@pytest.fixture(scope="module")
def refused_origin() -> Iterator[str]:
    with serve_page(PAGE) as origin:
        yield origin


@pytest.fixture(scope="module")
def live_env(allowed_origin: str) -> dict[str, str]:
    return {"REDTHREAD_CORS_ORIGINS": allowed_origin, "REDTHREAD_CORS_MAX_AGE": str(MAX_AGE)}


@asynccontextmanager
async def page_at(browser: Browser, origin: str) -> AsyncIterator[Page]:
    """A page loaded from ``origin`` in a new browser context (its own preflight cache)."""
    async with await browser.new_context() as context:
        page = await context.new_page()
        response = await page.goto(f"{origin}/")
        assert response is not None
        assert response.ok
        yield page


async def fetch(page: Page, server: LiveServer, member: SignedIn, query: str, **variables: Any) -> Any:
    return await page.evaluate(
        FETCH, {"url": server.graphql_url, "token": member.token, "query": query, "variables": variables}
    )


def requests_seen(server: LiveServer, method: str) -> int:
    """The requests with ``method`` to /graphql in the server's access log so far.

    uvicorn logs a request as its response starts, before the browser has it: a request the
    browser made before the one it is waiting for is in the log by then.
    """
    access = [json.loads(line)["message"] for line in server.log().splitlines() if line.startswith("{")]
    return sum(f'"{method} /graphql HTTP/1.1"' in message for message in access)


def organizations(server: LiveServer, member: SignedIn) -> list[str]:
    return [o["name"] for o in server.data(ORGANIZATIONS, token=member.token)["organizations"]["nodes"]]


async def test_a_page_on_an_allowed_origin_reads_and_changes_with_one_preflight(
    live_server: LiveServer, browser: Browser, allowed_origin: str
) -> None:
    operator = live_server.sign_in(name="Operator")
    preflights = requests_seen(live_server, "OPTIONS")

    async with page_at(browser, allowed_origin) as page:
        viewer = await fetch(page, live_server, operator, VIEWER)
        created = await fetch(page, live_server, operator, CREATE, name="Made in the browser")

    assert viewer["status"] == 200, viewer
    assert "errors" not in viewer["body"], viewer["body"]
    assert viewer["body"]["data"] == {"viewer": {"actor": {"kind": "MEMBER", "name": "Operator"}}}
    assert created["status"] == 200, created
    assert "errors" not in created["body"], created["body"]
    assert created["body"]["data"] == {
        "createOrganization": {"organization": {"name": "Made in the browser"}, "userErrors": []}
    }
    assert "Made in the browser" in organizations(live_server, operator)
    # The mutation went out on the query's preflight, which the browser kept.
    assert requests_seen(live_server, "OPTIONS") - preflights == 1


async def test_a_page_on_another_origin_can_neither_read_nor_change(
    live_server: LiveServer, browser: Browser, refused_origin: str
) -> None:
    operator = live_server.sign_in(name="Operator")
    before = organizations(live_server, operator)
    preflights, posts = requests_seen(live_server, "OPTIONS"), requests_seen(live_server, "POST")

    async with page_at(browser, refused_origin) as page:
        viewer = await fetch(page, live_server, operator, VIEWER)
        created = await fetch(page, live_server, operator, CREATE, name="Forged in the browser")

    assert viewer == FAILED
    assert created == FAILED
    # The browser asked before each call, was refused, and sent neither on.
    assert requests_seen(live_server, "OPTIONS") - preflights == 2
    assert requests_seen(live_server, "POST") == posts
    assert organizations(live_server, operator) == before


async def test_a_preflight_answer_says_what_is_allowed_and_for_how_long(
    live_server: LiveServer, allowed_origin: str, refused_origin: str
) -> None:
    asked = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    async with httpx.AsyncClient(timeout=10) as http:
        allowed = await http.options(live_server.graphql_url, headers={"Origin": allowed_origin, **asked})
        refused = await http.options(live_server.graphql_url, headers={"Origin": refused_origin, **asked})

    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == allowed_origin
    assert allowed.headers["access-control-max-age"] == str(MAX_AGE)
    assert "POST" in allowed.headers["access-control-allow-methods"]
    allowed_headers = allowed.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed_headers
    assert "content-type" in allowed_headers
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    assert refused.json()["errors"][0]["extensions"]["code"] == "CORS_REFUSED"
