"""The served API as a spec auditor sees it: graphql-http's audits of the GraphQL-over-HTTP spec.

tests/http/audit.mjs runs every server audit of the pinned graphql-http against the live
server, signed in as the operator. Every MUST and SHOULD audit has to pass; the MAY audits
are only reported (``pytest -s`` shows them).
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from tests import auth
from tests.http.conftest import HTTP_TESTS
from tests.live import PROJECT_ROOT, LiveServer

pytestmark = pytest.mark.http

AUDIT = HTTP_TESTS / "audit.mjs"
#: Levels whose audits must pass (RFC 2119, as graphql-http names them).
REQUIRED = ("MUST ", "SHOULD ")


def run_audit(node: str, server: LiveServer, token: str) -> list[dict[str, Any]]:
    """Every audit's ``{id, name, status, reason}``."""
    completed = subprocess.run(
        [node, str(AUDIT), server.graphql_url],
        cwd=PROJECT_ROOT,
        env={**os.environ, "REDTHREAD_AUDIT_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, f"{AUDIT.name} failed:\n{completed.stderr}"
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    return results


def describe(results: list[dict[str, Any]]) -> str:
    return "\n".join(f"- {r['id']} {r['name']} [{r['status']}]: {r['reason']}" for r in results)


def test_the_served_api_passes_every_must_and_should_audit_of_graphql_over_http(
    node: str, live_server: LiveServer
) -> None:
    results = run_audit(node, live_server, auth.token(auth.OPERATOR, name="Operator"))

    assert results, "graphql-http ran no audits"
    assert len({r["id"] for r in results}) == len(results), "audit ids are not unique"
    optional = [r for r in results if not r["name"].startswith(REQUIRED)]
    if missed := [r for r in optional if r["status"] != "ok"]:
        print(f"MAY audits not passed ({len(missed)} of {len(optional)}):\n{describe(missed)}")
    failures = [r for r in results if r["name"].startswith(REQUIRED) and r["status"] != "ok"]
    required = len(results) - len(optional)
    if failures:
        heading = f"{len(failures)} of {required} MUST/SHOULD audits of GraphQL over HTTP failed"
        pytest.fail(f"{heading}:\n{describe(failures)}", pytrace=False)
