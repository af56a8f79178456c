"""The Relay parts of the schema: the ``Node`` interface, ``node``/``nodes`` and paging."""

from __future__ import annotations

import uuid
from collections.abc import Hashable
from typing import Any, TypeVar

import strawberry

from schema import ids
from schema.context import Info
from schema.loading import ConnectionSpec, NodeSpec
from schema.pagination import Connection, CountKey, PageKey, PageRequest

N = TypeVar("N")

#: Which spec loads each Node type, by type name (filled by the area modules).
NODE_SPECS: dict[str, NodeSpec[Any]] = {}


@strawberry.interface(description="An object with a global ID, to refetch it with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="The global ID of the object.")


def register(type_name: str, spec: NodeSpec[N]) -> NodeSpec[N]:
    NODE_SPECS[type_name] = spec
    return spec


async def load_node(info: Info, global_id: str) -> Node | None:
    """The object behind a global ID, if the caller may see it; ``None`` otherwise."""
    parsed = ids.parse(global_id)
    if parsed is None or parsed[0] not in NODE_SPECS:
        return None
    node: Node | None = await info.context.loaders.node(NODE_SPECS[parsed[0]]).load(parsed[1])
    return node


async def load_typed(info: Info, global_id: str, type_name: str, spec: NodeSpec[N]) -> N | None:
    """The object behind a global ID of ``type_name``; ``None`` for any other id."""
    parsed = ids.parse(global_id)
    if parsed is None or parsed[0] != type_name:
        return None
    return await info.context.loaders.node(spec).load(parsed[1])


async def load_by_id(info: Info, spec: NodeSpec[N], id_: uuid.UUID | None) -> N | None:
    if id_ is None:
        return None
    return await info.context.loaders.node(spec).load(id_)


async def load_required(info: Info, spec: NodeSpec[N], id_: uuid.UUID) -> N:
    """A record a visible row refers to: its foreign key and workspace make it visible too."""
    found = await info.context.loaders.node(spec).load(id_)
    assert found is not None, "a record a visible row refers to is visible"
    return found


async def paginate(
    info: Info,
    spec: ConnectionSpec[N],
    parent_id: uuid.UUID,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    filter_: Hashable = None,
) -> Connection[N]:
    request = PageRequest.of(first, after, last, before)
    loaders = info.context.loaders
    page = await loaders.page(spec).load(PageKey(parent_id, request, filter_))
    return Connection.of(page, request, loaders.count(spec), CountKey(parent_id, filter_))
