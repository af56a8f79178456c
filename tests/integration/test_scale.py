"""Scale data: exactly N items that the API accepts and pages through."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from domain.content.models import ContentItem, ContentStatus, content_item_kpi
from domain.kpi.models import kpi_tactic
from domain.persistence.database import Database
from domain.scope import Scope
from schema import ids
from seed.load import Outcome
from seed.scale import CONTENT_MAX, load_scale
from tests import auth
from tests.client import GraphQLClient
from tests.integration.rows import all_rows, rows_in

TODAY = dt.date(2031, 3, 4)
N = 250

PAGE = """
query($id: ID!, $after: String) {
  strategy(id: $id) {
    contentItems(first: 100, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id status mapped tactic { id } primaryKpi { id } kpis { id } metrics { totalCount } }
    }
  }
}
"""


async def test_scale_creates_exactly_n_items_the_api_pages_through(
    db: Database, owner_db: Database, gql: GraphQLClient
) -> None:
    result = await load_scale(owner_db, N, TODAY)
    await auth.own_everything(db)
    assert result.outcome is Outcome.CREATED
    assert (await rows_in(db, result.workspace_id))["content_item"] == N
    strategy = ids.encode("Strategy", result.strategy_id)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        connection = (await gql.data(PAGE, id=strategy, after=after))["strategy"]["contentItems"]
        assert connection["totalCount"] == N
        pages += 1
        for node in connection["nodes"]:
            seen.append(node["id"])
            if node["status"] not in ("IDEA", "ARCHIVED"):
                assert node["mapped"]
            if node["mapped"]:
                assert node["primaryKpi"]["id"] in [k["id"] for k in node["kpis"]]
            assert (node["metrics"]["totalCount"] == 3) == (node["status"] == "PUBLISHED")
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert pages == 3
    assert len(seen) == len(set(seen)) == N


async def test_scale_content_follows_the_mapping_rules(db: Database, owner_db: Database) -> None:
    result = await load_scale(owner_db, N, TODAY)
    async with db.read(Scope.everything()) as connection:
        statuses = dict(
            (
                await connection.execute(
                    select(ContentItem.status, func.count()).group_by(ContentItem.status)
                )
            ).all()
        )
        # Every KPI an item serves is linked to the item's tactic.
        unlinked = (
            select(func.count())
            .select_from(
                content_item_kpi.join(ContentItem, ContentItem.id == content_item_kpi.c.content_item_id)
            )
            .outerjoin(
                kpi_tactic,
                (kpi_tactic.c.kpi_id == content_item_kpi.c.kpi_id)
                & (kpi_tactic.c.tactic_id == ContentItem.tactic_id),
            )
            .where(kpi_tactic.c.kpi_id.is_(None))
        )
        assert (await connection.execute(unlinked)).scalar_one() == 0
    assert sum(statuses.values()) == N
    assert set(statuses) == set(ContentStatus)
    rows = await all_rows(db)
    again = await load_scale(owner_db, N, TODAY)
    assert again.outcome is Outcome.PRESENT
    assert again.workspace_id == result.workspace_id
    assert await all_rows(db) == rows
    rebuilt = await load_scale(owner_db, N, TODAY, reset=True)
    assert rebuilt.outcome is Outcome.REBUILT
    assert await all_rows(db) == rows


@pytest.mark.parametrize("count", [0, -1, CONTENT_MAX + 1])
async def test_scale_refuses_a_count_out_of_range_and_writes_nothing(db: Database, count: int) -> None:
    with pytest.raises(ValueError, match="between 1 and"):
        await load_scale(db, count, TODAY)
    assert sum((await all_rows(db)).values()) == 0
