"""The Relay parts of the schema: the ``Node`` interface, ``node``/``nodes`` and paging."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar, cast

import strawberry
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_subfields
from graphql.execution.values import VariableValues
from strawberry.types.field import StrawberryField

from schema import ids
from schema.context import Info
from schema.loading import ConnectionSpec, ListSpec, Loaded, NodeSpec, held
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


def load_by_id(info: Info, spec: NodeSpec[N], id_: uuid.UUID | None) -> Loaded[N | None]:
    """The record ``id_`` names, for a :func:`relation` resolver."""
    if id_ is None:
        return None
    return held(info.context.loaders.node(spec), id_)


def load_required(info: Info, spec: NodeSpec[N], id_: uuid.UUID) -> Loaded[N]:
    """A record a visible row refers to: its foreign key and workspace make it visible too (the
    field is non-null, so graphql-core would refuse a null)."""
    return cast("Loaded[N]", held(info.context.loaders.node(spec), id_))


def load_children(info: Info, spec: ListSpec[N], parent_id: uuid.UUID) -> Loaded[list[N]]:
    """The children of ``parent_id``, for a :func:`relation` resolver."""
    return held(info.context.loaders.children(spec), parent_id)


RELATION = "redthread.relation"


def relation(graphql_type: Any, description: str | None = None) -> Any:
    """A field whose resolver only reads through the request's loaders (:func:`load_by_id`,
    :func:`load_children` …) and returns what they hold (:data:`~schema.loading.Loaded`).

    Its GraphQL type is given here, as the resolver's annotation says ``Loaded[…]``. A page runs
    the relation resolvers its query selects on its items ahead (:func:`prefetch`): each loader
    reads for all the items at once, and the resolvers, when graphql-core calls them, answer
    with plain values, which it completes without a task per item.
    """
    return strawberry.field(graphql_type=graphql_type, description=description, metadata={RELATION: True})


async def prefetch(info: Info, items: Sequence[Any]) -> None:
    """Run the relation resolvers the query selects on the nodes of a connection (``nodes``,
    ``edges { node }``) for every item of its page, and then on what they found, level by level.

    A load that fails is left for its field: the resolver finds the failed future when
    graphql-core calls it, and the error lands where it did without prefetching.
    """
    # Strawberry's Info keeps graphql-core's, which says which fields are selected under this one.
    raw = info._raw_info
    connection_type = _object(raw.return_type)
    if connection_type is None or not items:
        return
    fragments = {name: FragmentDetails(definition) for name, definition in raw.fragments.items()}
    # Strawberry hands resolvers the coerced variables (a dict, whatever graphql-core's types say);
    # directives (@skip, @include) read just those.
    given: Any = raw.variable_values
    variables = given if isinstance(given, VariableValues) else VariableValues(sources={}, coerced=given)

    def selected(type_: GraphQLObjectType, details: list[FieldDetails]) -> list[list[FieldDetails]]:
        collected = collect_subfields(raw.schema, fragments, variables, raw.operation, type_, details)
        return list(collected.grouped_field_set.values())

    async def ahead(type_: GraphQLObjectType, details: list[FieldDetails], objects: Sequence[Any]) -> None:
        work = []
        for field_details in selected(type_, details):
            field = type_.fields.get(field_details[0].node.name.value)
            definition = field.extensions.get("strawberry-definition") if field is not None else None
            if not isinstance(definition, StrawberryField) or not definition.metadata.get(RELATION):
                continue
            assert field is not None
            assert definition.base_resolver is not None
            resolve = cast("Callable[[Any, Info], Any]", definition.base_resolver.wrapped_func)
            values = []
            for item in objects:
                # A resolver that fails here fails again where graphql-core calls it.
                with contextlib.suppress(Exception):
                    values.append(resolve(item, info))
            work.append(below(_object(field.type), field_details, values))
        if work:
            await asyncio.gather(*work, return_exceptions=True)

    async def below(type_: GraphQLObjectType | None, details: list[FieldDetails], values: list[Any]) -> None:
        pending = [value for value in values if isinstance(value, asyncio.Future)]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        if type_ is None:
            return
        found: dict[int, Any] = {}
        for value in values:
            if isinstance(value, asyncio.Future):
                if value.cancelled() or value.exception() is not None:
                    continue
                value = value.result()
            for record in value if isinstance(value, list) else (value,):
                if record is not None:
                    found[id(record)] = record
        if found:
            await ahead(type_, details, list(found.values()))

    nodes: list[FieldDetails] = []
    for field_details in selected(connection_type, [FieldDetails(node, None) for node in raw.field_nodes]):
        name = field_details[0].node.name.value
        if name == "nodes":
            nodes.extend(field_details)
        elif name == "edges":
            edge_type = _object(connection_type.fields["edges"].type)
            assert edge_type is not None
            for edge_details in selected(edge_type, field_details):
                if edge_details[0].node.name.value == "node":
                    nodes.extend(edge_details)
    node_type = _object(connection_type.fields["nodes"].type)
    if nodes and node_type is not None:
        await ahead(node_type, nodes, items)


def _object(type_: Any) -> GraphQLObjectType | None:
    """The object type a field of ``type_`` returns (through lists and non-nulls), if it is one."""
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_ if isinstance(type_, GraphQLObjectType) else None


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
    await prefetch(info, page.nodes)
    return Connection.of(page, request, loaders.count(spec), CountKey(parent_id, filter_))
