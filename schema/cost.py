"""What an operation costs, computed from its document before anything runs.

The rules (the README has them as a table), in the spirit of Shopify's and GitHub's APIs:

* a field that returns an object costs 1 plus what is selected in it; a scalar, an enum
  and ``__typename`` cost nothing;
* a connection's ``nodes`` and ``edges`` count once per item of the page asked for
  (``first``/``last``, else the default page of 50), and so do plain lists, by the size
  a strategy's lists have in practice (:data:`LIST_SIZES`);
* the computed fields cost what they cost to run (:data:`FIELD_COSTS`): the strategy's
  health, dashboard and written document count every content item of the strategy;
* a mutation costs :data:`MUTATION_COST` plus what its payload selects;
* a plain list inside two other plain lists counts as its largest (:data:`LIST_MAX`), so chains
  of lists (a strategy's KPIs' audiences' KPIs …) cannot fan out unseen;
* introspection costs :data:`INTROSPECTION_COST` (an IDE asks once; a document that asks it
  many times is refused).

The cost is static: it depends on the document and the variables, never on the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.type.definition import get_nullable_type

from schema.pagination import PAGE_DEFAULT, PAGE_MAX

#: Fields whose work is more than reading a row: their own cost, before their selection.
FIELD_COSTS: Mapping[tuple[str, str], int] = {
    ("Strategy", "health"): 1_500,
    ("Strategy", "dashboard"): 1_500,
    ("Strategy", "document"): 1_500,
    ("Kpi", "progress"): 10,
    ("Kpi", "smart"): 10,
}
#: How many items a plain list is counted as: the sizes the method gives a strategy (2–3
#: tactics, a handful of audiences, channels and KPIs). Lists computed with their parent (a
#: payload's user errors, an activity's changes, a report's rows) count once.
LIST_SIZES: Mapping[tuple[str, str], int] = {
    ("Strategy", "tactics"): 3,
    ("Strategy", "audiences"): 5,
    ("Strategy", "channels"): 5,
    ("Strategy", "kpis"): 6,
    ("Tactic", "kpis"): 3,
    ("Kpi", "tactics"): 2,
    ("Kpi", "audiences"): 3,
    ("Audience", "channels"): 3,
    ("Audience", "kpis"): 3,
    ("StrategyChannel", "audiences"): 3,
    ("Channel", "strategyChannels"): 2,
    ("ContentItem", "kpis"): 3,
    ("ContentItem", "contributingKpis"): 2,
    ("ContentItem", "audiences"): 2,
    ("HealthFinding", "nodes"): 50,
    ("MapContentItemsPayload", "contentItems"): PAGE_MAX,
}
MUTATION_COST = 10
#: The most items a plain list holds (a strategy's KPIs and audiences).
LIST_MAX = 50
INTROSPECTION_COST = 1_000
#: The lists of a connection type that hold its page.
PAGE_LISTS = frozenset({"nodes", "edges"})


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
) -> int:
    """The cost of ``operation`` (of a validated document) with these variables."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    given = dict(variables or {})
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if given.get(name) is None and definition.default_value is not None:
            given[name] = value_from_ast_untyped(definition.default_value)
    counter = _Counter(schema, fragments, given)
    cost = counter.selection_set(root, operation.selection_set, page=1)
    if operation.operation is OperationType.MUTATION:
        cost += MUTATION_COST * counter.root_fields(operation.selection_set)
    return cost


@dataclass
class _Counter:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    known: dict[tuple[str, int], int] = field(default_factory=dict)
    #: How many plain lists enclose the field being counted.
    lists: int = 0

    def root_fields(self, selection_set: SelectionSetNode, seen: frozenset[str] = frozenset()) -> int:
        """The fields of a selection set, those its fragments bring in included."""
        count = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                count += 1
            elif isinstance(selection, InlineFragmentNode):
                count += self.root_fields(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    count += self.root_fields(fragment.selection_set, seen | {selection.name.value})
        return count

    def selection_set(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None, page: int
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(inner or parent, selection.selection_set, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, page)
        return total

    def fragment(self, name: str, page: int) -> int:
        key = (name, page)
        if key not in self.known:
            self.known[key] = 0  # a cycle (refused by validation) counts nothing
            fragment = self.fragments.get(name)
            inner = self.schema.get_type(fragment.type_condition.name.value) if fragment else None
            if fragment is not None and inner is not None:
                self.known[key] = self.selection_set(inner, fragment.selection_set, page)
        return self.known[key]

    def field(self, parent: GraphQLNamedType, node: FieldNode, page: int) -> int:
        name = node.name.value
        if name in ("__schema", "__type"):
            return INTROSPECTION_COST
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) or name not in parent.fields:
            return 0
        returns = parent.fields[name].type
        named = get_named_type(returns)
        own = FIELD_COSTS.get((parent.name, name), 0)
        if is_leaf_type(named):
            return own
        if named.name.endswith("Connection"):
            return own + 1 + self.selection_set(named, node.selection_set, self._page(node))
        if not is_list_type(get_nullable_type(returns)):
            return own + 1 + self.selection_set(named, node.selection_set, 1)
        if name in PAGE_LISTS and parent.name.endswith("Connection"):
            return own + page * (1 + self.selection_set(named, node.selection_set, 1))
        times = LIST_MAX if self.lists >= 2 else self._list(parent, node)
        self.lists += 1
        try:
            return own + times * (1 + self.selection_set(named, node.selection_set, 1))
        finally:
            self.lists -= 1

    def _list(self, parent: GraphQLNamedType, node: FieldNode) -> int:
        if parent.name == "Query" and node.name.value == "nodes":
            ids = self._argument(node, "ids")
            return len(ids) if isinstance(ids, list) else PAGE_MAX
        return LIST_SIZES.get((parent.name, node.name.value), 1)

    def _page(self, node: FieldNode) -> int:
        for name in ("first", "last"):
            size = self._argument(node, name)
            if isinstance(size, float) and size.is_integer():
                size = int(size)
            if isinstance(size, int) and not isinstance(size, bool):
                return max(0, min(size, PAGE_MAX))
        return PAGE_DEFAULT

    def _argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                return self.variables.get(value.name.value)
            if isinstance(value, IntValueNode):
                return int(value.value)
            if hasattr(value, "values"):
                return list(value.values)
        return None
