"""Soak: minutes of mixed reads and writes from several clients against the served app.

    make soak                                  # 3 minutes, 6 clients
    SOAK_SECONDS=600 SOAK_CLIENTS=8 make soak   # DATABASE_URL, or the embedded PostgreSQL

The production app runs under uvicorn (:mod:`tests.live`) over a scratch database, loopback
only. Clients work in pairs on one strategy each, as an agency's tools do: they read the
content map, create, edit, map (overlapping, shuffled batches), move along the workflow and
comment on content, record KPI measurements and now and then read the strategy report. Every
10 s a line says what was done, how fast, what went wrong and the server's memory (RSS of its
processes). ``CONFLICT`` (two clients editing one item from the same version) and an
``INVALID_TRANSITION`` lost to the other client of a pair are expected outcomes and counted apart.

The run fails (exit status 1) on any unexpected outcome: an HTTP status other than 200, a
GraphQL error, a user error of another code, an ERROR line in the server's log, or memory that
grew after the warm-up (the first third of the run) by more than :data:`GROWTH_MB` — a leak
shows as steady growth; the allocator's noise on a 2-core machine stays under that.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil

from domain.persistence.locate import database_url
from domain.persistence.settings import DatabaseSettings
from tests.bench.scratch import scratch_database
from tests.live import LiveServer, SignedIn, serve

DEFAULT_SECONDS = 180.0
DEFAULT_CLIENTS = 6
REPORT_EVERY = 10.0
#: Memory growth after the warm-up that fails the run.
GROWTH_MB = 30.0
#: Outcomes a client may meet from its pair's concurrent work.
EXPECTED = frozenset({"CONFLICT", "INVALID_TRANSITION"})

PAGE = """
query($s: ID!) { strategy(id: $s) { contentItems(first: 50) { nodes {
  id version status title tactic { name } primaryKpi { name } kpis { name } channel { name }
  audiences { name }
} } } }
"""
REPORT = """
query($s: ID!) { strategy(id: $s) {
  health { findings { code } } dashboard { liveContentCount } kpis { progress { status } }
} }
"""
ERRORS = "userErrors { code }"
CREATE_TACTIC = f"""mutation($s: ID!, $n: String!) {{ createTactic(input: {{strategyId: $s, name: $n,
  kind: INSPIRE}}) {{ tactic {{ id }} {ERRORS} }} }}"""
CREATE_KPI = f"""mutation($s: ID!, $n: String!, $t: ID!) {{ createKpi(input: {{strategyId: $s, name: $n,
  metric: REACH, target: "1000", tacticIds: [$t]}}) {{ kpi {{ id }} {ERRORS} }} }}"""
CREATE_ITEM = f"""mutation($s: ID!, $t: String!) {{ createContentItem(input: {{strategyId: $s, title: $t,
  format: POST}}) {{ contentItem {{ id }} {ERRORS} }} }}"""
UPDATE_ITEM = f"""mutation($id: ID!, $v: Int!, $b: String!) {{ updateContentItem(input: {{id: $id,
  version: $v, brief: $b}}) {{ contentItem {{ version }} {ERRORS} }} }}"""
MAP_ITEMS = f"""mutation($input: MapContentItemsInput!) {{ mapContentItems(input: $input) {{
  contentItems {{ id }} {ERRORS} }} }}"""
TRANSITION = f"""mutation($id: ID!, $v: Int!) {{ transitionContentItem(input: {{id: $id, version: $v,
  to: DRAFT}}) {{ contentItem {{ status }} {ERRORS} }} }}"""
COMMENT = f"""mutation($id: ID!, $b: String!) {{ addComment(input: {{contentItemId: $id, body: $b}}) {{
  comment {{ id }} {ERRORS} }} }}"""
RECORD = f"""mutation($input: RecordKpiMeasurementsInput!) {{ recordKpiMeasurements(input: $input) {{
  created {ERRORS} }} }}"""


@dataclass
class Strategy:
    member: SignedIn
    tactics: list[str]
    kpis: list[str]


@dataclass
class Tally:
    """What every client met, since the start and since the last report."""

    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    expected: Counter[str] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)


class Client:
    def __init__(self, number: int, strategy: Strategy, url: str, tally: Tally) -> None:
        self.number = number
        self.strategy = strategy
        self.url = url
        self.tally = tally
        self.random = random.Random(number)
        self.sent = 0

    async def run(self, until: float) -> None:
        async with httpx.AsyncClient(
            base_url=self.url, headers=self.strategy.member.headers, timeout=30
        ) as http:
            while time.monotonic() < until:
                await self.step(http)

    async def call(self, http: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any] | None:
        """One request; its data, or None after counting what went wrong."""
        started = time.perf_counter()
        response = await http.post("/graphql", json={"query": query, "variables": variables})
        self.tally.requests += 1
        self.tally.latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            self.tally.unexpected[f"HTTP {response.status_code}"] += 1
            return None
        body = response.json()
        for error in body.get("errors", ()):
            self.tally.unexpected[f"error {error.get('extensions', {}).get('code')}"] += 1
        if "errors" in body:
            return None
        data: dict[str, Any] = body["data"]
        for payload in data.values():
            for error in (payload or {}).get("userErrors", ()) if isinstance(payload, dict) else ():
                bucket = self.tally.expected if error["code"] in EXPECTED else self.tally.unexpected
                bucket[error["code"]] += 1
        return data

    async def step(self, http: httpx.AsyncClient) -> None:
        s = self.strategy
        page = await self.call(http, PAGE, s=s.member.strategy_id)
        items = page["strategy"]["contentItems"]["nodes"] if page else []
        choice = self.random.random()
        self.sent += 1
        if choice < 0.15 or len(items) < 10:
            await self.call(
                http, CREATE_ITEM, s=s.member.strategy_id, t=f"Client {self.number} post {self.sent}"
            )
        elif choice < 0.35:
            item = self.random.choice(items)
            await self.call(http, UPDATE_ITEM, id=item["id"], v=item["version"], b=f"Brief {self.sent}")
        elif choice < 0.55:
            batch = self.random.sample(items, min(5, len(items)))
            entries = [
                {"id": item["id"], "tacticId": self.random.choice(s.tactics), "primaryKpiId": s.kpis[0]}
                for item in batch
            ]
            await self.call(http, MAP_ITEMS, input={"items": entries})
        elif choice < 0.65:
            ideas = [item for item in items if item["status"] == "IDEA" and item["tactic"]]
            if ideas:
                item = self.random.choice(ideas)
                await self.call(http, TRANSITION, id=item["id"], v=item["version"])
        elif choice < 0.75:
            await self.call(http, COMMENT, id=self.random.choice(items)["id"], b=f"Note {self.sent} ✓")
        elif choice < 0.95:
            day = f"2026-{self.random.randint(1, 12):02d}-{self.random.randint(1, 28):02d}"
            entry = {"kpiId": s.kpis[1], "observedOn": day, "value": str(self.random.randint(1, 500))}
            await self.call(http, RECORD, input={"strategyId": s.member.strategy_id, "measurements": [entry]})
        else:
            await self.call(http, REPORT, s=s.member.strategy_id)


def build_strategy(server: LiveServer, number: int) -> Strategy:
    member = server.sign_in(f"soak-{number}")
    tactics = [
        server.mutate(CREATE_TACTIC, token=member.token, s=member.strategy_id, n=name)["tactic"]["id"]
        for name in ("Inspire", "Educate")
    ]
    kpis = [
        server.mutate(CREATE_KPI, token=member.token, s=member.strategy_id, n=name, t=tactic)["kpi"]["id"]
        for name, tactic in (("Reach", tactics[0]), ("Followers", tactics[1]))
    ]
    return Strategy(member, tactics, kpis)


def memory_mb(server: LiveServer) -> float:
    """The resident memory of the server's processes (uvicorn and its workers), in MB."""
    root = psutil.Process(server.process.pid)
    processes = [root, *root.children(recursive=True)]
    return sum(process.memory_info().rss for process in processes) / 1e6


@dataclass(frozen=True)
class Verdict:
    requests: int
    expected: Counter[str]
    unexpected: Counter[str]
    memory_mb: list[float]
    growth_mb: float
    log_errors: int

    @property
    def passed(self) -> bool:
        return not self.unexpected and self.growth_mb <= GROWTH_MB and not self.log_errors


async def soak(server: LiveServer, seconds: float, clients: int, *, every: float = REPORT_EVERY) -> Verdict:
    """Run ``clients`` clients for ``seconds`` against ``server``, printing a line every ``every`` s."""
    strategies = [build_strategy(server, number) for number in range((clients + 1) // 2)]
    tally = Tally()
    started = time.monotonic()
    until = started + seconds
    tasks = [
        asyncio.create_task(Client(n, strategies[n // 2], server.url, tally).run(until))
        for n in range(clients)
    ]
    memory: list[float] = []
    print("| s | requests | req/s | p50 ms | p95 ms | expected | unexpected | server RSS MB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    done = 0
    while not all(task.done() for task in tasks):
        await asyncio.wait(tasks, timeout=every)
        memory.append(memory_mb(server))
        window = tally.latencies[done:]
        done = len(tally.latencies)
        p50 = statistics.median(window) * 1000 if window else 0.0
        p95 = statistics.quantiles(window, n=20)[-1] * 1000 if len(window) > 1 else p50
        print(
            f"| {time.monotonic() - started:.0f} | {tally.requests} | {len(window) / every:.0f} | {p50:.0f} |"
            f" {p95:.0f} | {sum(tally.expected.values())} | {sum(tally.unexpected.values())} |"
            f" {memory[-1]:.0f} |",
            flush=True,
        )
    for task in tasks:
        task.result()
    warm = memory[len(memory) // 3] if memory else 0.0
    log_errors = sum(
        1
        for line in server.log().splitlines()
        if line.strip().startswith("{") and json.loads(line)["level"] == "ERROR"
    )
    return Verdict(tally.requests, tally.expected, tally.unexpected, memory, max(memory) - warm, log_errors)


async def _main(url: str, seconds: float, clients: int) -> Verdict:
    async with scratch_database(url) as scratch:
        env = {"REDTHREAD_THROTTLE_CAPACITY": "1000000000", "REDTHREAD_THROTTLE_RESTORE_RATE": "1000000000"}
        with serve(scratch.url, env=env) as server:
            print(f"## Soak: {clients} clients for {seconds:.0f} s against {server.url}\n")
            verdict = await soak(server, seconds, clients)
            if verdict.log_errors:
                print("\nThe server's log ends:\n" + "\n".join(server.log().splitlines()[-20:]))
    return verdict


def main() -> None:
    seconds = float(os.environ.get("SOAK_SECONDS") or DEFAULT_SECONDS)
    clients = int(os.environ.get("SOAK_CLIENTS") or DEFAULT_CLIENTS)
    with database_url(DatabaseSettings()) as url:
        verdict = asyncio.run(_main(url, seconds, clients))
    print(
        f"\n{verdict.requests} requests; expected outcomes {dict(verdict.expected)}; unexpected"
        f" {dict(verdict.unexpected)}; ERROR lines in the log {verdict.log_errors}; memory after the"
        f" warm-up grew {verdict.growth_mb:+.1f} MB (at most {GROWTH_MB:.0f}): "
        + ("passed" if verdict.passed else "FAILED")
    )
    sys.exit(0 if verdict.passed else 1)


if __name__ == "__main__":
    main()
