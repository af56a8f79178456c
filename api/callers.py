"""Callers signed in lately: their scopes, kept in this process for a short time.

Signing a caller in reads their grants; most requests come from callers who were signed in a
moment ago, so the scope found is kept for ``ttl`` seconds (an API key's never past its
expiry) and the request reads nothing to sign them in.

A kept scope must never outlive a change of it. Every change of the tables a scope is made of
clears the whole cache: this process's own changes right after they commit
(:meth:`~domain.persistence.database.Database.watch`), every other change — another process,
another instance, a statement run by hand — when PostgreSQL's notification arrives
(:data:`~domain.access.authenticate.ACCESS_CHANNEL`, raised by triggers). Scopes are kept only
while this process is listening: before the listener is connected, and whenever its
connection is lost, every request is signed in afresh.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from domain.access.authenticate import ACCESS_CHANNEL, ACCESS_TABLES
from domain.persistence.database import Database
from domain.persistence.notifications import Listener
from domain.scope import Scope

#: Callers kept at most; past that the cache starts afresh (a flood of distinct keys cannot grow it).
MAX_CALLERS = 10_000


@dataclass(frozen=True, slots=True)
class _Kept:
    scope: Scope
    until: float


class CallerCache:
    """Scopes by credential, for ``ttl`` seconds (0: keep none)."""

    def __init__(self, db: Database, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._kept: dict[Hashable, _Kept] = {}
        #: Grows with every clearing: a lookup that began before one must not keep what it found.
        self._generation = 0
        self._listener = Listener(db, ACCESS_CHANNEL, self.clear)
        if ttl > 0:
            db.watch(ACCESS_TABLES, self.clear)

    @property
    def listening(self) -> bool:
        return self._listener.listening

    def get(self, credential: Hashable) -> Scope | None:
        """The scope kept for ``credential``, if any is and may still be used."""
        if self.ttl <= 0:
            return None
        self._listener.start()
        kept = self._kept.get(credential)
        if kept is None or not self._listener.listening:
            return None
        if kept.until <= self._clock():
            del self._kept[credential]
            return None
        return kept.scope

    def lookup(self) -> int:
        """Call before reading a scope from the database; pass the result to :meth:`keep`."""
        return self._generation

    def keep(
        self, credential: Hashable, scope: Scope, lookup: int, *, until: dt.datetime | None = None
    ) -> None:
        """Keep ``scope`` (read since :meth:`lookup` returned ``lookup``) for the ttl, or until ``until``."""
        if self.ttl <= 0 or lookup != self._generation or not self._listener.listening:
            return
        expires = self._clock() + self.ttl
        if until is not None:
            expires = min(expires, self._clock() + (until - dt.datetime.now(dt.UTC)).total_seconds())
        if len(self._kept) >= MAX_CALLERS:
            self._kept.clear()
        self._kept[credential] = _Kept(scope, expires)

    def clear(self) -> None:
        self._generation += 1
        self._kept.clear()

    async def close(self) -> None:
        """Stop listening (the next :meth:`get` listens again)."""
        await self._listener.stop()
        self.clear()
