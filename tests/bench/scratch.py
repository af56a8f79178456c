"""A scratch database for a benchmark: created and migrated on entry, dropped on exit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from sqlalchemy import make_url

from domain.persistence.database import Database
from domain.persistence.migrations import upgrade
from domain.persistence.settings import DatabaseSettings, service_url


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@dataclass(frozen=True)
class Scratch:
    #: Connected as the service role, as the running service is (row-level security holds).
    db: Database
    #: Connected as the owner of the tables, for bulk loads (COPY, ANALYZE).
    owner: Database
    #: The owner's URL.
    url: str

    async def settle(self) -> None:
        """Vacuum and analyze the whole database after a bulk load, so that autovacuum has
        nothing left to do while requests are measured (on 2 cores it would take one) and
        every table, the figures kept on write included, has statistics."""
        await _admin(self.url, "VACUUM (ANALYZE)")


@asynccontextmanager
async def scratch_database(url: str) -> AsyncIterator[Scratch]:
    """A fresh, migrated database on the server of ``url``; dropped at the end."""
    name = f"rt_bench_{uuid.uuid4().hex[:8]}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    try:
        bench_url = make_url(url).set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade, bench_url)
        db = Database(service_url(bench_url, DatabaseSettings()))
        owner = Database(bench_url, pool_size=2)
        try:
            yield Scratch(db, owner, bench_url)
        finally:
            await db.dispose()
            await owner.dispose()
    finally:
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
