"""Find the database to use: ``DATABASE_URL`` when set, else the embedded PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from domain.persistence import embedded
from domain.persistence.settings import DatabaseSettings, asyncpg_url

log = logging.getLogger(__name__)

#: The database the service uses on the embedded server.
EMBEDDED_DATABASE = "redthread"


@contextmanager
def database_url(settings: DatabaseSettings) -> Iterator[str]:
    """Yield an asyncpg URL; an embedded server started here stops when the block ends."""
    if settings.database_url:
        yield asyncpg_url(settings.database_url)
        return
    server = embedded.start(settings.data_dir)
    try:
        asyncio.run(ensure_database(embedded.url_of(server), EMBEDDED_DATABASE))
        yield embedded.url_of(server, EMBEDDED_DATABASE)
    finally:
        log.info("stopping embedded PostgreSQL")
        server.cleanup()


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def ensure_database(admin_url: str, name: str) -> None:
    """Create database ``name`` on the server behind ``admin_url`` unless it exists."""
    connection = await asyncpg.connect(_plain(admin_url))
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
