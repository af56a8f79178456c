"""Two tenants side by side: organization 1 holding workspace A, organization 2 holding workspace B.

The access tests need a world to act on. Each side has a whole strategy (tactics, an
audience, channels, a chosen channel, KPIs with a measurement, a mapped content item with
a metric and a comment), an API key and a member of its own. :func:`build_world` makes it
through GraphQL as the operator, who owns both organizations, and returns every record's
global id by type. :func:`fingerprint` tells whether a request changed any row of the
database. What can be done to the world is in :mod:`tests.api.catalog`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import text
from strawberry.types.base import get_object_definition

from domain.base import Base
from domain.persistence.database import Database
from domain.scope import Scope
from schema.build import NODE_TYPES, schema
from tests.api.builders import full_graph
from tests.api.helpers import ERRORS
from tests.client import GraphQLClient

GRAPHQL = schema._schema
FIRST_DAY = dt.date(2024, 1, 1)

# -- the world ---------------------------------------------------------------------------------


@dataclass
class Side:
    """One tenant: an organization with one workspace and everything in it (global ids)."""

    label: str
    organization: str
    workspace: str
    strategy: str
    tactics: list[str]
    kpis: list[str]
    audience: str
    channels: list[str]
    strategy_channel: str
    measurement: str
    item: str
    metric: str
    comment: str
    api_key: str
    key_token: str
    """The token of the side's API key (ADMIN scope on the workspace)."""
    member: str
    """A member holding a role on this side's workspace only."""
    memberships: list[str]
    """The operator's OWNER role on the organization, and the member's role on the workspace."""
    activity: list[str] = field(default_factory=list)

    def ids(self) -> dict[str, list[str]]:
        """Every record of the side by GraphQL type (only what belongs to this side alone)."""
        return {
            "Organization": [self.organization],
            "Workspace": [self.workspace],
            "Strategy": [self.strategy],
            "Tactic": list(self.tactics),
            "Audience": [self.audience],
            "Channel": list(self.channels),
            "StrategyChannel": [self.strategy_channel],
            "Kpi": list(self.kpis),
            "KpiMeasurement": [self.measurement],
            "ContentItem": [self.item],
            "ContentMetric": [self.metric],
            "Comment": [self.comment],
            "ApiKey": [self.api_key],
            "Member": [self.member],
            "Membership": list(self.memberships),
            "Activity": list(self.activity),
        }

    def every_id(self) -> set[str]:
        return {id_ for found in self.ids().values() for id_ in found}


@dataclass
class World:
    db: Database
    gql: GraphQLClient
    """The operator, OWNER of both organizations."""
    a: Side
    b: Side
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def fresh(self) -> int:
        """A number not used before in this world, for unique names and days."""
        return next(self.counter)

    def name(self, what: str) -> str:
        """A name not used before in this world."""
        return f"{what} {self.fresh()}"

    def day(self) -> str:
        """A day not used before in this world (measurements are unique per day)."""
        return (FIRST_DAY + dt.timedelta(days=self.fresh())).isoformat()


NODE_TYPE_NAMES = [get_object_definition(kind, strict=True).name for kind in NODE_TYPES]

SIDE_EXTRAS = f"""
mutation($item: ID!, $workspace: ID!, $subject: String!) {{
  addComment(input: {{contentItemId: $item, body: "Looks good"}}) {{ comment {{ id }} {ERRORS} }}
  createApiKey(input: {{workspaceId: $workspace, name: "Integration", scopes: [ADMIN]}}) {{
    apiKey {{ id }} token {ERRORS}
  }}
  grantRole(input: {{workspaceId: $workspace, subject: $subject, role: EDITOR}}) {{
    membership {{ id member {{ id }} }} {ERRORS}
  }}
}}
"""
OWN_MEMBERSHIPS = "query($o: ID!) { organization(id: $o) { members(first: 100) { nodes { id } } } }"
ACTIVITY = "query($w: ID!) { workspace(id: $w) { activity(first: 100) { nodes { id } } } }"


async def build_side(gql: GraphQLClient, label: str) -> Side:
    graph = await full_graph(gql, f"Tenant {label}")
    body = await gql.post(
        SIDE_EXTRAS, item=graph["item"], workspace=graph["workspace"], subject=f"only-{label}"
    )
    assert "errors" not in body, body["errors"]
    extras = body["data"]
    for payload in extras.values():
        assert payload["userErrors"] == [], payload["userErrors"]
    owners = (await gql.data(OWN_MEMBERSHIPS, o=graph["organization"]))["organization"]["members"]["nodes"]
    membership = extras["grantRole"]["membership"]
    side = Side(
        label=label,
        organization=graph["organization"],
        workspace=graph["workspace"],
        strategy=graph["strategy"],
        tactics=graph["tactics"],
        kpis=graph["kpis"],
        audience=graph["audience"],
        channels=[graph["channel"], graph["channel2"]],
        strategy_channel=graph["strategyChannel"],
        measurement=graph["measurement"],
        item=graph["item"],
        metric=graph["metric"],
        comment=extras["addComment"]["comment"]["id"],
        api_key=extras["createApiKey"]["apiKey"]["id"],
        key_token=extras["createApiKey"]["token"],
        member=membership["member"]["id"],
        memberships=[owner["id"] for owner in owners] + [membership["id"]],
    )
    if "activity" in GRAPHQL.get_type("Workspace").fields:  # type: ignore[union-attr]
        logged = (await gql.data(ACTIVITY, w=side.workspace))["workspace"]["activity"]["nodes"]
        side.activity = [entry["id"] for entry in logged]
    return side


async def build_world(db: Database, gql: GraphQLClient) -> World:
    """Organization 1 with workspace A, organization 2 with workspace B, both full, made by ``gql``."""
    return World(db, gql, await build_side(gql, "A"), await build_side(gql, "B"))


# -- what the database holds ----------------------------------------------------------------------

#: Columns a request may write without changing anything (when an API key was last used).
VOLATILE = {"api_key": ("last_used_at",)}


def _fingerprint_sql() -> str:
    parts = []
    for table in Base.metadata.sorted_tables:
        row = "to_jsonb(t)" + "".join(f" - '{column}'" for column in VOLATILE.get(table.name, ()))
        parts.append(
            f"SELECT '{table.name}' AS name, count(*) AS rows, "
            f"md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS digest "
            f'FROM (SELECT md5(({row})::text) AS h FROM "{table.name}" t) s'
        )
    return " UNION ALL ".join(parts)


FINGERPRINT = text(_fingerprint_sql())


async def fingerprint(db: Database) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of all its rows, read as the service itself."""
    async with db.read(Scope.everything()) as connection:
        rows = (await connection.execute(FINGERPRINT)).all()
    return {row.name: (row.rows, row.digest) for row in rows}


def changed_tables(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


# -- what records look like now (as the operator) ---------------------------------------------------


def _versioned_fragments() -> str:
    kinds = [
        name
        for name in NODE_TYPE_NAMES
        if "version" in GRAPHQL.get_type(name).fields  # type: ignore[union-attr]
    ]
    return " ".join(f"... on {kind} {{ version }}" for kind in kinds)


VERSION = f"query($id: ID!) {{ node(id: $id) {{ id {_versioned_fragments()} }} }}"


async def version(world: World, id_: str) -> int:
    found = (await world.gql.data(VERSION, id=id_))["node"]
    assert found is not None, f"no record {id_}"
    current: int = found["version"]
    return current
