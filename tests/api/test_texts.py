"""Every text a mutation takes is refused at its own field, or kept exactly as it was given.

The text fields are read from the schema (every ``String`` and ``[String]`` field of every
mutation's input, nested inputs included), so a new mutation or field is covered without
being named here. Each is sent in a valid call of its mutation (:mod:`tests.api.catalog`, on
side A of the two-tenant world) with its text replaced, and must come back either

* refused: user errors at that field only (INVALID_TEXT, TOO_LONG, BLANK, INVALID_URL,
  DUPLICATE …), nothing in the payload, not one row of the database changed; or
* kept: the record, read back, holds the text as given, trimmed (a list of labels: each
  trimmed, blanks dropped, duplicates once),

and never a GraphQL error (an "Unexpected error.") or an HTTP status other than 200.

Each field's limit is the server's own: a text of 100,001 characters must be TOO_LONG, and its
message says the limit, which the texts then probe (the limit is kept, one more is refused).
Only :data:`KEYS` (a key looked up, not a text kept) have none.

Two tests: a sweep of fixed texts through every field (NUL, lone surrogates, the limit and
one past it, in mixed scripts), and a hypothesis test drawing a text for every field in each
example (right-to-left scripts, combining marks, emoji and other astral characters, spaces to
trim, unstorable characters, texts about the limit). Its examples share one world, which grows
as calls are accepted; each call is judged on its own.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from domain.persistence.database import Database
from domain.tenancy.demo import DemoWorkspaces, ScenarioInfo
from domain.tenancy.models import Workspace
from tests import auth
from tests.api.catalog import CATALOG, PREFLIGHT, results
from tests.api.helpers import ERRORS
from tests.api.world import GRAPHQL, World, build_world, changed_tables, fingerprint
from tests.client import GraphQLClient, signed_in

# -- the text fields, from the schema ---------------------------------------------------------------


@dataclass(frozen=True)
class TextField:
    """A ``String`` (or ``[String]``) field of a mutation's input, by its path from the input."""

    mutation: str
    path: tuple[str, ...]
    listed: bool
    """A list of texts (``[String!]``), not one text."""

    def __str__(self) -> str:
        return f"{self.mutation}.{'.'.join(self.path)}"


def _unwrapped(kind: GraphQLInputType) -> tuple[GraphQLInputType, bool]:
    """The type inside non-null and list wrappers, and whether a list was among them."""
    listed = False
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        listed = listed or isinstance(kind, GraphQLList)
        kind = kind.of_type
    return kind, listed


def _walk(mutation: str, path: tuple[str, ...], kind: GraphQLInputType, found: list[TextField]) -> None:
    inner, listed = _unwrapped(kind)
    if isinstance(inner, GraphQLInputObjectType):
        assert len(path) < 6, f"inputs nested too deep at {mutation}.{'.'.join(path)}"
        for name, field in inner.fields.items():
            _walk(mutation, (*path, name), field.type, found)
    elif isinstance(inner, GraphQLScalarType) and inner.name == "String":
        found.append(TextField(mutation, path, listed))


def text_fields() -> list[TextField]:
    """Every text field of every mutation's input."""
    found: list[TextField] = []
    assert GRAPHQL.mutation_type is not None
    for name, field in GRAPHQL.mutation_type.fields.items():
        assert set(field.args) == {"input"}, f"{name} takes more than one input"
        _walk(name, (), field.args["input"].type, found)
    return found


FIELDS = text_fields()

#: Fields that name a key to look up, not a text to keep: any other text is unknown there.
KEYS = {"createDemoWorkspace.scenario"}


def test_the_text_fields_are_read_from_the_schema() -> None:
    named = {str(field) for field in FIELDS}
    assert {
        "createOrganization.name",
        "createAudience.interests",
        "recordKpiMeasurements.measurements.note",
        "transitionContentItem.comment",
        "addComment.body",
        "grantRole.subject",
        "createChannel.url",
    } <= named
    assert len(FIELDS) >= 50
    assert named >= KEYS
    assert {field.mutation for field in FIELDS} <= {entry.mutation for entry in CATALOG.values()}


# -- a call with a text in the field, and what it must do -------------------------------------------


def _with_text(input: dict[str, Any], field: TextField, text: Any) -> tuple[dict[str, Any], list[str]]:
    """The input with ``text`` in the field (in the first entry of a list of inputs), and the
    field's path as user errors name it."""
    changed = copy.deepcopy(input)
    node: Any = changed
    where: list[str] = []
    for name in field.path[:-1]:
        assert name in node, f"{field}: the catalog's call of {field.mutation} gives no {name}"
        node = node[name]
        where.append(name)
        if isinstance(node, list):
            node = node[0]
            where.append("0")
    node[field.path[-1]] = text
    return changed, [*where, field.path[-1]]


Reader = Callable[["Texts", dict[str, Any], dict[str, Any]], Awaitable[Any]]
"""Reads back what a call stored in its field, given its input and its payload."""


def _from_payload(*keys: str) -> Reader:
    async def read(texts: Texts, input: dict[str, Any], payload: dict[str, Any]) -> Any:
        found: Any = payload
        for key in keys:
            found = found[key]
        return found

    return read


async def _measurement_note(texts: Texts, input: dict[str, Any], payload: dict[str, Any]) -> Any:
    (entry,) = input["measurements"]
    query = (
        "query($id: ID!) { node(id: $id) { ... on Kpi { measurements(first: 100) "
        "{ nodes { observedOn note } } } } }"
    )
    nodes = (await texts.world.gql.data(query, id=entry["kpiId"]))["node"]["measurements"]["nodes"]
    (note,) = [node["note"] for node in nodes if node["observedOn"] == entry["observedOn"]]
    return note


async def _last_comment(texts: Texts, input: dict[str, Any], payload: dict[str, Any]) -> Any:
    nodes = payload["contentItem"]["comments"]["nodes"]
    return nodes[-1]["body"] if nodes else None


#: How to read back a field whose payload does not show it under its own name: a selection of
#: the payload and the reader.
SPECIAL: dict[str, tuple[str, Reader]] = {
    "recordKpiMeasurements.measurements.note": ("created updated unchanged", _measurement_note),
    "grantRole.subject": (
        "membership { id member { subject } }",
        _from_payload("membership", "member", "subject"),
    ),
    "transitionContentItem.comment": (
        "contentItem { id comments(last: 1) { nodes { body } } }",
        _last_comment,
    ),
}


def _readback(field: TextField) -> tuple[str, Reader]:
    """What to select of the payload to see the field as stored, and how to read it."""
    if str(field) in SPECIAL:
        return SPECIAL[str(field)]
    assert GRAPHQL.mutation_type is not None
    payload = get_named_type(GRAPHQL.mutation_type.fields[field.mutation].type)
    assert isinstance(payload, GraphQLObjectType)
    for name, each in payload.fields.items():
        shown = get_named_type(each.type)
        if len(field.path) == 1 and isinstance(shown, GraphQLObjectType) and field.path[0] in shown.fields:
            return f"{name} {{ id {field.path[0]} }}", _from_payload(name, field.path[0])
    raise AssertionError(f"{field}: say in SPECIAL how to read back what it stores")


def _document(field: TextField) -> str:
    assert GRAPHQL.mutation_type is not None
    kind = GRAPHQL.mutation_type.fields[field.mutation].args["input"].type
    selection, _ = _readback(field)
    return f"mutation($input: {kind}) {{ {field.mutation}(input: $input) {{ {selection} {ERRORS} }} }}"


def _kept(field: TextField, text: Any) -> Any:
    """What the field must hold after ``text`` was accepted: trimmed; a list of labels trimmed,
    without blanks, each once."""
    if field.listed:
        return list(dict.fromkeys(each.strip() for each in text if each.strip()))
    return text.strip()


LIMIT = re.compile(r"longer than ([0-9][0-9,]*) characters")
OVERLONG = 100_001


class Texts:
    """Sends texts into the fields on side A of the world, and says what went wrong."""

    limits: ClassVar[dict[str, int | None]] = {}
    """Each field's limit, as the server says it (the same in every world: kept across tests)."""

    def __init__(self, world: World, http: httpx.AsyncClient) -> None:
        self.world = world
        self.http = http

    async def send(self, field: TextField, text: Any) -> tuple[dict[str, Any], list[str], str | None]:
        """Send a valid call of the field's mutation with ``text`` in the field: its payload, the
        field's path, and what is wrong with the outcome (None if nothing)."""
        call = await CATALOG[field.mutation].build(self.world, self.world.a)
        assert call.upload is None, field
        input, where = _with_text(
            call.input, field, [text] if field.listed and isinstance(text, str) else text
        )
        before = await fingerprint(self.world.db)
        # Encoded here: httpx would write a lone surrogate as such, which is no UTF-8 (JSON escapes it).
        body = json.dumps({"query": _document(field), "variables": {"input": input}})
        response = await self.http.post(
            "/graphql", content=body, headers={"content-type": "application/json", **PREFLIGHT}
        )
        if response.status_code != 200:
            return {}, where, f"HTTP {response.status_code}: {response.text[:300]}"
        answer = response.json()
        if "errors" in answer:
            return {}, where, f"GraphQL errors {answer['errors']}"
        payload: dict[str, Any] = answer["data"][field.mutation]
        changed = changed_tables(before, await fingerprint(self.world.db))
        return payload, where, await self._problem(field, input, payload, where, changed)

    async def _problem(
        self,
        field: TextField,
        input: dict[str, Any],
        payload: dict[str, Any],
        where: list[str],
        changed: list[str],
    ) -> str | None:
        errors = payload["userErrors"]
        if errors:
            elsewhere = [error for error in errors if (error["field"] or [])[: len(where)] != where]
            if elsewhere:
                return f"refused at other fields than {where}: {elsewhere}"
            if any(value not in (None, 0) for value in results(payload).values()):
                return f"refused, but the payload carries {results(payload)}"
            if changed:
                return f"refused, but these tables changed: {changed}"
            return None
        _, read = _readback(field)
        given = _dig(input, field.path)
        stored = await read(self, input, payload)
        empty: Any = [] if field.listed else ""
        if (stored or empty) != _kept(field, given):
            return f"kept {stored!r} for {given!r}"
        return None

    async def check(self, field: TextField, text: Any, code: str | None = None) -> str | None:
        """Send ``text`` into the field: what went wrong (also if it was not refused with ``code``
        when one is given), or None."""
        payload, _, problem = await self.send(field, text)
        if problem is None and code is not None:
            found = [(error["field"], error["code"]) for error in payload["userErrors"]]
            if not found or any(error_code != code for _, error_code in found):
                problem = f"expected refused with {code}, got {found or 'accepted'}"
        return None if problem is None else f"{field} ← {_shown(text)}: {problem}"

    async def limit(self, field: TextField) -> int | None:
        """The longest text the field keeps, as its TOO_LONG message says; None for a key."""
        if str(field) not in self.limits:
            payload, _, problem = await self.send(field, "x" * OVERLONG)
            assert problem is None, f"{field} ← {OVERLONG:,} characters: {problem}"
            errors = payload["userErrors"]
            if str(field) in KEYS:
                assert errors, f"{field} took a text of {OVERLONG:,} characters as a key"
                self.limits[str(field)] = None
            else:
                assert [error["code"] for error in errors] == ["TOO_LONG"], (
                    f"{field}: a text of {OVERLONG:,} characters must be TOO_LONG, got {errors or 'accepted'}"
                )
                match = LIMIT.search(errors[0]["message"])
                assert match is not None, errors[0]["message"]
                self.limits[str(field)] = int(match.group(1).replace(",", ""))
        return self.limits[str(field)]


def _dig(input: dict[str, Any], path: Sequence[str]) -> Any:
    node: Any = input
    for name in path:
        node = node[0][name] if isinstance(node, list) else node[name]
    return node


def _shown(text: Any) -> str:
    shown = repr(text)
    return shown if len(shown) <= 80 else f"{shown[:60]}… ({len(text)} long)"


class NoScenarios:
    """A deployment that offers demo workspaces of no scenario: every scenario asked for is unknown."""

    def scenarios(self) -> Sequence[ScenarioInfo]:
        return []

    async def build(
        self, session: AsyncSession, key: str, today: dt.date, expires_at: dt.datetime
    ) -> Workspace:
        raise AssertionError(f"no scenario {key!r} should be built")


@pytest.fixture
async def texts(db: Database, gql: GraphQLClient) -> AsyncIterator[Texts]:
    """The world, and a client of a deployment that offers demo workspaces, signed in as the operator."""
    world = await build_world(db, gql)
    demo = DemoWorkspaces(NoScenarios(), dt.timedelta(hours=1), limit=10)
    async with signed_in(db, auth.token(auth.OPERATOR), demo=demo) as client:
        yield Texts(world, client.http)


# -- the texts --------------------------------------------------------------------------------------

NUL = "\x00"
MIXED = "عربي עברית e\u0301 👩‍👩‍👧 𝄞 ﷽"
"""Arabic and Hebrew (right to left), a combining accent, a ZWJ emoji sequence and astral
characters: kept as they are."""


async def test_unstorable_and_overlong_texts_are_refused_at_their_field_and_the_longest_kept(
    texts: Texts,
) -> None:
    failures = []
    for field in FIELDS:
        limit = await texts.limit(field)
        cases: list[tuple[Any, str | None]] = (
            [(["fine", f"a{NUL}b", "\udfffx\ud800"], "INVALID_TEXT")]
            if field.listed
            else [(f"a{NUL}b", "INVALID_TEXT"), ("\udfffx\ud800", "INVALID_TEXT")]
        )
        if limit is not None:
            longest = (MIXED * (limit // len(MIXED) + 1))[: limit - 1] + "x"
            cases += [(longest + "y", "TOO_LONG"), (f" {longest}\t", None)]
        for text, code in cases:
            if (failure := await texts.check(field, text, code)) is not None:
                failures.append(failure)
    assert not failures, "\n".join(failures)


UNSTORABLE = st.just(NUL) | st.integers(min_value=0xD800, max_value=0xDFFF).map(chr)
PIECES = (
    st.sampled_from(
        ["مرحبا بالعالم", "שלום עולם", "\u202eabc\u202c", "١٢٣", "👩‍👩‍👧‍👦", "🇩🇰", "e\u0301\u0327"]
    )
    | st.text(st.characters(min_codepoint=0x300, max_codepoint=0x36F), min_size=1, max_size=3)
    | st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=1, max_size=3)
    | st.sampled_from([" ", "\t", "\n", "\u00a0", "\u2028", "\u3000", "\u200b"])
    | st.text(max_size=8)
)
GOOD = st.lists(PIECES, max_size=6).map("".join)
BAD = st.tuples(GOOD, UNSTORABLE, GOOD).map("".join)
UNIT = st.text(st.characters(codec="utf-8", exclude_categories=["Z", "Cc"]), min_size=1, max_size=6)


def _long(limit: int) -> st.SearchStrategy[str]:
    """Texts at the limit and one past it (or with an unstorable character in)."""
    return st.builds(
        lambda unit, extra, tail: (unit * (limit // len(unit) + 2))[: limit + extra] + tail,
        UNIT,
        st.sampled_from([-1, 0, 1]),
        st.just("") | UNSTORABLE,
    )


def _any_text(limit: int | None) -> st.SearchStrategy[str]:
    return GOOD | BAD | (_long(limit) if limit is not None else GOOD)


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
async def test_any_text_is_refused_at_its_field_or_kept_as_given(texts: Texts, data: st.DataObject) -> None:
    failures = []
    for field in FIELDS:
        one = _any_text(await texts.limit(field))
        text = data.draw(st.lists(one, min_size=1, max_size=3) if field.listed else one, label=str(field))
        if (failure := await texts.check(field, text)) is not None:
            failures.append(failure)
    assert not failures, "\n".join(failures)
