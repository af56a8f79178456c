"""Benchmark: the production server under load, document by document, beside a raw baseline.

The judge of the fast read path (issue 14). One run:

1. loads the scale data (:func:`seed.scale.load_scale`) into a scratch database
   (:func:`tests.bench.scratch.scratch_database`, dropped at the end): one strategy for each size
   of ``--sizes`` (default 10,000 and N, N = 100,000), each in a workspace of its own with an API
   key (WRITE) that the load signs in with, as an agency's tool does;
2. starts the production server as ``redthread serve --workers 1`` does it (one process, so CPU
   per request is comparable; the environment of :func:`tests.live.server_environment`, in an
   empty folder), and the raw baseline of :mod:`tests.bench.baseline` (bare ASGI under uvicorn,
   one worker, 2 SELECTs + orjson, the same database role) in another process;
3. drives each named document with ``wrk`` (``--connections`` 32; the strategy report with
   ``--report-connections``) for ``--warmup`` + ``--seconds`` seconds, through a Lua script that
   POSTs the JSON body with the API key and counts every response that is not a 200 without
   ``errors`` and without user errors;
4. prints a Markdown table and exits 1 if any document answered an error (or wrk met a socket
   error or timeout): a benchmark over error responses is worthless.

The documents: the content map page (:data:`tests.bench.content_page.QUERY`) at every size; the
same page from a cursor in the middle of the strategy (the first item planned on the middle day
of the plan, found through the API's own ``plannedFrom`` filter); a content detail (one item with
its fields, tactic, KPIs, channel, audiences, metrics and comments; 50 published items in turn);
the strategy report (:data:`tests.bench.strategy_report.QUERY`); a mutation mix on 151 items in
turn (``updateContentItem`` of the title with the version last seen, twice; ``mapContentItem``
to the mapping it has; ``addComment``). The baseline serves the content map at N items.

What the columns count:

- **req/s**: responses in the measured window (after the warm-up) per second. The window is
  whole seconds of the wall clock; the Lua script buckets responses by ``os.time()``, so the
  requests still running when wrk stops are not counted (nor is their CPU).
- **p50, p99**: wrk's latency percentiles over the whole run, warm-up included.
- **server CPU ms/req**: user + system CPU of the server's process tree (psutil) over the window,
  divided by the responses in it.
- **PG CPU ms/req**: user + system CPU, over the window, of PostgreSQL's client backends connected
  to the bench database (``pg_stat_activity``, sampled with psutil at both ends of the window:
  a backend started meanwhile counts from zero; this bench's own monitoring connection is left
  out). The backends of the process not under load are idle and add nothing. Autovacuum, the
  WAL writer and the checkpointer are not counted (the database is vacuumed and analyzed after
  loading, so autovacuum has nothing to do meanwhile). Needs PostgreSQL on this machine, else "n/a".
- **SQL/req (tx)**: statements PostgreSQL executed per request, and transactions among them, when
  the document runs a few times alone: through the app of :func:`api.app.create_app` in this
  process (httpx's ASGI transport), connected through a counting proxy that reads PostgreSQL's
  wire protocol (each simple ``Query`` and each extended ``Execute``, whatever issued it:
  SQLAlchemy, a raw asyncpg call, a background write). ``BEGIN``/``COMMIT``/``ROLLBACK``/
  ``SAVEPOINT`` are not counted as statements; the transactions are the ``BEGIN``/``START``.
  The scope binding counts as a statement. An average when requests differ (e.g. one per key).
- **× baseline**: the row's server CPU per request, and its server + PostgreSQL CPU per request,
  over the baseline's (the content map page at N items).

The server's budgets and timeouts are raised (:data:`SERVER_ENV`): 32 connections against one
process queue for seconds, and a saturating load is what is measured, not the refusals of it.

    make bench                                           # runs this after the three in-process ones
    python -m tests.bench.served                         # N = 100,000; sizes 10,000 and N
    python -m tests.bench.served --seconds 5             # shorter runs
    python -m tests.bench.served --sizes 10000,100000,1000000   # the full table (1M loads for minutes)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import math
import os
import re
import shutil
import statistics
import struct
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
from sqlalchemy import make_url

from domain.access.api_keys import KeyRequest, create_api_key
from domain.access.members import Target
from domain.access.roles import KeyScope
from domain.persistence.database import Database, binds_scope
from domain.persistence.locate import database_url
from domain.persistence.settings import DatabaseSettings, service_url
from domain.scope import Scope
from schema.ids import encode
from seed.scale import DAYS_AHEAD, HISTORY_WEEKS, load_scale
from tests import live
from tests.bench.content_page import QUERY as CONTENT_MAP
from tests.bench.scratch import Scratch, scratch_database
from tests.bench.soak import SERVER_ENV as UNTHROTTLED
from tests.bench.strategy_report import QUERY as REPORT
from tests.client import UNLIMITED, signed_in
from tests.conftest import plain_url
from tests.live import PROJECT_ROOT, free_port, server_environment

DEFAULT_CONTENT = 100_000
SMALLEST = 10_000
CONNECTIONS = 32
REPORT_CONNECTIONS = 4
SECONDS = 10
WARM_UP = 2
#: wrk's threads: one keeps up with these rates and leaves the cores to the server and PostgreSQL.
THREADS = 1
#: Runs of each document alone to count its statements, after as many to warm up.
COUNT_RUNS = 3
PAGE = 50
#: Items the mutation mix edits in turn: odd, so each item meets every kind of the cycle of 4.
MUTATED_ITEMS = 151
#: Content items whose details are read in turn.
DETAIL_ITEMS = 50
SERVER_ENV = {
    **UNTHROTTLED,
    "REDTHREAD_REQUEST_TIMEOUT_SECONDS": "600",
    "REDTHREAD_POOL_TIMEOUT_SECONDS": "60",
    "REDTHREAD_STATEMENT_TIMEOUT_MS": "120000",
    "REDTHREAD_LOCK_TIMEOUT_MS": "60000",
}
INSTALL_WRK = (
    "wrk not found: the served benchmark drives the server with wrk. "
    "Install it: apt-get install wrk (Debian, Ubuntu), brew install wrk (macOS)."
)

#: The content map page after a cursor: the same selection as :data:`CONTENT_MAP`.
DEEP_PAGE, _replaced = re.subn(r"\(\$id: ID!\)", "($id: ID!, $after: String)", CONTENT_MAP, count=1)
DEEP_PAGE, _paged = re.subn(
    r"contentItems\(first: (\d+)\)", r"contentItems(first: \1, after: $after)", DEEP_PAGE
)
assert _replaced == _paged == 1, "tests.bench.content_page.QUERY changed its shape: adapt DEEP_PAGE"
DETAIL = """
query ContentDetail($id: ID!) {
  contentItem(id: $id) {
    id title brief format status plannedAt publishedAt url version createdAt updatedAt mapped
    tactic { id name kind }
    primaryKpi { id name }
    kpis { id name metric }
    channel { id name platform }
    audiences { id name }
    metrics(first: 20) { edges { node { id metric observedOn value } } }
    comments(first: 20) { edges { node { id body createdAt } } }
  }
}
"""
#: Where the middle of the plan is, and the cursor of the first item planned there.
MIDDLE = """
query Middle($id: ID!, $day: DateTime!) {
  strategy(id: $id) {
    before: contentItems(filter: {plannedUntil: $day}) { totalCount }
    contentItems(first: 1, filter: {plannedFrom: $day}) { edges { cursor } }
  }
}
"""
#: Items for the mutation mix: mapped ones, planned in the future.
MAPPED = """
query Mapped($id: ID!, $from: DateTime!, $after: String) {
  strategy(id: $id) {
    contentItems(first: 100, after: $after, filter: {plannedFrom: $from, unmapped: false}) {
      pageInfo { endCursor }
      nodes { id version tactic { id } primaryKpi { id } kpis { id } }
    }
  }
}
"""
ERRORS = "userErrors { field message code }"
UPDATE = f"""
mutation Retitle($input: UpdateContentItemInput!) {{
  updateContentItem(input: $input) {{ contentItem {{ id version title }} {ERRORS} }}
}}
"""
MAP = f"""
mutation Map($input: MapContentItemInput!) {{
  mapContentItem(input: $input) {{ contentItem {{ id version }} {ERRORS} }}
}}
"""
COMMENT = f"""
mutation Comment($input: AddCommentInput!) {{
  addComment(input: $input) {{ comment {{ id contentItem {{ id version }} }} {ERRORS} }}
}}
"""


# --- counting statements: a proxy that reads PostgreSQL's wire protocol --------------------------

_SSL_REQUEST, _GSS_REQUEST = 80877103, 80877104
_CONTROL = re.compile(r"^\s*(BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


@dataclass
class Tally:
    """What the proxied connections executed since the last reset."""

    statements: list[str] = field(default_factory=list)
    transactions: int = 0

    def executed(self, sql: str) -> None:
        control = _CONTROL.match(sql)
        if control is None:
            self.statements.append(sql)
        elif control.group(1).upper() in ("BEGIN", "START"):
            self.transactions += 1


class StatementCounter:
    """A TCP proxy to PostgreSQL on 127.0.0.1 that counts the statements going through it."""

    def __init__(self, host: str | None, port: int, socket_dir: str | None) -> None:
        self.host, self.port, self.socket_dir = host, port, socket_dir
        self.tally = Tally()
        self.listen_port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> StatementCounter:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.listen_port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def url(self, owner_url: str) -> str:
        """``owner_url`` through the proxy (without TLS, so the protocol can be read)."""
        url = make_url(owner_url)
        query = {k: v for k, v in url.query.items() if k != "host"}
        proxied = url.set(host="127.0.0.1", port=self.listen_port, query={**query, "ssl": "disable"})
        return proxied.render_as_string(hide_password=False)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.socket_dir is not None:
            upstream = await asyncio.open_unix_connection(f"{self.socket_dir}/.s.PGSQL.{self.port}")
        else:
            upstream = await asyncio.open_connection(self.host or "127.0.0.1", self.port)
        up_reader, up_writer = upstream
        pumps = [
            asyncio.ensure_future(self._frontend(reader, up_writer)),
            asyncio.ensure_future(_copy(up_reader, writer)),
        ]
        for pump in pumps:
            self._tasks.add(pump)
            pump.add_done_callback(self._tasks.discard)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            for stream in (writer, up_writer):
                stream.close()

    async def _frontend(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Pass the client's messages on, noting every statement it has executed."""
        statements: dict[bytes, str] = {}
        portals: dict[bytes, str] = {}
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:  # the startup phase: untyped messages
                head = await reader.readexactly(8)
                length, code = struct.unpack("!ii", head)
                writer.write(head + await reader.readexactly(length - 8))
                await writer.drain()
                if code not in (_SSL_REQUEST, _GSS_REQUEST):
                    break
            while True:
                kind = await reader.readexactly(1)
                size = await reader.readexactly(4)
                payload = await reader.readexactly(struct.unpack("!i", size)[0] - 4)
                writer.write(kind + size + payload)
                if kind == b"Q":
                    self.tally.executed(payload.rstrip(b"\0").decode(errors="replace"))
                elif kind == b"P":
                    name, sql, _ = payload.split(b"\0", 2)
                    statements[name] = sql.decode(errors="replace")
                elif kind == b"B":
                    portal, name, _ = payload.split(b"\0", 2)
                    portals[portal] = statements.get(name, "?")
                elif kind == b"E":
                    self.tally.executed(portals.get(payload.split(b"\0", 1)[0], "?"))
                elif kind in (b"S", b"H", b"X"):
                    await writer.drain()


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()


@dataclass(frozen=True)
class Count:
    statements: list[int]
    transactions: list[int]
    #: The statements of the last run, binding and data.
    texts: list[str]

    def cell(self) -> str:
        return f"{_average(self.statements)} ({_average(self.transactions)})"


def _average(counts: list[int]) -> str:
    mean = statistics.mean(counts)
    return f"{mean:.0f}" if mean == int(mean) else f"{mean:.1f}"


def _shape(sql: str) -> str:
    words = " ".join(sql.split())
    if binds_scope(sql):
        return "(scope binding)"
    return words if len(words) <= 100 else words[:97] + "…"


# --- load: wrk -------------------------------------------------------------------------------

_LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = [==[%(authorization)s]==]
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("slot", #threads)
end
errors = 0
first_error = ""
buckets = {}
local n = 0
%(payload)s
function request()
  n = n + 1
  return wrk.format(nil, nil, nil, next_body(n))
end
function response(status, headers, body)
  local second = os.time()
  buckets[second] = (buckets[second] or 0) + 1
  local failed = status ~= 200 or body:find('"errors"%%s*:') ~= nil
  if not failed and body:find('"userErrors"%%s*:') then
    failed = body:find('"userErrors"%%s*:%%s*%%[%%s*%%]') == nil
  end
  if failed then
    errors = errors + 1
    if first_error == "" then first_error = status .. " " .. (body:sub(1, 600):gsub("[\r\n]", " ")) end
  end
  on_response(body)
end
function done(summary, latency, requests)
  local errs, first, seconds = 0, "", {}
  for _, t in ipairs(threads) do
    errs = errs + t:get("errors")
    if first == "" then first = t:get("first_error") end
    for s, c in pairs(t:get("buckets")) do seconds[s] = (seconds[s] or 0) + c end
  end
  local parts = {}
  for s, c in pairs(seconds) do table.insert(parts, string.format('"%%d":%%d', s, c)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%%.0f,"duration_us":%%.0f,"p50_us":%%.0f,"p99_us":%%.0f,"errors":%%d,'
    .. '"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d,"seconds":{%%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), errs,
    e.connect, e.read, e.write, e.status, e.timeout, table.concat(parts, ",")))
  io.write("BENCH_FIRST_ERROR ", first, "\n")
end
"""

_ROTATE = """
local bodies = {
%(bodies)s
}
function next_body(n) return bodies[(n - 1) %% #bodies + 1] end
function on_response(body) end
"""

_MUTATIONS = r"""
local UPDATE = [==[%(update)s]==]
local MAP = [==[%(map)s]==]
local COMMENT = [==[%(comment)s]==]
local items = {
%(items)s
}
versions = {}
mine = {}
function init(args)
  for i, item in ipairs(items) do
    versions[item[1]] = item[2]
    if (i - 1) %% %(threads)d == slot - 1 then table.insert(mine, item) end
  end
end
function next_body(n)
  local item = mine[(n - 1) %% #mine + 1]
  local kind = (n - 1) %% 4
  if kind == 1 then
    return string.format('{"query":%%s,"variables":{"input":{"id":"%%s","tacticId":"%%s",'
      .. '"primaryKpiId":"%%s","kpiIds":%%s}}}',
      MAP, item[1], item[3], item[4], item[5])
  elseif kind == 3 then
    return string.format('{"query":%%s,"variables":{"input":{"contentItemId":"%%s",'
      .. '"body":"Seen by the bench, %%d-%%d."}}}',
      COMMENT, item[1], slot, n)
  end
  return string.format('{"query":%%s,"variables":{"input":{"id":"%%s","version":%%d,'
    .. '"title":"Edited by the bench, %%d-%%d"}}}',
    UPDATE, item[1], versions[item[1]], slot, n)
end
function on_response(body)
  for id, version in body:gmatch('"id"%%s*:%%s*"([^"]+)"%%s*,%%s*"version"%%s*:%%s*(%%d+)') do
    versions[id] = tonumber(version)
  end
end
"""


def _long_string(text: str) -> str:
    assert "]==]" not in text, text
    return text


@dataclass(frozen=True)
class MutationItem:
    id: str
    version: int
    tactic: str
    primary_kpi: str
    kpis: list[str]

    def lua(self) -> str:
        kpis = json.dumps(self.kpis, separators=(",", ":"))
        return f'  {{"{self.id}", {self.version}, "{self.tactic}", "{self.primary_kpi}", [==[{kpis}]==]}},'

    def bodies(self, n: int) -> list[tuple[str, dict[str, Any]]]:
        """The cycle of the mutation mix for this item, as the Lua script builds it (versions aside)."""
        retitle = {"id": self.id, "version": self.version, "title": f"Edited by the bench, 0-{n}"}
        mapping = {
            "id": self.id,
            "tacticId": self.tactic,
            "primaryKpiId": self.primary_kpi,
            "kpiIds": self.kpis,
        }
        comment = {"contentItemId": self.id, "body": f"Seen by the bench, 0-{n}."}
        return [(UPDATE, retitle), (MAP, mapping), (UPDATE, retitle), (COMMENT, comment)]


@dataclass(frozen=True)
class Document:
    label: str
    items: int
    token: str
    connections: int
    #: JSON bodies sent in turn; or, for the mutation mix, the items it edits.
    bodies: list[bytes] = field(default_factory=list)
    mutations: list[MutationItem] = field(default_factory=list)

    def script(self, threads: int) -> str:
        if self.mutations:
            payload = _MUTATIONS % {
                "update": _long_string(json.dumps(UPDATE)),
                "map": _long_string(json.dumps(MAP)),
                "comment": _long_string(json.dumps(COMMENT)),
                "items": "\n".join(item.lua() for item in self.mutations),
                "threads": threads,
            }
        else:
            bodies = ",\n".join(f"  [==[{_long_string(body.decode())}]==]" for body in self.bodies)
            payload = _ROTATE % {"bodies": bodies}
        return _LUA % {"authorization": f"Bearer {self.token}", "payload": payload}


def body(query: str, **variables: Any) -> bytes:
    return json.dumps({"query": query, "variables": variables}, separators=(",", ":")).encode()


@dataclass
class Load:
    """What one wrk run measured over its window."""

    requests: int
    seconds: int
    p50_ms: float
    p99_ms: float
    errors: int
    socket_errors: dict[str, int]
    first_error: str
    server_cpu_s: float
    pg_cpu_s: float | None

    @property
    def failed(self) -> int:
        return self.errors + sum(self.socket_errors.values())

    @property
    def server_ms(self) -> float:
        return 1000 * self.server_cpu_s / max(self.requests, 1)

    @property
    def pg_ms(self) -> float | None:
        return None if self.pg_cpu_s is None else 1000 * self.pg_cpu_s / max(self.requests, 1)


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and every process under it."""
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
    return total


class PostgresCpu:
    """CPU seconds of the client backends of one database (see the module's docstring)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.local = True

    async def sample(self) -> dict[int, float]:
        rows = await self.connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        times: dict[int, float] = {}
        for row in rows:
            try:
                process = psutil.Process(row["pid"])
                if not process.name().startswith("postgres"):
                    self.local = False
                    continue
                cpu = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            except psutil.AccessDenied:
                self.local = False
                continue
            times[row["pid"]] = cpu.user + cpu.system
        return times

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


async def drive(
    url: str, document: Document, server_pid: int, postgres: PostgresCpu, args: argparse.Namespace
) -> Load:
    """One wrk run against ``url``: CPU sampled at whole seconds, after the warm-up and at the end."""
    connections = document.connections
    threads = min(args.threads, connections)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="served-", delete=False) as script:
        script.write(document.script(threads))
    try:
        started = time.time()
        window_start = math.ceil(started + args.warmup)
        window_end = window_start + args.seconds
        duration = math.ceil(window_end - started) + 1
        wrk = await asyncio.create_subprocess_exec(
            *("wrk", "--latency", "--timeout", "120s", "-t", str(threads), "-c", str(connections)),
            *("-d", f"{duration}s", "-s", script.name, f"{url}/graphql"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output = asyncio.ensure_future(wrk.communicate())
        await asyncio.sleep(max(0.0, window_start - time.time()))
        cpu_before, pg_before = tree_cpu(server_pid), await postgres.sample()
        await asyncio.sleep(max(0.0, window_end - time.time()))
        cpu_after, pg_after = tree_cpu(server_pid), await postgres.sample()
        stdout, _ = await output
    finally:
        os.unlink(script.name)
    text = stdout.decode(errors="replace")
    result = next((line[6:] for line in text.splitlines() if line.startswith("BENCH {")), None)
    if wrk.returncode != 0 or result is None:
        raise SystemExit(f"wrk failed ({wrk.returncode}) on {document.label}:\n{text}")
    figures = json.loads(result)
    first_error = next(line[18:] for line in text.splitlines() if line.startswith("BENCH_FIRST_ERROR "))
    per_second = {int(second): count for second, count in figures["seconds"].items()}
    return Load(
        requests=sum(per_second.get(second, 0) for second in range(window_start, window_end)),
        seconds=args.seconds,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=figures["errors"],
        socket_errors={k: figures[k] for k in ("connect", "read", "write", "timeout") if figures[k]},
        first_error=first_error,
        server_cpu_s=cpu_after - cpu_before,
        pg_cpu_s=PostgresCpu.spent(pg_before, pg_after) if postgres.local else None,
    )


# --- the servers -----------------------------------------------------------------------------


def redthread_serve(owner_url: str, **settings: str) -> tuple[list[str], dict[str, str], int]:
    """``redthread serve`` on one worker, as a deployment starts it, with the bench's settings
    (and ``settings``, e.g. ``REDTHREAD_COMPILED_PLANS="false"``)."""
    port = free_port()
    script = Path(sys.executable).with_name("redthread")
    program = [str(script)] if script.exists() else [sys.executable, "-c", "from api.cli import main; main()"]
    command = [*program, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    return command, server_environment(owner_url, {**SERVER_ENV, **settings}), port


def baseline_serve(owner_url: str, workspace_id: uuid.UUID) -> tuple[list[str], dict[str, str], int]:
    port = free_port()
    service = plain_url(service_url(owner_url, DatabaseSettings()))
    command = [sys.executable, "-m", "tests.bench.baseline", "--port", str(port)]
    command += ["--database", service, "--workspace", str(workspace_id)]
    return command, server_environment(owner_url), port


# --- the documents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Strategy:
    items: int
    id: str
    workspace_id: uuid.UUID
    token: str


async def load(scratch: Scratch, sizes: Sequence[int]) -> list[Strategy]:
    strategies = []
    today = dt.date.today()
    for size in sizes:
        started = time.perf_counter()
        loaded = await load_scale(scratch.owner, size, today, seed=size)
        async with scratch.db.transaction(Scope.everything()) as session:
            key = await create_api_key(
                session,
                Scope.everything(),
                Target(workspace_id=loaded.workspace_id),
                KeyRequest("Served bench", [KeyScope.WRITE]),
                dt.datetime.now(dt.UTC),
            )
        strategies.append(
            Strategy(size, encode("Strategy", loaded.strategy_id), loaded.workspace_id, key.token)
        )
        print(f"loaded {size:,} content items in {time.perf_counter() - started:.1f} s", flush=True)
    return strategies


async def post(client: httpx.AsyncClient, token: str, content: bytes) -> dict[str, Any]:
    """A request that must answer 200 without errors or user errors (else the bench stops)."""
    response = await client.post(
        "/graphql",
        content=content,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    answer: dict[str, Any] = response.json() if response.status_code == 200 else {}
    failed = response.status_code != 200 or "errors" in answer
    if not failed:
        payloads = [p for p in (answer.get("data") or {}).values() if isinstance(p, dict)]
        failed = any(p.get("userErrors") for p in payloads)
    if failed:
        raise SystemExit(
            f"A sample request failed ({response.status_code}):\n{content.decode()[:400]}\n"
            f"→ {response.text[:2000]}"
        )
    return answer


def _edges(answer: dict[str, Any]) -> list[dict[str, Any]]:
    edges: list[dict[str, Any]] = answer["data"]["strategy"]["contentItems"]["edges"]
    return edges


async def documents(
    client: httpx.AsyncClient, strategies: list[Strategy], main: Strategy, args: argparse.Namespace
) -> tuple[list[Document], list[MutationItem], dict[str, Any]]:
    """The named documents, each body tried once on the server; the items the statement count
    mutates (not those of the load); and the server's first page at N items."""
    docs = []
    first_page: dict[str, Any] = {}
    for strategy in strategies:
        content = body(CONTENT_MAP, id=strategy.id)
        answer = await post(client, strategy.token, content)
        assert len(_edges(answer)) == PAGE, f"the content map at {strategy.items:,} items is no full page"
        if strategy is main:
            first_page = answer
        docs.append(
            Document("content map, first page", strategy.items, strategy.token, args.connections, [content])
        )
    today = dt.date.today()
    middle_day = today + dt.timedelta(days=(DAYS_AHEAD - 7 * HISTORY_WEEKS) // 2)
    middle = dt.datetime.combine(middle_day, dt.time(), tzinfo=dt.UTC).isoformat()
    found = (await post(client, main.token, body(MIDDLE, id=main.id, day=middle)))["data"]["strategy"]
    position = found["before"]["totalCount"] + 1
    deep = body(DEEP_PAGE, id=main.id, after=found["contentItems"]["edges"][0]["cursor"])
    assert len(_edges(await post(client, main.token, deep))) == PAGE, "the deep page is no full page"
    docs.append(
        Document(
            f"content map, page after item {position:,}", main.items, main.token, args.connections, [deep]
        )
    )
    published = [e["node"]["id"] for e in _edges(first_page) if e["node"]["status"] == "PUBLISHED"]
    details = [body(DETAIL, id=id_) for id_ in (published or [e["node"]["id"] for e in _edges(first_page)])]
    for content in details:
        assert (await post(client, main.token, content))["data"]["contentItem"] is not None
    docs.append(
        Document(
            f"content detail ({len(details)} items in turn)",
            main.items,
            main.token,
            args.connections,
            details,
        )
    )
    report = body(REPORT, id=main.id, asOf=today.isoformat())
    await post(client, main.token, report)
    docs.append(Document("strategy report", main.items, main.token, args.report_connections, [report]))
    future = dt.datetime.combine(today + dt.timedelta(days=7), dt.time(), tzinfo=dt.UTC).isoformat()
    mapped: list[MutationItem] = []
    after = None
    while len(mapped) < MUTATED_ITEMS + 4:
        page = await post(client, main.token, body(MAPPED, id=main.id, after=after, **{"from": future}))
        connection = page["data"]["strategy"]["contentItems"]
        for node in connection["nodes"]:
            kpis = [kpi["id"] for kpi in node["kpis"]]
            mapped.append(
                MutationItem(
                    node["id"], node["version"], node["tactic"]["id"], node["primaryKpi"]["id"], kpis
                )
            )
        after = connection["pageInfo"]["endCursor"]
        assert after is not None, "too few mapped items planned after next week for the mutation mix"
    docs.append(
        Document(
            "mutation mix (retitle ×2, map, comment)",
            main.items,
            main.token,
            args.connections,
            mutations=mapped[:MUTATED_ITEMS],
        )
    )
    return docs, mapped[MUTATED_ITEMS : MUTATED_ITEMS + 4], first_page


async def count_statements(
    scratch: Scratch, docs: list[Document], spare: list[MutationItem], *, compiled: bool = True
) -> dict[int, Count]:
    """Each document run alone through the app in this process, over the counting proxy (with
    compiled plans, or on the executor only)."""
    url = make_url(scratch.url)
    host = url.query.get("host")
    socket_dir = host if isinstance(host, str) and host.startswith("/") else None
    counts: dict[int, Count] = {}
    async with StatementCounter(url.host, url.port or 5432, socket_dir) as counter:
        db = Database(service_url(counter.url(scratch.url), DatabaseSettings()))
        try:
            settings = UNLIMITED.model_copy(update={"compiled_plans": compiled})
            async with signed_in(db, settings=settings, differential=False) as client:
                for index, doc in enumerate(docs):
                    make: Callable[[int, dict[str, Any] | None], bytes] = (
                        _Cycle(spare) if doc.mutations else _Rotation(doc.bodies)
                    )
                    total = 2 * (len(spare) if doc.mutations else COUNT_RUNS)
                    tallies = []
                    answer = None
                    for run in range(total):
                        counter.tally = Tally()
                        answer = await post(client.http, doc.token, make(run, answer))
                        await asyncio.sleep(0.05)  # writes that follow a response, off the request path
                        if run >= total // 2:  # the first half warms up
                            tallies.append(counter.tally)
                    counts[index] = Count(
                        [len(t.statements) for t in tallies],
                        [t.transactions for t in tallies],
                        tallies[-1].statements,
                    )
        finally:
            await db.dispose()
    return counts


@dataclass
class _Rotation:
    bodies: list[bytes]

    def __call__(self, run: int, _previous: dict[str, Any] | None) -> bytes:
        return self.bodies[run % len(self.bodies)]


class _Cycle:
    """The mutation mix's cycle on spare items, with the versions their answers gave."""

    def __init__(self, items: list[MutationItem]) -> None:
        self.items = items
        self.versions = {item.id: item.version for item in items}

    def __call__(self, run: int, previous: dict[str, Any] | None) -> bytes:
        for payload in (previous or {}).get("data", {}).values():
            changed = payload.get("contentItem") or (payload.get("comment") or {}).get("contentItem")
            if changed:
                self.versions[changed["id"]] = changed["version"]
        item = self.items[run % len(self.items)]
        query, variables = item.bodies(run)[run % 4]
        if "version" in variables:
            variables = {**variables, "version": self.versions[item.id]}
        return body(query, input=variables)


# --- the run ---------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    items: int
    connections: int
    load: Load
    count: Count | None


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _times(value: float | None, base: float | None) -> str:
    return "n/a" if value is None or not base else f"{value / base:.1f}×"


def table(rows: list[Row], base: Row) -> list[str]:
    base_pg = base.load.pg_ms
    base_total = None if base_pg is None else base.load.server_ms + base_pg
    lines = [
        "| document | items | conns | req/s | p50 ms | p99 ms | server CPU ms/req | PG CPU ms/req"
        " | SQL/req (tx) | server CPU × baseline | server+PG CPU × baseline | errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        load = row.load
        total = None if load.pg_ms is None else load.server_ms + load.pg_ms
        lines.append(
            f"| {row.label} | {row.items:,} | {row.connections} | {load.requests / load.seconds:.0f} |"
            f" {_ms(load.p50_ms)} | {_ms(load.p99_ms)} | {_ms(load.server_ms)} | {_ms(load.pg_ms)} |"
            f" {row.count.cell() if row.count else '2 (0)'} | {_times(load.server_ms, base.load.server_ms)} |"
            f" {_times(total, base_total)} | {load.failed or ''} |"
        )
    return lines


def _same_page(server: dict[str, Any], baseline: dict[str, Any]) -> str:
    if server["data"] == baseline["data"]:
        return "the same data as the server's"

    def keys(answer: dict[str, Any]) -> list[list[str]]:
        return [sorted(edge["node"]) for edge in _edges(answer)]

    if keys(server) != keys(baseline):
        raise SystemExit(f"The baseline's page is not the server's shape:\n{baseline}\nvs\n{server}")
    return "the server's shape, other values (check the order of lists)"


async def _run(url: str, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    sizes = sorted({*args.sizes, args.content})
    async with scratch_database(url) as scratch:
        strategies = await load(scratch, sizes)
        await scratch.settle()
        print(f"loading took {time.perf_counter() - started:.0f} s", flush=True)
        main = next(s for s in strategies if s.items == args.content)
        monitor = await asyncpg.connect(plain_url(scratch.url))
        try:
            version = await monitor.fetchval("SHOW server_version")
            postgres = PostgresCpu(monitor)
            with (
                live.run(*redthread_serve(scratch.url)) as server,
                live.run(*redthread_serve(scratch.url, REDTHREAD_COMPILED_PLANS="false")) as executor,
                live.run(*baseline_serve(scratch.url, main.workspace_id)) as baseline,
            ):
                async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
                    docs, spare, first_page = await documents(client, strategies, main, args)
                async with httpx.AsyncClient(base_url=baseline.url, timeout=30) as client:
                    base_body = body(CONTENT_MAP, id=main.id)
                    same = _same_page(first_page, await post(client, main.token, base_body))
                print(f"the baseline answers the content map page with {same}", flush=True)
                counts = await count_statements(scratch, docs, spare)
                content_map = next(
                    i
                    for i, d in enumerate(docs)
                    if d.label == "content map, first page" and d.items == main.items
                )
                (executor_count,) = (
                    await count_statements(scratch, [docs[content_map]], spare, compiled=False)
                ).values()
                load_avg = os.getloadavg()[0]
                base_doc = Document(
                    "raw asyncpg baseline: content map", main.items, main.token, args.connections, [base_body]
                )
                base_pid = baseline.process.pid
                base = Row(
                    base_doc.label,
                    main.items,
                    args.connections,
                    await drive(baseline.url, base_doc, base_pid, postgres, args),
                    None,
                )
                print(_progress(base), flush=True)
                rows = []
                for index, doc in enumerate(docs):
                    measured = await drive(server.url, doc, server.process.pid, postgres, args)
                    rows.append(Row(doc.label, doc.items, doc.connections, measured, counts[index]))
                    print(_progress(rows[-1]), flush=True)
                    if doc.label == "content map, first page" and doc.items == main.items:
                        # The same page on the executor path: what a document a plan cannot read costs.
                        on_executor = replace(doc, label="content map, first page, executor path")
                        measured = await drive(
                            executor.url, on_executor, executor.process.pid, postgres, args
                        )
                        rows.append(
                            Row(on_executor.label, doc.items, doc.connections, measured, executor_count)
                        )
                        print(_progress(rows[-1]), flush=True)
                server_errors = [
                    line for line in server.log().splitlines() if '"ERROR"' in line or " ERROR " in line
                ]
        finally:
            await monitor.close()
    print(
        f"\n## Served: `redthread serve --workers 1` under wrk, beside a raw asyncpg baseline\n\n"
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} · {os.cpu_count()} cores, load average"
        f" {load_avg:.1f} before the load · PostgreSQL {version} · wrk, {args.threads} thread,"
        f" {args.warmup} s warm-up + {args.seconds} s measured per document · baseline encoder:"
        f" {_encoder()}\n"
    )
    print("\n".join(table([*rows, base], base)))
    if args.show_sql:
        for row in rows:
            if row.count:
                shapes = Counter(_shape(sql) for sql in row.count.texts)
                print(f"\n{row.label} ({row.items:,}): " + "; ".join(f"{n}× {s}" for s, n in shapes.items()))
    failed = [row for row in [*rows, base] if row.load.failed]
    for row in failed:
        print(
            f"\nFAILED: {row.label} ({row.items:,} items): {row.load.errors} error responses,"
            f" socket errors {row.load.socket_errors or 'none'}; the first: {row.load.first_error}"
        )
    if server_errors:
        print("\nThe server logged errors; the last:\n" + "\n".join(server_errors[-5:]))
    print(f"\n(The whole run took {time.perf_counter() - started:.0f} s.)")
    return 1 if failed else 0


def _progress(row: Row) -> str:
    load = row.load
    return (
        f"  {row.label} ({row.items:,}): {load.requests / load.seconds:.0f} req/s, p50 {load.p50_ms:.1f} ms,"
        f" server {load.server_ms:.2f} ms/req, PG {_ms(load.pg_ms)} ms/req"
        + (f", {load.failed} FAILED" if load.failed else "")
    )


def _encoder() -> str:
    from tests.bench.baseline import ENCODER

    return ENCODER


def _sizes(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.served", description=__doc__.split("\n")[0])
    parser.add_argument(
        "content",
        nargs="?",
        type=int,
        default=int(os.environ.get("BENCH_CONTENT") or DEFAULT_CONTENT),
        help=f"content items of the main strategy (default: $BENCH_CONTENT, else {DEFAULT_CONTENT:,})",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help=f"content map sizes, comma-separated (default: {SMALLEST} and N; e.g. 10000,100000,1000000)",
    )
    parser.add_argument(
        "--seconds", type=int, default=SECONDS, help=f"measured seconds per document ({SECONDS})"
    )
    parser.add_argument(
        "--warmup", type=int, default=WARM_UP, help=f"seconds of load before that ({WARM_UP})"
    )
    parser.add_argument(
        "--connections", type=int, default=CONNECTIONS, help=f"wrk connections ({CONNECTIONS})"
    )
    parser.add_argument(
        "--report-connections",
        type=int,
        default=REPORT_CONNECTIONS,
        help=f"wrk connections for the strategy report ({REPORT_CONNECTIONS})",
    )
    parser.add_argument("--threads", type=int, default=THREADS, help=f"wrk threads ({THREADS})")
    parser.add_argument("--show-sql", action="store_true", help="print the statements each document ran")
    args = parser.parse_args(argv)
    args.sizes = args.sizes or [SMALLEST]
    if shutil.which("wrk") is None:
        raise SystemExit(INSTALL_WRK)
    os.chdir(PROJECT_ROOT)
    with database_url(DatabaseSettings()) as url:
        sys.exit(asyncio.run(_run(url, args)))


if __name__ == "__main__":
    main()
