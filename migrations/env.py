"""Alembic environment: runs migrations over asyncpg, one transaction per run."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, pool
from sqlalchemy.ext.asyncio import create_async_engine

from domain.models import Base
from domain.persistence.settings import DatabaseSettings, asyncpg_url

config = context.config
target_metadata = Base.metadata


def database_url() -> str:
    url = config.attributes.get("url") or DatabaseSettings().database_url
    if not url:
        raise SystemExit("Set DATABASE_URL, or run `redthread migrate` to use the embedded PostgreSQL.")
    return asyncpg_url(str(url))


def run_with(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_async_engine(database_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(run_with)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(run_online())
