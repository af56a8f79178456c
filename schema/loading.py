"""The read side: batched SQL that builds GraphQL objects straight from rows.

Each kind of read is declared once as a spec next to its GraphQL type:

* :class:`NodeSpec` — records by id (``node``, ``ContentItem.tactic`` …);
* :class:`ListSpec` — every child of a parent, small and bounded (``Strategy.tactics``,
  ``ContentItem.kpis`` through a link table …);
* :class:`ConnectionSpec` — a paginated, filterable child list (``Strategy.contentItems``);
* a :data:`Fetch` — a domain read by key that computes figures in SQL (``Kpi.progress`` …).

:class:`Loaders`, made per request, turns each spec into a DataLoader. A batch runs one
statement on the request's connection (:class:`~domain.persistence.database.Reads`: one
transaction, and for a query one snapshot, for all of them; concurrent batches take turns),
and every statement keeps to the caller's workspaces. The ORM is not involved: rows become
GraphQL objects through each spec's ``convert``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeAlias, TypeVar, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Executable,
    FromClause,
    Integer,
    Row,
    Select,
    Uuid,
    any_,
    bindparam,
    func,
    literal_column,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.dataloader import DataLoader

from domain.persistence.database import Reads
from domain.scope import Scope
from schema.errors import QueryError
from schema.pagination import CountKey, Page, PageKey, PageRequest, encode_cursor

N = TypeVar("N")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
W = TypeVar("W")
Filter = Callable[[Hashable], Sequence[ColumnElement[bool]]]


def _no_filter(_: Hashable) -> Sequence[ColumnElement[bool]]:
    return ()


Loaded: TypeAlias = V | asyncio.Future[V]
"""What a resolver that reads through a loader returns: the value itself when the loader holds it
already (graphql-core then completes it on the spot, without a task), else the loader's future."""


def held(loader: DataLoader[K, V], key: K) -> Loaded[V]:
    """What ``loader`` has loaded for ``key``, or the future of its load (made now if need be)."""
    future = loader.cache_map.get(key)
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        return future.result()
    # Strawberry's DataLoader hands out the future it keeps in its cache.
    return cast("asyncio.Future[V]", loader.load(key))


def then(loaded: Loaded[V], convert: Callable[[V], W]) -> Loaded[W]:
    """``convert`` applied to what is loaded: at once if it is, else when it is (as a future, not a task)."""
    if not isinstance(loaded, asyncio.Future):
        return convert(loaded)
    out: asyncio.Future[W] = loaded.get_loop().create_future()

    def settle(source: asyncio.Future[V]) -> None:
        if out.cancelled():
            return
        if source.cancelled():
            out.cancel()
        elif (error := source.exception()) is not None:
            out.set_exception(error)
        else:
            try:
                out.set_result(convert(source.result()))
            except Exception as failure:  # raised where the resolver's value is awaited
                out.set_exception(failure)

    loaded.add_done_callback(settle)
    return out


Fetch = Callable[[AsyncConnection, Scope, Sequence[K]], Awaitable[Mapping[K, V]]]
"""A domain read by key (a report, a figure per KPI …): what it finds for the keys it is given."""

Day = tuple[uuid.UUID, dt.date]
"""A key of a read that depends on the day asked about: an id and the day."""


def per_day(
    fetch: Callable[[AsyncConnection, Scope, dt.date, list[uuid.UUID]], Awaitable[Mapping[uuid.UUID, V]]],
) -> Fetch[Day, V]:
    """A :data:`Fetch` keyed by (id, day) from one that reads many ids as of one day."""

    async def by_day(connection: AsyncConnection, scope: Scope, keys: Sequence[Day]) -> dict[Day, V]:
        days: dict[dt.date, list[uuid.UUID]] = defaultdict(list)
        for id_, day in keys:
            days[day].append(id_)
        found: dict[Day, V] = {}
        for day, ids in days.items():
            for id_, value in (await fetch(connection, scope, day, ids)).items():
                found[(id_, day)] = value
        return found

    return by_day


ROOT = uuid.UUID(int=0)
"""The parent of a list that has none (``organizations``, ``myOpenWork``): pass it to ``paginate``."""
ROOT_PARENT: ColumnElement[uuid.UUID] = literal_column(f"'{ROOT}'::uuid", Uuid)
"""The ``parent`` of the spec of such a list: every row hangs off :data:`ROOT`."""

Visible = Callable[[Scope], ColumnElement[bool]]
"""Which rows of a source the caller's scope lets them see."""


#: The caller's workspaces, bound when a statement runs (see :class:`InWorkspace`).
_WORKSPACES = bindparam("workspaces", type_=ARRAY(Uuid))


@dataclass(frozen=True, eq=False)
class InWorkspace:
    """Rows whose ``column`` names a workspace in scope (the usual case).

    The workspaces are a parameter of the statement, not a part of it: a statement of a spec
    whose rows are visible this way is built once (per kind of caller: one who sees
    everything, or one who sees their workspaces) and serves every request.
    """

    column: ColumnElement[uuid.UUID]

    def __call__(self, scope: Scope) -> ColumnElement[bool]:
        return true() if scope.is_everything else self.column == any_(_WORKSPACES)


def in_workspace(column: ColumnElement[uuid.UUID]) -> Visible:
    """Rows whose ``column`` names a workspace in scope (the usual case)."""
    return InWorkspace(column)


@dataclass(frozen=True, eq=False)
class NodeSpec(Generic[N]):
    source: FromClause
    id: ColumnElement[uuid.UUID]
    visible: Visible
    convert: Callable[[Row[Any]], N]


@dataclass(frozen=True, eq=False)
class ListSpec(Generic[N]):
    source: FromClause
    columns: Sequence[ColumnElement[Any]]
    parent: ColumnElement[uuid.UUID]
    visible: Visible
    order: Sequence[ColumnElement[Any]]
    convert: Callable[[Row[Any]], N]
    link: ColumnElement[uuid.UUID] | None = None
    """For a list through a link table (see :meth:`through`): the link's column naming the record."""

    @classmethod
    def through(
        cls,
        table: FromClause,
        link: ColumnElement[uuid.UUID],
        parent: ColumnElement[uuid.UUID],
        visible: Visible,
        order: Sequence[ColumnElement[Any]],
        convert: Callable[[Row[Any]], N],
    ) -> ListSpec[N]:
        """The records of ``table`` a link table names: ``link`` and ``parent`` are its columns.

        The batch reads the links of its parents first, then the records they name by id: joined
        the other way round, PostgreSQL walks every record of the workspace and probes the link
        table for each parent (thousands of index probes for a page of 50 content items).
        """
        return cls(table, list(table.c), parent, visible, order, convert, link)


@dataclass(frozen=True, eq=False)
class ConnectionSpec(Generic[N]):
    source: FromClause
    columns: Sequence[ColumnElement[Any]]
    parent: ColumnElement[uuid.UUID]
    visible: Visible
    order: Sequence[ColumnElement[Any]]
    """Non-null sort keys, ending with a unique one (the id)."""
    convert: Callable[[Row[Any]], N]
    filter: Filter = field(default=_no_filter)
    descending: bool = False
    """Largest sort keys first (newest first, for a log)."""


#: The parents of one batch, as rows: ``unnest(:parents) AS parents(id)``.
_PARENT_IDS = (
    func.unnest(bindparam("parents", type_=ARRAY(Uuid))).table_valued("id").render_derived(name="parents")
)
#: The ids (or parent ids) of one batch, as ``= ANY(:ids)``: one statement text whatever the number
#: of ids, so that PostgreSQL prepares it once (``IN`` renders one placeholder per id).
_IDS = bindparam("ids", type_=ARRAY(Uuid))
#: The rows a page reads: its size and one more, to know whether there are more.
_LIMIT = bindparam("limit", type_=Integer)
#: Labels of the extra columns a batch selects (row attributes starting with "_" are taken).
PARENT = "batch_parent"
SORT = "batch_sort_"
CURSOR = "cursor_"

#: The statements of the batches, built once (see :class:`InWorkspace`): by kind of batch, spec,
#: its variant and whether the caller sees everything. Bounded by the specs and their variants.
_STATEMENTS: dict[tuple[Any, ...], Executable] = {}


class Loaders:
    """The DataLoaders of one request, made on first use."""

    def __init__(self, reads: Reads) -> None:
        self.reads = reads
        self.scope = reads.scope
        self._loaders: dict[tuple[str, object], DataLoader[Any, Any]] = {}
        self._scope_params = {"workspaces": sorted(self.scope.workspace_ids or ())}

    def _get(
        self, kind: str, spec: object, load: Callable[[Any, Any], Awaitable[Any]]
    ) -> DataLoader[Any, Any]:
        loader = self._loaders.get((kind, spec))
        if loader is None:
            loader = self._loaders[(kind, spec)] = DataLoader(load_fn=partial(load, spec))
        return loader

    def _statement(
        self, key: tuple[Any, ...], visible: Visible, build: Callable[[], Executable]
    ) -> Executable:
        """The statement ``build`` makes, kept for every request when it depends on the scope
        only through :class:`InWorkspace`'s parameter."""
        if not isinstance(visible, InWorkspace):
            return build()
        key = (*key, self.scope.is_everything)
        stmt = _STATEMENTS.get(key)
        if stmt is None:
            stmt = _STATEMENTS[key] = build()
        return stmt

    async def _rows(self, stmt: Executable, **params: Any) -> Sequence[Row[Any]]:
        async with self.reads.connection(self.scope) as connection:
            result = await connection.execute(stmt, {**self._scope_params, **params})
            return list(result.all())

    # -- by id ---------------------------------------------------------------------------

    def node(self, spec: NodeSpec[N]) -> DataLoader[uuid.UUID, N | None]:
        return self._get("node", spec, self._nodes)

    async def _nodes(self, spec: NodeSpec[N], ids: Sequence[uuid.UUID]) -> list[N | None]:
        stmt = self._statement(
            ("node", spec),
            spec.visible,
            lambda: select(spec.source).where(spec.id == any_(_IDS), spec.visible(self.scope)),
        )
        found = {row.id: spec.convert(row) for row in await self._rows(stmt, ids=list(ids))}
        return [found.get(id_) for id_ in ids]

    # -- domain reads by key ----------------------------------------------------------------

    def batch(self, fetch: Fetch[K, V]) -> DataLoader[K, V | None]:
        """Batches ``fetch`` (a module-level function) per request; a key it does not find is None."""
        return self._get("batch", fetch, self._fetched)

    async def _fetched(self, fetch: Fetch[K, V], keys: Sequence[K]) -> list[V | None]:
        async with self.reads.connection(self.scope) as connection:
            found = await fetch(connection, self.scope, keys)
        return [found.get(key) for key in keys]

    # -- children of a parent ------------------------------------------------------------

    def children(self, spec: ListSpec[N]) -> DataLoader[uuid.UUID, list[N]]:
        return self._get("children", spec, self._children)

    async def _children(self, spec: ListSpec[N], parents: Sequence[uuid.UUID]) -> list[list[N]]:
        def build() -> Executable:
            stmt = (
                _through_links(spec)
                if spec.link is not None
                else select(spec.parent.label(PARENT), *spec.columns)
                .select_from(spec.source)
                .where(spec.parent == any_(_IDS))
            )
            return stmt.where(spec.visible(self.scope)).order_by(*spec.order)

        stmt = self._statement(("children", spec), spec.visible, build)
        grouped: dict[uuid.UUID, list[N]] = defaultdict(list)
        # Through a link table, one record is met once per parent naming it: converted once.
        converted: dict[Any, N] = {}
        for row in await self._rows(stmt, ids=list(parents)):
            if spec.link is None:
                record = spec.convert(row)
            elif row.id in converted:
                record = converted[row.id]
            else:
                record = converted[row.id] = spec.convert(row)
            grouped[row._mapping[PARENT]].append(record)
        return [grouped.get(parent, []) for parent in parents]

    # -- paginated children --------------------------------------------------------------

    def page(self, spec: ConnectionSpec[N]) -> DataLoader[PageKey, Page[N]]:
        return self._get("page", spec, self._pages)

    async def _pages(self, spec: ConnectionSpec[N], keys: Sequence[PageKey]) -> list[Page[N]]:
        groups: dict[tuple[PageRequest, Hashable], list[uuid.UUID]] = defaultdict(list)
        for key in keys:
            groups[(key.page, key.filter)].append(key.parent_id)
        pages: dict[tuple[uuid.UUID, PageRequest, Hashable], Page[N]] = {}
        for (request, filter_), parents in groups.items():
            for parent, page in (await self._page(spec, request, filter_, parents)).items():
                pages[(parent, request, filter_)] = page
        empty: Page[N] = Page([], [], False)
        return [pages.get((k.parent_id, k.page, k.filter), empty) for k in keys]

    async def _page(
        self, spec: ConnectionSpec[N], request: PageRequest, filter_: Hashable, parents: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Page[N]]:
        order = list(spec.order)
        ascending = request.forward != spec.descending
        params: dict[str, Any] = {"parents": list(parents), "limit": request.size + 1}
        if request.cursor is not None:
            _check_cursor(request.cursor, order)
            params.update({f"{CURSOR}{i}": value for i, value in enumerate(request.cursor)})
        filtered = spec.filter(filter_)

        def build() -> Executable:
            conditions = [spec.parent == _PARENT_IDS.c.id, spec.visible(self.scope), *filtered]
            if request.cursor is not None:
                position = tuple_(*order)
                cursor = tuple_(*(bindparam(f"{CURSOR}{i}", type_=expr.type) for i, expr in enumerate(order)))
                conditions.append(position > cursor if ascending else position < cursor)
            keys = [expr.label(f"{SORT}{i}") for i, expr in enumerate(order)]
            inner = (
                select(*spec.columns, *keys)
                .select_from(spec.source)
                .where(*conditions)
                .order_by(*(order if ascending else [expr.desc() for expr in order]))
                .limit(_LIMIT)
                .lateral("page")
            )
            return select(_PARENT_IDS.c.id.label(PARENT), inner).select_from(_PARENT_IDS).join(inner, true())

        # A filter's conditions hold its values: such a page's statement is built for the batch.
        key = ("page", spec, ascending, request.cursor is not None)
        stmt = build() if filtered else self._statement(key, spec.visible, build)
        grouped: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
        for row in await self._rows(stmt, **params):
            grouped[row._mapping[PARENT]].append(row)
        pages: dict[uuid.UUID, Page[N]] = {}
        for parent, rows in grouped.items():
            has_more = len(rows) > request.size
            rows = rows[: request.size]
            if not request.forward:
                rows.reverse()
            cursors = [encode_cursor([row._mapping[f"{SORT}{i}"] for i in range(len(order))]) for row in rows]
            pages[parent] = Page([spec.convert(row) for row in rows], cursors, has_more)
        return pages

    def count(self, spec: ConnectionSpec[N]) -> DataLoader[CountKey, int]:
        return self._get("count", spec, self._counts)

    async def _counts(self, spec: ConnectionSpec[N], keys: Sequence[CountKey]) -> list[int]:
        groups: dict[Hashable, list[uuid.UUID]] = defaultdict(list)
        for key in keys:
            groups[key.filter].append(key.parent_id)
        counts: dict[tuple[uuid.UUID, Hashable], int] = {}
        for filter_, parents in groups.items():
            filtered = spec.filter(filter_)

            def build(filtered: Sequence[ColumnElement[bool]] = filtered) -> Executable:
                return (
                    select(spec.parent.label(PARENT), func.count().label("n"))
                    .select_from(spec.source)
                    .where(spec.parent == any_(_IDS), spec.visible(self.scope), *filtered)
                    .group_by(spec.parent)
                )

            stmt = build() if filtered else self._statement(("count", spec), spec.visible, build)
            for row in await self._rows(stmt, ids=list(parents)):
                counts[(row._mapping[PARENT], filter_)] = row.n
        return [counts.get((k.parent_id, k.filter), 0) for k in keys]


def _through_links(spec: ListSpec[N]) -> Select[Any]:
    """The records the links of the batch's parents name: the links first (a materialized CTE, so
    that the planner cannot turn the join round), then the records by id."""
    assert spec.link is not None
    links = (
        select(spec.parent.label("parent_id"), spec.link.label("linked_id"))
        .where(spec.parent == any_(_IDS))
        .cte("links")
        .prefix_with("MATERIALIZED")
    )
    (record_id,) = list(spec.source.primary_key)
    return (
        select(links.c.parent_id.label(PARENT), *spec.columns)
        .select_from(spec.source)
        .join(links, links.c.linked_id == record_id)
    )


def _check_cursor(cursor: tuple[Any, ...], order: Sequence[ColumnElement[Any]]) -> None:
    """A cursor must hold one value of the right type per sort key of this connection."""
    if len(cursor) != len(order) or not all(
        type(value) is expr.type.python_type for value, expr in zip(cursor, order, strict=True)
    ):
        raise QueryError("This cursor is not valid here.", "BAD_CURSOR")
