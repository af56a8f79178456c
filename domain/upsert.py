"""Write a batch of rows in one statement: insert the new, update the changed, leave the rest alone.

The rows travel as one array per column (``unnest``), so a batch of ten thousand rows is
still one statement with a handful of parameters. A row whose values did not change
keeps its version and ``updatedAt``; the counts say what happened.

The rows are written in the order of their key, whatever order the caller gives: two
batches that share keys then lock those rows in the same order, so they wait for each
other instead of deadlocking.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    Boolean,
    Enum,
    Table,
    Text,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import Base


@dataclass(frozen=True, slots=True)
class Counts:
    """What a batch did: rows created, rows changed, rows that already held these values."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


async def upsert_many(
    session: AsyncSession,
    model: type[Base],
    rows: Sequence[Mapping[str, Any]],
    *,
    key: Sequence[str],
    changing: Sequence[str],
) -> Counts:
    """Insert ``rows``, or update the ``changing`` columns of the row with the same ``key``.

    Every row names the same columns. ``key`` must match a unique constraint and be unique
    within ``rows``. An update happens only where a ``changing`` value differs; it bumps the
    version and ``updated_at`` as any edit does.
    """
    if not rows:
        return Counts()
    rows = sorted(rows, key=lambda row: tuple(_sortable(row[name]) for name in key))
    table = cast(Table, model.__table__)
    names = list(rows[0])
    arrays = []
    for name in names:
        is_enum = isinstance(table.c[name].type, Enum)
        column_values = [row[name].value if is_enum else row[name] for row in rows]
        array_type = ARRAY(Text if is_enum else table.c[name].type)
        arrays.append(bindparam(f"given_{name}", column_values, type_=array_type))
    given = func.unnest(*arrays).table_valued(*names).render_derived(name="given")
    columns = [
        sql_cast(given.c[name], table.c[name].type) if isinstance(table.c[name].type, Enum) else given.c[name]
        for name in names
    ]
    source = select(func.gen_random_uuid(), literal(1), *columns).select_from(given)
    stmt = pg_insert(table).from_select(["id", "version", *names], source)
    upsert = stmt.on_conflict_do_update(
        index_elements=list(key),
        set_={
            **{name: stmt.excluded[name] for name in changing},
            "version": table.c.version + 1,
            "updated_at": func.clock_timestamp(),
        },
        where=or_(*(table.c[name].is_distinct_from(stmt.excluded[name]) for name in changing)),
    )
    returning = upsert.returning(literal_column("xmax = 0", Boolean).label("created"))
    written = list((await session.execute(returning)).scalars())
    created = sum(1 for was_created in written if was_created)
    return Counts(created=created, updated=len(written) - created, unchanged=len(rows) - len(written))


def _sortable(value: Any) -> Any:
    """A key value as it sorts: an enum by its value (enums have no order of their own)."""
    return value.value if isinstance(value, enum.Enum) else value
