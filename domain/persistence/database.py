"""The engine, the session factory and the unit of work.

Writes go through :meth:`Database.transaction`: one ``AsyncSession`` that commits when
the block ends and rolls back entirely when it raises. Reads use :meth:`Database.read`,
a plain connection per batch, with no ORM identity map to fill. Both first bind the
caller's scope to the transaction, so row-level security sees the same workspaces
the queries filter on. A workspace the unit of work creates joins the bound workspaces
(see :func:`_admit_new_workspace`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Mapper

from domain.activity import recording as activity
from domain.base import new_id
from domain.persistence.settings import asyncpg_url
from domain.scope import Scope
from domain.tenancy.models import Workspace

#: Binds the caller's workspaces for the transaction; row-level security policies read them.
BIND_SCOPE = text(
    "SELECT set_config('redthread.workspace_ids', :workspace_ids, true),"
    " set_config('redthread.all_workspaces', :all_workspaces, true)"
)

#: :data:`BIND_SCOPE` as a driver sends it, each parameter a placeholder ($1, $1::VARCHAR, %(name)s).
_BIND_SCOPE_SENT = re.compile(re.sub(r":\w+", "[^,]+", re.escape(BIND_SCOPE.text)))


def binds_scope(statement: str) -> bool:
    """Whether a statement sent to the database is the one binding the caller's scope."""
    return _BIND_SCOPE_SENT.fullmatch(statement) is not None


#: Adds one workspace to those bound to the transaction.
ADMIT_WORKSPACE = text(
    "SELECT set_config('redthread.workspace_ids', array_append("
    "NULLIF(current_setting('redthread.workspace_ids', true), '')::uuid[], :workspace_id)::text, true)"
)


def scope_settings(scope: Scope) -> dict[str, str]:
    """The settings :data:`BIND_SCOPE` makes: a uuid[] literal and whether every workspace is in scope."""
    ids = ",".join(str(id_) for id_ in sorted(scope.workspace_ids or ()))
    return {"workspace_ids": "{" + ids + "}", "all_workspaces": "on" if scope.is_everything else "off"}


@event.listens_for(Workspace, "before_insert")
def _admit_new_workspace(_mapper: Mapper[Workspace], connection: Connection, workspace: Workspace) -> None:
    """A workspace created in a transaction is within its reach.

    The service has checked that the caller may create it (in an organization they manage);
    without this, row-level security would refuse the new row, which is in no scope yet.
    Only the ORM's unit of work does this: a Core ``insert(Workspace)`` is not admitted.
    """
    if workspace.id is None:
        workspace.id = new_id()
    connection.execute(ADMIT_WORKSPACE, {"workspace_id": workspace.id})


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        statement_timeout_ms: int = 0,
        lock_timeout_ms: int = 0,
        **engine_options: Any,
    ) -> None:
        """The engine over ``url``; a statement running past ``statement_timeout_ms`` or waiting
        for a lock past ``lock_timeout_ms`` is cancelled by PostgreSQL (0: no limit)."""
        self.url = asyncpg_url(url)
        server_settings = {
            # JIT compiling pays off for long analytical runs, not for an API's statements: a
            # report whose estimate crossed the JIT threshold spent 1.8 s compiling a 0.4 s query.
            "jit": "off",
            "statement_timeout": str(statement_timeout_ms),
            "lock_timeout": str(lock_timeout_ms),
        }
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=False,
            echo=echo,
            connect_args={"server_settings": server_settings},
            **engine_options,
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @asynccontextmanager
    async def transaction(self, scope: Scope) -> AsyncIterator[AsyncSession]:
        """A unit of work within ``scope``: commit at the end of the block, roll back on any error."""
        async with self.sessions.begin() as session:
            session.info[activity.SCOPE] = scope  # the activity log records who acts
            await session.execute(BIND_SCOPE, scope_settings(scope))
            yield session

    @asynccontextmanager
    async def read(self, scope: Scope) -> AsyncIterator[AsyncConnection]:
        """A connection for one batch of reads within ``scope``."""
        async with self.engine.connect() as connection:
            await connection.execute(BIND_SCOPE, scope_settings(scope))
            yield connection

    async def dispose(self) -> None:
        await self.engine.dispose()
