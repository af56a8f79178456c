"""The production app served for real: ``uvicorn --factory api.app:factory`` in a subprocess.

The tests of :mod:`tests.http` reach the API as a browser or a spec auditor does, over TCP
to a real uvicorn process, where the other tests call the app in-process. :func:`serve`
starts that process over a migrated test database (as the owner of its tables: the app
connects as the service role by itself), with the test identity provider of
:mod:`tests.auth` trusted for sign-in tokens and the extra settings a test gives, waits
until ``GET /ready`` says it is ready, and stops the process and every worker of it at the end.

The server reads nothing but the environment given here: the ``REDTHREAD_*`` settings of the
shell running the tests are not passed on (those of the database roles aside), and it runs
in an empty folder, so a ``.env`` file of the working tree is not read either.

:func:`serve_page` serves a page from another origin, for a browser to call the API from.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests import auth

PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: How long the server may take to be ready (``GET /ready``) after it was started: a few seconds
#: on an idle machine (importing the app and building the schema), several times that on a
#: busy one.
START_TIMEOUT = 90.0
#: How long the server may take to stop after SIGTERM before it is killed.
STOP_GRACE = 5.0
#: Settings of the calling shell passed on to the server: how to reach the database.
_PASSED_ON = ("REDTHREAD_DATABASE_SERVICE_ROLE", "REDTHREAD_DATABASE_SERVICE_PASSWORD")
_ERRORS = "userErrors { field message code }"


@dataclass(frozen=True)
class SignedIn:
    """A member signed in with a sign-in token, OWNER of an organization of their own that holds
    a workspace with a strategy."""

    subject: str
    token: str
    organization_id: str
    workspace_id: str
    strategy_id: str

    @property
    def headers(self) -> dict[str, str]:
        return auth.bearer(self.token)


@dataclass
class LiveServer:
    """A running server: ``url`` is its origin (``http://127.0.0.1:PORT``)."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    workers: int

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def log(self) -> str:
        """What the server has written so far (stdout and stderr)."""
        return self.log_path.read_text(errors="replace")

    def post(
        self,
        query: str,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        **variables: Any,
    ) -> httpx.Response:
        """POST a GraphQL request as JSON, signed in with ``token`` when one is given."""
        sent = {**(auth.bearer(token) if token is not None else {}), **(headers or {})}
        return httpx.post(
            self.graphql_url, json={"query": query, "variables": variables}, headers=sent, timeout=10
        )

    def data(self, query: str, *, token: str | None = None, **variables: Any) -> dict[str, Any]:
        """The data of a request that must succeed without GraphQL errors."""
        response = self.post(query, token=token, **variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def mutate(self, query: str, *, token: str, **variables: Any) -> dict[str, Any]:
        """The payload of a single mutation that must succeed without user errors."""
        (payload,) = self.data(query, token=token, **variables).values()
        assert payload["userErrors"] == [], payload["userErrors"]
        result: dict[str, Any] = payload
        return result

    def sign_in(self, subject: str = auth.OPERATOR, *, name: str | None = None) -> SignedIn:
        """Sign in as the member ``subject`` (made on first sign-in) and make them OWNER of a new
        organization with a workspace and a DRAFT strategy, all through the API."""
        name = name or subject.capitalize()
        token = auth.token(subject, name=name)
        organization = self.mutate(
            "mutation($n: String!) { createOrganization(input: {name: $n}) "
            f"{{ organization {{ id }} {_ERRORS} }} }}",
            token=token,
            n=f"{name}'s agency",
        )["organization"]["id"]
        workspace = self.mutate(
            "mutation($o: ID!, $n: String!) { createWorkspace(input: {organizationId: $o, name: $n}) "
            f"{{ workspace {{ id }} {_ERRORS} }} }}",
            token=token,
            o=organization,
            n=f"{name}'s client",
        )["workspace"]["id"]
        strategy = self.mutate(
            'mutation($w: ID!) { createStrategy(input: {workspaceId: $w, name: "Always on", '
            'purpose: "We want to help the customer to find the right bag."}) '
            f"{{ strategy {{ id }} {_ERRORS} }} }}",
            token=token,
            w=workspace,
        )["strategy"]["id"]
        return SignedIn(subject, token, organization, workspace, strategy)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(database_url: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a live server over ``database_url``: the calling process's, without its
    redthread settings, plus the test identity provider and ``env``."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if (not key.startswith("REDTHREAD_") and key != "DATABASE_URL") or key in _PASSED_ON
    }
    python_path = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
    return {
        **inherited,
        "PYTHONPATH": python_path,
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": database_url,
        "REDTHREAD_JWT_ISSUER": auth.ISSUER,
        "REDTHREAD_JWT_AUDIENCE": auth.AUDIENCE,
        "REDTHREAD_JWT_SECRET": auth.SECRET,
        **(env or {}),
    }


@contextlib.contextmanager
def serve(
    database_url: str,
    *,
    env: Mapping[str, str] | None = None,
    workers: int = 1,
    timeout: float = START_TIMEOUT,
) -> Iterator[LiveServer]:
    """The app served by uvicorn with ``workers`` worker processes over ``database_url`` (the
    owner's URL of a migrated database), with ``env`` added to its environment; stopped, with
    every process it started, on leaving."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "api.app:factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with run(
        command, server_environment(database_url, env), port, workers=workers, timeout=timeout
    ) as server:
        yield server


@contextlib.contextmanager
def run(
    command: list[str],
    env: Mapping[str, str],
    port: int,
    *,
    workers: int = 1,
    timeout: float = START_TIMEOUT,
) -> Iterator[LiveServer]:
    """``command`` (a server listening on ``port`` of 127.0.0.1) run in an empty folder with
    ``env`` as its whole environment, until it answers ``GET /ready``; stopped, with every
    process it started, on leaving."""
    with (
        tempfile.TemporaryDirectory(prefix="redthread-live-") as folder,
        open(Path(folder) / "server.log", "wb") as log,
    ):
        # A session of its own: a Ctrl-C in the terminal reaches the tests, which stop it in order.
        process = subprocess.Popen(
            command,
            cwd=folder,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = LiveServer(f"http://127.0.0.1:{port}", process, Path(log.name), workers)
        try:
            _wait_until_ready(server, timeout)
            yield server
        finally:
            stop(process)


def _wait_until_ready(server: LiveServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"The live server exited with {server.process.returncode} before it answered "
                f"GET /ready:\n{server.log()}"
            )
        try:
            response = httpx.get(f"{server.url}/ready", timeout=1)
        except httpx.TransportError as error:
            last = repr(error)
        else:
            if response.status_code == 200:
                return
            last = f"HTTP {response.status_code}: {response.text}"
            if response.status_code >= 500:  # the app is up but cannot serve: no use waiting
                break
        time.sleep(0.1)
    raise RuntimeError(
        f"The live server did not become ready (GET /ready, {timeout} s at most; last: {last}):\n"
        f"{server.log()}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server: SIGTERM, SIGKILL after :data:`STOP_GRACE` seconds; then any process it
    had started that still runs (a worker it left behind) is killed, and awaited."""
    started: list[Any]
    try:
        started = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _, alive = psutil.wait_procs(started, timeout=STOP_GRACE)
    for left in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            left.kill()
    _, still = psutil.wait_procs(alive, timeout=STOP_GRACE)
    if still:
        raise RuntimeError(f"The live server left processes running: {[p.pid for p in still]}")


@contextlib.contextmanager
def serve_page(html: str) -> Iterator[str]:
    """``html`` served at ``/`` of an origin of its own (``http://127.0.0.1:PORT``, yielded), from a
    thread of this process: the front end of a browser test. Stopped, the thread joined, on leaving."""
    body = html.encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the tests' output is not the place for a page's access log."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name=f"page on port {port}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(STOP_GRACE)
