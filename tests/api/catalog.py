"""A valid call of every mutation aimed at either side of the world, and what a refusal must look like.

The catalog (:data:`CATALOG`) says, for every mutation, how to call it validly on one side
of the world (:mod:`tests.api.world`): ``updateTactic`` on that side's tactic with its
current version, ``deleteTactic`` on a tactic made for the purpose (a call that consumes its
target gets a fresh one). Some mutations have more than one entry, where the target
decides the permission: a review decision and an ordinary step of ``transitionContentItem``,
an API key or a role on an organization rather than a workspace. :data:`CATALOG` must
hold an entry for every mutation of the schema; a test fails for one without.

A refused call (:func:`refusal`) is told user errors of the expected code and no other,
carries nothing in its payload and changes no row of the database.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
from graphql import GraphQLObjectType, GraphQLOutputType, get_named_type

from domain.access.roles import ORGANIZATION_ACTIONS, Action
from domain.content.models import ContentStatus
from domain.content.rules import action_for, path_to
from domain.persistence.database import Database
from schema.build import schema
from schema.mutation import ACTIONS, Open
from tests.api.helpers import ERRORS
from tests.api.world import GRAPHQL, Side, World, changed_tables, fingerprint, version

PREFLIGHT = {"Apollo-Require-Preflight": "true"}
S = ContentStatus

# -- calls ----------------------------------------------------------------------------------------------


def _selection(name: str, kind: GraphQLOutputType) -> str:
    named = get_named_type(kind)
    if name == "userErrors":
        return "userErrors { field message code }"
    if isinstance(named, GraphQLObjectType):
        return f"{name} {{ id }}"
    return name


def document(mutation: str) -> str:
    """``mutation($input: …Input!) { mutation(input: $input) { … userErrors } }``, every payload field
    selected (objects by their id)."""
    found = GRAPHQL.mutation_type.fields[mutation]  # type: ignore[union-attr]
    payload = get_named_type(found.type)
    assert isinstance(payload, GraphQLObjectType)
    selection = " ".join(_selection(name, each.type) for name, each in payload.fields.items())
    return f"mutation($input: {found.args['input'].type}) {{ {mutation}(input: $input) {{ {selection} }} }}"


@dataclass(frozen=True)
class Call:
    """A mutation ready to send, and the workspace and organization it acts in."""

    mutation: str
    input: dict[str, Any]
    workspace: str | None = None
    organization: str | None = None
    upload: bytes | None = None
    """A file for the input's ``file`` (sent as a GraphQL multipart request)."""

    @property
    def document(self) -> str:
        return document(self.mutation)


async def send(http: httpx.AsyncClient, call: Call, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """Post the call; GraphQL errors fail the test, user errors do not. Returns the payload."""
    if call.upload is None:
        response = await http.post(
            "/graphql", json={"query": call.document, "variables": {"input": call.input}}, headers=headers
        )
    else:
        operations = {"query": call.document, "variables": {"input": {**call.input, "file": None}}}
        response = await http.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
            files={"0": ("upload.csv", call.upload, "text/csv")},
            headers={**PREFLIGHT, **(headers or {})},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"][call.mutation]
    return payload


def results(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without its user errors."""
    return {key: value for key, value in payload.items() if key != "userErrors"}


# -- refusals -----------------------------------------------------------------------------------


def refusal_problem(payload: dict[str, Any], changed: list[str], code: str) -> str | None:
    """What is wrong with a call that had to be refused with ``code``: no user error or one of
    another code, a payload carrying anything, or tables it changed; None when it was refused as it
    should be. (A call naming several unknown records is told NOT_FOUND for each.)"""
    codes = {error["code"] for error in payload["userErrors"]}
    if codes != {code}:
        return f"expected refused with {code} only, got {payload['userErrors'] or results(payload)}"
    if any(value is not None for value in results(payload).values()):
        return f"refused, but the payload carries {results(payload)}"
    if changed:
        return f"refused, but these tables changed: {changed}"
    return None


async def refusal(
    db: Database, http: httpx.AsyncClient, call: Call, code: str, headers: dict[str, str] | None = None
) -> str | None:
    """Send a call that must be refused with ``code`` and change nothing: what went wrong, or None."""
    before = await fingerprint(db)
    payload = await send(http, call, headers)
    return refusal_problem(payload, changed_tables(before, await fingerprint(db)), code)


# -- the catalog --------------------------------------------------------------------------------

Input = Callable[[World, Side], dict[str, Any]]

#: A valid input of each mutation that makes something (or records figures) on a side: new names
#: and days every time, so that a second call makes something again.
MAKES: dict[str, Input] = {
    "createWorkspace": lambda w, s: {"organizationId": s.organization, "name": w.name("Workspace")},
    "createStrategy": lambda w, s: {"workspaceId": s.workspace, "name": w.name("Strategy")},
    "createStrategyFromTemplate": lambda w, s: {
        "workspaceId": s.workspace,
        "template": "FOUR_STEPS",
        "name": w.name("Template"),
    },
    "createTactic": lambda w, s: {"strategyId": s.strategy, "name": w.name("Tactic"), "kind": "INSIGHT"},
    "createAudience": lambda w, s: {"strategyId": s.strategy, "name": w.name("Audience")},
    "createChannel": lambda w, s: {
        "workspaceId": s.workspace,
        "platform": "TIKTOK",
        "name": w.name("Channel"),
    },
    "createKpi": lambda w, s: {
        "strategyId": s.strategy,
        "name": w.name("KPI"),
        "metric": "FOLLOWERS",
        "target": "500",
    },
    "createKpiMeasurement": lambda w, s: {"kpiId": s.kpis[0], "observedOn": w.day(), "value": "12"},
    "recordKpiMeasurements": lambda w, s: {
        "strategyId": s.strategy,
        "measurements": [{"kpiId": s.kpis[1], "observedOn": w.day(), "value": "7", "source": "API"}],
    },
    "createContentItem": lambda w, s: {"strategyId": s.strategy, "title": w.name("Item"), "format": "REEL"},
    "createContentMetric": lambda w, s: {
        "contentItemId": s.item,
        "metric": "IMPRESSIONS",
        "observedOn": w.day(),
        "value": "40",
    },
    "recordContentMetrics": lambda w, s: {
        "strategyId": s.strategy,
        "metrics": [{"contentItemId": s.item, "metric": "REACH", "observedOn": w.day(), "value": "8"}],
    },
    "addComment": lambda w, s: {"contentItemId": s.item, "body": w.name("Note")},
    "createApiKey": lambda w, s: {"workspaceId": s.workspace, "name": w.name("Key"), "scopes": ["READ"]},
    "createApiKey:organization": lambda w, s: {
        "organizationId": s.organization,
        "name": w.name("Key"),
        "scopes": ["WRITE"],
    },
    "grantRole": lambda w, s: {"workspaceId": s.workspace, "subject": w.name("new"), "role": "STRATEGIST"},
    "grantRole:organization": lambda w, s: {
        "organizationId": s.organization,
        "subject": w.name("new"),
        "role": "VIEWER",
    },
}

#: The update mutations: which record of a side they change, and which field.
CHANGES: dict[str, tuple[Callable[[Side], str], str]] = {
    "updateOrganization": (lambda s: s.organization, "name"),
    "updateWorkspace": (lambda s: s.workspace, "name"),
    "updateStrategy": (lambda s: s.strategy, "name"),
    "updateTactic": (lambda s: s.tactics[0], "description"),
    "updateAudience": (lambda s: s.audience, "buyingNotes"),
    "updateChannel": (lambda s: s.channels[0], "handle"),
    "updateStrategyChannel": (lambda s: s.strategy_channel, "rationale"),
    "updateKpi": (lambda s: s.kpis[0], "description"),
    "updateKpiMeasurement": (lambda s: s.measurement, "value"),
    "updateContentItem": (lambda s: s.item, "brief"),
    "updateContentMetric": (lambda s: s.metric, "value"),
}

#: The mutations that remove a record (or revoke a key or role): what makes the one they consume,
#: and what else they take.
REMOVES: dict[str, tuple[str, dict[str, Any]]] = {
    "deleteWorkspace": ("createWorkspace", {}),
    "deleteStrategy": ("createStrategy", {}),
    "deleteTactic": ("createTactic", {"onContent": "UNMAP"}),
    "deleteAudience": ("createAudience", {}),
    "deleteChannel": ("createChannel", {"onContent": "UNMAP"}),
    "deleteStrategyChannel": ("createStrategyChannel", {}),
    "deleteKpi": ("createKpi", {"onContent": "UNMAP"}),
    "deleteKpiMeasurement": ("createKpiMeasurement", {}),
    "deleteContentItem": ("createContentItem", {}),
    "deleteContentMetric": ("createContentMetric", {}),
    "revokeApiKey": ("createApiKey", {}),
    "revokeApiKey:organization": ("createApiKey:organization", {}),
    "revokeRole": ("grantRole", {}),
    "revokeRole:organization": ("grantRole:organization", {}),
}

#: Entries whose target, not the mutation, decides what they need.
ON_ORGANIZATION: dict[str, Action | Open] = dict.fromkeys(
    [f"{mutation}:organization" for mutation in ("createApiKey", "revokeApiKey", "grantRole", "revokeRole")],
    Action.MANAGE_ORGANIZATION,
)

#: An API key is shown only to who may manage it: anyone else is told NOT_FOUND.
HIDDEN = {"revokeApiKey", "revokeApiKey:organization"}


def _mutation(key: str) -> str:
    return key.split(":", 1)[0]


async def make_input(world: World, side: Side, key: str) -> dict[str, Any]:
    """A valid input of the entry ``key`` of :data:`MAKES` (or ``createStrategyChannel``)."""
    if key == "createStrategyChannel":
        channel = await made(world, side, "createChannel")
        return {"strategyId": side.strategy, "channelId": channel, "role": "Answers"}
    return MAKES[key](world, side)


async def made(world: World, side: Side, key: str, **extra: Any) -> str:
    """The id of a record the operator makes on the side through the entry ``key``."""
    payload = await send(
        world.gql.http, Call(_mutation(key), {**await make_input(world, side, key), **extra})
    )
    assert payload["userErrors"] == [], payload["userErrors"]
    (record,) = (value for value in results(payload).values() if isinstance(value, dict))
    made_id: str = record["id"]
    return made_id


TRANSITION = f"""
mutation($input: TransitionContentItemInput!) {{
  transitionContentItem(input: $input) {{ contentItem {{ version }} {ERRORS} }}
}}
"""


async def item_in(world: World, side: Side, status: ContentStatus) -> tuple[str, int]:
    """A new item, mapped and planned, moved to ``status`` by the operator; its id and version."""
    mapping = {"tacticId": side.tactics[0], "primaryKpiId": side.kpis[0], "plannedAt": "2030-01-01T09:00:00Z"}
    item = await made(world, side, "createContentItem", **mapping)
    current = 1
    for step in path_to(status):
        payload = await world.gql.mutate(TRANSITION, input={"id": item, "version": current, "to": step.value})
        current = payload["contentItem"]["version"]
    return item, current


Build = Callable[[World, Side], Awaitable[Call]]


@dataclass(frozen=True)
class Entry:
    """How to call one mutation validly on a side of the world, and what the call needs."""

    mutation: str
    build: Build
    action: Action | Open
    """What a role must allow: what the mutation declares, or what its target or step decides."""
    hidden: bool = False
    """The target is shown only to who may do the action: anyone else is told NOT_FOUND, not FORBIDDEN."""

    @property
    def on_organization(self) -> bool:
        """Whether the action is decided on the organization (else on the workspace)."""
        return self.action in ORGANIZATION_ACTIONS


def python_names() -> dict[str, str]:
    """Every mutation of the schema: its GraphQL name → its Python name (as ACTIONS keys it)."""
    mutation_type = schema.get_type_by_name("Mutation")
    converter = schema.config.name_converter
    return {converter.from_field(each): each.python_name for each in mutation_type.fields}  # type: ignore[union-attr]


PYTHON_NAMES = python_names()
CATALOG: dict[str, Entry] = {}


def register(key: str, build: Build, action: Action | Open | None = None) -> None:
    """Enter ``build`` under ``key`` (``mutation`` or ``mutation:variant``)."""
    mutation = _mutation(key)
    if action is None:
        action = ON_ORGANIZATION.get(key, ACTIONS[PYTHON_NAMES[mutation]])
    CATALOG[key] = Entry(mutation, build, action, key in HIDDEN)


def _in(side: Side, mutation: str, input: dict[str, Any]) -> Call:
    """A call acting in the side's workspace (and organization)."""
    return Call(mutation, input, side.workspace, side.organization)


def _making(key: str) -> Build:
    async def build(world: World, side: Side) -> Call:
        return _in(side, _mutation(key), await make_input(world, side, key))

    return build


def _changing(mutation: str, target: Callable[[Side], str], field_name: str) -> Build:
    async def build(world: World, side: Side) -> Call:
        id_ = target(side)
        value = str(world.fresh()) if field_name == "value" else world.name("Changed")
        return _in(side, mutation, {"id": id_, "version": await version(world, id_), field_name: value})

    return build


def _removing(key: str, maker: str, extra: dict[str, Any]) -> Build:
    async def build(world: World, side: Side) -> Call:
        id_ = await made(world, side, maker)
        workspace = id_ if maker == "createWorkspace" else side.workspace
        return Call(_mutation(key), {"id": id_, **extra}, workspace, side.organization)

    return build


def _stepping(start: ContentStatus, to: ContentStatus, comment: str | None = None) -> Build:
    async def build(world: World, side: Side) -> Call:
        item, current = await item_in(world, side, start)
        input = {"id": item, "version": current, "to": to.value}
        return _in(side, "transitionContentItem", input | ({"comment": comment} if comment else {}))

    return build


async def _create_organization(world: World, side: Side) -> Call:
    return Call("createOrganization", {"name": world.name("Agency")})


async def _delete_organization(world: World, side: Side) -> Call:
    """On an organization made for the purpose (with nothing of the side in it)."""
    organization = await send(world.gql.http, await _create_organization(world, side))
    id_: str = organization["organization"]["id"]
    return Call("deleteOrganization", {"id": id_}, None, id_)


async def _create_demo_workspace(world: World, side: Side) -> Call:
    return Call("createDemoWorkspace", {"scenario": "bakery-da"})


async def _import_kpi_measurements(world: World, side: Side) -> Call:
    csv = f"kpi,observed_on,value\n{side.kpis[1]},{world.day()},9\n".encode()
    return Call(
        "importKpiMeasurements", {"strategyId": side.strategy}, side.workspace, side.organization, csv
    )


def _mapping(many: bool) -> Build:
    async def build(world: World, side: Side) -> Call:
        item = await made(world, side, "createContentItem")
        mapping = {"id": item, "tacticId": side.tactics[1], "primaryKpiId": side.kpis[1]}
        if many:
            return _in(side, "mapContentItems", {"items": [mapping]})
        return _in(side, "mapContentItem", mapping)

    return build


for _key in [*MAKES, "createStrategyChannel"]:
    register(_key, _making(_key))
for _key, (_target, _field) in CHANGES.items():
    register(_key, _changing(_key, _target, _field))
for _key, (_maker, _extra) in REMOVES.items():
    register(_key, _removing(_key, _maker, _extra))
register("createOrganization", _create_organization)
register("deleteOrganization", _delete_organization)
register("createDemoWorkspace", _create_demo_workspace)
register("importKpiMeasurements", _import_kpi_measurements)
register("mapContentItem", _mapping(many=False))
register("mapContentItems", _mapping(many=True))

#: Steps of the workflow: ordinary moves and review decisions, each needing what the workflow says.
STEPS = {
    "transitionContentItem": (S.DRAFT, S.IN_REVIEW, None),
    "transitionContentItem:schedule": (S.APPROVED, S.SCHEDULED, None),
    "transitionContentItem:approve": (S.IN_REVIEW, S.APPROVED, None),
    "transitionContentItem:request-changes": (S.IN_REVIEW, S.DRAFT, "Shorter, please."),
}
for _key, (_start, _to, _comment) in STEPS.items():
    register(_key, _stepping(_start, _to, _comment), action_for(_start, _to))
