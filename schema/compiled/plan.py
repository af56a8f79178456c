"""Compiled plans: a query whose fields map to tables, answered by one SQL statement.

A request's operation is first walked as the executor would walk it, with graphql-core's own
functions — the same field collection (aliases, fragments, ``@skip``/``@include``), the same
coerced arguments — into a *shape*: a hashable tree of what to read, with the request's values
(ids, page sizes, cursors) set apart as parameters. A shape is turned once into one SQL
statement — each root field a sub-select, each relation a correlated sub-select returning a
row or an array of rows — and into the code that writes the rows out as the response's
``data``; both are cached by shape. Leaves are written by the GraphQL types' own
``serialize``, global IDs by :func:`schema.ids.encode`, cursors by
:func:`schema.pagination.encode_cursor`: the bytes the executor writes.

Anything outside what :mod:`schema.compiled.catalog` lists raises :class:`NotCompiled`
(the operation goes to the executor); a request whose arguments the executor would refuse,
or whose data it would answer with an error (a missing required row), raises
:class:`Fallback`, and the executor answers it with its own error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from cachetools import LRUCache
from graphql import (
    REMOVE,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.collect_fields import (
    CollectedFields,
    FieldDetails,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Enum,
    FromClause,
    Table,
    Text,
    Uuid,
    any_,
    bindparam,
    func,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.util import ClauseAdapter
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.utils.str_converters import to_camel_case

from domain.scope import Scope
from schema import ids
from schema.compiled.catalog import RECORDS, ROOTS, Many, One, Pages, Record
from schema.errors import QueryError
from schema.loading import _check_cursor
from schema.pagination import PageRequest, encode_cursor
from schema.relay import NODE_SPECS

#: Callers who see their workspaces (members, API keys, demo visitors), as :meth:`Planner.warm`
#: compiles for them.
_WORKSPACES = Scope.of()
_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]
#: Shapes compiled at most (each a statement and its writer, a few kB).
_CACHED_SHAPES = 2_000


class NotCompiled(Exception):
    """The operation selects something a plan cannot read: the executor runs it."""


class Fallback(Exception):
    """This request is for the executor: it refuses an argument, or the data holds a case only it
    answers (a required row missing)."""


# -- the shape of a request ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leaf:
    key: str
    column: str
    serialize: Callable[[Any], Any]
    enum: type | None
    nullable: bool


@dataclass(frozen=True, slots=True)
class Const:
    key: str
    value: Any


@dataclass(frozen=True, slots=True)
class GlobalId:
    key: str
    type_name: str


@dataclass(frozen=True, slots=True)
class Obj:
    """A record named by a column of its parent (``via``), or, at the root, by a parameter."""

    key: str
    type_name: str
    fields: tuple[Any, ...]
    nullable: bool
    via: str | None = None
    param: int | None = None


@dataclass(frozen=True, slots=True)
class Children:
    key: str
    type_name: str
    relation: Many
    fields: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class PageOf:
    """A connection: one read of the page for ``edges { node }`` (``fields``) and ``nodes``
    (``node_fields``), which may select different fields."""

    key: str
    relation: Pages
    fields: tuple[Any, ...]
    node_fields: tuple[Any, ...]
    parts: tuple[Any, ...]
    """What the connection answers: ("edges", key, parts) ("nodes", key) ("pageInfo", key, parts)
    ("totalCount", key) or a Const."""
    forward: bool
    size: int
    cursor: tuple[int, ...] | None
    counted: bool


@dataclass(slots=True)
class Request:
    """One request of an operation: its shape, and the values of the shape's parameters."""

    roots: tuple[Any, ...]
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDetails]
    values: VariableValues
    params: list[Any] = field(default_factory=list)
    #: Whether each root's type is known: always, but for a widest request's ``node``.
    typed: bool = True

    def param(self, value: Any) -> int:
        self.params.append(value)
        return len(self.params) - 1


class Planner:
    """Plans requests of the operations of one schema."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._compiled: LRUCache[tuple[Any, ...], Compiled] = LRUCache(maxsize=_CACHED_SHAPES)
        self._plain: dict[str, dict[str, str]] = {name: _plain_fields(schema, name) for name in RECORDS}

    # -- one request ----------------------------------------------------------------------

    def leaves(self, type_name: str) -> list[str]:
        """The fields of a compilable type that a plan reads from its columns."""
        return ["id", *self._plain[type_name]]

    def request(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        inputs: dict[str, Any] | None,
        *,
        widest: bool = False,
    ) -> Request:
        """The shape of one request of ``operation`` and its parameters. ``widest`` walks the
        operation without its variables' values instead: arguments given by variables are left
        out, a root's id is a placeholder, and ``node`` reads each type its id could name
        (:meth:`verdicts`, :meth:`warm`)."""
        coerced: VariableValues | list[GraphQLError]
        if widest:
            coerced = VariableValues(sources={}, coerced={})
        else:
            coerced = get_variable_values(self.schema, operation.variable_definitions or (), inputs or {})
        if isinstance(coerced, list):
            raise Fallback("variables")
        request = Request(
            (),
            operation,
            {name: FragmentDetails(definition) for name, definition in fragments.items()},
            coerced,
        )
        query_type = self.schema.query_type
        assert query_type is not None
        roots: list[Any] = []
        collected = collect_fields(self.schema, request.fragments, coerced, query_type, operation)
        for key, nodes in _grouped(collected).items():
            name = nodes[0].name.value
            if name == "__typename":
                roots.append(Const(key, query_type.name))
                continue
            if name not in ROOTS:
                raise NotCompiled(name)
            definition = query_type.fields[name]
            if widest:
                wanted = ROOTS[name]
                if wanted is None:
                    request.typed = False
                    for type_name in RECORDS:
                        self._object(cast(GraphQLObjectType, self.schema.get_type(type_name)), nodes, request)
                    continue
                fields = self._object(cast(GraphQLObjectType, self.schema.get_type(wanted)), nodes, request)
                roots.append(Obj(key, wanted, fields, True, param=request.param(None)))
                continue
            args = get_argument_values(definition, nodes[0], coerced)
            if not isinstance(args.get("id"), str):
                raise Fallback("no id")
            parsed = ids.parse(args["id"])
            wanted = ROOTS[name]
            if parsed is None or (wanted is not None and parsed[0] != wanted):
                roots.append(Const(key, None))
                continue
            type_name, id_ = parsed
            if type_name not in RECORDS:
                if wanted is None and type_name not in NODE_SPECS:
                    roots.append(Const(key, None))
                    continue
                raise Fallback(f"node of type {type_name}")
            object_type = cast(GraphQLObjectType, self.schema.get_type(type_name))
            fields = self._object(object_type, nodes, request)
            roots.append(Obj(key, type_name, fields, True, param=request.param(id_)))
        request.roots = tuple(roots)
        return request

    def verdicts(self, document: DocumentNode) -> dict[str | None, str | None]:
        """Per operation of ``document`` (by name): why plans cannot answer it — the first field
        they cannot read, or ``mutation`` — or None when they answer it.

        Judged without the values of a request: on the widest selection (every field whose
        ``@skip``/``@include`` a variable decides is in) with the arguments written in the
        document. A request may still go to the executor for its values (a cursor or page size
        the executor refuses, a ``filter`` given in a variable); a request that leaves a field
        out may compile when the widest selection does not.
        """
        return {
            name: request if isinstance(request, str) else None for name, request in self._widest(document)
        }

    def warm(self, document: DocumentNode) -> int:
        """Compile ahead, for callers who see their workspaces, the widest shape of each query
        of ``document`` a plan answers whose root fields name their type (``strategy``,
        ``contentItem``; not ``node``): the shape of its requests that include every field a
        variable decides, give no cursor and leave the page sizes given by variables to their
        defaults. Other requests compile their shape when they first come. How many were."""
        warmed = 0
        for _, request in self._widest(document):
            if isinstance(request, Request) and request.typed:
                self.compiled(request, _WORKSPACES)
                warmed += 1
        return warmed

    def _widest(self, document: DocumentNode) -> Iterator[tuple[str | None, Request | str]]:
        """Each operation's widest request, or why plans cannot answer it."""
        widest = visit(document, _WithoutConditions())
        fragments = {d.name.value: d for d in widest.definitions if isinstance(d, FragmentDefinitionNode)}
        for operation in widest.definitions:
            if not isinstance(operation, OperationDefinitionNode):
                continue
            name = operation.name.value if operation.name is not None else None
            if operation.operation is not OperationType.QUERY:
                yield name, operation.operation.value
                continue
            try:
                yield name, self.request(operation, fragments, None, widest=True)
            except (NotCompiled, Fallback) as reason:
                yield name, str(reason)

    def _object(
        self, type_: GraphQLObjectType, nodes: Sequence[FieldNode], request: Request
    ) -> tuple[Any, ...]:
        record = RECORDS.get(type_.name)
        if record is None:
            raise NotCompiled(type_.name)
        plain = self._plain[type_.name]
        fields: list[Any] = []
        for key, field_nodes in self._collect(type_, nodes, request).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                fields.append(Const(key, type_.name))
            elif name == "id":
                fields.append(GlobalId(key, type_.name))
            elif name in plain:
                fields.append(_leaf(key, type_.fields[name].type, record, plain[name]))
            elif name in record.relations:
                fields.append(self._relation(key, type_, record.relations[name], field_nodes, request))
            else:
                raise NotCompiled(f"{type_.name}.{name}")
        return tuple(fields)

    def _relation(
        self,
        key: str,
        parent: GraphQLObjectType,
        relation: Any,
        nodes: Sequence[FieldNode],
        request: Request,
    ) -> Any:
        definition = parent.fields[nodes[0].name.value]
        target = cast(GraphQLObjectType, self.schema.get_type(relation.type_name))
        if isinstance(relation, One):
            nullable = not isinstance(definition.type, GraphQLNonNull)
            return Obj(
                key, relation.type_name, self._object(target, nodes, request), nullable, via=relation.via
            )
        if isinstance(relation, Many):
            return Children(key, relation.type_name, relation, self._object(target, nodes, request))
        assert isinstance(relation, Pages)
        args = get_argument_values(definition, nodes[0], request.values)
        if args.get("filter") is not None or args.get("orderBy", args.get("order_by")) is not None:
            raise Fallback("filtered or ordered connection")
        try:
            page = PageRequest.of(args.get("first"), args.get("after"), args.get("last"), args.get("before"))
            if page.cursor is not None:
                _check_cursor(page.cursor, relation.spec.order)
        except QueryError as error:
            raise Fallback(str(error)) from error
        connection_type = _named(definition.type)
        assert isinstance(connection_type, GraphQLObjectType)
        edge_nodes: list[FieldNode] = []
        node_nodes: list[FieldNode] = []
        parts, counted = self._connection_parts(connection_type, nodes, request, edge_nodes, node_nodes)
        fields = self._object(target, edge_nodes, request) if edge_nodes else ()
        node_fields = self._object(target, node_nodes, request) if node_nodes else ()
        cursor = None if page.cursor is None else tuple(request.param(value) for value in page.cursor)
        return PageOf(
            key,
            relation,
            fields,
            node_fields,
            parts,
            page.forward,
            page.size,
            cursor,
            counted,
        )

    def _connection_parts(
        self,
        connection: GraphQLObjectType,
        nodes: Sequence[FieldNode],
        request: Request,
        edge_nodes: list[FieldNode],
        node_nodes: list[FieldNode],
    ) -> tuple[tuple[Any, ...], bool]:
        parts: list[Any] = []
        counted = False
        for key, field_nodes in self._collect(connection, nodes, request).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                parts.append(Const(key, connection.name))
            elif name == "nodes":
                node_nodes.extend(field_nodes)
                parts.append(("nodes", key))
            elif name == "totalCount":
                counted = True
                parts.append(("totalCount", key))
            elif name == "pageInfo":
                info_type = _named(connection.fields[name].type)
                assert isinstance(info_type, GraphQLObjectType)
                info = tuple(
                    Const(k, info_type.name) if ns[0].name.value == "__typename" else (ns[0].name.value, k)
                    for k, ns in self._collect(info_type, field_nodes, request).items()
                )
                parts.append(("pageInfo", key, info))
            elif name == "edges":
                edge_type = _named(connection.fields[name].type)
                assert isinstance(edge_type, GraphQLObjectType)
                edge: list[Any] = []
                for k, ns in self._collect(edge_type, field_nodes, request).items():
                    edge_field = ns[0].name.value
                    if edge_field == "__typename":
                        edge.append(Const(k, edge_type.name))
                    elif edge_field == "cursor":
                        edge.append(("cursor", k))
                    else:
                        edge_nodes.extend(ns)
                        edge.append(("node", k))
                parts.append(("edges", key, tuple(edge)))
            else:
                raise NotCompiled(f"{connection.name}.{name}")
        return tuple(parts), counted

    def _collect(
        self, type_: GraphQLObjectType, nodes: Sequence[FieldNode], request: Request
    ) -> dict[str, list[FieldNode]]:
        """The subfields of ``nodes`` by response key: graphql-core's own collection, as the
        executor groups them (aliases, fragments, ``@skip``/``@include``)."""
        details = [FieldDetails(node, None) for node in nodes]
        return _grouped(
            collect_subfields(
                self.schema, request.fragments, request.values, request.operation, type_, details
            )
        )

    # -- compiling a shape ------------------------------------------------------------------

    @property
    def shapes(self) -> int:
        """How many shapes are compiled (and kept)."""
        return len(self._compiled)

    def compiled(self, request: Request, scope: Scope) -> Compiled:
        key = (request.roots, scope.is_everything)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = _compile(request.roots, scope.is_everything)
        return found


class _WithoutConditions(Visitor):
    """Takes out of a document the ``@skip`` and ``@include`` that a variable decides: its
    widest selection (the ones written with ``true`` or ``false`` stay and count)."""

    def enter_directive(self, node: DirectiveNode, *_: Any) -> Any:
        conditional = node.name.value in ("skip", "include")
        by_variable = any(isinstance(argument.value, VariableNode) for argument in node.arguments or ())
        return REMOVE if conditional and by_variable else None


def _grouped(collected: CollectedFields) -> dict[str, list[FieldNode]]:
    grouped: dict[str, list[FieldNode]] = {}
    for key, details in collected.grouped_field_set.items():
        if any(d.defer_usage is not None or d.fragment_variable_values is not None for d in details):
            raise NotCompiled("@defer or fragment arguments")
        grouped[key] = [d.node for d in details]
    return grouped


def _nullable(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _named(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _plain_fields(schema: GraphQLSchema, type_name: str) -> dict[str, str]:
    """The fields of a type without a resolver, by GraphQL name: their column."""
    graphql_type = schema.get_type(type_name)
    assert isinstance(graphql_type, GraphQLObjectType)
    definition = graphql_type.extensions.get("strawberry-definition")
    assert isinstance(definition, StrawberryObjectDefinition)
    table = RECORDS[type_name].table
    plain: dict[str, str] = {}
    for strawberry_field in definition.fields:
        name = strawberry_field.graphql_name or to_camel_case(strawberry_field.python_name)
        if (
            strawberry_field.base_resolver is None
            and name in graphql_type.fields
            and not isinstance(_nullable(graphql_type.fields[name].type), GraphQLList)
            and name != "id"
            and strawberry_field.python_name in table.c
        ):
            plain[name] = strawberry_field.python_name
    return plain


def _leaf(key: str, type_: GraphQLOutputType, record: Record, column: str) -> Leaf:
    named = _named(type_)
    if not isinstance(named, GraphQLScalarType | GraphQLEnumType):
        raise NotCompiled(key)
    column_type = record.table.c[column].type
    enum = column_type.enum_class if isinstance(column_type, Enum) else None
    return Leaf(key, column, named.serialize, enum, not isinstance(type_, GraphQLNonNull))


# -- SQL and writers ------------------------------------------------------------------------

Writer = Callable[[Sequence[Any]], Any]
#: Writes one field of a row's values into the response object.
Step = Callable[[Sequence[Any], dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Compiled:
    """One statement for a shape (None: the answer needs no read), and the writer of its row."""

    sql: str | None
    order: tuple[str, ...]
    """The names of the statement's parameters, in order: ``p<i>`` (a request's values) or
    ``workspaces``."""
    write: Callable[[Sequence[Any] | None], dict[str, Any]]
    constants: Mapping[str, Any] = field(default_factory=dict)
    """The values of the other parameters of the statement (page sizes)."""

    def parameters(self, request: Request, scope: Scope) -> tuple[Any, ...]:
        values: list[Any] = []
        for name in self.order:
            if name == "workspaces":
                values.append(sorted(scope.workspace_ids or ()))
            elif name in self.constants:
                values.append(self.constants[name])
            else:
                values.append(request.params[int(name[1:])])
        return tuple(values)


def _compile(roots: tuple[Any, ...], everything: bool) -> Compiled:
    builder = _Builder(everything)
    columns: list[ColumnElement[Any]] = []
    writers: list[tuple[str, Callable[[Sequence[Any]], Any] | None, Any]] = []
    for root in roots:
        if isinstance(root, Const):
            writers.append((root.key, None, root.value))
            continue
        record = RECORDS[root.type_name]
        alias = record.table.alias()
        exprs, write = builder.row(root.type_name, alias, root.fields)
        # An array of the one row: asyncpg learns the types of nested arrays of rows from the
        # statement's own columns, and a row holding such an array is not one of them.
        columns.append(
            select(func.array_agg(func.row(*exprs)))
            .select_from(alias)
            .where(alias.c.id == bindparam(f"p{root.param}", type_=Uuid), *builder.visible(record, alias))
            .scalar_subquery()
        )
        writers.append((root.key, write, len(columns) - 1))

    def write_data(row: Sequence[Any] | None) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key, write, value in writers:
            if write is None:
                data[key] = value
            else:
                found = row[value] if row is not None else None
                data[key] = write(found[0]) if found else None
        return data

    if not columns:
        return Compiled(None, (), write_data)
    compiled = select(*columns).compile(dialect=_DIALECT)
    order = tuple(compiled.positiontup or ())
    constants = {
        name: value
        for name, value in compiled.params.items()
        if name != "workspaces" and not _request_param(name)
    }
    return Compiled(str(compiled), order, write_data, constants)


def _request_param(name: str) -> bool:
    return name.startswith("p") and name[1:].isdigit()


class _Builder:
    def __init__(self, everything: bool) -> None:
        self.everything = everything

    def visible(self, record: Record, alias: FromClause) -> list[ColumnElement[bool]]:
        if self.everything:
            return []
        tenant = alias.c[record.tenant_column]
        return [tenant == any_(bindparam("workspaces", type_=ARRAY(Uuid)))]

    def row(
        self, type_name: str, alias: FromClause, fields: tuple[Any, ...]
    ) -> tuple[list[ColumnElement[Any]], Writer]:
        """What to select of one row of ``alias`` for ``fields``, and the writer of the selected values."""
        exprs: list[ColumnElement[Any]] = []
        steps: list[Callable[[Sequence[Any], dict[str, Any]], None]] = []
        for selected in fields:
            steps.append(self._step(type_name, alias, selected, exprs))

        def write(values: Sequence[Any]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for step in steps:
                step(values, out)
            return out

        return exprs, write

    def _step(
        self, type_name: str, alias: FromClause, selected: Any, exprs: list[ColumnElement[Any]]
    ) -> Callable[[Sequence[Any], dict[str, Any]], None]:
        key = selected.key
        if isinstance(selected, Const):
            value = selected.value
            return lambda _values, out: out.__setitem__(key, value)
        position = len(exprs)
        if isinstance(selected, GlobalId):
            exprs.append(alias.c.id)
            name = selected.type_name
            return lambda values, out: out.__setitem__(key, ids.encode(name, values[position]))
        if isinstance(selected, Leaf):
            column = alias.c[selected.column]
            exprs.append(column.cast(Text) if selected.enum is not None else column)
            return _leaf_step(key, position, selected)
        if isinstance(selected, Obj):
            return self._one(alias, selected, exprs)
        if isinstance(selected, Children):
            return self._children(alias, selected, exprs)
        assert isinstance(selected, PageOf)
        return self._page(alias, selected, exprs)

    def _one(self, parent: FromClause, selected: Obj, exprs: list[ColumnElement[Any]]) -> Step:
        record = RECORDS[selected.type_name]
        alias = record.table.alias()
        inner, write = self.row(selected.type_name, alias, selected.fields)
        assert selected.via is not None
        position = len(exprs)
        exprs.append(
            select(func.row(*inner))
            .select_from(alias)
            .where(alias.c.id == parent.c[selected.via], *self.visible(record, alias))
            .scalar_subquery()
        )
        key, nullable = selected.key, selected.nullable

        def step(values: Sequence[Any], out: dict[str, Any]) -> None:
            found = values[position]
            if found is None and not nullable:
                raise Fallback("a required record is missing")
            out[key] = None if found is None else write(found)

        return step

    def _children(self, parent: FromClause, selected: Children, exprs: list[ColumnElement[Any]]) -> Step:
        spec = selected.relation.spec
        record = RECORDS[selected.type_name]
        alias = record.table.alias()
        adapt = ClauseAdapter(alias)
        inner, write = self.row(selected.type_name, alias, selected.fields)
        order = [adapt.traverse(expr) for expr in spec.order]
        if spec.link is not None:
            # The parent's links first, then the records they name by primary key: as a join,
            # PostgreSQL may walk every record of the workspace and probe the links for each
            # (it did for a strategy's KPIs while the kpi table had no statistics yet).
            link = cast(Table, spec.parent.table).alias()
            adapt_link = ClauseAdapter(link)
            named = (
                select(adapt_link.traverse(spec.link))
                .where(adapt_link.traverse(spec.parent) == parent.c.id)
                .correlate_except(link)
                .scalar_subquery()
            )
            belongs = alias.c.id == any_(func.array(named))
        else:
            belongs = adapt.traverse(spec.parent) == parent.c.id
        position = len(exprs)
        exprs.append(
            select(func.array_agg(aggregate_order_by(func.row(*inner), *order)))
            .select_from(alias)
            .where(belongs, *self.visible(record, alias))
            .scalar_subquery()
        )
        key = selected.key

        def step(values: Sequence[Any], out: dict[str, Any]) -> None:
            out[key] = [write(found) for found in values[position] or ()]

        return step

    def _page(self, parent: FromClause, selected: PageOf, exprs: list[ColumnElement[Any]]) -> Step:
        spec = selected.relation.spec
        record = RECORDS[selected.relation.type_name]
        table = record.table
        if spec.source is not table:
            raise NotCompiled("a connection through a link table")
        rows = table.alias()
        adapt = ClauseAdapter(rows)
        order = [adapt.traverse(expr) for expr in spec.order]
        ascending = selected.forward != spec.descending
        conditions = [adapt.traverse(spec.parent) == parent.c.id, *self.visible(record, rows)]
        if selected.cursor is not None:
            position_ = tuple_(*order)
            cursor = tuple_(
                *(bindparam(f"p{i}", type_=expr.type) for i, expr in zip(selected.cursor, order, strict=True))
            )
            conditions.append(position_ > cursor if ascending else position_ < cursor)
        page = (
            select(rows)
            .where(*conditions)
            .correlate_except(rows)
            .order_by(*(order if ascending else [expr.desc() for expr in order]))
            .limit(selected.size + 1)
            .lateral("page")
        )
        adapt_page = ClauseAdapter(page)
        inner, write = self.row(selected.relation.type_name, page, selected.fields)
        node_inner, write_node = self.row(selected.relation.type_name, page, selected.node_fields)
        keys = [adapt_page.traverse(expr) for expr in order]
        sort = keys if ascending else [expr.desc() for expr in keys]
        position = len(exprs)
        exprs.append(
            select(func.array_agg(aggregate_order_by(func.row(*inner, *node_inner, *keys), *sort)))
            .select_from(page)
            .scalar_subquery()
        )
        count_position = None
        if selected.counted:
            counted = table.alias()
            adapt_count = ClauseAdapter(counted)
            count_position = len(exprs)
            exprs.append(
                select(func.count())
                .select_from(counted)
                .where(adapt_count.traverse(spec.parent) == parent.c.id, *self.visible(record, counted))
                .scalar_subquery()
            )
        width, node_width = len(inner), len(inner) + len(node_inner)
        size, forward, has_cursor, parts = (
            selected.size,
            selected.forward,
            selected.cursor is not None,
            selected.parts,
        )

        with_edges = any(not isinstance(part, Const) and part[0] == "edges" for part in parts)
        with_nodes = any(not isinstance(part, Const) and part[0] == "nodes" for part in parts)
        # Cursors cost a JSON and a base64 encoding each: written only where they are asked for.
        every_cursor = any(
            not isinstance(part, Const)
            and part[0] == "edges"
            and any(not isinstance(edge, Const) and edge[0] == "cursor" for edge in part[2])
            for part in parts
        )

        def step(values: Sequence[Any], out: dict[str, Any]) -> None:
            found = list(values[position] or ())
            has_more = len(found) > size
            found = found[:size]
            if not forward:
                found.reverse()
            edges = [write(row) for row in found] if with_edges else []
            nodes = [write_node(row[width:node_width]) for row in found] if with_nodes else []
            if every_cursor:
                cursors = [encode_cursor(list(row[node_width:])) for row in found]
            elif found:
                # pageInfo's start and end cursors at most.
                first, last = (
                    encode_cursor(list(found[0][node_width:])),
                    encode_cursor(list(found[-1][node_width:])),
                )
                cursors = [first, *[""] * (len(found) - 2), last] if len(found) > 1 else [first]
            else:
                cursors = []
            answer: dict[str, Any] = {}
            for part in parts:
                if isinstance(part, Const):
                    answer[part.key] = part.value
                elif part[0] == "nodes":
                    answer[part[1]] = nodes
                elif part[0] == "totalCount":
                    answer[part[1]] = values[cast(int, count_position)]
                elif part[0] == "pageInfo":
                    answer[part[1]] = _page_info(part[2], cursors, has_more, forward, has_cursor)
                else:
                    answer[part[1]] = [
                        _edge(part[2], cursor, node) for cursor, node in zip(cursors, edges, strict=True)
                    ]
            out[selected.key] = answer

        return step


def _leaf_step(key: str, position: int, leaf: Leaf) -> Callable[[Sequence[Any], dict[str, Any]], None]:
    serialize, enum, nullable = leaf.serialize, leaf.enum, leaf.nullable

    def step(values: Sequence[Any], out: dict[str, Any]) -> None:
        value = values[position]
        if value is None:
            if not nullable:
                raise Fallback(f"{key} is null")
            out[key] = None
            return
        out[key] = serialize(enum(value) if enum is not None else value)

    return step


def _edge(parts: tuple[Any, ...], cursor: str, node: dict[str, Any]) -> dict[str, Any]:
    edge: dict[str, Any] = {}
    for part in parts:
        if isinstance(part, Const):
            edge[part.key] = part.value
        elif part[0] == "cursor":
            edge[part[1]] = cursor
        else:
            edge[part[1]] = node
    return edge


def _page_info(
    parts: tuple[Any, ...], cursors: list[str], has_more: bool, forward: bool, has_cursor: bool
) -> dict[str, Any]:
    figures = {
        "hasNextPage": has_more if forward else has_cursor,
        "hasPreviousPage": has_cursor if forward else has_more,
        "startCursor": cursors[0] if cursors else None,
        "endCursor": cursors[-1] if cursors else None,
    }
    info: dict[str, Any] = {}
    for part in parts:
        if isinstance(part, Const):
            info[part.key] = part.value
        else:
            info[part[1]] = figures[part[0]]
    return info
