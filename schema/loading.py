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

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Executable,
    FromClause,
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
Filter = Callable[[Hashable], Sequence[ColumnElement[bool]]]


def _no_filter(_: Hashable) -> Sequence[ColumnElement[bool]]:
    return ()


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


def in_workspace(column: ColumnElement[uuid.UUID]) -> Visible:
    """Rows whose ``column`` names a workspace in scope (the usual case)."""
    return lambda scope: scope.where(column)


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
#: Labels of the extra columns a batch selects (row attributes starting with "_" are taken).
PARENT = "batch_parent"
SORT = "batch_sort_"


class Loaders:
    """The DataLoaders of one request, made on first use."""

    def __init__(self, reads: Reads) -> None:
        self.reads = reads
        self.scope = reads.scope
        self._loaders: dict[tuple[str, int], DataLoader[Any, Any]] = {}

    def _get(self, kind: str, spec: object, make: Callable[[], DataLoader[Any, Any]]) -> DataLoader[Any, Any]:
        key = (kind, id(spec))
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = make()
        return loader

    async def _rows(self, stmt: Executable, **params: Any) -> Sequence[Row[Any]]:
        async with self.reads.connection(self.scope) as connection:
            result = await connection.execute(stmt, params)
            return list(result.all())

    # -- by id ---------------------------------------------------------------------------

    def node(self, spec: NodeSpec[N]) -> DataLoader[uuid.UUID, N | None]:
        async def load(ids: Sequence[uuid.UUID]) -> list[N | None]:
            stmt = select(spec.source).where(_among(spec.id, ids), spec.visible(self.scope))
            found = {row.id: spec.convert(row) for row in await self._rows(stmt)}
            return [found.get(id_) for id_ in ids]

        return self._get("node", spec, lambda: DataLoader(load_fn=load))

    # -- domain reads by key ----------------------------------------------------------------

    def batch(self, fetch: Fetch[K, V]) -> DataLoader[K, V | None]:
        """Batches ``fetch`` (a module-level function) per request; a key it does not find is None."""

        async def load(keys: Sequence[K]) -> list[V | None]:
            async with self.reads.connection(self.scope) as connection:
                found = await fetch(connection, self.scope, keys)
            return [found.get(key) for key in keys]

        return self._get("batch", fetch, lambda: DataLoader(load_fn=load))

    # -- children of a parent ------------------------------------------------------------

    def children(self, spec: ListSpec[N]) -> DataLoader[uuid.UUID, list[N]]:
        async def load(parents: Sequence[uuid.UUID]) -> list[list[N]]:
            stmt = (
                _through_links(spec, parents)
                if spec.link is not None
                else select(spec.parent.label(PARENT), *spec.columns)
                .select_from(spec.source)
                .where(_among(spec.parent, parents))
            )
            stmt = stmt.where(spec.visible(self.scope)).order_by(*spec.order)
            grouped: dict[uuid.UUID, list[N]] = defaultdict(list)
            for row in await self._rows(stmt):
                grouped[row._mapping[PARENT]].append(spec.convert(row))
            return [grouped.get(parent, []) for parent in parents]

        return self._get("children", spec, lambda: DataLoader(load_fn=load))

    # -- paginated children --------------------------------------------------------------

    def page(self, spec: ConnectionSpec[N]) -> DataLoader[PageKey, Page[N]]:
        async def load(keys: Sequence[PageKey]) -> list[Page[N]]:
            groups: dict[tuple[PageRequest, Hashable], list[uuid.UUID]] = defaultdict(list)
            for key in keys:
                groups[(key.page, key.filter)].append(key.parent_id)
            pages: dict[tuple[uuid.UUID, PageRequest, Hashable], Page[N]] = {}
            for (request, filter_), parents in groups.items():
                for parent, page in (await self._page(spec, request, filter_, parents)).items():
                    pages[(parent, request, filter_)] = page
            empty: Page[N] = Page([], [], False)
            return [pages.get((k.parent_id, k.page, k.filter), empty) for k in keys]

        return self._get("page", spec, lambda: DataLoader(load_fn=load))

    async def _page(
        self, spec: ConnectionSpec[N], request: PageRequest, filter_: Hashable, parents: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, Page[N]]:
        order = list(spec.order)
        conditions = [spec.parent == _PARENT_IDS.c.id, spec.visible(self.scope), *spec.filter(filter_)]
        ascending = request.forward != spec.descending
        if request.cursor is not None:
            _check_cursor(request.cursor, order)
            position = tuple_(*order)
            cursor = tuple_(*request.cursor)
            conditions.append(position > cursor if ascending else position < cursor)
        keys = [expr.label(f"{SORT}{i}") for i, expr in enumerate(order)]
        inner = (
            select(*spec.columns, *keys)
            .select_from(spec.source)
            .where(*conditions)
            .order_by(*(order if ascending else [expr.desc() for expr in order]))
            .limit(request.size + 1)
            .lateral("page")
        )
        stmt = select(_PARENT_IDS.c.id.label(PARENT), inner).select_from(_PARENT_IDS).join(inner, true())
        grouped: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
        for row in await self._rows(stmt, parents=list(parents)):
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
        async def load(keys: Sequence[CountKey]) -> list[int]:
            groups: dict[Hashable, list[uuid.UUID]] = defaultdict(list)
            for key in keys:
                groups[key.filter].append(key.parent_id)
            counts: dict[tuple[uuid.UUID, Hashable], int] = {}
            for filter_, parents in groups.items():
                stmt = (
                    select(spec.parent.label(PARENT), func.count().label("n"))
                    .select_from(spec.source)
                    .where(_among(spec.parent, parents), spec.visible(self.scope), *spec.filter(filter_))
                    .group_by(spec.parent)
                )
                for row in await self._rows(stmt):
                    counts[(row._mapping[PARENT], filter_)] = row.n
            return [counts.get((k.parent_id, k.filter), 0) for k in keys]

        return self._get("count", spec, lambda: DataLoader(load_fn=load))


def _among(column: ColumnElement[uuid.UUID], ids: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    """``column = ANY(:ids)``: one statement text whatever the number of ids, so that SQLAlchemy
    compiles it, and PostgreSQL prepares it, once (``IN`` renders one placeholder per id)."""
    return column == any_(bindparam(None, list(ids), type_=ARRAY(Uuid)))


def _through_links(spec: ListSpec[N], parents: Sequence[uuid.UUID]) -> Select[Any]:
    """The records the links of ``parents`` name: the links first (a materialized CTE, so that the
    planner cannot turn the join round), then the records by id."""
    assert spec.link is not None
    links = (
        select(spec.parent.label("parent_id"), spec.link.label("linked_id"))
        .where(_among(spec.parent, parents))
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
