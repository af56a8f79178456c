"""Soak: minutes of mixed reads and writes from several clients against the served app.

    make soak                                      # 3 minutes, 6 clients, 2 workers
    SOAK_SECONDS=600 SOAK_CLIENTS=8 make soak       # DATABASE_URL, or the embedded PostgreSQL
    python -m tests.bench.soak 600 --clients 8 --workers 2
    python -m tests.bench.soak 300 --clients 6 --sharing 6   # all six on one strategy

The production app runs under uvicorn (:func:`tests.live.serve`, ``--workers 2`` as on the 2-core
machine) over a scratch database of its own, made and migrated as the benchmarks' are
(:func:`tests.bench.scratch.scratch_database`) and dropped at the end; loopback only.

Clients work in pairs (``--sharing``: clients a workspace) on one strategy each, signed in by
turns with a sign-in token (the workspace's OWNER) and with an API key of the workspace (WRITE).
A strategy has tactics, KPIs (two measured, one rolled up from content), channels, audiences and
:data:`SEED_ITEMS` content items to start with. Each client sends its next request as soon as
the last one is answered (no think time), choosing among :data:`WEIGHTS`: it reads the content
map (50 items with tactic, KPIs, channel and audiences) and an item with its comments, now and
then the whole strategy report (expensive: a small share), creates, edits (with the version it
saw), maps (batches overlapping its partner's, in shuffled order), moves along the workflow,
comments on and deletes content, and records KPI measurements and content metrics. The item
count stays between three quarters of that and twice as many.

Every :data:`REPORT_EVERY` seconds a line says what was done, how fast (p50/p95 of that
interval, and the CPU time the server's processes spent per request: latency follows the load
of the machine, CPU per request what the server does), what went wrong by kind, and the RSS of
the server's processes (uvicorn's supervisor, multiprocessing's resource tracker and the
workers). At the end a table gives each operation's count, latency and outcomes.

Outcomes a pair's concurrent work explains are counted apart, as expected: ``CONFLICT`` to a
write that sent a version (the partner changed the item since it was read), and ``NOT_FOUND``
for an item a client had asked to delete. Everything else is unexpected: an HTTP status other
than 200, a GraphQL error (the masked ``Unexpected error.`` counted on its own), any other user
error (``TRY_AGAIN`` included: a change that deadlocked on every attempt), a request that
failed in transport.

The server's budgets are raised (:data:`SERVER_ENV`): the clients are hot loops on purpose,
and a refusal with 429 ``THROTTLED`` is then unexpected too. The server's log is kept (``--log``,
else a new file in the temporary folder); its ERROR lines are counted (the last ones printed,
with their tracebacks), and its retries of deadlocked or serialization-failed
transactions counted by mutation, beside PostgreSQL's own count of deadlocks in the database.

The run fails (exit status 1) on any unexpected outcome, any ERROR line, or memory growth: the
median RSS (summed over the server's processes) of the last three samples against the median of
the first three taken once the warm-up is over (:data:`WARM_UP_SECONDS`, at most a third of the
run), by more than :data:`GROWTH_MB` MB. Medians of three, so one sample taken mid-request does
not decide; MB rather than a share, because a leak is so many bytes per request whatever the
size of the process. On the 2-core development machine the sum (about 320 MB with two workers)
moved by 1–2 MB over the two minutes after the warm-up, and by 5–7 MB during the first minute
(documents prepared, connections opened, caches filled): 30 MB is far above that noise, and a
leak of 30 MB in two minutes (25 kB a request at the 10 requests a second of a busy machine) fails. A
slower leak grows steadily: the slope (MB per minute after the warm-up) is printed, and a longer
run (``SOAK_SECONDS=1800``) finds it. Memory is judged only with six samples after the warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from domain.content.models import ContentStatus
from domain.content.rules import TRANSITIONS
from domain.persistence.locate import database_url
from domain.persistence.settings import DatabaseSettings
from tests import auth
from tests.bench.scratch import scratch_database
from tests.bench.strategy_report import QUERY as REPORT
from tests.live import LiveServer, serve

DEFAULT_SECONDS = 180.0
DEFAULT_CLIENTS = 6
#: Worker processes of the server: one per core of the 2-core development machine.
DEFAULT_WORKERS = 2
REPORT_EVERY = 10.0
#: How long the server may take to start (the imports and schema of each worker on a busy machine).
START_TIMEOUT = 120.0
#: Memory is judged from the end of the warm-up on (at most a third of the run).
WARM_UP_SECONDS = 60.0
#: Memory growth after the warm-up that fails the run, in MB (see the module's docstring).
GROWTH_MB = 30.0
#: Content items each strategy starts with (its clients keep three quarters to twice as many).
SEED_ITEMS = 40
#: The server's budgets, raised: the clients are hot loops (see the module's docstring).
SERVER_ENV = {"REDTHREAD_THROTTLE_CAPACITY": "1000000000", "REDTHREAD_THROTTLE_RESTORE_RATE": "1000000000"}
#: How often each client does what, per request.
WEIGHTS = {
    "page": 25,
    "item": 8,
    "report": 2,
    "create": 10,
    "update": 14,
    "map": 10,
    "transition": 10,
    "measure": 8,
    "metrics": 4,
    "comment": 7,
    "delete": 4,
}
#: Outcomes explained by the pair's concurrent work (see the module's docstring).
CONFLICT = "CONFLICT (version sent)"
GONE = "NOT_FOUND (deleted meanwhile)"
MASKED = "Unexpected error."
#: The kinds of unexpected outcome, in the order they are printed.
KINDS = ("HTTP", "GraphQL", "masked", "user", "transport")
_RETRIED = re.compile(r"^(\w+) \(request [^)]*\): PostgreSQL ended the transaction \((\w+)\)")

ERRORS = "userErrors { field message code currentVersion }"
ITEM_FIELDS = "id version status plannedAt tactic { id } primaryKpi { id } kpis { id }"
PAGE = """
query ContentMap($s: ID!) { strategy(id: $s) { contentItems(first: 50) { totalCount nodes {
  id title status version plannedAt
  tactic { id name } primaryKpi { id name } kpis { id name } channel { id name } audiences { id name }
} } } }
"""
ITEM = """
query Item($id: ID!) { contentItem(id: $id) {
  id title brief status version tactic { name } kpis { name } channel { name } audiences { name }
  comments(first: 20) { nodes { body createdAt } } metrics(first: 20) { nodes { metric observedOn value } }
} }
"""
CREATE = f"""mutation Create($input: CreateContentItemInput!) {{ createContentItem(input: $input) {{
  contentItem {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
UPDATE = f"""mutation Update($input: UpdateContentItemInput!) {{ updateContentItem(input: $input) {{
  contentItem {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
MAP = f"""mutation Map($input: MapContentItemsInput!) {{ mapContentItems(input: $input) {{
  contentItems {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
TRANSITION = f"""mutation Move($input: TransitionContentItemInput!) {{ transitionContentItem(input: $input) {{
  contentItem {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
COMMENT = f"""mutation Comment($input: AddCommentInput!) {{ addComment(input: $input) {{
  comment {{ id }} {ERRORS} }} }}"""
DELETE = f"""mutation Delete($input: DeleteContentItemInput!) {{ deleteContentItem(input: $input) {{
  deletedId {ERRORS} }} }}"""
MEASURE = f"""mutation Measure($input: RecordKpiMeasurementsInput!) {{ recordKpiMeasurements(input: $input) {{
  created updated unchanged {ERRORS} }} }}"""
METRICS = f"""mutation Metrics($input: RecordContentMetricsInput!) {{ recordContentMetrics(input: $input) {{
  created updated unchanged {ERRORS} }} }}"""


def _create(kind: str, field_: str, extra: str = "") -> str:
    name = kind[0].upper() + kind[1:]
    return (
        f"mutation($input: {name}Input!) {{ {kind}(input: $input) {{ {field_} {{ id }} {extra} {ERRORS} }} }}"
    )


# --- the workspaces ----------------------------------------------------------------------------


@dataclass
class Workspace:
    """A workspace and its strategy, shared by a pair of clients (global ids)."""

    number: int
    strategy: str
    credentials: list[dict[str, str]]
    """The headers of its two clients: the OWNER's sign-in token, and an API key (WRITE)."""
    tactics: list[str]
    measured: list[str]
    """KPIs whose values are recorded."""
    rolled_up: str
    """A KPI rolled up from its content's IMPRESSIONS."""
    channels: list[str]
    audiences: list[str]
    total: int = 0
    """How many content items the strategy held at the last read of the content map."""
    fewest: int = 0
    most: int = 0
    """The range the clients keep the count of items in: at the most they delete instead of
    creating, at the fewest they create instead of deleting."""
    deleting: set[str] = field(default_factory=set)
    """Items a client of the pair asked to delete."""

    @property
    def kpis(self) -> list[str]:
        return [*self.measured, self.rolled_up]


async def _must(http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    """The payload of one mutation that must succeed (setting up, not measured)."""
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    (payload,) = body["data"].values()
    assert payload["userErrors"] == [], payload["userErrors"]
    result: dict[str, Any] = payload
    return result


async def build_workspace(server: LiveServer, number: int, lifetime: dt.timedelta, seed: int) -> Workspace:
    """A member's workspace with a strategy, through the API; with an API key for the second client."""
    member = await asyncio.to_thread(server.sign_in, f"soak-{number}")
    # A token of the same member that outlives a long run.
    token = auth.token(member.subject, name=member.subject.capitalize(), lifetime=lifetime)
    async with httpx.AsyncClient(base_url=server.url, headers=auth.bearer(token), timeout=30) as http:
        s, w = member.strategy_id, member.workspace_id

        async def make(mutation: str, field_: str, **input: Any) -> str:
            created: str = (await _must(http, _create(mutation, field_), input=input))[field_]["id"]
            return created

        tactics = [
            await make("createTactic", "tactic", strategyId=s, name=name, kind=kind)
            for name, kind in (("Inspire", "INSPIRE"), ("Educate", "EDUCATE"), ("Convert", "CONVERT"))
        ]
        measured = [
            await make(
                "createKpi", "kpi", strategyId=s, name=name, metric=metric, target="1000", tacticIds=[tactic]
            )
            for name, metric, tactic in (("Reach", "REACH", tactics[0]), ("Leads", "LEADS", tactics[2]))
        ]
        rolled_up = await make(
            "createKpi",
            "kpi",
            strategyId=s,
            name="Impressions",
            metric="IMPRESSIONS",
            target="100000",
            source="CONTENT",
            aggregation="SUM",
            tacticIds=tactics[:2],
        )
        channels = [
            await make("createChannel", "channel", workspaceId=w, platform=platform, name=name)
            for platform, name in (("LINKEDIN", "LinkedIn"), ("INSTAGRAM", "Instagram"))
        ]
        audiences = [
            await make("createAudience", "audience", strategyId=s, name=name)
            for name in ("Buyers", "Partners", "Press")
        ]
        key = await _must(
            http,
            _create("createApiKey", "apiKey", "token"),
            input={"workspaceId": w, "name": f"Soak {number}", "scopes": ["WRITE"]},
        )
        workspace = Workspace(
            number,
            s,
            [auth.bearer(token), auth.bearer(key["token"])],
            tactics,
            measured,
            rolled_up,
            channels,
            audiences,
        )
        chance = random.Random(number)
        workspace.fewest, workspace.most = seed * 3 // 4, seed * 2
        for n in range(seed):
            await _must(http, CREATE, input=_new_item(workspace, chance, f"Seed {n}"))
    return workspace


def _new_item(ws: Workspace, chance: random.Random, title: str) -> dict[str, Any]:
    """The input of a new content item: usually mapped, with a channel and audiences."""
    item: dict[str, Any] = {
        "strategyId": ws.strategy,
        "title": title,
        "format": chance.choice(("POST", "CAROUSEL", "REEL", "ARTICLE")),
        "brief": "What it says, for whom.",
        "channelId": chance.choice(ws.channels),
        "audienceIds": chance.sample(ws.audiences, chance.randint(0, 2)),
    }
    if chance.random() < 0.5:
        item["plannedAt"] = _planned(chance)
    if chance.random() < 0.7:
        item.update(_mapping(ws, chance))
    return item


def _planned(chance: random.Random) -> str:
    day = dt.datetime.now(dt.UTC) + dt.timedelta(days=chance.randint(1, 60), hours=chance.randint(0, 23))
    return day.replace(microsecond=0).isoformat()


def _mapping(ws: Workspace, chance: random.Random) -> dict[str, Any]:
    primary = chance.choice(ws.kpis)
    others = [kpi for kpi in ws.kpis if kpi != primary and chance.random() < 0.4]
    return {"tacticId": chance.choice(ws.tactics), "primaryKpiId": primary, "kpiIds": [primary, *others]}


# --- what the clients met ----------------------------------------------------------------------


@dataclass
class Tally:
    """What every client met since the start."""

    latencies: list[float] = field(default_factory=list)
    by_operation: dict[str, list[float]] = field(default_factory=dict)
    expected: Counter[str] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)
    """By kind and code, e.g. ``"user TRY_AGAIN"``, ``"HTTP 503 REQUEST_TIMEOUT"``."""
    kinds: Counter[str] = field(default_factory=Counter)
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    """By operation: ``ok``, or what went wrong."""
    examples: dict[str, str] = field(default_factory=dict)
    """The first of each unexpected outcome: operation, request id and message."""

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def record(self, operation: str, seconds: float) -> None:
        self.latencies.append(seconds)
        self.by_operation.setdefault(operation, []).append(seconds)

    def outcome(self, operation: str, label: str) -> None:
        self.outcomes.setdefault(operation, Counter())[label] += 1

    def expect(self, operation: str, label: str) -> None:
        self.expected[label] += 1
        self.outcome(operation, label)

    def fail(self, operation: str, kind: str, label: str, detail: str) -> None:
        self.unexpected[label] += 1
        self.kinds[kind] += 1
        self.outcome(operation, label)
        self.examples.setdefault(label, f"{operation}: {detail}"[:400])


# --- the clients -------------------------------------------------------------------------------


class Client:
    """One tool of the agency: a hot loop of requests on its pair's strategy."""

    def __init__(self, number: int, ws: Workspace, url: str, tally: Tally) -> None:
        self.number = number
        self.ws = ws
        self.url = url
        self.tally = tally
        self.random = random.Random(1000 + number)
        self.view: list[dict[str, Any]] = []
        """The content map as last read, with what this client's own writes changed since."""
        self.sent = 0
        self.actions: dict[str, Callable[[httpx.AsyncClient], Awaitable[None]]] = {
            "page": self.page,
            "item": self.item,
            "report": self.report,
            "create": self.create,
            "update": self.update,
            "map": self.map,
            "transition": self.transition,
            "measure": self.measure,
            "metrics": self.metrics,
            "comment": self.comment,
            "delete": self.delete,
        }

    async def run(self, until: float) -> None:
        headers = self.ws.credentials[self.number % 2]
        async with httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30) as http:
            # Each kind of request once, in an order of its own; then as the weights say.
            first = self.random.sample(list(WEIGHTS), len(WEIGHTS))
            for operation in ["page", *first]:
                await self.actions[operation if self.view else "page"](http)
            while time.monotonic() < until:
                (operation,) = self.random.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))
                await self.actions[operation if self.view else "page"](http)

    async def call(
        self,
        http: httpx.AsyncClient,
        operation: str,
        query: str,
        *,
        versioned: bool = False,
        items: Iterable[str] = (),
        **variables: Any,
    ) -> dict[str, Any] | None:
        """One request; the payload of its field when it went through, else None after counting why.

        ``versioned``: the request sent a version, so a CONFLICT is expected; ``items``: the content
        it names, for which NOT_FOUND is expected once a client asked to delete one of them.
        """
        self.sent += 1
        started = time.perf_counter()
        try:
            response = await http.post("/graphql", json={"query": query, "variables": variables})
        except httpx.TransportError as failure:
            self.tally.record(operation, time.perf_counter() - started)
            self.tally.fail(operation, "transport", f"transport {type(failure).__name__}", repr(failure))
            return None
        self.tally.record(operation, time.perf_counter() - started)
        request = response.headers.get("x-request-id", "?")
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            body = {}
        errors: list[dict[str, Any]] = body.get("errors") or []
        if response.status_code != 200:
            code = (errors[0].get("extensions") or {}).get("code") if errors else None
            label = f"HTTP {response.status_code} {code or ''}".strip()
            masked = bool(errors) and errors[0].get("message") == MASKED
            kind, label = ("masked", f"masked {label}") if masked else ("HTTP", label)
            self.tally.fail(operation, kind, label, f"request {request}: {response.text[:300]}")
            return None
        for error in errors:
            code = (error.get("extensions") or {}).get("code")
            masked = error.get("message") == MASKED
            kind = "masked" if masked else "GraphQL"
            label = f"masked {code}" if masked else f"GraphQL {code}"
            self.tally.fail(operation, kind, label, f"request {request}: {error.get('message')}")
        if errors:
            return None
        ((_, payload),) = body["data"].items()
        if not isinstance(payload, dict) or "userErrors" not in payload:
            self.tally.outcome(operation, "ok")
            return payload if isinstance(payload, dict) else {}
        user_errors: list[dict[str, Any]] = payload["userErrors"]
        named = set(items)
        for error in user_errors:
            code = error["code"]
            if code == "CONFLICT" and versioned:
                self.tally.expect(operation, CONFLICT)
            elif code == "NOT_FOUND" and named & self.ws.deleting:
                self.tally.expect(operation, GONE)
                self.forget(named & self.ws.deleting)
            else:
                self.tally.fail(
                    operation, "user", f"user {code}", f"request {request}: {error['message']} {variables}"
                )
        if user_errors:
            return None
        self.tally.outcome(operation, "ok")
        result: dict[str, Any] = payload
        return result

    # -- what the view holds --

    def forget(self, ids: set[str]) -> None:
        self.view = [item for item in self.view if item["id"] not in ids]

    def refresh(self, changed: Iterable[dict[str, Any]]) -> None:
        """Take this client's own write into its view (the version it made, what it set)."""
        by_id = {item["id"]: item for item in changed}
        self.view = [{**item, **by_id.get(item["id"], {})} for item in self.view]

    def pick(self, count: int = 1) -> list[dict[str, Any]]:
        return self.random.sample(self.view, min(count, len(self.view)))

    # -- reads --

    async def page(self, http: httpx.AsyncClient) -> None:
        found = await self.call(http, "page", PAGE, s=self.ws.strategy)
        if found is not None:
            items = found["contentItems"]
            self.view = items["nodes"]
            self.ws.total = items["totalCount"]

    async def item(self, http: httpx.AsyncClient) -> None:
        (item,) = self.pick()
        await self.call(http, "item", ITEM, id=item["id"])

    async def report(self, http: httpx.AsyncClient) -> None:
        await self.call(http, "report", REPORT, id=self.ws.strategy, asOf=dt.date.today().isoformat())

    # -- writes --

    async def create(self, http: httpx.AsyncClient) -> None:
        if self.ws.total >= self.ws.most:
            await self.delete(http)
            return
        title = f"Client {self.number} post {self.sent}"
        made = await self.call(http, "create", CREATE, input=_new_item(self.ws, self.random, title))
        if made is not None:
            self.ws.total += 1
            self.view.append(made["contentItem"])

    async def update(self, http: httpx.AsyncClient) -> None:
        (item,) = self.pick()
        change: dict[str, Any] = {"id": item["id"], "version": item["version"]}
        what = self.random.randrange(5)
        if what == 0:
            change["title"] = f"Client {self.number} post {self.sent} (edited)"
        elif what == 1:
            change["brief"] = f"Brief {self.sent}: for whom, and why ✓"
        elif what == 2:
            change["channelId"] = self.random.choice([*self.ws.channels, None])
        elif what == 3:
            change["audienceIds"] = self.random.sample(self.ws.audiences, self.random.randint(0, 3))
        else:
            change["plannedAt"] = _planned(self.random)
        done = await self.call(http, "update", UPDATE, versioned=True, items=[item["id"]], input=change)
        if done is not None:
            self.refresh([done["contentItem"]])

    async def map(self, http: httpx.AsyncClient) -> None:
        batch = self.pick(self.random.randint(3, 8))
        with_versions = self.random.random() < 0.5
        entries = [
            {"id": item["id"], **_mapping(self.ws, self.random)}
            | ({"version": item["version"]} if with_versions else {})
            for item in batch
        ]
        ids = [item["id"] for item in batch]
        done = await self.call(http, "map", MAP, versioned=with_versions, items=ids, input={"items": entries})
        if done is not None:
            self.refresh(done["contentItems"])

    async def transition(self, http: httpx.AsyncClient) -> None:
        (item,) = self.pick()
        mapped = item["tactic"] is not None and item["primaryKpi"] is not None
        targets = sorted(
            to
            for to in (status.value for status in TRANSITIONS[ContentStatus(item["status"])])
            if (mapped or to in ("IDEA", "ARCHIVED")) and (to != "SCHEDULED" or item["plannedAt"])
        )
        if not targets:
            return
        to = self.random.choice(targets)
        change: dict[str, Any] = {"id": item["id"], "version": item["version"], "to": to}
        if (item["status"], to) == ("IN_REVIEW", "DRAFT") or self.random.random() < 0.2:
            change["comment"] = f"Moved to {to} by client {self.number}."
        done = await self.call(
            http, "transition", TRANSITION, versioned=True, items=[item["id"]], input=change
        )
        if done is not None:
            self.refresh([done["contentItem"]])

    async def comment(self, http: httpx.AsyncClient) -> None:
        (item,) = self.pick()
        body = f"Note {self.sent} from client {self.number}: looks good ✓"
        await self.call(
            http, "comment", COMMENT, items=[item["id"]], input={"contentItemId": item["id"], "body": body}
        )

    async def delete(self, http: httpx.AsyncClient) -> None:
        if self.ws.total <= self.ws.fewest:
            await self.create(http)
            return
        (item,) = self.pick()
        self.ws.deleting.add(item["id"])
        done = await self.call(http, "delete", DELETE, items=[item["id"]], input={"id": item["id"]})
        if done is not None:
            self.ws.total -= 1
            self.forget({item["id"]})

    async def measure(self, http: httpx.AsyncClient) -> None:
        keys = {
            (self.random.choice(self.ws.measured), _day(self.random))
            for _ in range(self.random.randint(1, 5))
        }
        entries = [
            {"kpiId": kpi, "observedOn": day, "value": str(self.random.randint(1, 5000))} for kpi, day in keys
        ]
        await self.call(
            http, "measure", MEASURE, input={"strategyId": self.ws.strategy, "measurements": entries}
        )

    async def metrics(self, http: httpx.AsyncClient) -> None:
        keys = {(item["id"], _day(self.random)) for item in self.pick(self.random.randint(1, 5))}
        entries = [
            {
                "contentItemId": id_,
                "metric": "IMPRESSIONS",
                "observedOn": day,
                "value": str(self.random.randint(1, 900)),
            }
            for id_, day in keys
        ]
        ids = [id_ for id_, _ in keys]
        await self.call(
            http, "metrics", METRICS, items=ids, input={"strategyId": self.ws.strategy, "metrics": entries}
        )


def _day(chance: random.Random) -> str:
    return (dt.date.today() - dt.timedelta(days=chance.randint(0, 60))).isoformat()


# --- the server --------------------------------------------------------------------------------


def usage(server: LiveServer) -> tuple[list[float], float]:
    """The resident memory of the server's processes in MB (uvicorn's first, then its workers),
    and the CPU time they have used so far, in seconds."""
    root = psutil.Process(server.process.pid)
    rss, cpu = [], 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            with process.oneshot():
                rss.append(process.memory_info().rss / 1e6)
                times = process.cpu_times()
        except psutil.NoSuchProcess:  # a worker restarted meanwhile
            continue
        cpu += times.user + times.system
    return rss, cpu


@dataclass
class LogWatch:
    """The server's log read as it grows: ERROR lines, and transactions the server retried."""

    path: Path
    offset: int = 0
    lines: int = 0
    errors: list[str] = field(default_factory=list)
    retried: Counter[str] = field(default_factory=Counter)
    """By mutation and SQLSTATE (40P01 a deadlock, 40001 a serialization failure)."""
    gave_up: int = 0
    levels: Counter[str] = field(default_factory=Counter)

    def read(self) -> None:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            chunk = log.read()
        end = chunk.rfind(b"\n") + 1  # a line being written is read next time
        self.offset += end
        for raw in chunk[:end].decode(errors="replace").splitlines():
            self.lines += 1
            self._line(raw)

    def _line(self, raw: str) -> None:
        try:
            line = json.loads(raw)
        except ValueError:  # not one of the service's lines: a crash of the process itself
            if "Traceback" in raw or raw.startswith(("ERROR", "CRITICAL")):
                self.errors.append(raw)
            return
        if not isinstance(line, dict):
            return
        message = str(line.get("message", ""))
        self.levels[str(line.get("level"))] += 1
        if line.get("level") in ("ERROR", "CRITICAL"):
            self.errors.append(raw)
        elif (retried := _RETRIED.match(message)) is not None:
            self.retried[f"{retried[1]} {retried[2]}"] += 1
        elif "gave up after" in message:
            self.gave_up += 1


async def deadlocks(owner_url: str) -> int:
    """PostgreSQL's count of deadlocks detected in the database (as the statistics have it so far)."""
    connection = await asyncpg.connect(owner_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        found = await connection.fetchval(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(found or 0)
    finally:
        await connection.close()


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Verdict:
    seconds: float
    clients: int
    tally: Tally
    memory: list[tuple[float, list[float]]]
    """(seconds since the start, RSS MB of each server process) every report."""
    log: LogWatch
    deadlocks: int | None = None
    warm_up: float = 0.0
    server_cpu: float = 0.0
    """CPU seconds the server's processes used during the run."""
    client_cpu: float = 0.0
    """CPU seconds this process (the clients and the watching) used during the run."""

    @property
    def requests(self) -> int:
        return self.tally.requests

    @property
    def unexpected(self) -> Counter[str]:
        return self.tally.unexpected

    @property
    def expected(self) -> Counter[str]:
        return self.tally.expected

    @property
    def log_errors(self) -> int:
        return len(self.log.errors)

    def _totals(self, after: float) -> list[float]:
        return [sum(rss) for at, rss in self.memory if at >= after]

    @property
    def baseline_mb(self) -> float | None:
        after = self._totals(self.warm_up)
        return statistics.median(after[:3]) if len(after) >= 6 else None

    @property
    def end_mb(self) -> float | None:
        after = self._totals(self.warm_up)
        return statistics.median(after[-3:]) if len(after) >= 6 else None

    @property
    def growth_mb(self) -> float | None:
        if self.baseline_mb is None or self.end_mb is None:
            return None
        return self.end_mb - self.baseline_mb

    @property
    def slope_mb_per_minute(self) -> float | None:
        points = [(at, sum(rss)) for at, rss in self.memory if at >= self.warm_up]
        if len(points) < 3:
            return None
        return statistics.linear_regression([at for at, _ in points], [mb for _, mb in points]).slope * 60

    @property
    def memory_grew(self) -> bool:
        return self.growth_mb is not None and self.growth_mb > GROWTH_MB

    @property
    def failures(self) -> list[str]:
        found = []
        if self.unexpected:
            found.append(f"{sum(self.unexpected.values())} unexpected outcomes")
        if self.log_errors:
            found.append(f"{self.log_errors} ERROR lines in the server's log")
        if self.memory_grew:
            found.append(f"memory grew {self.growth_mb:+.1f} MB after the warm-up")
        return found

    @property
    def passed(self) -> bool:
        return not self.failures


def _ms(seconds: Sequence[float], share: float) -> str:
    if not seconds:
        return "–"
    if len(seconds) == 1:
        return f"{seconds[0] * 1000:.0f}"
    return f"{statistics.quantiles(seconds, n=100, method='inclusive')[round(share * 100) - 1] * 1000:.0f}"


def _rss(rss: list[float]) -> str:
    return f"{sum(rss):.0f} ({' + '.join(f'{mb:.0f}' for mb in rss)})"


#: The columns of a report line; the counts of outcomes are since the start, the rest of the interval.
COLUMNS = (
    "s",
    "requests",
    "req/s",
    "p50 ms",
    "p95 ms",
    "server CPU ms/req",
    # KINDS, in order:
    "HTTP ≠ 200",
    "GraphQL errors",
    "masked",
    "user errors",
    "transport",
    "CONFLICT",
    "NOT_FOUND deleted",
    "retried tx",
    "deadlocks",
    "log ERROR",
    "server RSS MB (sum: uvicorn, resource tracker, workers)",
)


def _row(cells: Iterable[object]) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


async def soak(
    server: LiveServer,
    seconds: float,
    clients: int,
    *,
    every: float = REPORT_EVERY,
    owner_url: str | None = None,
    sharing: int = 2,
    seed: int = SEED_ITEMS,
) -> Verdict:
    """Run ``clients`` clients for ``seconds`` against ``server``, printing a line every ``every`` s.

    ``owner_url`` (the database's, as the owner) lets PostgreSQL's count of deadlocks be shown;
    ``sharing`` clients work on each workspace, which starts with ``seed`` content items.
    """
    lifetime = dt.timedelta(seconds=seconds + 3600)
    started = time.monotonic()
    workspaces = await asyncio.gather(
        *(build_workspace(server, number, lifetime, seed) for number in range(-(-clients // sharing)))
    )
    print(
        f"{len(workspaces)} workspaces ({seed} content items each) set up in"
        f" {time.monotonic() - started:.1f} s\n",
        flush=True,
    )
    tally = Tally()
    log = LogWatch(server.log_path)
    log.read()
    log.errors.clear()  # the set-up is not measured; an error there fails its assertions
    started = time.monotonic()
    until = started + seconds
    tasks = [
        asyncio.create_task(Client(n, workspaces[n // sharing], server.url, tally).run(until))
        for n in range(clients)
    ]
    memory: list[tuple[float, list[float]]] = []
    _, cpu = usage(server)
    cpu_started, own_started = cpu, time.process_time()
    print(_row(COLUMNS))
    print(_row("---" for _ in COLUMNS))
    done = 0
    tick = last = started
    found_deadlocks: int | None = None
    while not all(task.done() for task in tasks):
        tick += every
        await asyncio.wait(tasks, timeout=max(0.0, tick - time.monotonic()))
        now = time.monotonic()
        at, span, last = now - started, now - last, now
        rss, now_cpu = usage(server)
        cpu, cpu_used = now_cpu, now_cpu - cpu
        memory.append((at, rss))
        log.read()
        if owner_url:
            found_deadlocks = await deadlocks(owner_url)
        window = tally.latencies[done:]
        done = len(tally.latencies)
        moment = f"{at:.0f}" + (" (end)" if all(task.done() for task in tasks) else "")
        row = [moment, tally.requests, f"{len(window) / span:.0f}", _ms(window, 0.5), _ms(window, 0.95)]
        row += [f"{cpu_used * 1000 / max(1, len(window)):.0f}", *(tally.kinds[kind] for kind in KINDS)]
        row += [tally.expected[CONFLICT], tally.expected[GONE], sum(log.retried.values())]
        row += ["–" if found_deadlocks is None else found_deadlocks, len(log.errors), _rss(rss)]
        print(_row(row), flush=True)
    for task in tasks:
        task.result()
    return Verdict(
        time.monotonic() - started,
        clients,
        tally,
        memory,
        log,
        found_deadlocks,
        warm_up=min(WARM_UP_SECONDS, seconds / 3),
        server_cpu=cpu - cpu_started,
        client_cpu=time.process_time() - own_started,
    )


def summary(verdict: Verdict) -> str:
    """What the run did by operation, what went wrong, the memory and the verdict."""
    tally = verdict.tally
    lines = [
        "",
        "| operation | requests | p50 ms | p95 ms | max ms | outcomes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for operation in WEIGHTS:
        seconds = tally.by_operation.get(operation, [])
        outcomes = ", ".join(
            f"{label} {n}" for label, n in tally.outcomes.get(operation, Counter()).most_common()
        )
        top = f"{max(seconds) * 1000:.0f}" if seconds else "–"
        timed = f"{_ms(seconds, 0.5)} | {_ms(seconds, 0.95)} | {top}"
        lines.append(f"| {operation} | {len(seconds)} | {timed} | {outcomes} |")
    rate = tally.requests / verdict.seconds if verdict.seconds else 0.0
    per = max(1, tally.requests)
    lines += [
        "",
        f"{tally.requests} requests in {verdict.seconds:.0f} s ({rate:.0f}/s) from {verdict.clients} clients;"
        f" p50 {_ms(tally.latencies, 0.5)} ms, p95 {_ms(tally.latencies, 0.95)} ms; CPU per request:"
        f" server {verdict.server_cpu * 1000 / per:.0f} ms, clients {verdict.client_cpu * 1000 / per:.0f} ms"
        f" (load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores).",
        f"Expected outcomes: {dict(tally.expected) or 'none'}.",
        f"Unexpected outcomes: {dict(tally.unexpected) or 'none'}"
        + (f" (by kind: {dict(tally.kinds)})." if tally.kinds else "."),
    ]
    for label, example in tally.examples.items():
        lines.append(f"  first {label}: {example}")
    log = verdict.log
    lines.append(
        f"Server log: {log.lines} lines ({dict(log.levels)}); transactions retried (mutation, SQLSTATE):"
        f" {dict(log.retried) or 'none'}; gave up (TRY_AGAIN): {log.gave_up}."
    )
    if verdict.deadlocks is not None:
        lines.append(f"PostgreSQL detected {verdict.deadlocks} deadlocks in the soak's database.")
    if log.errors:
        lines.append("The last ERROR lines of the server's log:")
        lines += [f"  {line[:2000]}" for line in log.errors[-5:]]
    baseline, end, growth, slope = (
        verdict.baseline_mb,
        verdict.end_mb,
        verdict.growth_mb,
        verdict.slope_mb_per_minute,
    )
    if verdict.memory:
        first, last = verdict.memory[0][1], verdict.memory[-1][1]
        lines.append(f"Server RSS MB: first sample {_rss(first)}, last {_rss(last)}.")
    if baseline is not None and end is not None and growth is not None:
        judged = f"fails above +{GROWTH_MB:.0f} MB"
        lines.append(
            f"Memory after the warm-up ({verdict.warm_up:.0f} s): {baseline:.0f} MB, at the end {end:.0f} MB:"
            f" {growth:+.1f} MB ({growth / baseline:+.1%}; {judged})"
            + (f"; slope {slope:+.1f} MB/min." if slope is not None else ".")
        )
    else:
        lines.append("Memory: too few samples after the warm-up to judge.")
    lines.append("Verdict: " + ("passed" if verdict.passed else "FAILED: " + "; ".join(verdict.failures)))
    return "\n".join(lines)


async def _main(url: str, args: argparse.Namespace) -> Verdict:
    seconds, clients, workers = args.seconds, args.clients, args.workers
    async with scratch_database(url) as scratch:
        # Starting may take long on a busy machine; it is not what the soak measures.
        with serve(scratch.url, env=SERVER_ENV, workers=workers, timeout=START_TIMEOUT) as server:
            print(
                f"## Soak: {clients} clients ({args.sharing} a workspace) for {seconds:.0f} s against"
                f" {server.url} ({workers} workers)\n",
                flush=True,
            )
            verdict = await soak(server, seconds, clients, owner_url=scratch.url, sharing=args.sharing)
            tail = server.log().splitlines()[-20:] if verdict.log_errors else []
            shutil.copyfile(server.log_path, args.log)
        # Once the server has stopped, its connections have flushed their statistics.
        verdict.deadlocks = await deadlocks(scratch.url)
    if tail:
        print("\nThe server's log ends:\n" + "\n".join(line[:2000] for line in tail))
    return verdict


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.soak", description=__doc__.split("\n")[0])
    parser.add_argument(
        "seconds",
        nargs="?",
        type=float,
        default=float(os.environ.get("SOAK_SECONDS") or DEFAULT_SECONDS),
        help=f"how long the clients run (SOAK_SECONDS, default {DEFAULT_SECONDS:.0f})",
    )
    parser.add_argument(
        "--clients",
        type=int,
        default=int(os.environ.get("SOAK_CLIENTS") or DEFAULT_CLIENTS),
        help=f"clients at once (SOAK_CLIENTS, default {DEFAULT_CLIENTS})",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("SOAK_WORKERS") or DEFAULT_WORKERS),
        help=f"the server's worker processes (SOAK_WORKERS, default {DEFAULT_WORKERS})",
    )
    parser.add_argument(
        "--sharing",
        type=int,
        default=int(os.environ.get("SOAK_SHARING") or 2),
        help="clients a workspace (SOAK_SHARING, default 2: pairs); as many as --clients: one strategy",
    )
    parser.add_argument(
        "--log",
        type=Path,
        default=Path(tempfile.gettempdir()) / f"redthread-soak-{time.strftime('%Y%m%d-%H%M%S')}.log",
        help="where to keep the server's log (default: a new file in the temporary folder)",
    )
    args = parser.parse_args(argv)
    with database_url(DatabaseSettings()) as url:
        verdict = asyncio.run(_main(url, args))
    print(summary(verdict))
    print(f"The server's log is kept in {args.log}.")
    sys.exit(0 if verdict.passed else 1)


if __name__ == "__main__":
    main()
