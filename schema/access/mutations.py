"""Mutations on API keys and roles."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access import api_keys, members
from domain.access.api_keys import KeyRequest, NewKey
from domain.access.members import Grant, Target
from domain.access.models import ApiKey as ApiKeyRow
from domain.access.models import Membership as MembershipRow
from domain.access.roles import Action, KeyScope, Role
from domain.scope import Scope
from schema import ids
from schema.access.types import ApiKey, Membership
from schema.context import Info
from schema.descriptions import NAME, USER_ERRORS, Input
from schema.errors import UserError
from schema.mutation import decode, performs, run


@strawberry.input(
    description=(
        "A new API key, for an organization (every workspace in it) or for one workspace: give "
        "`organizationId` or `workspaceId` (REQUIRED), not both (AMBIGUOUS_TARGET)."
    )
)
class CreateApiKeyInput:
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a key that reaches every workspace of the organization."
    )
    workspace_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a key that reaches this one workspace."
    )
    name: str = strawberry.field(description=f"What the key is for, e.g. the integration using it: {NAME}.")
    scopes: list[KeyScope] = strawberry.field(
        description=(
            "What the key may do; at least one (else REQUIRED). It acts with the role of its widest scope."
        )
    )
    expires_at: dt.datetime | None = strawberry.field(
        default=None,
        description=(
            "When the key stops working, in the future (else OUT_OF_RANGE); without an offset, UTC. "
            "Null: never."
        ),
    )


@strawberry.input(description="The API key to revoke.")
class RevokeApiKeyInput:
    id: strawberry.ID = strawberry.field(description="The API key to revoke.")


@strawberry.input(
    description=(
        "A role for a member on an organization or on one workspace: give `organizationId` or "
        "`workspaceId` (REQUIRED), not both (AMBIGUOUS_TARGET)."
    )
)
class GrantRoleInput:
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a role on the organization (in all its workspaces)."
    )
    workspace_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a role on this one workspace."
    )
    subject: str = strawberry.field(
        description="The member's subject at the identity provider (the `sub` of their sign-in token)."
    )
    role: Role = strawberry.field(
        description="The role to give; making an OWNER needs an OWNER (else FORBIDDEN)."
    )


@strawberry.input(description="The membership (a role held) to remove.")
class RevokeRoleInput:
    id: strawberry.ID = strawberry.field(description="The id of the Membership to remove.")


@strawberry.type(description="What `createApiKey` did.")
class CreateApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(description="The new key; null when refused.")
    token: str | None = strawberry.field(
        description=(
            "The whole key, to send as `Authorization: Bearer <token>`. Shown only here, once: "
            "redthread keeps only a hash of it."
        )
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `revokeApiKey` did.")
class RevokeApiKeyPayload:
    api_key: ApiKey | None = strawberry.field(description="The key, now REVOKED; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `grantRole` did.")
class GrantRolePayload:
    membership: Membership | None = strawberry.field(
        description="The membership with the role granted; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `revokeRole` did.")
class RevokeRolePayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="The id of the membership removed.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _target(organization_id: strawberry.ID | None, workspace_id: strawberry.ID | None) -> Target:
    return Target.one_of(
        ids.decode_optional(organization_id, "Organization", "organization_id"),
        ids.decode_optional(workspace_id, "Workspace", "workspace_id"),
    )


def _api_key(row: ApiKeyRow | None) -> ApiKey | None:
    return ApiKey.from_row(row) if row is not None else None


@strawberry.type
class AccessMutations:
    @strawberry.field(
        description=(
            "Create an API key for an organization (needs ADMIN or OWNER on it) or one workspace "
            "(needs a role that manages the workspace). The payload's `token` is the only time the "
            "key is shown."
        )
    )
    @performs(Action.MANAGE_WORKSPACE)
    async def create_api_key(self, info: Info, input: Input[CreateApiKeyInput]) -> CreateApiKeyPayload:
        async def body(session: AsyncSession, scope: Scope) -> NewKey:
            target = _target(input.organization_id, input.workspace_id)
            request = KeyRequest(input.name, list(input.scopes), input.expires_at)
            now = dt.datetime.now(dt.UTC)
            return await api_keys.create_api_key(session, scope, target, request, now)

        created, errors = await run(info, body)
        if created is None:
            return CreateApiKeyPayload(api_key=None, token=None, user_errors=errors)
        return CreateApiKeyPayload(api_key=ApiKey.from_row(created.key), token=created.token, user_errors=[])

    @strawberry.field(description="Revoke an API key at once; requests with it are refused from now on.")
    @performs(Action.MANAGE_WORKSPACE)
    async def revoke_api_key(self, info: Info, input: Input[RevokeApiKeyInput]) -> RevokeApiKeyPayload:
        async def body(session: AsyncSession, scope: Scope) -> ApiKeyRow:
            key_id = decode(input.id, "ApiKey")
            return await api_keys.revoke_api_key(session, scope, key_id, dt.datetime.now(dt.UTC))

        row, errors = await run(info, body)
        return RevokeApiKeyPayload(api_key=_api_key(row), user_errors=errors)

    @strawberry.field(
        description=(
            "Give a member (known by their sign-in subject; made if new) a role on an organization or "
            "a workspace; granting again changes the role. Only an OWNER makes owners. A member's name "
            "and email come from their own sign-in only: one made here has neither until they sign in."
        )
    )
    @performs(Action.MANAGE_WORKSPACE)
    async def grant_role(self, info: Info, input: Input[GrantRoleInput]) -> GrantRolePayload:
        async def body(session: AsyncSession, scope: Scope) -> MembershipRow:
            target = _target(input.organization_id, input.workspace_id)
            grant = Grant(input.subject, input.role)
            return await members.grant_role(session, scope, target, grant)

        row, errors = await run(info, body)
        return GrantRolePayload(
            membership=Membership.from_row(row) if row is not None else None, user_errors=errors
        )

    @strawberry.field(
        description="Remove a member's role. An organization keeps at least one OWNER (LAST_OWNER)."
    )
    @performs(Action.MANAGE_WORKSPACE)
    async def revoke_role(self, info: Info, input: Input[RevokeRoleInput]) -> RevokeRolePayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await members.revoke_role(session, scope, decode(input.id, "Membership"))
            return input.id

        deleted, errors = await run(info, body)
        return RevokeRolePayload(deleted_id=deleted, user_errors=errors)
