"""How large an operation may be, checked on its parsed document before it is validated.

The checks need no schema, so they run first: a document that nests fields thirty deep,
repeats one field hundreds of times or strings together thousands of aliases is refused in
one pass over its syntax tree, before validation (whose overlapping-fields rule is quadratic
in the fields sharing a name) or execution spends anything on it. Fragments count where they
are spread; introspection (``__schema``, ``__type``) is not held to the depth limit, so IDEs
and code generators can read the schema.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

#: Root fields of introspection: not held to the depth limit.
INTROSPECTION = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class Limits:
    """The bounds every document is checked against (from the settings)."""

    max_document_bytes: int = 32 * 1024
    max_tokens: int = 3_000
    max_depth: int = 12
    max_aliases: int = 30
    max_directives: int = 50
    max_fragments: int = 50
    #: How often one response name may be selected in one selection set, counting the fields
    #: its inline fragments and fragment spreads merge into it.
    max_repeats: int = 50
    max_cost: int = 5_000


def coded_error(code: str, message: str, **extensions: object) -> GraphQLError:
    """A GraphQL error whose ``extensions.code`` says why."""
    return GraphQLError(message, extensions={"code": code, **extensions})


def check_document(document: DocumentNode, limits: Limits) -> GraphQLError | None:
    """The first bound ``document`` passes, as an error with its code; None when within them all."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if len(fragments) > limits.max_fragments:
        return coded_error(
            "TOO_MANY_FRAGMENTS",
            f"The document defines {len(fragments)} fragments; at most {limits.max_fragments} are allowed.",
        )
    shape = _Shape.of(document, fragments)
    if shape.aliases > limits.max_aliases:
        return coded_error(
            "TOO_MANY_ALIASES",
            f"The document uses {shape.aliases} aliases; at most {limits.max_aliases} are allowed.",
        )
    if shape.directives > limits.max_directives:
        return coded_error(
            "TOO_MANY_DIRECTIVES",
            f"The document uses {shape.directives} directives; at most {limits.max_directives} are allowed.",
        )
    if shape.repeats > limits.max_repeats:
        return coded_error(
            "TOO_MANY_REPEATS",
            f"A selection repeats `{shape.repeated}` {shape.repeats} times; at most {limits.max_repeats}"
            " are allowed.",
        )
    depths = _Depths(fragments)
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode):
            depth = depths.of(operation.selection_set)
            if depth > limits.max_depth:
                return coded_error(
                    "QUERY_TOO_DEEP",
                    f"The operation nests fields {depth} deep; at most {limits.max_depth} are allowed.",
                )
    return None


@dataclass
class _Shape:
    """Aliases, directives and repeated response names, counted over the document's text."""

    fragments: Mapping[str, FragmentDefinitionNode]
    aliases: int = 0
    directives: int = 0
    repeats: int = 0
    repeated: str = ""
    #: The response names each fragment merges into the selection it is spread in.
    spread_names: dict[str, Counter[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, document: DocumentNode, fragments: Mapping[str, FragmentDefinitionNode]) -> _Shape:
        shape = cls(fragments)
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
                shape._directives(definition.directives)
                shape._selection_set(definition.selection_set)
        return shape

    def _directives(self, directives: Iterable[DirectiveNode] | None) -> None:
        self.directives += len(tuple(directives or ()))

    def _selection_set(self, selection_set: SelectionSetNode | None) -> None:
        if selection_set is None:
            return
        names: Counter[str] = Counter()
        self._collect(selection_set, names)
        names.update(_merged_names(selection_set, self.fragments, self.spread_names, direct=False))
        if names:
            name, count = names.most_common(1)[0]
            if count > self.repeats:
                self.repeats, self.repeated = count, name

    def _collect(self, selection_set: SelectionSetNode, names: Counter[str]) -> None:
        """Count the selection set's fields (those of inline fragments too, which merge into it)."""
        for selection in selection_set.selections:
            self._directives(selection.directives)
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    self.aliases += 1
                names[(selection.alias or selection.name).value] += 1
                self._selection_set(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                self._collect(selection.selection_set, names)


def _merged_names(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    known: dict[str, Counter[str]],
    *,
    direct: bool = True,
) -> Counter[str]:
    """The response names fragment spreads merge into ``selection_set`` (with its own fields and
    those of its inline fragments when ``direct``); each fragment is counted once and kept."""
    names: Counter[str] = Counter()
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if direct:
                names[(selection.alias or selection.name).value] += 1
        elif isinstance(selection, InlineFragmentNode):
            names.update(_merged_names(selection.selection_set, fragments, known, direct=direct))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name not in known:
                known[name] = Counter()  # a cycle (refused by validation) merges nothing
                fragment = fragments.get(name)
                if fragment is not None:
                    known[name] = _merged_names(fragment.selection_set, fragments, known)
            names.update(known[name])
    return names


@dataclass
class _Depths:
    """How deep selection sets nest, with fragments expanded where they are spread."""

    fragments: Mapping[str, FragmentDefinitionNode]
    known: dict[str, int] = field(default_factory=dict)
    visiting: set[str] = field(default_factory=set)

    def of(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value not in INTROSPECTION:
                    deepest = max(deepest, 1 + self.of(selection.selection_set))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.of(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self._fragment(selection.name.value))
        return deepest

    def _fragment(self, name: str) -> int:
        if name in self.known:
            return self.known[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self.visiting:
            return 0  # validation reports unknown fragments and cycles
        self.visiting.add(name)
        depth = self.of(fragment.selection_set)
        self.visiting.discard(name)
        self.known[name] = depth
        return depth
