"""A query's fields read one snapshot: what another request commits between two of its
statements is not seen by the later one, so a response never contradicts itself."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.util import await_only

from domain.persistence.database import Database
from tests import auth
from tests.api.builders import db_id
from tests.api.helpers import content_item, strategy_graph
from tests.client import UNLIMITED, GraphQLClient, signed_in
from tests.conftest import owner_session

ITEM_AND_ITS_STRATEGY = """
query($id: ID!) { node(id: $id) { ... on ContentItem { title strategy { id name } } } }
"""


@pytest.mark.parametrize("compiled", [False, True], ids=["executor", "compiled plan"])
async def test_a_strategy_deleted_between_two_fields_is_still_seen_by_the_second(
    db: Database, gql: GraphQLClient, fresh_url: str, compiled: bool
) -> None:
    """On the executor the item and its strategy are two statements; a plan reads both in one."""
    graph = await strategy_graph(gql)
    item = await content_item(gql, graph, "Launch post")
    deleted: list[str] = []

    async def delete_strategy() -> None:
        async with owner_session(fresh_url) as owner:
            deleted.append(
                await owner.execute("DELETE FROM strategy WHERE id = $1", db_id(graph["strategy"]))
            )

    def between_fields(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # Right after the item was read, before its strategy is: another request deletes both.
        if not deleted and statement.startswith("SELECT") and "FROM content_item" in statement:
            await_only(delete_strategy())

    settings = UNLIMITED.model_copy(update={"compiled_plans": compiled})
    event.listen(db.engine.sync_engine, "after_cursor_execute", between_fields)
    try:
        async with signed_in(db, auth.token(auth.OPERATOR), settings=settings, differential=False) as client:
            body = await client.post(ITEM_AND_ITS_STRATEGY, id=item["id"])
    finally:
        event.remove(db.engine.sync_engine, "after_cursor_execute", between_fields)
    assert deleted == ["DELETE 1"]
    assert "errors" not in body, body["errors"]
    assert body["data"]["node"] == {
        "title": "Launch post",
        "strategy": {"id": graph["strategy"], "name": body["data"]["node"]["strategy"]["name"]},
    }
    # The next request sees the deletion.
    assert (await gql.data(ITEM_AND_ITS_STRATEGY, id=item["id"]))["node"] is None
