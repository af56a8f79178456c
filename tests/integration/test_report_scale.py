"""The strategy report on scale data: its figures match the rows, its cost does not grow with them.

The report query (health, dashboard, KPI progress, document) is the one `make bench` times
(tests/bench/strategy_report.py).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from domain.content.models import ContentItem, ContentStatus
from domain.persistence.database import Database, binds_scope
from domain.scope import Scope
from schema import ids
from seed.scale import load_scale
from tests import auth
from tests.bench.strategy_report import QUERY, SqlMeter, shapes
from tests.client import GraphQLClient, signed_in

TODAY = dt.date(2031, 3, 4)
N = 2_000
SMALL = 200


async def _report(
    gql: GraphQLClient, meter: SqlMeter, strategy_id: uuid.UUID
) -> tuple[dict[str, Any], Counter[str], int]:
    """The report's data, how often each kind of statement ran, and the rows they returned."""
    meter.reset()
    data = await gql.data(QUERY, id=ids.encode("Strategy", strategy_id), asOf=TODAY.isoformat())
    return data["strategy"], shapes(meter.statements), meter.rows


#: A batch of nodes by id (``WHERE t.id = ANY($1::UUID[])``, the loaders' one form for any number of ids).
_NODE_LOAD = re.compile(r"\.id = ANY \(\$1::UUID\[\]\)")


def _cost(kinds: Counter[str]) -> Counter[str]:
    """How often each kind of statement ran, counting a load of nodes by id once."""
    return Counter({kind: 1 if _NODE_LOAD.search(kind) else n for kind, n in kinds.items()})


async def _counts(db: Database, strategy_id: uuid.UUID) -> dict[str, Any]:
    """The figures the report shows, counted straight from the content rows."""
    live = (ContentItem.strategy_id == strategy_id) & (ContentItem.status != ContentStatus.ARCHIVED)
    unmapped = ContentItem.tactic_id.is_(None) | ContentItem.primary_kpi_id.is_(None)
    per_channel = (
        select(ContentItem.channel_id, ContentItem.status, func.count())
        .where(ContentItem.strategy_id == strategy_id)
        .group_by(ContentItem.channel_id, ContentItem.status)
    )
    async with db.read(Scope.everything()) as connection:

        async def count(*where: Any) -> int:
            found: int = (await connection.execute(select(func.count()).where(*where))).scalar_one()
            return found

        return {
            "live": await count(live),
            "unmapped": await count(live, unmapped),
            "mapped": await count(live, ContentItem.tactic_id.is_not(None)),
            "channel_status": {
                (ids.encode("Channel", channel) if channel else None, status.value, n)
                for channel, status, n in await connection.execute(per_channel)
            },
        }


async def test_report_figures_on_scale_data_match_the_content_rows(
    db: Database, owner_db: Database, gql: GraphQLClient
) -> None:
    result = await load_scale(owner_db, N, TODAY)
    await auth.own_everything(db)
    expected = await _counts(db, result.strategy_id)
    report = (await gql.data(QUERY, id=ids.encode("Strategy", result.strategy_id), asOf=TODAY.isoformat()))[
        "strategy"
    ]
    dashboard = report["dashboard"]
    assert expected["live"] > 0.9 * N
    assert 0 < expected["unmapped"] < 0.1 * N
    assert dashboard["liveContentCount"] == expected["live"]
    assert dashboard["unmappedContentCount"] == expected["unmapped"]
    assert dashboard["mappedContentCount"] == expected["mapped"]
    shares = dashboard["tacticShares"]
    assert len(shares) == 3
    assert sum(share["contentCount"] for share in shares) == expected["mapped"]
    assert abs(sum((Decimal(share["share"]) for share in shares), Decimal(0)) - 100) <= Decimal("0.05")
    assert len(dashboard["tacticKpiMatrix"]) == 3 * len(report["kpis"])
    by_channel = {
        (row["channel"] and row["channel"]["id"], row["status"], row["count"])
        for row in dashboard["contentByChannelAndStatus"]
    }
    assert by_channel == expected["channel_status"]
    (unmapped,) = [f for f in report["health"]["findings"] if f["code"] == "UNMAPPED_CONTENT"]
    assert unmapped["count"] == expected["unmapped"]
    assert len(unmapped["nodes"]) == min(50, expected["unmapped"])
    assert any(top["items"] for top in dashboard["topContent"])
    assert "Scale strategy" in report["document"]
    for top in dashboard["topContent"]:
        values = [Decimal(item["value"]) for item in top["items"]]
        assert values == sorted(values, reverse=True)
        assert len(values) <= 3


async def test_report_costs_the_same_statements_whatever_the_content_and_reads_no_content_rows(
    db: Database, owner_db: Database
) -> None:
    meter = SqlMeter()
    meter.attach(db.engine.sync_engine)
    small = await load_scale(owner_db, SMALL, TODAY, seed=SMALL)
    large = await load_scale(owner_db, N, TODAY, seed=N)
    await auth.own_everything(db)
    # Listening before the first request, after the grant: no late notice of it makes the
    # second report sign the caller in again.
    authenticator = auth.authenticator(db)
    async with signed_in(db, auth.token(auth.OPERATOR), authenticator=authenticator) as gql:
        await auth.listening(authenticator)
        await gql.data("{ __typename }")  # signed in, and known from now on
        small_report, small_kinds, _ = await _report(gql, meter, small.strategy_id)
        large_report, large_kinds, large_rows = await _report(gql, meter, large.strategy_id)
    assert small_report["dashboard"]["liveContentCount"] < SMALL
    assert large_report["dashboard"]["liveContentCount"] > 0.9 * N
    # The same statements at 200 and 2,000 items. Only the loads of nodes by id may come in one
    # batch or two (for what the findings name and for what the dashboard names), depending on
    # whether the report's statements end in the same turn of the event loop.
    assert _cost(large_kinds) == _cost(small_kinds)
    # All of it in one transaction: the caller's scope bound once.
    assert [n for kind, n in large_kinds.items() if binds_scope(kind)] == [1]
    assert all(n <= 2 for kind, n in large_kinds.items() if _NODE_LOAD.search(kind))
    # Counts, samples of at most 50 items and the top 3 per KPI: never the content itself.
    assert 0 < large_rows < 500
