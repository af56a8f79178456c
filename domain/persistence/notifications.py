"""Hearing PostgreSQL notifications (``LISTEN``) on a connection of their own.

A :class:`Listener` holds one connection outside the pool for as long as it runs, and says
whether it is listening right now: what it was told is only complete while it is. When the
connection is lost it tells its owner (notifications may have been missed meanwhile) and
connects again, a little later each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

from domain.persistence.database import Database

log = logging.getLogger(__name__)

#: The ``application_name`` of a listener's connection.
LISTENER = "redthread listener"
#: The parameters of ``asyncpg.connect`` (the dialect's connect arguments hold a few more).
_CONNECT_PARAMETERS = frozenset(inspect.signature(asyncpg.connect).parameters)


def connect_arguments(db: Database) -> dict[str, Any]:
    """What ``asyncpg.connect`` needs to open a connection like the pool's, outside of it."""
    _, options = db.engine.dialect.create_connect_args(db.engine.url)
    return {name: value for name, value in options.items() if name in _CONNECT_PARAMETERS}


class Listener:
    """Listens on ``channel`` and calls ``heard`` for each notification, and when the connection
    was lost (then every notification sent meanwhile is missed)."""

    def __init__(
        self,
        db: Database,
        channel: str,
        heard: Callable[[], None],
        *,
        retry_seconds: float = 0.5,
        retry_max_seconds: float = 10,
    ) -> None:
        self._db = db
        self._channel = channel
        self._heard = heard
        self._retry = retry_seconds
        self._retry_max = retry_max_seconds
        self._task: asyncio.Task[None] | None = None
        #: Whether the LISTEN is in effect on a live connection right now.
        self.listening = False

    def start(self) -> None:
        """Start listening in the background (nothing to do when it runs already)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"listen on {self._channel}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.listening = False

    async def _run(self) -> None:
        pause = self._retry
        while True:
            try:
                await self._listen()
                pause = self._retry
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as error:
                log.warning("cannot listen on %s (%s); trying again in %.1f s", self._channel, error, pause)
            self.listening = False
            self._heard()
            await asyncio.sleep(pause)
            pause = min(pause * 2, self._retry_max)

    async def _listen(self) -> None:
        """Listen until the connection is lost."""
        arguments = connect_arguments(self._db)
        # Named, so that operators (and tests counting sessions) can tell it from the pool's.
        arguments["server_settings"] = {**arguments.get("server_settings", {}), "application_name": LISTENER}
        connection: asyncpg.Connection = await asyncpg.connect(**arguments, timeout=5)
        lost = asyncio.Event()
        try:
            connection.add_termination_listener(lambda _: lost.set())
            await connection.add_listener(self._channel, lambda *_: self._heard())
            self.listening = True
            # Whatever changed while no one listened is unknown: the owner starts afresh.
            self._heard()
            await lost.wait()
            log.warning("stopped listening on %s: the connection was lost", self._channel)
        finally:
            self.listening = False
            with contextlib.suppress(Exception):
                await asyncio.shield(connection.close(timeout=1))
