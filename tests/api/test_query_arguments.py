"""Query arguments the server cannot use are GraphQL errors with a code, never "Unexpected error.".

Every argument of every query field is read from the schema (inside input objects such as
``filter`` too), so a new one is covered without being named here:

* a text (``String``, ``ID``) holding a NUL character or half of a surrogate pair;
* a time (``DateTime``) that overflows when turned to UTC, or a day (``Date``) far outside the
  accepted range: ``OUT_OF_RANGE``, as mutations refuse them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from schema.pagination import encode_cursor
from tests.api.builders import full_graph
from tests.api.helpers import content_item
from tests.api.world import GRAPHQL
from tests.client import GraphQLClient

# -- every argument of every query field -----------------------------------------------------------


@dataclass(frozen=True)
class Argument:
    """A scalar inside an argument of a query field: ``Strategy.contentItems(filter.plannedFrom)``."""

    type_name: str
    field: str
    path: tuple[str, ...]
    scalar: str
    listed: bool

    def __str__(self) -> str:
        return f"{self.type_name}.{self.field}({'.'.join(self.path)})"


def _walk(owner: tuple[str, str], path: tuple[str, ...], kind: GraphQLInputType) -> Iterator[Argument]:
    listed = False
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        listed = listed or isinstance(kind, GraphQLList)
        kind = kind.of_type
    if isinstance(kind, GraphQLInputObjectType):
        for name, field in kind.fields.items():
            yield from _walk(owner, (*path, name), field.type)
    elif isinstance(kind, GraphQLScalarType):
        yield Argument(*owner, path, kind.name, listed)


def arguments() -> list[Argument]:
    found: list[Argument] = []
    for type_name, kind in GRAPHQL.type_map.items():
        if (
            type_name.startswith("__")
            or kind is GRAPHQL.mutation_type
            or not isinstance(kind, GraphQLObjectType)
        ):
            continue
        for field_name, field in kind.fields.items():
            for argument_name, argument in field.args.items():
                found.extend(_walk((type_name, field_name), (argument_name,), argument.type))
    return found


ARGUMENTS = arguments()
TEXTS = [argument for argument in ARGUMENTS if argument.scalar in ("String", "ID")]
TIMES = [argument for argument in ARGUMENTS if argument.scalar in ("Date", "DateTime")]


def test_the_arguments_are_read_from_the_schema() -> None:
    named = {str(argument) for argument in ARGUMENTS}
    assert {
        "Strategy.contentItems(filter.plannedFrom)",
        "Kpi.contentItems(filter.plannedUntil)",
        "Strategy.contentItems(filter.tacticIds)",
        "Query.node(id)",
        "Kpi.progress(asOf)",
        "Viewer.myOpenWork(after)",
    } <= named
    assert len(TIMES) >= 14


class Reach:
    """How to query any field of the schema's readable types on a test graph."""

    def __init__(self, graph: dict[str, Any]) -> None:
        self.ids = {
            "Organization": graph["organization"],
            "Workspace": graph["workspace"],
            "Strategy": graph["strategy"],
            "Tactic": graph["tactics"][0],
            "Audience": graph["audience"],
            "Channel": graph["channel"],
            "Kpi": graph["kpis"][0],
            "ContentItem": graph["item"],
        }

    def document(self, argument: Argument) -> tuple[str, dict[str, Any]]:
        """A query of the argument's field with its top argument as the variable ``$v``, and the
        other variables it needs."""
        owner = GRAPHQL.get_type(argument.type_name)
        assert isinstance(owner, GraphQLObjectType)
        field = owner.fields[argument.field]
        top = argument.path[0]
        given = [f"{top}: $v"]
        for name, each in field.args.items():
            if name != top and isinstance(each.type, GraphQLNonNull):
                given.append(f"{name}: {self._required(name, each.type)}")
        shown = get_named_type(field.type)
        selection = ""
        if isinstance(shown, GraphQLObjectType):
            selection = "{ nodes { __typename } }" if "nodes" in shown.fields else "{ __typename }"
        elif not isinstance(shown, GraphQLScalarType | GraphQLEnumType):
            selection = "{ __typename }"
        asked = f"{argument.field}({', '.join(given)}) {selection}"
        kind = field.args[top].type
        variables: dict[str, Any] = {}
        if argument.type_name == "Query":
            body = asked
        elif argument.type_name == "Viewer":
            body = f"viewer {{ {asked} }}"
        else:
            assert argument.type_name in self.ids, f"say how to reach a {argument.type_name}"
            body = f"node(id: $node) {{ ... on {argument.type_name} {{ {asked} }} }}"
            variables["node"] = self.ids[argument.type_name]
        declared = f"$v: {kind}" + (", $node: ID!" if "node" in variables else "")
        return f"query({declared}) {{ {body} }}", variables

    def _required(self, name: str, kind: GraphQLInputType) -> str:
        named = get_named_type(kind)
        if isinstance(named, GraphQLEnumType):
            first: str = next(iter(named.values))
            return first
        assert named.name == "ID", f"fill the required argument {name}"
        assert name.endswith("Id"), f"fill the required argument {name}"
        type_name = name.removesuffix("Id")
        return json.dumps(self.ids[type_name[0].upper() + type_name[1:]])


def _value(argument: Argument, leaf: Any) -> Any:
    """The top argument's value with ``leaf`` at the scalar (in a list where it is one)."""
    value: Any = [leaf] if argument.listed else leaf
    for name in reversed(argument.path[1:]):
        value = {name: value}
    return value


async def _errors(gql: GraphQLClient, reach: Reach, argument: Argument, leaf: Any) -> list[dict[str, Any]]:
    """The GraphQL errors of a query of the argument with ``leaf`` in it; fails on a masked one."""
    query, variables = reach.document(argument)
    body = json.dumps({"query": query, "variables": {**variables, "v": _value(argument, leaf)}})
    response = await gql.http.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, (str(argument), response.text)
    errors: list[dict[str, Any]] = response.json().get("errors", [])
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        assert code, (str(argument), repr(leaf), error)
        assert code != "INTERNAL_SERVER_ERROR", (str(argument), repr(leaf), error)
        assert error["message"] != "Unexpected error.", (str(argument), repr(leaf), error)
    return errors


@pytest.fixture
async def reach(gql: GraphQLClient) -> Reach:
    return Reach(await full_graph(gql))


async def test_a_text_argument_no_text_can_hold_is_never_an_unexpected_error(
    gql: GraphQLClient, reach: Reach
) -> None:
    for argument in TEXTS:
        for leaf in ("a\x00b", "x\ud800y", "\udfff"):
            await _errors(gql, reach, argument, leaf)


OVERFLOWING = {
    "DateTime": ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "2200-01-01T00:00:00Z"],
    "Date": ["0001-01-01", "9999-12-31", "1989-12-31"],
}


async def test_every_time_and_day_argument_is_range_checked(gql: GraphQLClient, reach: Reach) -> None:
    failures = []
    for argument in TIMES:
        for leaf in OVERFLOWING[argument.scalar]:
            codes = [
                (error.get("extensions") or {}).get("code")
                for error in await _errors(gql, reach, argument, leaf)
            ]
            if codes != ["OUT_OF_RANGE"]:
                failures.append(f"{argument} ← {leaf}: expected OUT_OF_RANGE, got {codes or 'an answer'}")
    assert not failures, "\n".join(failures)


# -- the content filter's times ------------------------------------------------------------------------

PLANNED = """
query($s: ID!, $filter: ContentItemFilter) {
  strategy(id: $s) { contentItems(filter: $filter) { nodes { title } } }
}
"""


async def test_the_planned_range_of_the_filter_takes_the_days_mutations_take(gql: GraphQLClient) -> None:
    graph = await full_graph(gql)
    await content_item(gql, graph, "First day", plannedAt="1990-01-01T00:00:00Z")
    await content_item(gql, graph, "Last moment", plannedAt="2199-12-31T23:59:59Z")
    await content_item(gql, graph, "Morning", plannedAt="2030-01-01T09:00:00Z")

    async def titles(**filter: str) -> list[str]:
        data = await gql.data(PLANNED, s=graph["strategy"], filter=filter)
        return sorted(node["title"] for node in data["strategy"]["contentItems"]["nodes"])

    assert await titles(plannedFrom="1990-01-01T00:00:00Z", plannedUntil="1990-01-01T00:00:01Z") == [
        "First day"
    ]
    assert await titles(plannedFrom="2199-12-31T23:59:59Z") == ["Last moment"]
    # A time without an offset is UTC, as in mutations.
    assert await titles(plannedFrom="2030-01-01T09:00:00", plannedUntil="2030-01-01T09:00:01") == ["Morning"]
    # The range is of the day as written: this is 1989-12-31T10:00:00Z.
    assert await titles(plannedFrom="1990-01-01T00:00:00+14:00", plannedUntil="1990-01-01T00:00:01Z") == [
        "First day"
    ]
    for name in ("plannedFrom", "plannedUntil"):
        for outside in ("1989-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "9999-12-31T23:59:59-12:00"):
            body = await gql.post(PLANNED, s=graph["strategy"], filter={name: outside})
            (error,) = body["errors"]
            assert error["extensions"]["code"] == "OUT_OF_RANGE", error
            assert error["message"] == (
                f"filter.{name}: Planned {name.removeprefix('planned').lower()} must lie between "
                "1990-01-01 and 2199-12-31."
            )


async def test_a_cursor_whose_time_overflows_in_utc_is_a_bad_cursor(gql: GraphQLClient) -> None:
    graph = await full_graph(gql)
    for moment in (
        dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12))),
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))),
    ):
        cursor = encode_cursor([moment, uuid.uuid4()])
        body = await gql.post(
            "query($s: ID!, $c: String) { strategy(id: $s) { contentItems(after: $c) { nodes { id } } } }",
            s=graph["strategy"],
            c=cursor,
        )
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_CURSOR", error
