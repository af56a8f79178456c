"""A scratch database for a benchmark: created and migrated on entry, dropped on exit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import make_url

from domain.persistence.database import Database
from domain.persistence.migrations import upgrade


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def scratch_database(url: str) -> AsyncIterator[tuple[Database, str]]:
    """A fresh, migrated database on the server of ``url``, and its URL; dropped at the end."""
    name = f"rt_bench_{uuid.uuid4().hex[:8]}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    try:
        bench_url = make_url(url).set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade, bench_url)
        db = Database(bench_url)
        try:
            yield db, bench_url
        finally:
            await db.dispose()
    finally:
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
