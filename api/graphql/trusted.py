"""The registered (trusted) documents as the request path reads them, cached per process.

A registered document never changes under its id, so what was found once is kept (in a cache
bounded in bytes); what was not found is asked again, so a document imported while the
service runs is found on its next request. A process starting reads the newest documents
ahead (:meth:`TrustedDocuments.preload`), to prepare them and compile their plans.
"""

from __future__ import annotations

import re

from cachetools import LRUCache

from domain.documents.store import TrustedDocument, find, find_by_sha256, newest
from domain.persistence.database import Database
from domain.scope import Scope

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
#: The bytes of registered text each process keeps at most.
CACHE_BYTES = 4 * 1024 * 1024


class TrustedDocuments:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._by_id: LRUCache[str, str] = LRUCache(CACHE_BYTES // 2, getsizeof=len)
        self._by_sha256: LRUCache[str, str] = LRUCache(CACHE_BYTES // 2, getsizeof=len)

    async def __call__(self, document_id: str | None, sha256: str | None) -> str | None:
        """The text registered under ``document_id``, or with the hex SHA-256 ``sha256``."""
        cache, key = (self._by_id, document_id) if document_id is not None else (self._by_sha256, sha256)
        if key is None or (cache is self._by_sha256 and not _SHA256_HEX.fullmatch(key.lower())):
            return None
        if (text := cache.get(key)) is not None:
            return text
        async with self.db.read(Scope.everything()) as connection:
            found = await (find(connection, key) if cache is self._by_id else find_by_sha256(connection, key))
        if found is None:
            return None
        cache[key] = found.body
        return found.body

    async def preload(self) -> list[TrustedDocument]:
        """The newest registered documents, as many as the cache holds, now in it."""
        async with self.db.read(Scope.everything()) as connection:
            documents = await newest(connection, CACHE_BYTES // 2)
        for document in reversed(documents):  # the newest used last: the last the cache lets go
            self._by_id[document.id] = document.body
            self._by_sha256[document.sha256] = document.body
        return documents
