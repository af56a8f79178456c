"""A query costs the same number of SQL statements whatever the page size."""

from __future__ import annotations

from typing import Any

import pytest

from domain.persistence.database import Database
from tests import auth
from tests.api.helpers import content_item, strategy_graph
from tests.client import UNLIMITED, GraphQLClient, signed_in
from tests.conftest import StatementLog

CONTENT_PAGE = """
query($id: ID!, $first: Int!) {
  strategy(id: $id) {
    name
    contentItems(first: $first) {
      totalCount
      edges { cursor node {
        title status
        tactic { name kind }
        primaryKpi { name }
        kpis { name target }
        channel { name platform }
        audiences { name }
      } }
    }
  }
}
"""


async def _fill(gql: GraphQLClient, graph: dict[str, Any], count: int) -> None:
    for n in range(count):
        await content_item(
            gql,
            graph,
            f"Post {n}",
            tacticId=graph["tactics"][n % 2],
            primaryKpiId=graph["kpis"][n % 2],
            kpiIds=graph["kpis"],
            channelId=graph["channel"],
            audienceIds=[graph["audience"]],
        )


async def _statements_for_page(
    gql: GraphQLClient, sql: StatementLog, strategy: str, first: int
) -> tuple[int, int]:
    """The statements the page costs, and how many of them bound the caller's scope."""
    sql.reset()
    data = await gql.data(CONTENT_PAGE, id=strategy, first=first)
    edges = data["strategy"]["contentItems"]["edges"]
    assert len(edges) == first
    assert all(e["node"]["tactic"] and len(e["node"]["kpis"]) == 2 for e in edges)
    return sql.count, sql.bindings


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled plan", "executor"])
async def test_content_page_costs_the_same_statements_for_5_and_100_items(
    db: Database, gql: GraphQLClient, sql: StatementLog, compiled: bool
) -> None:
    graph = await strategy_graph(gql)
    await _fill(gql, graph, 100)
    settings = UNLIMITED.model_copy(update={"compiled_plans": compiled})
    authenticator = auth.authenticator(db)
    async with signed_in(
        db, auth.token(auth.OPERATOR), settings=settings, authenticator=authenticator, differential=False
    ) as client:
        await auth.listening(authenticator)
        await client.data("{ __typename }")  # signed in, and known from now on
        small, small_bindings = await _statements_for_page(client, sql, graph["strategy"], 5)
        large, large_bindings = await _statements_for_page(client, sql, graph["strategy"], 100)
    assert small == large
    # One connection, one transaction: the caller's scope is bound once.
    assert small_bindings == large_bindings == 1
    if compiled:
        # The whole page, its count and every item's tactic, KPIs, channel and audiences.
        assert large == 1
    else:
        # strategy, page, count, tactics, primary KPIs, KPIs, channels, audiences (the caller,
        # signed in a moment ago, is known)
        assert large == 8
