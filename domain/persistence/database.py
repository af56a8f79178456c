"""The engine, the session factory and the unit of work.

Writes go through :meth:`Database.transaction`: one ``AsyncSession`` that commits when
the block ends and rolls back entirely when it raises. The reads of a request share one
:class:`Reads` (:meth:`Database.reads`): one connection and one transaction, opened on the
first read, with no ORM identity map to fill; a query's reads see one snapshot. Other reads
(a health check, a file download) take a connection of their own with :meth:`Database.read`.
Each first binds the caller's scope to the transaction, so row-level security sees the same
workspaces the queries filter on. A workspace the unit of work creates joins the bound
workspaces (see :func:`_admit_new_workspace`).

A committed unit of work that changed rows of tables someone watches
(:meth:`Database.watch`, e.g. who may see what) tells them right after its commit.

When the database cannot be reached — no connection free in the pool within the pool
timeout, the server down, restarting or refusing connections, a connection lost midway —
both raise :class:`DatabaseUnavailable`, which callers answer as "try again shortly". A
connection that failed that way is never handed out again (:func:`_lost_connection`), and
one found dead before the first statement of a block ran is replaced once by a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import Connection, event, exc, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, UOWTransaction

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


#: The names of the tables a unit of work changed, in its session's ``info`` (see :meth:`Database.watch`).
_CHANGED = "redthread.changed_tables"


def _changed(session: Session) -> set[str]:
    changed: set[str] = session.info.setdefault(_CHANGED, set())
    return changed


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _flush: UOWTransaction) -> None:
    """Which tables the unit of work's flushed objects belong to."""
    changed = _changed(session)
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(instance), "__table__", None)
        if table is not None:
            changed.add(table.name)


@event.listens_for(Session, "do_orm_execute")
def _note_executed(state: ORMExecuteState) -> None:
    """Which table an INSERT, UPDATE or DELETE statement run in the unit of work changes."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        if isinstance(name, str):
            _changed(state.session).add(name)


class DatabaseUnavailable(Exception):
    """The database cannot serve the request right now; trying again in ``retry_after`` s may work."""

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


#: SQLSTATE classes of a connection that is gone: connection exceptions (08) and a server
#: shutting down, crashed or starting up (57P01–57P03).
_GONE_SQLSTATES = ("08", "57P01", "57P02", "57P03")
#: How often the statement that opens a block is tried when it finds its connection dead.
_OPENING_ATTEMPTS = 2

C = TypeVar("C", AsyncConnection, AsyncSession)


def _driver_error(error: BaseException) -> BaseException:
    return error.orig if isinstance(error, exc.DBAPIError) and error.orig is not None else error


def sqlstate(error: BaseException) -> str:
    """PostgreSQL's SQLSTATE code of a failed statement ("" when the error has none)."""
    driver = _driver_error(error)
    cause = driver.__cause__ if driver.__cause__ is not None else driver
    return str(getattr(driver, "sqlstate", None) or getattr(cause, "sqlstate", None) or "")


def connection_lost(error: BaseException) -> bool:
    """Whether ``error`` says the connection (or the server behind it) is gone."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    driver = _driver_error(error)
    cause = driver.__cause__ if driver.__cause__ is not None else driver
    if isinstance(cause, OSError | asyncpg.InterfaceError | asyncpg.PostgresConnectionError):
        return True
    return sqlstate(error).startswith(_GONE_SQLSTATES)


def _lost_connection(context: ExceptionContext) -> None:
    """Mark a connection whose error says it is gone (or left in a state no statement can follow,
    e.g. asyncpg's "another operation is in progress") as disconnected: the pool drops it, and
    every connection opened before it, instead of handing it out again."""
    if connection_lost(context.original_exception):
        context.is_disconnect = True


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        statement_timeout_ms: int = 0,
        lock_timeout_ms: int = 0,
        idle_in_transaction_timeout_ms: int = 0,
        pool_timeout_seconds: float = 30,
        application_name: str = "redthread",
        **engine_options: Any,
    ) -> None:
        """The engine over ``url``.

        PostgreSQL cancels a statement running past ``statement_timeout_ms`` or waiting for a
        lock past ``lock_timeout_ms``, and ends a session idle in a transaction past
        ``idle_in_transaction_timeout_ms`` (0: no limit). Waiting for a pooled connection past
        ``pool_timeout_seconds`` raises :class:`DatabaseUnavailable`. PostgreSQL shows the
        connections as ``application_name`` (``pg_stat_activity``).
        """
        self.url = asyncpg_url(url)
        server_settings = {
            # JIT compiling pays off for long analytical runs, not for an API's statements: a
            # report whose estimate crossed the JIT threshold spent 1.8 s compiling a 0.4 s query.
            "jit": "off",
            "statement_timeout": str(statement_timeout_ms),
            "lock_timeout": str(lock_timeout_ms),
            "idle_in_transaction_session_timeout": str(idle_in_transaction_timeout_ms),
            "application_name": application_name,
        }
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=pool_timeout_seconds,
            pool_pre_ping=False,
            echo=echo,
            connect_args={"server_settings": server_settings},
            **engine_options,
        )
        event.listen(self.engine.sync_engine, "handle_error", _lost_connection)
        # Its units of work write the activity log of what they change.
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, autoflush=False, sync_session_class=activity.RecordingSession
        )
        self._watchers: list[tuple[frozenset[str], Callable[[], None]]] = []

    def watch(self, tables: Collection[str], changed: Callable[[], None]) -> None:
        """Call ``changed`` right after each unit of work of this process that changed rows of
        ``tables`` (through the ORM: objects flushed, or INSERT/UPDATE/DELETE statements run in
        the session) has committed."""
        self._watchers.append((frozenset(tables), changed))

    def _committed(self, session: AsyncSession) -> None:
        changed = session.sync_session.info.pop(_CHANGED, None)
        if not changed:
            return
        for tables, tell in self._watchers:
            if not tables.isdisjoint(changed):
                tell()

    def reads(self, scope: Scope, *, snapshot: bool) -> Reads:
        """The reads of one request within ``scope``: one connection and one transaction, opened on
        the first read (see :class:`Reads`). Close them with :meth:`Reads.close`."""
        return Reads(self, scope, snapshot=snapshot)

    @asynccontextmanager
    async def transaction(self, scope: Scope) -> AsyncIterator[AsyncSession]:
        """A unit of work within ``scope``: commit at the end of the block, roll back on any error.

        Once the commit is under way it is seen through even if the request is cancelled
        meanwhile (a client gone, a deadline passed): the change is then either committed or,
        if the cancellation came earlier, rolled back — never left undecided.
        """

        async def begin(session: AsyncSession) -> None:
            session.info[activity.SCOPE] = scope  # the activity log records who acts
            await session.begin()
            await session.execute(BIND_SCOPE, scope_settings(scope))

        session = await self._opened(self.sessions, begin)
        try:
            async with session:
                try:
                    yield session
                except BaseException:
                    # A connection that is gone cannot roll back: the server already has.
                    with contextlib.suppress(exc.DBAPIError, OSError):
                        await session.rollback()
                    raise
                commit = asyncio.ensure_future(session.commit())
                try:
                    await asyncio.shield(commit)
                except asyncio.CancelledError:
                    await commit
                    self._committed(session)
                    raise
                self._committed(session)
        except exc.DBAPIError as error:
            if connection_lost(error):
                raise _unavailable(error) from error
            raise

    @asynccontextmanager
    async def read(self, scope: Scope) -> AsyncIterator[AsyncConnection]:
        """A connection for one batch of reads within ``scope``."""

        async def begin(connection: AsyncConnection) -> None:
            await connection.start()
            await connection.execute(BIND_SCOPE, scope_settings(scope))

        connection = await self._opened(self.engine.connect, begin)
        try:
            yield connection
        except exc.DBAPIError as error:
            if connection_lost(error):
                raise _unavailable(error) from error
            raise
        finally:
            await _close(connection)

    async def _opened(self, make: Callable[[], C], begin: Callable[[C], Awaitable[None]]) -> C:
        """A connection or session from ``make`` on which ``begin`` ran. A connection found dead
        by ``begin`` (nothing has run on it yet) is replaced once; a database that cannot be
        reached or a pool without a free connection is :class:`DatabaseUnavailable`."""
        for attempt in range(1, _OPENING_ATTEMPTS + 1):
            opened = make()
            try:
                await begin(opened)
                return opened
            except exc.TimeoutError as error:
                await _close(opened)
                raise DatabaseUnavailable(
                    "Every database connection is busy; try again in a moment.", retry_after=1
                ) from error
            except (exc.DBAPIError, OSError) as error:
                await _close(opened)
                if attempt < _OPENING_ATTEMPTS and connection_lost(error):
                    continue
                raise _unavailable(error) from error
            except BaseException:
                await _close(opened)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def dispose(self) -> None:
        await self.engine.dispose()


class Reads:
    """Every read of one request: one connection and one transaction, opened on the first read
    with the caller's scope bound to it.

    With ``snapshot`` (the reads of a query) the transaction is read only and REPEATABLE READ:
    each statement sees the database as the first one did, so two fields of one response never
    disagree about a row another request changed meanwhile. Without it (the reads of a
    mutation's payload, after its own transaction committed) each statement sees what was
    committed before it started.

    Concurrent resolvers take turns on the connection, one statement (or one domain read) at a
    time. A statement that fails ends the transaction with it; the next read opens a new one.
    """

    def __init__(self, db: Database, scope: Scope, *, snapshot: bool) -> None:
        self._db = db
        #: Whose reads these are; a read binds it anew when it changed since the last one.
        self.scope = scope
        self._snapshot = snapshot
        self._connection: AsyncConnection | None = None
        self._bound: Scope | None = None
        self._turn = asyncio.Lock()

    @asynccontextmanager
    async def connection(self, scope: Scope | None = None) -> AsyncIterator[AsyncConnection]:
        """The request's connection, its turn held for the block, bound to ``scope`` (by default
        :attr:`scope`): e.g. ``Scope.everything()`` while the caller is being signed in."""
        wanted = self.scope if scope is None else scope
        async with self._turn:
            connection = self._connection
            if connection is None:
                connection = await self._db._opened(self._db.engine.connect, self._begin(wanted))
                self._connection, self._bound = connection, wanted
            elif self._bound is not wanted:
                await self._rebind(connection, wanted)
            try:
                yield connection
            except exc.DBAPIError as error:
                await self._drop()
                if connection_lost(error):
                    raise _unavailable(error) from error
                raise
            except (asyncio.CancelledError, GeneratorExit):
                # Stopped midway through a statement: the connection's state is unknown.
                await self._drop()
                raise

    def _begin(self, scope: Scope) -> Callable[[AsyncConnection], Awaitable[None]]:
        async def begin(connection: AsyncConnection) -> None:
            await connection.start()
            if self._snapshot:
                await connection.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            await connection.execute(BIND_SCOPE, scope_settings(scope))

        return begin

    async def _rebind(self, connection: AsyncConnection, scope: Scope) -> None:
        try:
            await connection.execute(BIND_SCOPE, scope_settings(scope))
        except exc.DBAPIError as error:
            await self._drop()
            if connection_lost(error):
                raise _unavailable(error) from error
            raise
        self._bound = scope

    async def _drop(self) -> None:
        connection, self._connection, self._bound = self._connection, None, None
        if connection is not None:
            await asyncio.shield(_close(connection))

    async def close(self) -> None:
        """End the transaction and give the connection back (nothing to do when nothing was read)."""
        async with self._turn:
            await self._drop()


def _unavailable(error: BaseException) -> DatabaseUnavailable:
    return DatabaseUnavailable(
        f"The database cannot be reached right now ({type(_driver_error(error)).__name__}); try again"
        " in a moment.",
        retry_after=1,
    )


async def _close(opened: AsyncConnection | AsyncSession) -> None:
    """Give a connection back to the pool, rolled back, whatever state it was left in: one that is
    gone is dropped, and its first error is the one reported."""
    with contextlib.suppress(Exception):
        await opened.close()
