"""Benchmark: the strategy report (health, dashboard, KPI progress, document) on N content items.

The scale data (:func:`seed.scale.load_scale`) is loaded into a fresh database that is
dropped at the end: one strategy with N items (default 100,000) and one with
:data:`SMALL` items, to show that the report runs the same statements at any size. The
app runs in this process behind httpx's ASGI transport. Per request it reports the wall
time, the time with at least one SQL statement running, the statements and the rows they
returned: a few hundred at most, never the content plan itself.

    make bench                                      # DATABASE_URL, or the embedded PostgreSQL
    python -m tests.bench.strategy_report 20000     # or BENCH_CONTENT=20000
    python -m tests.bench.strategy_report --explain # also EXPLAIN ANALYZE the slowest statements
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event
from sqlalchemy.engine import Engine

from domain.persistence.database import binds_scope
from domain.persistence.locate import database_url
from domain.persistence.settings import DatabaseSettings
from schema.ids import encode
from seed.scale import load_scale
from tests import auth
from tests.bench.scratch import scratch_database
from tests.client import signed_in

#: Everything a strategy report page shows: findings, dashboard figures with the names of
#: what they count, every KPI's progress and SMART verdict, and the written strategy.
QUERY = """
query StrategyReport($id: ID!, $asOf: Date!) {
  strategy(id: $id) {
    id name
    health(asOf: $asOf) { healthy findings { code severity message count nodes { id } } }
    dashboard {
      liveContentCount mappedContentCount unmappedContentCount
      tacticShares { contentCount share targetShare deviation tactic { id name } }
      tacticKpiMatrix { contentCount tactic { id name } kpi { id name } }
      contentByChannelAndStatus { status count channel { id name } }
      topContent { kpi { id name } items { value contentItem { id title } } }
    }
    kpis {
      id name
      progress(asOf: $asOf) { status current expected paceRatio forecast }
      smart(asOf: $asOf) { met }
    }
    document(format: MARKDOWN, asOf: $asOf)
  }
}
"""
#: The content of the large strategy, unless given on the command line or in ``BENCH_CONTENT``.
DEFAULT_CONTENT = 100_000
#: The content of the small strategy, to compare the statements with.
SMALL = 1_000
WARM_UP = 3
ROUNDS = 20


@dataclass
class Statement:
    sql: str
    parameters: Any
    started: float
    ended: float | None = None
    rows: int = 0

    @property
    def ms(self) -> float:
        return ((self.ended or self.started) - self.started) * 1000


@dataclass
class SqlMeter:
    """Records the statements sent through an engine: when they ran and the rows they returned."""

    statements: list[Statement] = field(default_factory=list)

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def rows(self) -> int:
        """Rows the request's reads returned (a scope binding's one row each aside: their number
        follows how loads happened to batch)."""
        return sum(statement.rows for statement in self.statements if not binds_scope(statement.sql))

    def busy_ms(self) -> float:
        """The time with at least one statement running (statements of one request overlap)."""
        total, reached = 0.0, 0.0
        for statement in sorted(self.statements, key=lambda s: s.started):
            ended = statement.ended or statement.started
            if ended > reached:
                total += ended - max(statement.started, reached)
                reached = ended
        return total * 1000

    def _before(self, conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        statement = Statement(sql, parameters, time.perf_counter())
        conn.info["bench_statement"] = statement
        self.statements.append(statement)

    def _after(self, conn: Any, cursor: Any, *_: Any) -> None:
        statement: Statement = conn.info.pop("bench_statement")
        statement.ended = time.perf_counter()
        # asyncpg reads every row at execute; rowcount comes from the "SELECT n" status.
        statement.rows = max(cursor.rowcount, 0)


_IN_LIST = re.compile(r"IN \(\$\d+(?:::\w+)?(?:, \$\d+(?:::\w+)?)*\)")


def shape(sql: str) -> str:
    """A statement with its IN-lists collapsed: the same read of 3 or 30 ids has one shape."""
    return _IN_LIST.sub("IN (…)", " ".join(sql.split()))


def shapes(statements: list[Statement]) -> Counter[str]:
    return Counter(shape(statement.sql) for statement in statements)


@dataclass(frozen=True)
class Figures:
    content: int
    #: The statement count of each round. It may differ by one between rounds: the nodes the
    #: findings and the dashboard name come in one batch per kind or two, depending on whether
    #: the report's statements end in the same turn of the event loop.
    statements: list[int]
    kinds: frozenset[str]
    rows: int
    wall_ms: list[float]
    sql_ms: list[float]
    cpu_ms: list[float]
    #: The statements of the last round, slowest first.
    last: list[Statement]

    def lines(self) -> list[str]:
        low, high = min(self.statements), max(self.statements)
        counted = f"{low}" if low == high else f"{low}–{high}"
        return [
            f"strategy report on {self.content:,} content items: {len(self.wall_ms)} requests, "
            f"{counted} SQL statements ({len(self.kinds)} kinds) returning {self.rows} rows per request",
            f"  wall ms per request:   {_spread(self.wall_ms)}",
            f"  ms with SQL running:   {_spread(self.sql_ms)}",
            f"  CPU ms (this process): {_spread(self.cpu_ms)}",
            "  slowest statements: " + ", ".join(f"{s.ms:.0f} ms ({_label(s.sql)})" for s in self.last[:3]),
        ]


def _spread(samples: list[float]) -> str:
    p95 = sorted(samples)[round(0.95 * (len(samples) - 1))]
    return f"median {statistics.median(samples):7.1f}, p95 {p95:7.1f}"


def _label(sql: str) -> str:
    """The start of a statement; for one with common table expressions, their names."""
    words = " ".join(sql.split())
    if words.startswith("WITH "):
        return "WITH " + ", ".join(_CTE.findall(words)) + " …"
    return words[:48] + "…" if len(words) > 48 else words


_CTE = re.compile(r"(?:WITH|\) ?,) (\w+) AS \(")


async def measure(client: httpx.AsyncClient, meter: SqlMeter, strategy: str, content: int) -> Figures:
    """Post the report query WARM_UP + ROUNDS times; every round must run the same kinds of statement."""
    variables = {"id": strategy, "asOf": dt.date.today().isoformat()}
    wall: list[float] = []
    sql: list[float] = []
    cpu: list[float] = []
    statements: list[int] = []
    kinds: set[frozenset[str]] = set()
    rows: set[int] = set()
    for round_ in range(WARM_UP + ROUNDS):
        meter.reset()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = await client.post("/graphql", json={"query": QUERY, "variables": variables})
        elapsed, cpu_elapsed = time.perf_counter() - started, time.process_time() - cpu_started
        body = response.json()
        assert "errors" not in body, body["errors"]
        assert body["data"]["strategy"]["dashboard"]["liveContentCount"] > 0
        if round_ < WARM_UP:
            continue
        wall.append(elapsed * 1000)
        sql.append(meter.busy_ms())
        cpu.append(cpu_elapsed * 1000)
        statements.append(len(meter.statements))
        kinds.add(frozenset(shapes(meter.statements)))
        rows.add(meter.rows)
    assert len(kinds) == 1, "the statements changed between rounds"
    assert len(rows) == 1, f"the rows read changed between rounds: {rows}"
    last = sorted(meter.statements, key=lambda s: -s.ms)
    return Figures(content, statements, kinds.pop(), rows.pop(), wall, sql, cpu, last)


async def _explain(url: str, figures: Figures, top: int) -> None:
    """EXPLAIN the slowest statements as the service ran them: as its role, within the caller's scope."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    binds = [s for s in figures.last if binds_scope(s.sql)]
    try:
        for statement in figures.last[:top]:
            async with connection.transaction():
                if binds:
                    await connection.execute(binds[0].sql, *binds[0].parameters)
                plan = await connection.fetch(
                    f"EXPLAIN (ANALYZE, BUFFERS) {statement.sql}", *statement.parameters
                )
            print(f"\n--- {figures.content:,} items, {statement.ms:.1f} ms here: {_label(statement.sql)}")
            print("\n".join(row[0] for row in plan))
    finally:
        await connection.close()


async def _run(url: str, content: int, explain: bool) -> None:
    async with scratch_database(url) as scratch:
        db = scratch.db
        sizes = sorted({SMALL, content})
        strategies = {}
        for size in sizes:
            started = time.perf_counter()
            # A seed per size: the same seed would give both strategies the same item ids.
            loaded = await load_scale(scratch.owner, size, dt.date.today(), seed=size)
            strategies[size] = encode("Strategy", loaded.strategy_id)
            print(f"loaded {size:,} content items in {time.perf_counter() - started:.1f} s")
        await scratch.settle()
        # Asked by a signed-in owner of the strategies, through the service role: row-level security holds.
        await auth.own_everything(db)
        meter = SqlMeter()
        meter.attach(db.engine.sync_engine)
        async with signed_in(db, auth.token(auth.OPERATOR)) as client:
            results = [await measure(client.http, meter, strategies[size], size) for size in sizes]
        for figures in results:
            print("\n".join(figures.lines()))
        if len({figures.kinds for figures in results}) != 1:
            raise SystemExit("the report runs other statements depending on the size of the content plan")
        if explain:
            for figures in results:
                await _explain(db.url, figures, top=3)


def main() -> None:
    parser = argparse.ArgumentParser(description="The strategy report on N content items.")
    parser.add_argument(
        "content",
        nargs="?",
        type=int,
        default=int(os.environ.get("BENCH_CONTENT") or DEFAULT_CONTENT),
        help=f"content items of the large strategy (default: $BENCH_CONTENT, else {DEFAULT_CONTENT:,})",
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the 3 slowest statements")
    args = parser.parse_args()
    with database_url(DatabaseSettings()) as url:
        asyncio.run(_run(url, args.content, args.explain))


if __name__ == "__main__":
    main()
