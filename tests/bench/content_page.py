"""Benchmark: server CPU per request for one page of 50 content items.

Each item comes with its tactic, KPIs, channel and audiences (the query in
DESIGN.md §3). The app runs in this process behind httpx's ASGI transport, so
the figure includes a thin client share; SQL statements are counted exactly.
It is asked on both paths (the compiled plan, the executor alone) and under three
settings of the garbage collector: Python's defaults, ``gc.freeze()`` after start-up
(what the app does), and that with a first-generation threshold of 10,000.

    make bench            # DATABASE_URL, or the embedded PostgreSQL
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from decimal import Decimal

from sqlalchemy import event

from domain.audience.services import AudienceChanges, create_audience
from domain.channel.models import Platform
from domain.channel.services import ChannelChanges, create_channel
from domain.content.models import ContentFormat
from domain.content.services import ContentChanges, ContentMapping, create_content_item
from domain.kpi.models import Metric
from domain.kpi.services import KpiChanges, create_kpi
from domain.persistence.database import Database
from domain.persistence.locate import database_url
from domain.persistence.settings import DatabaseSettings
from domain.scope import Scope
from domain.strategy.models import TacticKind
from domain.strategy.services import StrategyChanges, TacticChanges, create_strategy, create_tactic
from domain.tenancy.services import NameChange, create_organization, create_workspace
from schema.ids import encode
from tests import auth
from tests.bench.scratch import scratch_database
from tests.client import UNLIMITED, GraphQLClient, signed_in

QUERY = """
query($id: ID!) {
  strategy(id: $id) {
    contentItems(first: 50) {
      edges { node {
        id title status
        tactic { id name }
        kpis { id name }
        channel { id name }
        audiences { id name }
      } }
    }
  }
}
"""
ROUNDS = 300
PAGE = 50


async def _strategy_with_content(db: Database, items: int) -> str:
    """A strategy whose first page holds ``items`` fully mapped content items."""
    scope = Scope.everything()
    async with db.transaction(Scope.everything()) as s:
        org = await create_organization(s, Scope.everything(), NameChange("Bench"))
        workspace = await create_workspace(s, scope, org.id, NameChange("Bench"))
        strategy = await create_strategy(s, scope, workspace.id, StrategyChanges(name="Bench"))
        tactic = await create_tactic(
            s, scope, strategy.id, TacticChanges(name="Educate", kind=TacticKind.EDUCATE)
        )
        kpis = [
            await create_kpi(
                s, scope, strategy.id, KpiChanges(name=n, metric=Metric.REACH, target=Decimal(10))
            )
            for n in ("Reach", "Leads")
        ]
        audience = await create_audience(s, scope, strategy.id, AudienceChanges(name="Buyers"))
        channel = await create_channel(
            s, scope, workspace.id, ChannelChanges(platform=Platform.LINKEDIN, name="LinkedIn")
        )
        for n in range(items):
            await create_content_item(
                s,
                scope,
                strategy.id,
                ContentChanges(
                    title=f"Post {n}",
                    format=ContentFormat.POST,
                    channel_id=channel.id,
                    audience_ids=[audience.id],
                ),
                ContentMapping(tactic_id=tactic.id, primary_kpi_id=kpis[0].id, kpi_ids=[k.id for k in kpis]),
            )
    return encode("Strategy", strategy.id)


async def _run(url: str) -> None:
    async with scratch_database(url) as scratch:
        db = scratch.db
        strategy = await _strategy_with_content(db, PAGE)
        # Asked by a signed-in owner of the strategy, through the service role: row-level security holds.
        await auth.own_everything(db)
        statements: list[str] = []
        event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        print(f"content page of {PAGE} items, {ROUNDS} requests each, CPU ms per request (median / p90)\n")
        print(
            "| path | SQL statements | Python's gc defaults | gc.freeze() | gc.freeze(), threshold 10,000 |"
        )
        print("| --- | --: | --: | --: | --: |")
        for compiled in (True, False):
            settings = UNLIMITED.model_copy(update={"compiled_plans": compiled})
            cells = []
            async with signed_in(
                db, auth.token(auth.OPERATOR), settings=settings, differential=False
            ) as client:
                for freeze, threshold in ((False, None), (True, None), (True, 10_000)):
                    samples = await _samples(client, strategy, statements, freeze, threshold)
                    cells.append(f"{statistics.median(samples):.2f} / {samples[int(ROUNDS * 0.9)]:.2f}")
            path = "compiled plan" if compiled else "executor"
            print(f"| {path} | {len(statements)} | " + " | ".join(cells) + " |")


async def _samples(
    client: GraphQLClient, strategy: str, statements: list[str], freeze: bool, threshold: int | None
) -> list[float]:
    defaults = gc.get_threshold()
    gc.unfreeze()
    gc.collect()
    if freeze:
        gc.freeze()
    if threshold is not None:
        gc.set_threshold(threshold, *defaults[1:])
    try:
        samples = []
        for _ in range(ROUNDS):
            statements.clear()
            start = time.process_time()
            response = await client.http.post(
                "/graphql", json={"query": QUERY, "variables": {"id": strategy}}
            )
            samples.append((time.process_time() - start) * 1000)
            assert len(response.json()["data"]["strategy"]["contentItems"]["edges"]) == PAGE
    finally:
        gc.set_threshold(*defaults)
        gc.unfreeze()
    return sorted(samples)


def main() -> None:
    with database_url(DatabaseSettings()) as url:
        asyncio.run(_run(url))


if __name__ == "__main__":
    main()
