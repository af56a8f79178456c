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
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from schema.errors import QueryError

PAGE_MAX = 100
PAGE_DEFAULT = 50

N = TypeVar("N")

# The paging arguments of every connection, declared once: `first: First = None, after: After =
# None, last: Last = None, before: Before = None`.
First = Annotated[
    int | None,
    strawberry.argument(
        description=f"Page forwards: this many items after `after` (1–{PAGE_MAX}; default {PAGE_DEFAULT})."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description="Start after the item with this `cursor` (from `edges`); omitted: at the first item."
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(description=f"Page backwards: this many items before `before` (1–{PAGE_MAX})."),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="End before the item with this `cursor` (from `edges`); omitted: at the last item."
    ),
]


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
    has_next_page: bool = strawberry.field(
        description="Whether items follow this page (forwards; backwards: whether `before` was given)."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page (backwards; forwards: whether `after` was given)."
    )
    start_cursor: str | None = strawberry.field(
        description="The cursor of the page's first item, to page backwards from; null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of the page's last item, to page forwards from; null on an empty page."
    )


@strawberry.type(description="An item of a page, with its cursor.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(
        description="Where the item stands in the connection's order: pass it as `after` or `before`."
    )
    node: N = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, paged by cursor (`first`/`after` or `last`/`before`).")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The page's items with their cursors, in order.")
    nodes: list[N] = strawberry.field(description="The nodes of `edges`, for clients that need no cursors.")
    page_info: PageInfo = strawberry.field(description="Whether there are more pages, and where they start.")
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
