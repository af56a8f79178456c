"""Compiled plans answer as the executor does, for any selection over the tables they read.

Every query of the API suite already runs on both paths (:class:`tests.client.GraphQLClient`
sends it to a twin app); here hypothesis draws selections over every type and relation a plan
reads — aliases, repeated fields merged, inline fragments, ``__typename``, ``@skip`` and
``@include``, connections with their edges, nodes, page info and counts — and a few documents
hold what drawing does not reach (named fragments, paging by cursor). The statement log shows
the plan answered in one statement.
"""

from __future__ import annotations

import zlib
from typing import Any

import pytest
from graphql import parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema.build import schema
from schema.compiled.catalog import RECORDS, Many, One, Pages
from schema.compiled.plan import Planner
from tests.api.demo_ids import Demo, load
from tests.client import GraphQLClient
from tests.conftest import StatementLog

pytestmark = pytest.mark.demo

PLANNER = Planner(schema._schema)
DEPTH = 3


@pytest.fixture
async def demo(db: Any, gql: GraphQLClient) -> Demo:
    return await load(db, gql)


def _decorated(text: str, name: str, type_name: str) -> st.SearchStrategy[str]:
    """A field as it is, under an alias, behind a directive, or inside an inline fragment."""
    head, brace, rest = text.partition(" {")
    aliased = text if ":" in head else f"{name}_{zlib.crc32(text.encode()) % 1000}: {text}"
    return st.sampled_from(
        [
            text,
            aliased,
            f"{head} @include(if: $yes){brace}{rest}",
            f"{head} @skip(if: $yes){brace}{rest}",
            f"{head} @include(if: false){brace}{rest}",
            f"... on {type_name} {{ {text} }}",
            f"... @skip(if: $yes) {{ {text} }}",
        ]
    )


def _field(type_name: str, depth: int) -> st.SearchStrategy[str]:
    leaves = [*PLANNER.leaves(type_name), "__typename"]
    leaf = st.sampled_from(leaves).flatmap(lambda name: _decorated(name, name.strip("_"), type_name))
    if depth == 0:
        return leaf
    relations = []
    for name, relation in RECORDS[type_name].relations.items():
        if isinstance(relation, One | Many):
            inner = _selection(relation.type_name, depth - 1)
            relations.append(inner.map(_wrapped(name)))
        elif isinstance(relation, Pages):
            relations.append(_connection(name, relation.type_name, depth - 1))
    related = st.one_of(*relations).flatmap(
        lambda text: _decorated(text, text.split("(")[0].split()[0], type_name)
    )
    return st.one_of(leaf, leaf, related)


def _wrapped(name: str) -> Any:
    return lambda body: f"{name} {{ {body} }}"


def _selection(type_name: str, depth: int) -> st.SearchStrategy[str]:
    return st.lists(_field(type_name, depth), min_size=1, max_size=5).map(" ".join)


def _connection(name: str, type_name: str, depth: int) -> st.SearchStrategy[str]:
    node = _selection(type_name, depth)
    parts = st.lists(
        st.one_of(
            st.just("totalCount"),
            st.just("__typename"),
            node.map(lambda body: f"nodes {{ {body} }}"),
            st.tuples(st.booleans(), node).map(
                lambda edge: f"edges {{ {'cursor ' if edge[0] else ''}node {{ {edge[1]} }} }}"
            ),
            st.sampled_from(
                ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"]
            ).flatmap(lambda first: st.just(f"pageInfo {{ {first} endCursor }}")),
        ),
        min_size=1,
        max_size=4,
    ).map(" ".join)
    size = st.sampled_from(["", "(first: 0)", "(first: 2)", "(last: 3)", "(first: 100)"])
    # A page of another size is another field: it has an alias of its own.
    return st.tuples(size, parts).map(
        lambda c: (
            f"{name}_{zlib.crc32(c[0].encode())}: {name}{c[0]} {{ {c[1]} }}"
            if c[0]
            else f"{name} {{ {c[1]} }}"
        )
    )


ROOT = st.one_of(
    _selection("Strategy", DEPTH).map(lambda body: f"strategy(id: $strategy) {{ {body} }}"),
    _selection("ContentItem", DEPTH).map(lambda body: f"contentItem(id: $item) {{ {body} }}"),
    _selection("ContentItem", DEPTH).map(
        lambda body: f"node(id: $item) {{ __typename ... on ContentItem {{ {body} }} }}"
    ),
    _selection("Strategy", DEPTH).map(
        lambda body: f"other: node(id: $strategy) {{ ... on Strategy {{ {body} }} }}"
    ),
)
VARIABLES = {"$strategy": "$strategy: ID!", "$item": "$item: ID!", "$yes": "$yes: Boolean!"}


def _document(roots: list[str]) -> str:
    body = " ".join(roots)
    declared = ", ".join(declaration for name, declaration in VARIABLES.items() if name in body)
    return f"query({declared}) {{ {body} }}" if declared else f"{{ {body} }}"


DOCUMENT = st.lists(ROOT, min_size=1, max_size=2).map(_document)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_any_selection_over_the_tables_is_answered_as_the_executor_answers_it(
    demo: Demo, gql: GraphQLClient, sql: StatementLog, data: st.DataObject
) -> None:
    document = data.draw(DOCUMENT, label="document")
    item = next(iter(demo.content.values()))
    yes = data.draw(st.booleans(), label="yes")
    sql.reset()
    body = await gql.post(document, strategy=demo.strategy, item=item, yes=yes)  # both paths, compared
    assert "errors" not in body, body["errors"]
    # The plan's one statement (none for ids it need not read).
    assert len(_reads(sql)) <= 1, sql.statements
    # What `redthread documents import` says of such a document.
    assert PLANNER.verdicts(parse(document)) == {None: None}


def _reads(sql: StatementLog) -> list[str]:
    """The statements sent, the sign-in of a caller not yet known aside."""
    return [statement for statement in sql.statements if "FROM member" not in statement]


NAMED_FRAGMENTS = """
query($strategy: ID!, $after: String) {
  strategy(id: $strategy) {
    ...Plan
    again: contentItems(first: 3, after: $after) {
      edges { cursor node { ...Item } }
      pageInfo { hasNextPage }
    }
  }
}
fragment Plan on Strategy { __typename id name status contentItems(first: 2) { edges { node { ...Item } } } }
fragment Item on ContentItem {
  id title
  tactic { ...Named kind }
  kpis { ...Named target }
  ...Named
}
fragment Named on Node { id ... on Tactic { name } ... on Kpi { name } ... on ContentItem { status } }
"""


async def test_named_fragments_and_paging_by_cursor(
    demo: Demo, gql: GraphQLClient, sql: StatementLog
) -> None:
    first = await gql.data(NAMED_FRAGMENTS, strategy=demo.strategy)
    cursor = first["strategy"]["again"]["edges"][-1]["cursor"]
    sql.reset()
    later = await gql.data(NAMED_FRAGMENTS, strategy=demo.strategy, after=cursor)
    assert len(_reads(sql)) == 1
    assert later["strategy"]["again"]["edges"][0]["cursor"] != cursor


async def test_what_a_plan_cannot_read_goes_to_the_executor(
    demo: Demo, gql: GraphQLClient, sql: StatementLog
) -> None:
    """A computed field anywhere sends the operation to the executor, which answers it whole."""
    query = "query($id: ID!) { strategy(id: $id) { name kpis { name progress { status } } } }"
    sql.reset()
    data = await gql.data(query, id=demo.strategy)
    assert all(kpi["progress"]["status"] for kpi in data["strategy"]["kpis"])
    assert len(_reads(sql)) > 1
    assert PLANNER.verdicts(parse(query)) == {None: "Kpi.progress"}


def test_a_document_is_judged_on_its_widest_selection() -> None:
    """Fields a variable may include count; fields written out with `false` do not; each
    operation is judged apart, a mutation never compiles."""
    document = parse(
        """
        query Decided($id: ID!, $with: Boolean!) {
          strategy(id: $id) { name kpis { name progress @include(if: $with) { status } } }
        }
        query Written($id: ID!) {
          strategy(id: $id) { name kpis { name progress @include(if: false) { status } } }
        }
        query Node($id: ID!) { node(id: $id) { id ... on ContentItem { title } ...Health } }
        query Filtered($id: ID!) {
          strategy(id: $id) { contentItems(filter: {statuses: [DRAFT]}) { totalCount } }
        }
        query Viewer { viewer { actor { name } } }
        mutation Remove($id: ID!) { deleteStrategy(input: {id: $id}) { deletedId } }
        fragment Health on Strategy { health { healthy } }
        """
    )
    assert PLANNER.verdicts(document) == {
        "Decided": "Kpi.progress",
        "Written": None,
        "Node": "Strategy.health",
        "Filtered": "filtered or ordered connection",
        "Viewer": "viewer",
        "Remove": "mutation",
    }
