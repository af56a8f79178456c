"""The figures PostgreSQL keeps of a strategy's content equal a count of the content itself.

Every write below goes straight to the tables as the owner (the triggers keep the figures for
any writer, the services included), and after each committed change the kept figures must be
what counting the content plan gives. Then: the reports read no content row of a strategy in
order, whatever its size.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from domain.persistence.settings import DatabaseSettings
from tests.conftest import copied_database, owner_session

SERVICE_ROLE = DatabaseSettings().database_service_role

#: The figures as counted from the content: what the triggers must have kept.
RECOUNT = {
    "content_count": """
        SELECT strategy_id, tactic_id, channel_id, status::text,
               tactic_id IS NULL OR primary_kpi_id IS NULL AS unmapped, count(*) AS n
        FROM content_item GROUP BY 1, 2, 3, 4, 5
    """,
    "content_kpi_count": """
        SELECT c.strategy_id, ck.kpi_id, c.tactic_id, count(*) AS n
        FROM content_item_kpi ck JOIN content_item c ON c.id = ck.content_item_id
        WHERE c.status <> 'ARCHIVED' GROUP BY 1, 2, 3
    """,
    "kpi_contribution": """
        SELECT ck.kpi_id, c.id, sum(cm.value) AS value
        FROM content_item c JOIN content_item_kpi ck ON ck.content_item_id = c.id
        JOIN kpi k ON k.id = ck.kpi_id
        JOIN content_metric cm ON cm.content_item_id = c.id AND cm.metric = k.metric
        WHERE c.status <> 'ARCHIVED' GROUP BY 1, 2
    """,
    "content_item_figure": """
        SELECT c.id, c.strategy_id, c.tactic_id, c.status::text, c.status <> 'ARCHIVED',
               c.tactic_id IS NULL OR c.primary_kpi_id IS NULL,
               coalesce((SELECT array_agg(kpi_id ORDER BY kpi_id) FROM content_item_kpi
                         WHERE content_item_id = c.id), '{}')
        FROM content_item c
    """,
}
KEPT = {
    "content_count": """
        SELECT strategy_id, tactic_id, channel_id, status::text, unmapped, n FROM content_count
    """,
    "content_kpi_count": "SELECT strategy_id, kpi_id, tactic_id, n FROM content_kpi_count",
    "kpi_contribution": "SELECT kpi_id, content_item_id, value FROM kpi_contribution",
    "content_item_figure": """
        SELECT content_item_id, strategy_id, tactic_id, status::text, live, unmapped, kpi_ids
        FROM content_item_figure
    """,
}


@pytest.fixture
async def demo_copy(server_url: str, demo_template_url: str) -> AsyncIterator[str]:
    async with copied_database(server_url, demo_template_url) as url:
        yield url


@pytest.fixture
async def owner(demo_copy: str) -> AsyncIterator[asyncpg.Connection]:
    async with owner_session(demo_copy) as connection:
        yield connection


async def _rows(connection: asyncpg.Connection, sql: str) -> list[tuple[Any, ...]]:
    return sorted((tuple(row) for row in await connection.fetch(sql)), key=repr)


async def _assert_kept(connection: asyncpg.Connection) -> None:
    for table, recount in RECOUNT.items():
        assert await _rows(connection, KEPT[table]) == await _rows(connection, recount), table


async def _one(connection: asyncpg.Connection, sql: str) -> Any:
    return await connection.fetchval(sql)


async def test_the_kept_figures_follow_every_kind_of_write(owner: asyncpg.Connection) -> None:
    await _assert_kept(owner)
    assert await _one(owner, "SELECT count(*) FROM content_count") > 0
    assert await _one(owner, "SELECT count(*) FROM kpi_contribution") > 0
    assert await _one(owner, "SELECT count(*) FROM figure_pending") == 0
    item = "(SELECT id FROM content_item WHERE status = 'PUBLISHED' ORDER BY id LIMIT 1)"
    other_tactic = f"""(SELECT t.id FROM tactic t WHERE t.strategy_id = (SELECT strategy_id FROM content_item
        WHERE id = {item}) AND t.id IS DISTINCT FROM (SELECT tactic_id FROM content_item WHERE id = {item})
        ORDER BY t.id LIMIT 1)"""
    changes = [
        # Items: mapped elsewhere, unmapped, archived and back, a new one, a copy of many, deleted.
        f"UPDATE content_item SET tactic_id = {other_tactic} WHERE id = {item}",
        f"UPDATE content_item SET primary_kpi_id = NULL WHERE id = {item}",
        "UPDATE content_item SET status = 'ARCHIVED'"
        " WHERE id IN (SELECT id FROM content_item ORDER BY id LIMIT 3)",
        "UPDATE content_item SET status = 'DRAFT' WHERE status = 'ARCHIVED'",
        "UPDATE content_item SET title = title || '!'",
        """INSERT INTO content_item (id, workspace_id, strategy_id, title, brief, format, status, channel_id,
               tactic_id, primary_kpi_id, version, created_at, updated_at)
           SELECT gen_random_uuid(), workspace_id, strategy_id, title || ' again', brief, format, status,
                  channel_id, tactic_id, primary_kpi_id, 1, now(), now()
           FROM content_item""",
        f"DELETE FROM content_item WHERE id = {item}",
        # Links and metrics.
        """INSERT INTO content_item_kpi (workspace_id, strategy_id, content_item_id, kpi_id)
           SELECT c.workspace_id, c.strategy_id, c.id, k.id FROM content_item c JOIN kpi k
           ON k.strategy_id = c.strategy_id WHERE c.title LIKE '% again' ON CONFLICT DO NOTHING""",
        """INSERT INTO content_metric (id, workspace_id, content_item_id, metric, observed_on, value,
               version, created_at, updated_at)
           SELECT gen_random_uuid(), c.workspace_id, c.id, k.metric, DATE '2026-01-01', 7, 1, now(), now()
           FROM content_item c JOIN kpi k ON k.id = c.primary_kpi_id WHERE c.title LIKE '% again'""",
        "UPDATE content_metric SET value = value * 2",
        "DELETE FROM content_metric WHERE id IN (SELECT id FROM content_metric ORDER BY id LIMIT 5)",
        "DELETE FROM content_item_kpi WHERE (content_item_id, kpi_id) IN "
        "(SELECT content_item_id, kpi_id FROM content_item_kpi ORDER BY 1, 2 LIMIT 4)",
        # A KPI measured by another metric, then gone with its links (a cascade).
        "UPDATE kpi SET metric = CASE metric WHEN 'REACH' THEN 'IMPRESSIONS' ELSE 'REACH' END::kpi_metric",
        """DELETE FROM kpi WHERE id = (SELECT kpi_id FROM content_item_kpi GROUP BY kpi_id ORDER BY kpi_id
           LIMIT 1)
           AND id NOT IN (SELECT primary_kpi_id FROM content_item WHERE primary_kpi_id IS NOT NULL)""",
    ]
    for change in changes:
        async with owner.transaction():
            await owner.execute(change)
        await _assert_kept(owner)
    # A change rolled back leaves the figures as they were.
    before = await _rows(owner, KEPT["content_count"])
    transaction = owner.transaction()
    await transaction.start()
    await owner.execute("DELETE FROM content_item")
    await transaction.rollback()
    assert await _rows(owner, KEPT["content_count"]) == before
    # A strategy deleted takes its figures with it.
    await owner.execute("DELETE FROM strategy")
    for table in KEPT:
        assert await _one(owner, f"SELECT count(*) FROM {table}") == 0, table


async def test_a_commit_never_waits_for_a_kpi_being_deleted(demo_copy: str) -> None:
    """Writers lock a KPI before its content (``domain/records.py``); deleting a KPI locks it,
    then waits for the items serving it. A change of such an item committing meanwhile folds
    its figures without a lock on the KPI, so the two take turns instead of deadlocking."""
    async with owner_session(demo_copy) as writer, owner_session(demo_copy) as deleter:
        item, kpi = await writer.fetchrow(
            "SELECT content_item_id, kpi_id FROM kpi_contribution ORDER BY content_item_id, kpi_id LIMIT 1"
        )
        deadlocks = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        before = await writer.fetchval(deadlocks)
        changing = writer.transaction()
        await changing.start()
        await writer.execute(
            "UPDATE content_item SET status = CASE status WHEN 'DRAFT' THEN 'IN_REVIEW' ELSE 'DRAFT' END"
            "::content_status WHERE id = $1",
            item,
        )
        deleting = deleter.transaction()
        await deleting.start()
        await deleter.execute("SELECT FROM kpi WHERE id = $1 FOR UPDATE", kpi)
        waiting = asyncio.create_task(
            deleter.execute("SELECT FROM content_item WHERE id = $1 FOR NO KEY UPDATE", item)
        )
        blocked = """SELECT count(*) FROM pg_stat_activity
                     WHERE pid = $1 AND wait_event_type = 'Lock'"""
        pid = deleter.get_server_pid()
        for _ in range(200):
            if await writer.fetchval(blocked, pid):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the deleter never waited for the item")
        await changing.commit()  # a deadlock would be raised here (or in the deleter)
        await asyncio.wait_for(waiting, 5)
        await deleting.rollback()
        assert await writer.fetchval(deadlocks) == before
        await _assert_kept(writer)


async def test_the_service_role_reads_the_figures_and_writes_none(demo_copy: str) -> None:
    async with owner_session(demo_copy) as owner:
        role = await owner.fetchval("SELECT rolname FROM pg_roles WHERE rolname = $1", SERVICE_ROLE)
        assert role == SERVICE_ROLE
        for table in KEPT:
            for privilege in ("INSERT", "UPDATE", "DELETE"):
                allowed = "SELECT has_table_privilege($1, $2, $3)"
                assert not await owner.fetchval(allowed, role, table, privilege), (table, privilege)
            assert await owner.fetchval("SELECT has_table_privilege($1, $2, 'SELECT')", role, table)
        assert not await owner.fetchval("SELECT has_table_privilege($1, 'figure_pending', 'INSERT')", role)
