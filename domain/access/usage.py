"""When each API key was last used, written off the request path.

A request signed in with a key only notes the time in memory (:meth:`KeyUsage.used`); the
notes are written in one statement every so often (:meth:`KeyUsage.run`), and when the
service stops. A time never moves back: a note older than what is stored changes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from typing import cast

from sqlalchemy import ARRAY, DateTime, Table, Uuid, bindparam, func, or_, select, update

from domain.access.models import ApiKey
from domain.persistence.database import Database

log = logging.getLogger(__name__)

#: How often the noted times are written, in seconds (API keys show their last use to the minute).
FLUSH_SECONDS = 30.0

_noted = (
    select(
        func.unnest(bindparam("ids", type_=ARRAY(Uuid))).label("id"),
        func.unnest(bindparam("times", type_=ARRAY(DateTime(timezone=True)))).label("at"),
    )
).subquery("noted")
_keys = cast(Table, ApiKey.__table__)
#: The key's last use is no change of the key: its updated_at stays.
_WRITE = (
    update(_keys)
    .where(_keys.c.id == _noted.c.id, or_(_keys.c.last_used_at.is_(None), _keys.c.last_used_at < _noted.c.at))
    .values(last_used_at=_noted.c.at, updated_at=_keys.c.updated_at)
)


class KeyUsage:
    """The last use of each API key since the last write."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: dict[uuid.UUID, dt.datetime] = {}

    def used(self, key_id: uuid.UUID, at: dt.datetime) -> None:
        if (noted := self._pending.get(key_id)) is None or noted < at:
            self._pending[key_id] = at

    async def flush(self) -> int:
        """Write what was noted; the keys written. Notes that could not be written are kept."""
        if not self._pending:
            return 0
        pending, self._pending = self._pending, {}
        try:
            # Not through a session: the key's last use is no change of who may do what, and
            # api_key has no row-level security to bind a scope for.
            async with self._db.engine.begin() as connection:
                await connection.execute(_WRITE, {"ids": list(pending), "times": list(pending.values())})
        except BaseException:
            for key_id, at in pending.items():
                self.used(key_id, at)
            raise
        return len(pending)

    async def run(self, every: float = FLUSH_SECONDS) -> None:
        """Write the notes every ``every`` seconds until cancelled, and once more then."""
        try:
            while True:
                await asyncio.sleep(every)
                try:
                    await self.flush()
                except Exception:
                    log.exception(
                        "recording when API keys were last used failed; trying again in %s s", every
                    )
        finally:
            await asyncio.shield(self._final_flush())

    async def _final_flush(self) -> None:
        try:
            await self.flush()
        except Exception:
            log.exception("recording when API keys were last used failed as the service stopped")
