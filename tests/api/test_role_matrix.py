"""Who may call which mutation: every role, and API keys of every scope, against the mutation catalog.

Each row is a caller holding one role on workspace A (or, for what is decided on an
organization, on A's organization) and a valid call of one mutation on A. What should
happen is computed, not written down: from the permission matrix (``PERMISSIONS``) and
what the mutation declares it does (``ACTIONS``, or the step a catalog entry takes).
Allowed: no user errors, the database holds the change, and the activity log names the caller
as having made it through that mutation. Refused: FORBIDDEN and
no other user error (NOT_FOUND where the target is shown only to who may act on it), nothing
in the payload, and not one row of the database changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.roles import PERMISSIONS, Action, KeyScope, Role, key_role
from domain.base import Base
from domain.persistence.database import Database
from domain.scope import Scope
from domain.tenancy.demo import DemoWorkspaces, ScenarioInfo
from domain.tenancy.models import Workspace
from domain.tenancy.services import NameChange, create_scenario_workspace
from schema import ids
from schema.mutation import ACTIONS, Open
from seed.scenarios import SCENARIOS
from tests import auth
from tests.api.builders import db_id
from tests.api.catalog import CATALOG, PYTHON_NAMES, Call, Entry, refusal, refusal_problem, results, send
from tests.api.world import World, build_world, changed_tables, fingerprint
from tests.client import GraphQLClient, signed_in


@dataclass(frozen=True)
class Caller:
    """A member holding ``role``, or an API key of ``scope`` (which acts with ``role``)."""

    name: str
    role: Role
    scope: KeyScope | None = None


MEMBERS = [Caller(role.value, role) for role in Role]
KEYS = [Caller(f"{scope.value}-key", key_role([scope]), scope) for scope in KeyScope]

#: The rows API keys are tried on: some of every kind of work, and of every kind of target.
KEY_ROWS = [
    "createOrganization",
    "createWorkspace",
    "deleteOrganization",
    "updateWorkspace",
    "createStrategy",
    "updateTactic",
    "deleteKpi",
    "createKpiMeasurement",
    "importKpiMeasurements",
    "createContentItem",
    "transitionContentItem",
    "transitionContentItem:approve",
    "recordContentMetrics",
    "addComment",
    "createApiKey",
    "createApiKey:organization",
    "revokeApiKey",
    "grantRole",
    "revokeRole:organization",
]

#: Which table holds each type of node (the ORM's classes are named as the GraphQL types).
TABLES = {mapper.class_.__name__: mapper.local_table.name for mapper in Base.registry.mappers}  # type: ignore[attr-defined]


def allowed(caller: Caller, action: Action | Open) -> bool:
    """What the matrix says about the caller doing ``action``."""
    if action is Open.ANYONE:
        return True
    if action is Open.MEMBER:
        return caller.scope is None
    return action in PERMISSIONS[caller.role]


def test_the_catalog_covers_every_mutation() -> None:
    assert set(PYTHON_NAMES.values()) == set(ACTIONS)
    covered = {entry.mutation for entry in CATALOG.values()}
    missing = set(PYTHON_NAMES) - covered
    assert not missing, f"mutations without a catalog entry in tests/api/catalog.py: {sorted(missing)}"
    assert covered <= set(PYTHON_NAMES), "catalog entries for mutations the schema lacks"
    assert set(KEY_ROWS) <= set(CATALOG)


def test_the_catalog_has_review_decisions_and_ordinary_steps() -> None:
    steps = [entry.action for entry in CATALOG.values() if entry.mutation == "transitionContentItem"]
    assert sorted(step.value for step in steps) == [
        "MOVE_CONTENT",
        "MOVE_CONTENT",
        "REVIEW_CONTENT",
        "REVIEW_CONTENT",
    ]


CREATE_KEY = (
    "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { token userErrors { code } } }"
)


class Credentials:
    """The caller's sign-in for each workspace or organization a call acts in, made when first needed:
    a member granted the role there (one member for workspaces, another for organizations), or an
    API key of the scope made there by the operator."""

    def __init__(self, world: World, caller: Caller) -> None:
        self.world = world
        self.caller = caller
        self.known: dict[tuple[str, str], str] = {}
        #: Who the activity log should name for each credential: (actor kind, actor name).
        self.actors: dict[str, tuple[str, str]] = {}

    async def on(self, kind: str, target: str) -> str:
        found = self.known.get((kind, target))
        if found is None:
            found = self.known[(kind, target)] = await self._make(kind, target)
        return found

    async def _make(self, kind: str, target: str) -> str:
        if self.caller.scope is not None:
            key = await self.world.gql.post(
                CREATE_KEY,
                input={
                    f"{kind}Id": target,
                    "name": f"{self.caller.name} {kind}",
                    "scopes": [self.caller.scope.value],
                },
            )
            made = key["data"]["createApiKey"]
            assert made["userErrors"] == [], made
            token: str = made["token"]
            self.actors[token] = ("API_KEY", f"{self.caller.name} {kind}")
            return token
        subject = f"{self.caller.name.lower()}-on-{kind}"
        await auth.grant(self.world.db, subject, self.caller.role, **{f"{kind}_id": db_id(target)})
        signed = auth.token(subject, lifetime=dt.timedelta(hours=2))
        self.actors[signed] = ("MEMBER", subject)
        return signed


async def _exists(db: Database, global_id: str) -> bool:
    parsed = ids.parse(global_id)
    assert parsed is not None, global_id
    kind, id_ = parsed
    stmt = text(f'SELECT EXISTS (SELECT 1 FROM "{TABLES[kind]}" WHERE id = :id)')
    async with db.read(Scope.everything()) as connection:
        return bool((await connection.execute(stmt, {"id": id_})).scalar_one())


async def _unheld(db: Database, payload: dict[str, object]) -> list[str]:
    """What the payload says was made or changed (or removed) but the database does not hold so."""
    problems = []
    for name, value in results(payload).items():
        if name == "deletedId":
            if not isinstance(value, str) or await _exists(db, value):
                problems.append(f"{name} {value} still exists")
            continue
        named = value if isinstance(value, list) else [value]
        for each in named:
            if isinstance(each, dict) and not await _exists(db, each["id"]):
                problems.append(f"{name} {each['id']} is not in the database")
        if value is None:
            problems.append(f"{name} is null")
    return problems


#: Mutations whose change no workspace's log can hold: a new organization has no workspace
#: yet, and a deleted workspace (or organization) takes its log with it.
UNLOGGED = frozenset({"createOrganization", "deleteOrganization", "deleteWorkspace"})


async def _log(db: Database) -> dict[str, tuple[str, str, str]]:
    """Every activity entry: its operation and the kind and name of who acted."""
    stmt = text("SELECT id, operation, actor_kind::text AS kind, actor_name FROM activity")
    async with db.read(Scope.everything()) as connection:
        rows = (await connection.execute(stmt)).all()
    return {str(row.id): (row.operation, row.kind, row.actor_name) for row in rows}


async def _check(
    world: World, http: httpx.AsyncClient, who: Credentials, key: str, entry: Entry
) -> str | None:
    """Run one row; a description of what went wrong, or None."""
    call = await entry.build(world, world.a)
    if entry.on_organization:
        assert call.organization is not None
        credential = await who.on("organization", call.organization)
    else:
        credential = await who.on("workspace", call.workspace or world.a.workspace)
    before, logged_before = await fingerprint(world.db), await _log(world.db)
    payload = await send(http, call, auth.bearer(credential))
    changed = changed_tables(before, await fingerprint(world.db))
    codes = [error["code"] for error in payload["userErrors"]]
    row = f"{who.caller.name} × {key} ({entry.action.value})"
    if allowed(who.caller, entry.action):
        if codes:
            return f"{row}: expected allowed, refused with {payload['userErrors']}"
        if not changed:
            return f"{row}: allowed, but nothing in the database changed"
        unheld = await _unheld(world.db, payload)
        if unheld:
            return f"{row}: allowed, but {unheld}"
        if entry.mutation in UNLOGGED:
            return None
        logged = set((await _log(world.db)).items()) - set(logged_before.items())
        expected = (entry.mutation, *who.actors[credential])
        if expected not in {entry for _, entry in logged}:
            return f"{row}: allowed, but the activity log has no {expected} (new: {sorted(logged)})"
        return None
    problem = refusal_problem(payload, changed, "NOT_FOUND" if entry.hidden else "FORBIDDEN")
    return None if problem is None else f"{row}: {problem}"


class BareScenarios:
    """Demo scenarios that build an empty workspace: who may ask for one is what counts here (what a
    scenario holds is tested with the seed), and a bare one takes milliseconds, not seconds."""

    def scenarios(self) -> Sequence[ScenarioInfo]:
        return [ScenarioInfo(key, "An empty workspace.", "en", "Demo agency") for key in SCENARIOS]

    async def build(
        self, session: AsyncSession, key: str, today: dt.date, expires_at: dt.datetime
    ) -> Workspace:
        return await create_scenario_workspace(
            session, NameChange("Demo agency"), NameChange(f"Demo of {key}"), key, expires_at
        )


@pytest.fixture
async def demo_http(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """A client (signed in as each request says) of a deployment that offers demo workspaces."""
    demo = DemoWorkspaces(BareScenarios(), dt.timedelta(hours=1), limit=100)
    async with signed_in(db, demo=demo) as client:
        yield client.http


@pytest.mark.parametrize("caller", MEMBERS + KEYS, ids=lambda caller: caller.name)
async def test_each_role_may_call_exactly_what_the_matrix_allows(
    caller: Caller, db: Database, gql: GraphQLClient, demo_http: httpx.AsyncClient
) -> None:
    world = await build_world(db, gql)
    who = Credentials(world, caller)
    rows = CATALOG if caller.scope is None else {key: CATALOG[key] for key in KEY_ROWS}
    failures = [
        failure
        for key, entry in rows.items()
        if (failure := await _check(world, demo_http, who, key, entry)) is not None
    ]
    assert not failures, "\n".join(failures)


async def test_a_role_on_a_workspace_has_no_say_over_its_organization(
    db: Database, gql: GraphQLClient, demo_http: httpx.AsyncClient
) -> None:
    """OWNER or ADMIN of workspace A (a member, or an ADMIN key of A) runs A, not the organization
    around it: what is decided on the organization is refused to them."""
    world = await build_world(db, gql)
    await auth.grant(db, "owner-of-a", Role.OWNER, workspace_id=db_id(world.a.workspace))
    await auth.grant(db, "admin-of-a", Role.ADMIN, workspace_id=db_id(world.a.workspace))
    callers = {
        "OWNER of A": auth.token("owner-of-a"),
        "ADMIN of A": auth.token("admin-of-a"),
        "ADMIN key of A": world.a.key_token,
    }
    decided_on_organization = [key for key, entry in CATALOG.items() if entry.on_organization]
    assert "createWorkspace" in decided_on_organization
    failures = []
    for who, credential in callers.items():
        calls = [
            (key, CATALOG[key].hidden, await CATALOG[key].build(world, world.a))
            for key in decided_on_organization
        ]
        calls.append(
            (
                "deleteOrganization of A's",
                False,
                Call("deleteOrganization", {"id": world.a.organization}, None, world.a.organization),
            )
        )
        for key, hidden, call in calls:
            expected = "NOT_FOUND" if hidden or call.organization != world.a.organization else "FORBIDDEN"
            problem = await refusal(db, demo_http, call, expected, auth.bearer(credential))
            if problem is not None:
                failures.append(f"{who} × {key}: {problem}")
        for key in ("updateWorkspace", "grantRole", "revokeApiKey", "createApiKey"):
            call = await CATALOG[key].build(world, world.a)
            if (payload := await send(demo_http, call, auth.bearer(credential)))["userErrors"]:
                failures.append(f"{who} × {key}: expected allowed, got {payload['userErrors']}")
    assert not failures, "\n".join(failures)
