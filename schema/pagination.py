"""Relay connections with keyset (cursor) pagination.

A page is asked for with ``first``/``after`` (forwards) or ``last``/``before``
(backwards). The cursor is the position of an item in the connection's order,
``(sort key …, id)``, so a page costs one index range scan however deep it is.
``totalCount`` is a separate, batched ``count(*)`` made only when it is selected.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

import strawberry

from schema.errors import QueryError

PAGE_MAX = 100
PAGE_DEFAULT = 50

N = TypeVar("N")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """``first``/``after`` or ``last``/``before``, checked and decoded."""

    size: int
    forward: bool
    cursor: tuple[Any, ...] | None

    @classmethod
    def of(
        cls,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PageRequest:
        if first is not None and last is not None:
            raise QueryError("Pass either `first` or `last`, not both.", "BAD_PAGINATION")
        if after is not None and before is not None:
            raise QueryError("Pass either `after` or `before`, not both.", "BAD_PAGINATION")
        if last is not None or before is not None:
            if after is not None or first is not None:
                raise QueryError("Page backwards with `last` and `before` only.", "BAD_PAGINATION")
            return cls(_size(last, "last"), False, decode_cursor(before) if before else None)
        return cls(_size(first, "first"), True, decode_cursor(after) if after else None)


def _size(value: int | None, name: str) -> int:
    if value is None:
        return PAGE_DEFAULT
    if not 0 <= value <= PAGE_MAX:
        raise QueryError(f"`{name}` must lie between 0 and {PAGE_MAX}.", "BAD_PAGINATION")
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _time(raw: str) -> dt.datetime:
    """A cursor's time, which must fit the datetime range in UTC as well (PostgreSQL compares it
    in UTC: 9999-12-31T23:59:59-12:00 would overflow, and is no cursor's)."""
    value = dt.datetime.fromisoformat(raw)
    if value.tzinfo is not None:
        value.astimezone(dt.UTC)  # OverflowError, an ArithmeticError: BAD_CURSOR
    return value


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        converters: dict[str, Callable[[str], Any]] = {
            "t": _time,
            "d": dt.date.fromisoformat,
            "u": uuid.UUID,
            "n": Decimal,
        }
        if tag in converters and isinstance(raw, str):
            return converters[tag](raw)
    if isinstance(value, str | int):
        return value
    raise ValueError(value)


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_plain(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    try:
        if len(cursor) > 1_000:
            raise ValueError(cursor)
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or not raw:
            raise ValueError(raw)
        return tuple(_typed(v) for v in raw)
    except (binascii.Error, ArithmeticError, UnicodeDecodeError, ValueError, TypeError) as error:
        raise QueryError("This cursor is not valid here.", "BAD_CURSOR") from error


@dataclass(frozen=True, slots=True)
class PageKey:
    """What one connection field asks for: a parent, a page and a filter."""

    parent_id: uuid.UUID
    page: PageRequest
    filter: Hashable = None


@dataclass(frozen=True, slots=True)
class CountKey:
    parent_id: uuid.UUID
    filter: Hashable = None


@dataclass(slots=True)
class Page(Generic[N]):
    nodes: list[N]
    cursors: list[str]
    has_more: bool


@strawberry.type(description="Where a page lies in its connection.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]]
    nodes: list[N] = strawberry.field(description="The nodes of `edges`, for clients that need no cursors.")
    page_info: PageInfo
    _count_loader: strawberry.Private[Any]
    _count_key: strawberry.Private[CountKey]

    @strawberry.field(description="How many items match, across all pages. Counted only when asked for.")
    async def total_count(self) -> int:
        count: int = await self._count_loader.load(self._count_key)
        return count

    @classmethod
    def of(cls, page: Page[N], request: PageRequest, count_loader: Any, count_key: CountKey) -> Connection[N]:
        nodes, cursors = page.nodes, page.cursors
        edges = [Edge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)]
        has_cursor = request.cursor is not None
        info = PageInfo(
            has_next_page=page.has_more if request.forward else has_cursor,
            has_previous_page=has_cursor if request.forward else page.has_more,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )
        return cls(edges=edges, nodes=nodes, page_info=info, _count_loader=count_loader, _count_key=count_key)
