"""Who may act in redthread: members, their roles (memberships), API keys, and the actor they act as.

An API key is shown by its name, prefix and scopes; its secret and the secret's hash never
leave the database (the read side does not even select the hash).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import strawberry
from sqlalchemy import Row, select

from domain.access import api_keys, members
from domain.access.api_keys import KeyStatus
from domain.access.models import ApiKey as ApiKeyRow
from domain.access.models import Member as MemberRow
from domain.access.models import Membership as MembershipRow
from domain.access.roles import KeyScope, Role
from domain.scope import ActorKind, Scope
from schema import ids
from schema.context import Info
from schema.descriptions import CREATED_AT, VERSION
from schema.loading import ConnectionSpec, Loaded, NodeSpec
from schema.relay import Node, load_by_id, load_required, register, relation
from schema.tenancy.types import ORGANIZATION, WORKSPACE, Organization, Workspace

member_table = MemberRow.__table__
membership_table = MembershipRow.__table__
api_key_table = ApiKeyRow.__table__
#: The key columns the read side selects: everything but the secret's hash.
api_key_view = select(*(column for column in api_key_table.c if column.name != "secret_hash")).subquery(
    "api_key"
)

# -- types -------------------------------------------------------------------------------------


@strawberry.type(description="A person working in redthread, known by their sign-in.")
class Member(Node):
    db_id: strawberry.Private[uuid.UUID]
    name: str | None = strawberry.field(
        description=(
            "Their name, from their own sign-in (never from whoever granted them a role); null until "
            "they sign in, or if their sign-in gives none."
        )
    )
    login: strawberry.Private[str]
    address: strawberry.Private[str | None]
    created_at: dt.datetime = strawberry.field(
        description="When the member became known: their first sign-in, or the first role granted to them."
    )

    @classmethod
    def from_row(cls, row: Row[Any] | MemberRow) -> Member:
        return cls(
            id=strawberry.ID(ids.encode("Member", row.id)),
            db_id=row.id,
            name=row.name,
            login=row.subject,
            address=row.email,
            created_at=row.created_at,
        )

    @strawberry.field(
        description=(
            "Their email address, from their own sign-in, shown to the people they work with; null until "
            "they sign in, or if their sign-in gives none."
        )
    )
    def email(self, info: Info) -> str | None:
        return None if _anonymous(info) else self.address

    @strawberry.field(
        description=(
            "Their subject at the identity provider, as `grantRole` takes it; shown to the people "
            "they work with."
        )
    )
    def subject(self, info: Info) -> str | None:
        return None if _anonymous(info) else self.login


def _anonymous(info: Info) -> bool:
    """A demo visitor sees who works on the demo, not how to reach them."""
    return info.context.scope.actor.kind is ActorKind.DEMO_VISITOR


@strawberry.type(description="A member's role on an organization (all its workspaces) or on one workspace.")
class Membership(Node):
    db_id: strawberry.Private[uuid.UUID]
    member_id: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID | None]
    workspace_id: strawberry.Private[uuid.UUID | None]
    role: Role = strawberry.field(description="The role held; `grantRole` again changes it.")
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description="When the role was first granted.")
    updated_at: dt.datetime = strawberry.field(description="When the role last changed.")

    @classmethod
    def from_row(cls, row: Row[Any] | MembershipRow) -> Membership:
        return cls(
            id=strawberry.ID(ids.encode("Membership", row.id)),
            db_id=row.id,
            member_id=row.member_id,
            organization_id=row.organization_id,
            workspace_id=row.workspace_id,
            role=row.role,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @relation(Member, "The member holding the role.")
    def member(self, info: Info) -> Loaded[Member]:
        return load_required(info, MEMBER, self.member_id)

    @relation(
        Organization | None,
        description="The organization the role is held on; null for a role on a workspace.",
    )
    def organization(self, info: Info) -> Loaded[Organization | None]:
        return load_by_id(info, ORGANIZATION, self.organization_id)

    @relation(
        Workspace | None, description="The workspace the role is held on; null for a role on an organization."
    )
    def workspace(self, info: Info) -> Loaded[Workspace | None]:
        return load_by_id(info, WORKSPACE, self.workspace_id)


@strawberry.type(
    description=(
        "A key an integration sends as `Authorization: Bearer <token>`. The token is shown once, "
        "when the key is created; redthread keeps only a hash of its secret."
    )
)
class ApiKey(Node):
    db_id: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID]
    workspace_id: strawberry.Private[uuid.UUID | None]
    created_by_id: strawberry.Private[uuid.UUID | None]
    name: str = strawberry.field(description="What the key is for, e.g. the integration using it.")
    prefix: str = strawberry.field(description="The start of the token (`rtk_…`), to tell keys apart.")
    scopes: list[KeyScope] = strawberry.field(
        description="What the key may do; it acts with the role of its widest scope."
    )
    status: KeyStatus = strawberry.field(description="Whether the key works now.")
    expires_at: dt.datetime | None = strawberry.field(description="When the key stops working; null: never.")
    revoked_at: dt.datetime | None = strawberry.field(
        description="When the key was revoked; null: it was not."
    )
    last_used_at: dt.datetime | None = strawberry.field(
        description="When a request last used the key (to the minute); null if never."
    )
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | ApiKeyRow) -> ApiKey:
        return cls(
            id=strawberry.ID(ids.encode("ApiKey", row.id)),
            db_id=row.id,
            organization_id=row.organization_id,
            workspace_id=row.workspace_id,
            created_by_id=row.created_by_id,
            name=row.name,
            prefix=row.prefix,
            scopes=list(row.scopes),
            status=api_keys.status(row.revoked_at, row.expires_at, dt.datetime.now(dt.UTC)),
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            last_used_at=row.last_used_at,
            created_at=row.created_at,
        )

    @relation(Organization, "The organization the key belongs to.")
    def organization(self, info: Info) -> Loaded[Organization]:
        return load_required(info, ORGANIZATION, self.organization_id)

    @relation(
        Workspace | None,
        description="The one workspace the key reaches; null: every workspace of the organization.",
    )
    def workspace(self, info: Info) -> Loaded[Workspace | None]:
        return load_by_id(info, WORKSPACE, self.workspace_id)

    @relation(Member | None, description="Who created the key; null when the service or another key did.")
    def created_by(self, info: Info) -> Loaded[Member | None]:
        return load_by_id(info, MEMBER, self.created_by_id)


# -- who acts --------------------------------------------------------------------------------------


@strawberry.type(
    description=(
        "Who acts: a member, an integration (API key), a demo visitor or the service. The one who "
        "calls (`viewer`), made a change (`Activity`) or wrote a comment (`Comment`)."
    )
)
class Actor:
    kind: ActorKind = strawberry.field(description="What kind of actor.")
    name: str = strawberry.field(
        description="Their name; for a change or a comment, as it was when they made it."
    )
    id: strawberry.ID | None = strawberry.field(
        description="The global ID of the Member or ApiKey; null for a demo visitor or the service."
    )
    member_id: strawberry.Private[uuid.UUID | None]

    @classmethod
    def of(cls, kind: ActorKind, id_: uuid.UUID | None, name: str) -> Actor:
        type_name = ids.NAMED_BY_ACTOR.get(kind)
        global_id = strawberry.ID(ids.encode(type_name, id_)) if type_name and id_ is not None else None
        return cls(kind=kind, name=name, id=global_id, member_id=id_ if kind is ActorKind.MEMBER else None)

    @relation(
        Member | None,
        description="The member, when a member acts; null for anyone else, or a member you may not see.",
    )
    def member(self, info: Info) -> Loaded[Member | None]:
        return load_by_id(info, MEMBER, self.member_id)


# -- specs -----------------------------------------------------------------------------------------


def _memberships_seen(scope: Scope) -> Any:
    return members.memberships_seen(
        scope, membership_table.c.organization_id, membership_table.c.workspace_id
    )


def _keys_managed(scope: Scope) -> Any:
    return api_keys.managed(scope, api_key_view.c.organization_id, api_key_view.c.workspace_id)


MEMBER = register(
    "Member",
    NodeSpec(
        member_table,
        member_table.c.id,
        lambda scope: members.members_seen(scope, member_table.c.id),
        Member.from_row,
    ),
)
MEMBERSHIP = register(
    "Membership", NodeSpec(membership_table, membership_table.c.id, _memberships_seen, Membership.from_row)
)
API_KEY = register("ApiKey", NodeSpec(api_key_view, api_key_view.c.id, _keys_managed, ApiKey.from_row))


def _memberships_by(parent: Any) -> ConnectionSpec[Membership]:
    return ConnectionSpec(
        source=membership_table,
        columns=list(membership_table.c),
        parent=parent,
        visible=_memberships_seen,
        order=[membership_table.c.created_at, membership_table.c.id],
        convert=Membership.from_row,
    )


MEMBERSHIPS_OF_MEMBER = _memberships_by(membership_table.c.member_id)
MEMBERSHIPS_OF_ORGANIZATION = _memberships_by(membership_table.c.organization_id)
MEMBERSHIPS_OF_WORKSPACE = _memberships_by(membership_table.c.workspace_id)
API_KEYS_OF_ORGANIZATION = ConnectionSpec(
    source=api_key_view,
    columns=list(api_key_view.c),
    parent=api_key_view.c.organization_id,
    visible=_keys_managed,
    order=[api_key_view.c.created_at, api_key_view.c.id],
    convert=ApiKey.from_row,
)
