"""Benchmark: what the request limits cost and protect, against the production server.

The scale data (:func:`seed.scale.load_scale`, N content items, default 20,000) is loaded into
a fresh database that is dropped at the end, and served by ``uvicorn --factory api.app:factory``
in a subprocess (:func:`tests.live.serve`) with :data:`WORKERS` workers and the default limits,
over TCP on 127.0.0.1. It prints Markdown tables:

1. the refusals of hostile requests: status, code and the wall time to the refusal;
2. the memory of the worker processes before and after many distinct maximal documents and
   oversized bodies;
3. the latency of a small request alone, and while the most expensive request the cost cap
   allows (the strategy report of :mod:`tests.bench.strategy_report`) runs in a loop from
   one and from two other clients.

Figures are wall times on a shared machine: compare them with each other, not across runs.

    python -m tests.bench.limits            # DATABASE_URL, or the embedded PostgreSQL
    python -m tests.bench.limits 100000     # or BENCH_CONTENT=100000
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import secrets
import statistics
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import psutil
from graphql import parse

from api.errors import GRAPHQL_RESPONSE_JSON
from api.graphql.documents import CACHED_DOCUMENT_MAX_BYTES as CACHED_BYTES
from api.graphql.limits import Limits
from api.settings import Settings
from domain.persistence.locate import database_url
from domain.persistence.settings import DatabaseSettings
from schema.ids import encode
from seed.scale import load_scale
from tests import auth
from tests.bench.scratch import scratch_database
from tests.bench.strategy_report import QUERY as REPORT
from tests.live import LiveServer, serve

DEFAULT_CONTENT = 20_000
#: The default deployment on this 2-core machine (``redthread serve`` runs one per core).
WORKERS = 2
#: Tries per hostile request; the median is printed.
TRIES = 10
#: Distinct documents or bodies per memory round.
DISTINCT = 30
#: Documents small enough for the prepared-document cache, sent to fill it in both workers.
CACHEABLE = 100
#: Rounds of the report alone; small requests per latency round, and the most seconds one takes.
REPORT_ROUNDS = 5
SMALL_ROUNDS = 50
ROUND_SECONDS = 20.0
#: Members who ask for the report in turn: a caller's budget holds about two reports and
#: refills one in ~10 s, so one caller alone could not keep a report running.
REPORTERS = 48
MB = 1024 * 1024
JSON_BODY = {"content-type": "application/json"}
#: The "code" of a request that ran without errors.
RAN = "none: it ran"
#: What the server runs with: the defaults of the settings (it gets no REDTHREAD_* variables).
DEFAULTS = Settings.model_fields
SMALL = """
query Page($id: ID!) {
  strategy(id: $id) { contentItems(first: 10) { nodes { id title status tactic { name } channel { name } } } }
}
"""


def default(name: str) -> Any:
    return DEFAULTS[name].get_default(call_default_factory=True)


# --- hostile requests ------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    label: str
    #: A fresh body each call (a function, so a 10 MB body is not held 10 times over).
    body: Callable[[], bytes | Callable[[], AsyncIterator[bytes]]]
    size: int
    #: Sent without credentials: the endpoint signs its caller in after the document's checks.
    anonymous: bool = False


def _json(query: str, **variables: Any) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def _distinct(query: str, **variables: Any) -> Callable[[], bytes]:
    """A body of ``query`` made new on every call by a comment: the prepared-document cache
    never answers for it (a document of 8 KiB or less is kept there once prepared)."""
    return lambda: _json(f"# {secrets.token_hex(8)}\n{query}", **variables)


def _depth_fan_out(depth: int) -> str:
    """``strategy { tactics { strategy { tactics { … id } } } }``: ``depth`` fields deep."""
    names = ["strategy(id: $id)"] + ["tactics" if i % 2 == 0 else "strategy" for i in range(depth - 2)]
    inner = "id"
    for name in reversed(names):
        inner = f"{name} {{ {inner} }}"
    return f"query($id: ID!) {{ {inner} }}"


def _aliases(count: int, selection: str) -> str:
    fields = " ".join(f"a{i}:{selection}" for i in range(count))
    return f"query($id: ID!) {{ strategy(id: $id) {{ {fields} }} }}"


NESTED_PAGES = (
    "{ organizations(first: 100) { nodes { workspaces(first: 100) { nodes {"
    " strategies(first: 100) { nodes { name } } } } } } }"
)


def _repeats(count: int) -> str:
    return "{ viewer { actor { " + " ".join(["name"] * count) + " } } }"


def _nested(depth: int) -> str:
    return "{" + "a{" * depth + "a" + "}" * (depth + 1)


def _spread_fragments(count: int, repeats: int) -> str:
    """``count`` fragments that each select ``name`` and ``id`` ``repeats`` times (as many as a
    selection may), all spread into one selection: ``count × repeats`` fields of one name there."""
    fields = " ".join(["name", "id"] * repeats)
    fragments = " ".join(f"fragment F{i} on Strategy {{ {fields} }}" for i in range(count))
    spreads = " ".join(f"...F{i}" for i in range(count))
    return f"query($id: ID!) {{ strategy(id: $id) {{ {spreads} }} }} {fragments}"


def _padded_query(size: int) -> bytes:
    """A body of ``size`` bytes whose query is a comment, different on every call."""
    head = b'{"query": "{ __typename } #'
    tail = b'"}'
    return head + secrets.token_hex(size // 2)[: size - len(head) - len(tail)].encode() + tail


def _raw(size: int) -> bytes:
    """``size`` bytes of a JSON string, different on every call: refused before they are parsed."""
    return b'{"query": "' + secrets.token_hex(size // 2)[: size - 14].encode() + b'"}'


def _chunked(size: int, chunk: int = 64 * 1024) -> Callable[[], AsyncIterator[bytes]]:
    """A body sent in chunks, without a Content-Length: the server must stop reading by itself."""

    async def stream() -> AsyncIterator[bytes]:
        yield b'{"query": "'
        sent = 0
        while sent < size:
            yield b"x" * chunk
            sent += chunk
        yield b'"}'

    return stream


def maximal_document(kind: str, limits: Limits, target: int | None = None) -> str:
    """A document as large as the limits let through the parser: up to ``target`` bytes (default:
    the document size limit) and just under ``max_tokens`` tokens, or as many as fit. ``aliases``:
    aliased ``__typename`` fields (refused after parsing: too many aliases); ``fields``: fields the
    schema does not have (refused by validation). A comment makes each one's text new."""
    target = target or limits.max_document_bytes
    tag = f"# {secrets.token_hex(8)}\n"
    tokens = limits.max_tokens - 10
    count, suffix = (tokens // 3, ":__typename ") if kind == "aliases" else (tokens, " ")
    names = [f"f{_base36(i)}" for i in range(count)]
    room = target - len(tag) - len("{ }")
    width = max(room // count - len(suffix), max(len(n) for n in names))
    names = names[: room // (width + len(suffix))]
    text = tag + "{ " + "".join(n.ljust(width, "x") + suffix for n in names) + "}"
    assert len(text.encode()) <= target, len(text)
    parse(text, max_lexical_tokens=limits.max_tokens)  # within the token limit: parsed in full
    return text


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if not number:
            return digits


def _maximal_body(kind: str, limits: Limits, target: int | None = None) -> Callable[[], bytes]:
    return lambda: _json(maximal_document(kind, limits, target))


def hostile_requests(strategy: str, limits: Limits, body_bytes: int) -> list[Hostile]:
    documents = [
        ("Depth-30 fan-out `strategy{tactics{strategy{…}}}`", _depth_fan_out(30)),
        ("1,000 aliases of `document(format: MARKDOWN)`", _aliases(1000, "document(format:MARKDOWN)")),
        ("10,000 aliases of `health`", _aliases(10_000, "health{healthy}")),
        ("3 nested `first: 100` levels", NESTED_PAGES),
        ("500 repeats of one field", _repeats(500)),
        ("Fields nested 1,000 deep `{a{a{…}}}`", _nested(1000)),
        (
            f"20 fragments selecting `name`, `id` {limits.max_repeats} times each, spread side by side",
            _spread_fragments(20, limits.max_repeats),
        ),
    ]
    hostile = []
    for label, query in documents:
        body = _distinct(query, id=strategy)
        hostile.append(Hostile(label, body, len(body())))
    for kind, label in (("aliases", "aliases"), ("fields", "unknown fields")):
        body = _maximal_body(kind, limits)
        size = len(body())
        hostile.append(
            Hostile(f"Maximal document: {limits.max_document_bytes // 1024} KiB of {label}", body, size)
        )
    hostile.append(
        Hostile(
            f"The same {limits.max_document_bytes // 1024} KiB of unknown fields, without credentials",
            hostile[-1].body,
            hostile[-1].size,
            anonymous=True,
        )
    )
    hostile += [
        Hostile("1 MB query (body within the body limit)", lambda: _padded_query(MB), MB),
        Hostile("10 MB body", lambda: _raw(10 * MB), 10 * MB),
        Hostile("10 MB body, chunked (no Content-Length)", lambda: _chunked(10 * MB), 10 * MB),
    ]
    assert MB < body_bytes < 10 * MB, "the 1 MB body is meant to pass the body limit, 10 MB not"
    return hostile


@dataclass
class Outcome:
    status: str
    code: str
    ms: float


async def send(
    client: httpx.AsyncClient,
    body: bytes | Callable[[], AsyncIterator[bytes]],
    headers: dict[str, str] | None = None,
) -> Outcome:
    """POST one body; a connection the server closes while the body is still going out counts."""
    content = body if isinstance(body, bytes) else body()
    started = time.perf_counter()
    try:
        response = await client.post("/graphql", content=content, headers={**JSON_BODY, **(headers or {})})
    except httpx.TransportError as error:
        return Outcome(type(error).__name__, "—", (time.perf_counter() - started) * 1000)
    ms = (time.perf_counter() - started) * 1000
    try:
        answer = response.json()
        code = str(answer["errors"][0]["extensions"]["code"]) if "errors" in answer else RAN
    except (ValueError, LookupError, TypeError):
        code = "(none)"
    return Outcome(str(response.status_code), code, ms)


async def refusals(server: LiveServer, headers: dict[str, str], hostile: list[Hostile]) -> list[str]:
    lines = [
        f"| Request | Bytes sent | HTTP | `errors[0].extensions.code` | Median ms ({TRIES} tries) | Max ms |",
        "|---|--:|--:|---|--:|--:|",
    ]
    anonymous = {key: value for key, value in headers.items() if key.lower() != "authorization"}
    async with (
        httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as signed_in,
        httpx.AsyncClient(base_url=server.url, headers=anonymous, timeout=30) as nobody,
    ):
        for request in hostile:
            client = nobody if request.anonymous else signed_in
            outcomes = [await send(client, request.body()) for _ in range(TRIES)]
            seen = sorted({(o.status, o.code) for o in outcomes})
            status = " / ".join(dict.fromkeys(s for s, _ in seen))
            code = " / ".join(dict.fromkeys(f"`{c}`" if c.isupper() else c for _, c in seen))
            times = [o.ms for o in outcomes]
            lines.append(
                f"| {request.label} | {request.size:,} | {status} | {code} | "
                f"{statistics.median(times):.1f} | {max(times):.1f} |"
            )
    return lines


# --- memory ----------------------------------------------------------------------------------


def workers_of(server: LiveServer) -> list[psutil.Process]:
    """The worker processes of the uvicorn parent (not multiprocessing's resource tracker)."""
    children = psutil.Process(server.process.pid).children(recursive=True)
    workers = [c for c in children if "spawn_main" in " ".join(c.cmdline())]
    assert len(workers) == server.workers, [c.cmdline() for c in children]
    return workers


def rss_mb(workers: list[psutil.Process]) -> list[float]:
    return [w.memory_info().rss / MB for w in workers]


async def memory(server: LiveServer, headers: dict[str, str], limits: Limits) -> list[str]:
    """RSS after rounds of distinct large requests, each over a new connection (so both workers get
    some: a kept-alive connection stays with one worker)."""
    workers = workers_of(server)
    fresh = httpx.Limits(max_keepalive_connections=0)
    rounds: list[tuple[str, Callable[[int], bytes | Callable[[], AsyncIterator[bytes]]], int]] = [
        (
            f"{DISTINCT} distinct maximal documents ({limits.max_document_bytes // 1024} KiB,"
            f" ~{limits.max_tokens:,} tokens; half aliases, half unknown fields)",
            lambda i: _json(maximal_document("aliases" if i % 2 else "fields", limits)),
            DISTINCT,
        ),
        (f"{DISTINCT} distinct 1 MB bodies", lambda _: _padded_query(MB), DISTINCT),
        (f"{DISTINCT} distinct 10 MB bodies", lambda _: _raw(10 * MB), DISTINCT),
        (f"{DISTINCT} distinct 10 MB chunked bodies", lambda _: _chunked(10 * MB), DISTINCT),
        (
            f"{CACHEABLE} distinct 8 KiB documents (kept in the prepared-document cache)",
            lambda i: _json(maximal_document("aliases" if i % 2 else "fields", limits, CACHED_BYTES)),
            CACHEABLE,
        ),
    ]
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30, limits=fresh) as client:
        for _, make, _ in rounds:  # warm up: every code path once or twice in each worker
            for i in range(4):
                await send(client, make(i))
        await asyncio.sleep(0.5)
        start = previous = rss_mb(workers)
        lines = [
            "| After | RSS per worker, MB | Sum, MB | Growth, MB | Since start, MB |",
            "|---|--:|--:|--:|--:|",
            f"| start (warmed up) | {_each(start)} | {sum(start):.1f} | — | — |",
        ]
        for label, make, count in rounds:
            statuses: set[str] = set()
            for i in range(count):
                outcome = await send(client, make(i))
                statuses.add(f"{outcome.status} {outcome.code}")
            await asyncio.sleep(0.5)
            now = rss_mb(workers)
            lines.append(
                f"| {label} → {', '.join(sorted(statuses))} | {_each(now)} | {sum(now):.1f} | "
                f"{sum(now) - sum(previous):+.1f} | {sum(now) - sum(start):+.1f} |"
            )
            previous = now
    return lines


def _each(values: list[float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


# --- a normal request while the most expensive one runs ----------------------------------------


@dataclass
class Loop:
    """Reports asked for one after the other, each by the next member, until stopped."""

    server: LiveServer
    tokens: list[str]
    variables: dict[str, Any]
    offset: int
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    async def run(self) -> None:
        fresh = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=self.server.url, timeout=30, limits=fresh) as client:
            turn = self.offset
            while not self.stop.is_set():
                token = self.tokens[turn % len(self.tokens)]
                turn += 1
                outcome = await send(client, _json(REPORT, **self.variables), headers=auth.bearer(token))
                if outcome.status == "200" and outcome.code == RAN:
                    self.ms.append(outcome.ms)
                else:
                    self.failures.append(f"{outcome.status} {outcome.code}")


async def small_requests(
    server: LiveServer,
    headers: dict[str, str],
    variables: dict[str, Any],
    *,
    keep_alive: bool,
    seconds: float = 0.0,
) -> list[float]:
    """Latencies of :data:`SMALL` sent one after the other: :data:`SMALL_ROUNDS` of them and for
    ``seconds`` at least, for :data:`ROUND_SECONDS` at most."""
    limits = httpx.Limits() if keep_alive else httpx.Limits(max_keepalive_connections=0)
    times: list[float] = []
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30, limits=limits) as client:
        await client.post("/graphql", json={"query": SMALL, "variables": variables})  # connected
        began = time.perf_counter()
        while time.perf_counter() - began < ROUND_SECONDS and (
            len(times) < SMALL_ROUNDS or time.perf_counter() - began < seconds
        ):
            started = time.perf_counter()
            response = await client.post("/graphql", json={"query": SMALL, "variables": variables})
            times.append((time.perf_counter() - started) * 1000)
            body = response.json()
            assert response.status_code == 200, response.text
            assert "errors" not in body, body["errors"]
            assert len(body["data"]["strategy"]["contentItems"]["nodes"]) == 10
    return times


def _pct(samples: list[float], p: float) -> float:
    return sorted(samples)[round(p * (len(samples) - 1))]


def _row(label: str, samples: list[float], note: str = "") -> str:
    return (
        f"| {label} | {len(samples)} | {statistics.median(samples):.1f} | {_pct(samples, 0.95):.1f} | "
        f"{max(samples):.1f} | {note} |"
    )


async def under_load(
    server: LiveServer, headers: dict[str, str], strategy: str, tokens: list[str], max_cost: int
) -> list[str]:
    report_variables = {"id": strategy, "asOf": dt.date.today().isoformat()}
    small_variables = {"id": strategy}
    # The report alone, each time by the next member (a caller's budget holds about two).
    times: list[float] = []
    cost = 0
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=fresh) as client:
        for turn in range(1 + REPORT_ROUNDS):
            started = time.perf_counter()
            response = await client.post(
                "/graphql",
                json={"query": REPORT, "variables": report_variables},
                headers=auth.bearer(tokens[turn]),
            )
            elapsed = (time.perf_counter() - started) * 1000
            body = response.json()
            assert response.status_code == 200, response.text
            assert "errors" not in body, body["errors"]
            cost = body["extensions"]["cost"]["requestedQueryCost"]
            if turn:  # the first one warms both workers' caches up
                times.append(elapsed)
    report_ms = statistics.median(times)
    lines = [
        f"The strategy report costs **{cost:,}** points (`extensions.cost.requestedQueryCost`; cap"
        f" {max_cost:,}: {'within' if cost <= max_cost else 'ABOVE'} it). Alone it takes a median of"
        f" **{report_ms:.0f} ms**: {'within' if report_ms <= 1000 else 'NOT within'} ~1 s"
        f" ({report_ms / 1000:.1f}× a second).",
        "",
        "| Situation | Requests | p50 ms | p95 ms | Max ms | Meanwhile |",
        "|---|--:|--:|--:|--:|---|",
        _row("strategy report alone", times),
    ]
    for loops in (0, 1, 2):
        running = [
            Loop(server, tokens, report_variables, offset=1 + REPORT_ROUNDS + i * len(tokens) // 2)
            for i in range(loops)
        ]
        async with AsyncExitStack() as stack:
            tasks = [asyncio.create_task(loop.run()) for loop in running]
            stack.push_async_callback(_stop, running, tasks)
            if loops:
                await asyncio.sleep(0.3)  # the first reports are running
            for keep_alive in (True, False):
                for loop in running:
                    loop.ms.clear()
                # Under load, long enough for several reports to run meanwhile.
                seconds = 3 * report_ms / 1000 if loops else 0.0
                small = await small_requests(
                    server, headers, small_variables, keep_alive=keep_alive, seconds=seconds
                )
                connection = "one kept-alive connection" if keep_alive else "a new connection each"
                label = f"content page of 10, {connection}" + (
                    f", {loops} report loop{'s' if loops > 1 else ''}" if loops else ", alone"
                )
                note = ""
                if loops:
                    done = [ms for loop in running for ms in loop.ms]
                    failed = [f for loop in running for f in loop.failures]
                    note = (
                        f"{len(done)} report{'s' if len(done) > 1 else ''} done, median"
                        f" {statistics.median(done):.0f} ms"
                        if done
                        else "no report"
                    )
                    if failed:
                        note += f"; failed: {', '.join(sorted(set(failed)))} ×{len(failed)}"
                lines.append(_row(label, small, note))
    return lines


async def _stop(loops: list[Loop], tasks: list[asyncio.Task[None]]) -> None:
    for loop in loops:
        loop.stop.set()
    try:
        async with asyncio.timeout(30):
            await asyncio.gather(*tasks)
    except TimeoutError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# --- the run ---------------------------------------------------------------------------------


async def _postgres_version(url: str) -> str:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return str(await connection.fetchval("SHOW server_version"))
    finally:
        await connection.close()


async def _run(url: str, content: int) -> None:
    started = time.perf_counter()
    limits = Limits(
        max_document_bytes=default("max_document_bytes"),
        max_tokens=default("max_tokens"),
        max_depth=default("max_depth"),
        max_aliases=default("max_aliases"),
        max_directives=default("max_directives"),
        max_fragments=default("max_fragments"),
        max_cost=default("max_cost"),
    )
    body_bytes: int = default("max_body_bytes")
    async with scratch_database(url) as scratch:
        loaded = await load_scale(scratch.owner, content, dt.date.today(), seed=content)
        await scratch.settle()
        strategy = encode("Strategy", loaded.strategy_id)
        loaded_in = time.perf_counter() - started
        reporters = [f"reporter-{i}" for i in range(REPORTERS)]
        for subject in (auth.OPERATOR, *reporters):
            await auth.own_everything(scratch.db, subject)
        version = await _postgres_version(scratch.url)
        headers = {**auth.bearer(auth.token(auth.OPERATOR)), "accept": GRAPHQL_RESPONSE_JSON}
        tokens = [auth.token(subject) for subject in reporters]
        with serve(scratch.url, workers=WORKERS) as server:
            load = os.getloadavg()
            print(f"## Request limits against the production server ({content:,} content items)\n")
            print(
                f"N = {content:,} content items (loaded in {loaded_in:.0f} s) · `uvicorn --factory"
                f" api.app:factory --workers {WORKERS}` on 127.0.0.1 · PostgreSQL {version} ·"
                f" {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} · {os.cpu_count()} cores, load"
                f" average {load[0]:.1f} at the start (a shared machine: figures are noisy)\n"
            )
            print(
                f"Default limits: body {body_bytes / MB:g} MiB, document {limits.max_document_bytes // 1024}"
                f" KiB and {limits.max_tokens:,} tokens, depth {limits.max_depth}, {limits.max_aliases}"
                f" aliases, {limits.max_repeats} repeats of a field, cost {limits.max_cost:,}; a caller's"
                f" budget {default('throttle_capacity'):,} points + {default('throttle_restore_rate'):g}/s"
                f" (per worker without Redis); request timeout {default('request_timeout_seconds'):g} s.\n"
            )
            print(f"### Refusals (signed in, `Accept: {GRAPHQL_RESPONSE_JSON}`)\n")
            print("\n".join(await refusals(server, headers, hostile_requests(strategy, limits, body_bytes))))
            print("\n### Memory of the worker processes (RSS)\n")
            print("\n".join(await memory(server, headers, limits)))
            print("\n### A normal request while the most expensive allowed one runs\n")
            print("\n".join(await under_load(server, headers, strategy, tokens, limits.max_cost)))
            print(f"\n(The whole run took {time.perf_counter() - started:.0f} s.)")


def main() -> None:
    parser = argparse.ArgumentParser(description="What the request limits cost and protect, on N items.")
    parser.add_argument(
        "content",
        nargs="?",
        type=int,
        default=int(os.environ.get("BENCH_CONTENT") or DEFAULT_CONTENT),
        help=f"content items of the strategy (default: $BENCH_CONTENT, else {DEFAULT_CONTENT:,})",
    )
    args = parser.parse_args()
    try:
        with database_url(DatabaseSettings()) as url:
            asyncio.run(_run(url, args.content))
    except KeyboardInterrupt:
        raise SystemExit("Interrupted: the server was stopped and the scratch database dropped.") from None


if __name__ == "__main__":
    main()
