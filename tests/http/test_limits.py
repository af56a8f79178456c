"""The bounds every GraphQL document is held to, at the defaults a deployment runs with.

Each limit of :mod:`api.graphql.limits` (and the document size and cost caps of the
endpoint) is checked at its bound, which passes, and one past it, which is refused with its
code *before any SQL runs*: the endpoint signs its caller in only once the document has
passed these checks, so the statement log of the test's database stays empty for every
refusal. The costs of the documents the front end sends are asserted exactly, computed by
hand from the rules of :mod:`schema.cost`. Hostile documents (fan-outs, alias and repeat
floods, megabyte bodies) are refused quickly, and documents at the size limit do not stay
in the prepared-document cache.

The suite's own client runs without limits (``tests.client.UNLIMITED``); every request here
goes to an app built with :class:`Settings` at its defaults, or with the one value a test
names.
"""

from __future__ import annotations

import gc
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import psutil
import pytest
from graphql.language import Lexer, Source, TokenKind
from starlette.routing import Route

from api.app import create_app, document_limits
from api.graphql.documents import CACHED_DOCUMENT_MAX_BYTES, Documents
from api.graphql.endpoint import GraphQLEndpoint
from api.graphql.limits import Limits
from api.settings import Settings
from domain.persistence.database import Database
from tests import auth
from tests.api.helpers import content_item, strategy_graph
from tests.bench.strategy_report import QUERY as BENCH_REPORT
from tests.client import BASE_URL, GraphQLClient, signed_in
from tests.conftest import StatementLog

KiB = 1024
MiB = 1024 * KiB
#: A deployment that sets nothing (no REDTHREAD_* variables, no .env file: checked below).
DEFAULTS = Settings()
#: A loose bound on how long a refusal may take in-process, on a loaded machine: the refusals
#: themselves take milliseconds, and the statement log proves nothing else ran.
REFUSED_WITHIN = 2.0

CONTENT_MAP = """
query($id: ID!) {
  strategy(id: $id) {
    contentItems(first: %d) {
      nodes {
        title tactic { name } primaryKpi { name } contributingKpis { name }
        channel { name } audiences { name }
      }
    }
  }
}
"""
REPORT = """
query($id: ID!) {
  strategy(id: $id) {
    health { findings { code nodes { id } } }
    dashboard { liveContentCount }
    kpis { progress { status } smart { met } }
    document(format: MARKDOWN)
  }
}
"""
CREATE_ORGANIZATION = """
mutation { createOrganization(input: {name: "Costed"}) { organization { id } userErrors { code } } }
"""
ORGANIZATIONS = "query($n: Int) { organizations(first: $n) { nodes { id name } } }"


# -- helpers -------------------------------------------------------------------------------


@asynccontextmanager
async def operator(db: Database, settings: Settings = DEFAULTS) -> AsyncIterator[httpx.AsyncClient]:
    """The app at ``settings``, called by the operator (a new app, so a full budget)."""
    async with signed_in(db, auth.token(auth.OPERATOR), settings=settings) as client:
        yield client.http


async def send(http: httpx.AsyncClient, query: str, **variables: Any) -> httpx.Response:
    return await http.post("/graphql", json={"query": query, "variables": variables})


async def passes(http: httpx.AsyncClient, sql: StatementLog, query: str, **variables: Any) -> dict[str, Any]:
    """The body of a request that ran without errors (and so signed its caller in: SQL ran)."""
    sql.reset()
    response = await send(http, query, **variables)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"]
    assert body["data"] is not None
    assert sql.count > 0, "the caller was not signed in: the statement log sees nothing"
    return body


async def refused(
    http: httpx.AsyncClient,
    sql: StatementLog,
    query: str,
    code: str,
    *,
    status: int = 200,
    **variables: Any,
) -> dict[str, Any]:
    """The error of a request refused with ``code`` before any SQL ran."""
    sql.reset()
    response = await send(http, query, **variables)
    assert response.status_code == status, response.text[:2000]
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, error
    assert (sql.count, sql.bindings) == (0, 0), f"SQL ran before the refusal: {sql.statements}"
    found: dict[str, Any] = error
    return found


def cost_of(body: dict[str, Any]) -> int:
    cost: int = body["extensions"]["cost"]["requestedQueryCost"]
    return cost


def tokens(text: str) -> int:
    """The lexical tokens of ``text`` as graphql-core's parser counts them (comments aside)."""
    lexer = Lexer(Source(text))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


def padded(text: str, size: int, mark: str = "") -> str:
    """``text`` followed by a comment (starting with ``mark``) making it ``size`` bytes of UTF-8."""
    head = f"{text}\n# {mark} "
    fill = size - len(head.encode())
    assert fill >= 0, (len(head), size)
    return head + "x" * fill


def nested(depth: int) -> str:
    """``strategy(id:) { tactics { strategy { tactics { … id } } } }``: ``depth`` fields deep."""
    names = ["strategy(id: $id)"] + ["tactics" if level % 2 else "strategy" for level in range(1, depth - 1)]
    return "query($id: ID!) { " + " { ".join([*names, "id"]) + " }" * (depth - 1) + " }"


def aliases(count: int, field: str = "__typename", extra: str = "") -> str:
    return " ".join(f"a{i}: {field}{extra}" for i in range(count))


#: 4,901 points and 1 + $n: a page of 100 organizations with 47 workspaces each costs
#: 1 + 100 × (1 + (1 + 47 × (1 + 0))) = 1 + 100 × 49 = 4,901; a page of $n organizations 1 + $n.
AT_COST = """
query($n: Int) {
  a: organizations(first: 100) { nodes { workspaces(first: 47) { nodes { name } } } }
  b: organizations(first: $n) { nodes { name } }
}
"""


def statuses_document(count: int) -> str:
    """A cheap query (2 points) whose filter lists ``count`` statuses: a token per status."""
    listed = " ".join(["IDEA"] * count)
    return (
        "query($id: ID!) { strategy(id: $id) {"
        f" contentItems(first: 1, filter: {{statuses: [{listed}]}}) {{ totalCount }} }} }}"
    )


def with_tokens(count: int) -> str:
    """A document of exactly ``count`` lexical tokens, within every other default limit."""
    fixed = tokens(statuses_document(0))
    document = statuses_document(count - fixed)
    assert tokens(document) == count
    return document


def documents_of(app: Any) -> Documents:
    """The prepared-document store of the app's GraphQL endpoint."""
    for route in app.routes:
        if isinstance(route, Route) and isinstance(route.endpoint, GraphQLEndpoint):
            return route.endpoint.documents
    raise AssertionError("the app serves no GraphQL endpoint")


@pytest.fixture
async def graph(gql: GraphQLClient) -> dict[str, Any]:
    """A strategy with tactics, KPIs, an audience, a channel and two content items (IDEAs)."""
    made = await strategy_graph(gql)
    for title in ("Launch post", "Behind the scenes"):
        mapped = {"tacticId": made["tactics"][0], "primaryKpiId": made["kpis"][0]}
        reach = {"channelId": made["channel"], "audienceIds": [made["audience"]]}
        await content_item(gql, made, title, **mapped, **reach)
    return made


# -- the defaults --------------------------------------------------------------------------


def test_the_tests_run_against_the_defaults() -> None:
    """Nothing in the environment changes the limits these tests hold the app to."""
    for name in (
        "max_body_bytes",
        "max_document_bytes",
        "max_tokens",
        "max_depth",
        "max_aliases",
        "max_directives",
        "max_fragments",
        "max_cost",
        "throttle_capacity",
        "throttle_restore_rate",
    ):
        assert getattr(DEFAULTS, name) == Settings.model_fields[name].default, name
    assert document_limits(DEFAULTS) == Limits()
    assert (DEFAULTS.max_document_bytes, DEFAULTS.max_tokens, DEFAULTS.max_depth) == (32 * KiB, 3_000, 12)
    assert (DEFAULTS.max_aliases, DEFAULTS.max_directives, DEFAULTS.max_fragments) == (30, 50, 50)
    assert Limits().max_repeats == 50


# -- each limit at its bound ---------------------------------------------------------------


async def test_depth_at_the_default_bound_passes_and_one_deeper_is_refused(
    db: Database, sql: StatementLog, graph: dict[str, Any]
) -> None:
    assert nested(3) == "query($id: ID!) { strategy(id: $id) { tactics { id } } }"
    # The chain of tactics lists is costly by its cost (a list inside two lists counts as its
    # largest); this test is of the depth alone, so the cost cap is lifted.
    async with operator(
        db, DEFAULTS.model_copy(update={"max_cost": 10**9, "throttle_capacity": 10**9})
    ) as http:
        body = await passes(http, sql, nested(12), id=graph["strategy"])
        # strategy { tactics { … 11 fields … id } }: the innermost strategy { id } costs 1, each
        # strategy around it 1 + inner; the two outer tactics lists count 3 × (1 + inner), the
        # three inside them 50 × (1 + inner):
        assert cost_of(body) > DEFAULTS.max_cost
        level = body["data"]["strategy"]
        for _ in range(5):
            assert len(level["tactics"]) == 2
            level = level["tactics"][0]["strategy"]
        assert level == {"id": graph["strategy"]}

        error = await refused(http, sql, nested(13), "QUERY_TOO_DEEP", id=graph["strategy"])
        assert "13 deep" in error["message"]
        assert "at most 12" in error["message"]


async def test_a_small_depth_limit_counts_fragments_where_spread_but_not_introspection(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    async with operator(db, Settings(max_depth=3)) as http:
        await passes(http, sql, "{ organizations { nodes { id } } }")
        await refused(
            http, sql, "{ organizations { nodes { workspaces { totalCount } } } }", "QUERY_TOO_DEEP"
        )
        await passes(http, sql, "{ ... on Query { organizations { nodes { ... on Organization { id } } } } }")
        await refused(
            http,
            sql,
            "{ ...Deep } fragment Deep on Query { organizations { nodes { workspaces { totalCount } } } }",
            "QUERY_TOO_DEEP",
        )
        # Introspection nests 10 deep here and is not held to the limit; it costs a flat 10.
        introspection = (
            "{ __schema { types { name fields { name type { name ofType { name ofType { name ofType {"
            " name ofType { name } } } } } } } } organizations { nodes { id } } }"
        )
        body = await passes(http, sql, introspection)
        assert body["data"]["__schema"]["types"]
        # __schema costs a flat 10; organizations { nodes { id } }: 1 + 50 × (1 + 0) = 51.
        assert cost_of(body) == 1_000 + 51  # introspection, and organizations(first: 50)


async def test_aliases_at_the_default_bound_pass_and_one_more_is_refused(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    async with operator(db) as http:
        body = await passes(http, sql, "{ " + aliases(30) + " }")
        assert body["data"] == {f"a{i}": "Query" for i in range(30)}
        assert cost_of(body) == 0
        error = await refused(http, sql, "{ " + aliases(31) + " }", "TOO_MANY_ALIASES")
        assert "31" in error["message"]
        # Aliases count over the whole document, fragments included.
        await refused(
            http,
            sql,
            "{ ...F " + aliases(16) + " } fragment F on Query { " + aliases(15) + " }",
            "TOO_MANY_ALIASES",
        )


async def test_directives_at_the_default_bound_pass_and_one_more_is_refused(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    both = " @include(if: true) @skip(if: false)"
    async with operator(db) as http:
        body = await passes(http, sql, "{ " + aliases(25, extra=both) + " }")  # 25 × 2 = 50
        assert len(body["data"]) == 25
        await refused(
            http,
            sql,
            "{ " + aliases(25, extra=both) + " last: __typename @include(if: true) }",
            "TOO_MANY_DIRECTIVES",
        )

        # Directives of fragment spreads, inline fragments and fragment definitions count too.
        def spread(extra: str) -> str:
            return (
                "{ " + aliases(24, extra=both) + " ... @include(if: true) { x: __typename }"
                " ...F @include(if: true) } fragment F on Query { y: __typename" + extra + " }"
            )

        await passes(http, sql, spread(""))  # 48 + 2
        await refused(http, sql, spread(" @skip(if: false)"), "TOO_MANY_DIRECTIVES")  # 48 + 3


async def test_fragments_at_the_default_bound_pass_and_one_more_is_refused(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    def document(count: int) -> str:
        spreads = " ".join(f"...F{i}" for i in range(count))
        definitions = " ".join(f"fragment F{i} on Query {{ __typename }}" for i in range(count))
        return f"{{ {spreads} }} {definitions}"

    async with operator(db) as http:
        body = await passes(http, sql, document(50))
        assert body["data"] == {"__typename": "Query"}
        error = await refused(http, sql, document(51), "TOO_MANY_FRAGMENTS")
        assert "51" in error["message"]


async def test_tokens_at_the_default_bound_pass_and_one_more_is_refused(
    db: Database, sql: StatementLog, graph: dict[str, Any]
) -> None:
    at_bound, over = with_tokens(3_000), with_tokens(3_001)
    assert len(over.encode()) < DEFAULTS.max_document_bytes
    async with operator(db) as http:
        body = await passes(http, sql, at_bound, id=graph["strategy"])
        assert body["data"]["strategy"]["contentItems"]["totalCount"] == 2  # both items are IDEAs
        assert cost_of(body) == 2  # strategy 1 + contentItems 1 + totalCount 0
        error = await refused(http, sql, over, "TOO_MANY_TOKENS", id=graph["strategy"])
        assert "3000 tokens" in error["message"]
        # Comments are not tokens: the same document padded with comments up to the size limit.
        await passes(http, sql, padded(at_bound, DEFAULTS.max_document_bytes), id=graph["strategy"])


async def test_repeats_of_a_response_name_at_the_bound_pass_and_one_more_is_refused(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    field = "organizations(first: 1) { totalCount }"
    async with operator(db) as http:
        body = await passes(http, sql, "{ " + " ".join([field] * 50) + " }")
        assert cost_of(body) == 50  # 50 × (connection 1 + totalCount 0)
        error = await refused(http, sql, "{ " + " ".join([field] * 51) + " }", "TOO_MANY_REPEATS")
        assert "`organizations` 51 times" in error["message"]

        # Fragment spreads merge their fields into the selection they are spread in.
        def spreads(count: int) -> str:
            fragments = " ".join(f"fragment F{n} on Query {{ {field} {field} }}" for n in range(count))
            return "{ " + " ".join(f"...F{n}" for n in range(count)) + " } " + fragments

        await passes(http, sql, spreads(25))
        error = await refused(http, sql, spreads(26), "TOO_MANY_REPEATS")
        assert "`organizations` 52 times" in error["message"]
        # Inline fragments merge into the selection set around them, at any depth.
        inner = " ".join(["totalCount"] * 50)
        await passes(http, sql, f"{{ organizations {{ {inner} }} }}")
        await refused(
            http,
            sql,
            f"{{ organizations {{ {inner} ... on OrganizationConnection {{ totalCount }} }} }}",
            "TOO_MANY_REPEATS",
        )


async def test_the_document_size_at_the_bound_passes_and_one_byte_more_is_refused(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    limit = DEFAULTS.max_document_bytes
    async with operator(db) as http:
        body = await passes(http, sql, padded("{ __typename }", limit))
        assert body["data"] == {"__typename": "Query"}
        error = await refused(
            http, sql, padded("{ __typename }", limit + 1), "DOCUMENT_TOO_LARGE", status=413
        )
        assert "32,768 bytes" in error["message"]
        # The size is in bytes of UTF-8, not characters: 3 bytes per euro sign.
        head = "{ __typename }\n# "
        euros = (limit - len(head)) // 3
        exact = head + "€" * euros + "x" * ((limit - len(head)) % 3)
        assert len(exact.encode()) == limit
        assert len(exact) < limit / 2
        await passes(http, sql, exact)
        await refused(http, sql, exact + "x", "DOCUMENT_TOO_LARGE", status=413)


async def test_the_cost_at_the_default_cap_passes_and_one_point_more_is_refused(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    cap = DEFAULTS.max_cost
    assert cap == 5_000
    async with operator(db) as http:
        # 4,901 + 1 + 98 = 5,000.
        body = await passes(http, sql, AT_COST, n=98)
        assert cost_of(body) == 5_000
        # 4,901 + 1 + 99 = 5,001.
        error = await refused(http, sql, AT_COST, "QUERY_TOO_COMPLEX", n=99)
        assert error["extensions"]["cost"] == {"requestedQueryCost": 5_001, "maximumAvailable": 5_000}
        assert "5,001 points" in error["message"]


async def test_a_small_cost_cap_refuses_what_the_default_lets_through(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    async with operator(db, Settings(max_cost=51)) as http:
        assert cost_of(await passes(http, sql, ORGANIZATIONS, n=50)) == 51
        error = await refused(http, sql, ORGANIZATIONS, "QUERY_TOO_COMPLEX", n=51)
        assert error["extensions"]["cost"] == {"requestedQueryCost": 52, "maximumAvailable": 51}
        # No `first`: the default page of 50 is what is counted.
        assert cost_of(await passes(http, sql, ORGANIZATIONS)) == 51


# -- the cost of the front end's documents -------------------------------------------------


async def test_the_cost_of_the_named_documents(
    db: Database, sql: StatementLog, graph: dict[str, Any]
) -> None:
    cases: list[tuple[str, dict[str, Any], int]] = [
        # __typename is no field of an object: nothing.
        ("{ __typename }", {}, 0),
        # Per item: title 0, tactic 1, primaryKpi 1, contributingKpis 2 × 1 (counted as 2 KPIs),
        # channel 1, audiences 2 × 1 (counted as 2): 7, and the item itself 1: 8 per item.
        # strategy 1 + contentItems 1 + 50 × 8 = 402.
        (CONTENT_MAP % 50, {"id": graph["strategy"]}, 1 + 1 + 50 * (1 + 1 + 1 + 2 + 1 + 2)),
        # The same page of 100 items: 1 + 1 + 100 × 8 = 802.
        (CONTENT_MAP % 100, {"id": graph["strategy"]}, 802),
        # strategy 1
        # + health 1,500 + 1 + findings 1 × (1 + nodes 50 × (1 + id 0)) = 1,552
        # + dashboard 1,500 + 1 = 1,501
        # + kpis 6 × (1 + progress (10 + 1) + smart (10 + 1)) = 6 × 23 = 138
        # + document 1,500
        # = 1 + 1,552 + 1,501 + 138 + 1,500 = 4,692.
        (REPORT, {"id": graph["strategy"]}, 4_692),
        # The report of `make bench` (the README's figure): the same, plus in the dashboard
        # tacticShares 1 × (1 + tactic 1) = 2, tacticKpiMatrix 1 × (1 + tactic 1 + kpi 1) = 3,
        # contentByChannelAndStatus 1 × (1 + channel 1) = 2 and
        # topContent 1 × (1 + kpi 1 + items 1 × (1 + contentItem 1)) = 4: 4,692 + 11 = 4,703.
        (BENCH_REPORT, {"id": graph["strategy"], "asOf": "2030-06-15"}, 4_703),
        # createOrganization 1 + organization 1 + userErrors 1 (a list computed with the payload:
        # counted once) = 3, and 10 for the mutation: 13.
        (CREATE_ORGANIZATION, {}, 13),
        # organizations 1 + $n × (1 + id 0 + name 0).
        (ORGANIZATIONS, {"n": 7}, 1 + 7),
        (ORGANIZATIONS, {"n": 100}, 101),
        (ORGANIZATIONS, {"n": None}, 1 + 50),
    ]
    for query, variables, expected in cases:
        async with operator(db) as http:  # a new app each time: a full budget
            body = await passes(http, sql, query, **variables)
            assert cost_of(body) == expected, query
            assert body["extensions"]["cost"]["throttleStatus"] == {
                "maximumAvailable": 10_000,
                "currentlyAvailable": 10_000 - expected,
                "restoreRate": 500,
            }, query
    async with operator(db) as http:
        report = await passes(http, sql, REPORT, id=graph["strategy"])
        assert report["data"]["strategy"]["dashboard"]["liveContentCount"] == 2
        page = await passes(http, sql, CONTENT_MAP % 50, id=graph["strategy"])
        assert len(page["data"]["strategy"]["contentItems"]["nodes"]) == 2
        # Two mutations cost 10 each, besides what their payloads select: 2 × 13.
        two = (
            'mutation { a: createOrganization(input: {name: "One"})'
            " { organization { id } userErrors { code } }"
            ' b: createOrganization(input: {name: "Two"}) { organization { id } userErrors { code } } }'
        )
        assert cost_of(await passes(http, sql, two)) == 26


# -- hostile documents ---------------------------------------------------------------------


async def test_a_fan_out_thirty_deep_is_refused(
    db: Database, sql: StatementLog, graph: dict[str, Any]
) -> None:
    async with operator(db) as http:
        await refused(http, sql, nested(30), "QUERY_TOO_DEEP", id=graph["strategy"])


async def test_a_thousand_aliases_of_the_written_strategy_are_refused_by_every_layer(
    db: Database, sql: StatementLog, graph: dict[str, Any]
) -> None:
    field = f'strategy(id: "{graph["strategy"]}") {{ document(format: MARKDOWN) }}'
    document = "{ " + aliases(1_000, field=field) + " }"
    assert len(document.encode()) > DEFAULTS.max_document_bytes
    layers = [
        (DEFAULTS, "DOCUMENT_TOO_LARGE", 413),
        (Settings(max_document_bytes=MiB), "TOO_MANY_TOKENS", 200),
        (Settings(max_document_bytes=MiB, max_tokens=100_000), "TOO_MANY_ALIASES", 200),
        (
            Settings(max_document_bytes=MiB, max_tokens=100_000, max_aliases=1_000),
            "QUERY_TOO_COMPLEX",
            200,
        ),
    ]
    for settings, code, status in layers:
        async with operator(db, settings) as http:
            error = await refused(http, sql, document, code, status=status)
    # The last layer alone: 1,000 × (strategy 1 + document 1,500) = 1,501,000 points.
    assert error["extensions"]["cost"]["requestedQueryCost"] == 1_501_000


async def test_ten_thousand_aliases_of_the_health_check_are_refused(
    db: Database, sql: StatementLog, graph: dict[str, Any]
) -> None:
    healths = aliases(10_000, field="health", extra=" { healthy }")
    document = f'{{ strategy(id: "{graph["strategy"]}") {{ {healths} }} }}'
    assert len(document.encode()) > 200 * KiB
    async with operator(db) as http:
        await refused(http, sql, document, "DOCUMENT_TOO_LARGE", status=413)
    async with operator(db, Settings(max_document_bytes=MiB)) as http:
        await refused(http, sql, document, "TOO_MANY_TOKENS")
    async with operator(db, Settings(max_body_bytes=64 * KiB)) as http:
        await refused(http, sql, document, "REQUEST_TOO_LARGE", status=413)


async def test_three_nested_pages_of_a_hundred_are_too_complex(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    document = (
        "{ organizations(first: 100) { nodes { workspaces(first: 100) { nodes {"
        " strategies(first: 100) { nodes { name } } } } } } }"
    )
    async with operator(db) as http:
        error = await refused(http, sql, document, "QUERY_TOO_COMPLEX")
    # strategies 1 + 100 × 1 = 101; a workspace 1 + 101 = 102; workspaces 1 + 100 × 102 = 10,201;
    # an organization 1 + 10,201 = 10,202; organizations 1 + 100 × 10,202 = 1,020,201.
    assert error["extensions"]["cost"] == {"requestedQueryCost": 1_020_201, "maximumAvailable": 5_000}


async def test_a_megabyte_document_and_a_ten_megabyte_body_are_refused(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    megabyte = "{ " + " ".join(["organizations { totalCount }"] * (MiB // 28)) + " }"
    assert MiB - 100 < len(megabyte) < DEFAULTS.max_body_bytes
    async with operator(db) as http:
        await refused(http, sql, megabyte, "DOCUMENT_TOO_LARGE", status=413)
        await refused(http, sql, padded("{ __typename }", 10 * MiB), "REQUEST_TOO_LARGE", status=413)


async def test_five_hundred_repeats_of_a_field_are_refused_before_validation(
    db: Database, sql: StatementLog, gql: GraphQLClient
) -> None:
    """Validating these (its overlapping-fields rule compares every pair) takes seconds."""
    repeated = "{ " + " ".join(["organizations(first: 1) { totalCount }"] * 500) + " }"
    async with operator(db) as http:
        # 9 tokens a field: the token limit is the first to see it at the defaults.
        await refused(http, sql, repeated, "TOO_MANY_TOKENS")
        await refused(
            http, sql, "{ " + " ".join(["organizations { totalCount }"] * 500) + " }", "TOO_MANY_REPEATS"
        )
    async with operator(db, Settings(max_tokens=10_000)) as http:
        started = time.perf_counter()
        error = await refused(http, sql, repeated, "TOO_MANY_REPEATS")
        print(f"500 repeats refused in {time.perf_counter() - started:.3f} s")
        assert "500 times" in error["message"]


# -- the prepared-document cache -----------------------------------------------------------


async def test_documents_at_the_size_limit_are_not_kept_in_the_cache(
    db: Database, sql: StatementLog, graph: dict[str, Any]
) -> None:
    app = create_app(db, authenticator=auth.authenticator(db), settings=DEFAULTS)
    documents = documents_of(app)
    caches = (documents._prepared, documents._persisted)
    # A maximal document: as many tokens as allowed, then a comment up to the size limit,
    # each with its own operation name and comment.
    body = with_tokens(DEFAULTS.max_tokens - 1)
    maximal = [
        padded(body.replace("query(", f"query Maximal{i}(", 1), DEFAULTS.max_document_bytes, f"document {i}")
        for i in range(30)
    ]
    assert len(set(maximal)) == 30
    assert all(len(text.encode()) == DEFAULTS.max_document_bytes for text in maximal)
    assert all(tokens(text) == DEFAULTS.max_tokens for text in maximal)
    assert DEFAULTS.max_document_bytes > CACHED_DOCUMENT_MAX_BYTES

    process = psutil.Process()
    transport = httpx.ASGITransport(app=app)
    headers = auth.bearer(auth.token(auth.OPERATOR))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
        # A small document is kept: the cache works, so what follows is not vacuous.
        await passes(http, sql, "{ __typename }")
        assert "{ __typename }" in documents._prepared
        gc.collect()
        before = process.memory_info().rss
        for text in maximal:
            answer = await passes(http, sql, text, id=graph["strategy"])
            assert answer["data"]["strategy"]["contentItems"]["totalCount"] == 2
            for cache in caches:
                assert cache.currsize <= cache.maxsize
        gc.collect()
        growth = process.memory_info().rss - before
    print(f"RSS grew by {growth / MiB:.1f} MiB over 30 maximal documents")
    assert not any(text in documents._prepared for text in maximal)
    assert documents._prepared.currsize <= CACHED_DOCUMENT_MAX_BYTES  # only small documents
    assert documents._persisted.currsize == 0
    assert growth < 20 * MiB, f"RSS grew by {growth / MiB:.1f} MiB"


# -- what a review of the limits found -----------------------------------------------------


async def test_introspection_asked_many_times_is_too_complex(db: Database, sql: StatementLog) -> None:
    async with operator(db) as http:
        await passes(http, sql, "{ __schema { queryType { name } } }")
        many = "{ " + " ".join(f"s{n}: __schema {{ types {{ name }} }}" for n in range(6)) + " }"
        await refused(http, sql, many, "QUERY_TOO_COMPLEX")


async def test_a_chain_of_plain_lists_counts_its_inner_lists_at_their_largest(
    db: Database, sql: StatementLog, graph: dict[str, Any]
) -> None:
    chain = (
        "query($id: ID!) { strategy(id: $id) { kpis { audiences { kpis { audiences { kpis { id } } } } } } }"
    )
    async with operator(db) as http:
        await refused(http, sql, chain, "QUERY_TOO_COMPLEX", id=graph["strategy"])
        body = await passes(
            http,
            sql,
            "query($id: ID!) { strategy(id: $id) { kpis { audiences { id } } } }",
            id=graph["strategy"],
        )
        assert cost_of(body) == 1 + 6 * (1 + 3 * 1)


async def test_variable_defaults_and_integral_floats_count_as_the_page_they_ask(
    db: Database, sql: StatementLog
) -> None:
    pages = (
        "query($n: Int = 100) { organizations(first: $n) { nodes { workspaces(first: $n) { nodes {"
        " strategies(first: $n) { nodes { name } } } } } } }"
    )
    async with operator(db) as http:
        await refused(http, sql, pages, "QUERY_TOO_COMPLEX")
        await refused(http, sql, pages, "QUERY_TOO_COMPLEX", n=100.0)


async def test_mutations_in_fragments_count_as_mutations(db: Database, sql: StatementLog) -> None:
    fields = " ".join(
        f'm{n}: createOrganization(input: {{name: "O{n}"}}) {{ userErrors {{ code }} }}' for n in range(3)
    )
    async with operator(db) as http:
        body = await passes(http, sql, f"mutation {{ ...M }} fragment M on Mutation {{ {fields} }}")
        # each: the mutation 10, its payload 1 and the user errors list 1.
        assert cost_of(body) == 3 * (10 + 1 + 1)


async def test_json_nested_too_deeply_is_a_bad_request(db: Database) -> None:
    async with operator(db) as http:
        deep = "[" * 5_000 + "]" * 5_000
        response = await http.post(
            "/graphql",
            content=f'{{"query": "{{ __typename }}", "variables": {deep}}}',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        response = await http.get("/graphql", params={"query": "{ __typename }", "variables": deep})
        assert response.status_code in (400, 413), response.text
        assert response.json()["errors"][0]["extensions"]["code"] in ("BAD_REQUEST", "REQUEST_TOO_LARGE")


async def test_a_query_string_is_held_to_the_body_limit(db: Database) -> None:
    async with operator(db, DEFAULTS.model_copy(update={"max_body_bytes": 1024})) as http:
        padding = "x" * 2_000
        response = await http.get("/graphql", params={"query": "{ __typename }", "operationName": padding})
        assert response.status_code == 413, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"


async def test_a_persisted_query_is_kept_only_once_a_caller_ran_it(db: Database, sql: StatementLog) -> None:
    import hashlib

    query = "{ organizations(first: 100) { nodes { workspaces(first: 100) { nodes { name } } } } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    async with operator(db) as http:
        refused_body = (await http.post("/graphql", json={"query": query, "extensions": persisted})).json()
        assert refused_body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        again = (await http.post("/graphql", json={"extensions": persisted})).json()
        assert again["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_graphql_responses_are_compressed_in_either_media_type(db: Database) -> None:
    async with operator(db) as http:
        introspection = {"query": "{ __schema { types { name fields { name } } } }"}
        for accept in ("application/json", "application/graphql-response+json"):
            response = await http.post(
                "/graphql", json=introspection, headers={"accept": accept, "accept-encoding": "gzip"}
            )
            assert response.status_code == 200
            assert response.headers["content-encoding"] == "gzip", accept
            assert response.headers["content-type"].startswith(accept)
