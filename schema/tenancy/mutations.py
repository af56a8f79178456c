"""Mutations on organizations and workspaces."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.roles import Action, Role
from domain.scope import Scope
from domain.tenancy import services
from domain.tenancy.models import Organization as OrganizationRow
from domain.tenancy.models import Workspace as WorkspaceRow
from domain.tenancy.services import NameChange
from schema.context import Info
from schema.descriptions import DELETED_ID, GIVEN_VERSION, NAME, USER_ERRORS, Input
from schema.errors import UserError
from schema.mutation import Open, decode, performs, run
from schema.tenancy.types import Organization, Workspace

ORGANIZATION_NAME = f"The organization's name: {NAME}."
WORKSPACE_NAME = f"The workspace's name: {NAME}."


@strawberry.input(description="A new organization; you become its OWNER.")
class CreateOrganizationInput:
    name: str = strawberry.field(description=ORGANIZATION_NAME)


@strawberry.input(description="A new name for an organization.")
class UpdateOrganizationInput:
    id: strawberry.ID = strawberry.field(description="The organization to rename.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    name: str = strawberry.field(description=ORGANIZATION_NAME)


@strawberry.input(description="The organization to delete, with all its workspaces.")
class DeleteOrganizationInput:
    id: strawberry.ID = strawberry.field(description="The organization to delete.")


@strawberry.input(description="A new workspace in an organization.")
class CreateWorkspaceInput:
    organization_id: strawberry.ID = strawberry.field(
        description="The organization the workspace belongs to."
    )
    name: str = strawberry.field(description=WORKSPACE_NAME)


@strawberry.input(description="A new name for a workspace.")
class UpdateWorkspaceInput:
    id: strawberry.ID = strawberry.field(description="The workspace to rename.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    name: str = strawberry.field(description=WORKSPACE_NAME)


@strawberry.input(description="The workspace to delete, with everything in it.")
class DeleteWorkspaceInput:
    id: strawberry.ID = strawberry.field(description="The workspace to delete.")


@strawberry.type(description="What `createOrganization` did.")
class CreateOrganizationPayload:
    organization: Organization | None = strawberry.field(
        description="The new organization; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateOrganization` did.")
class UpdateOrganizationPayload:
    organization: Organization | None = strawberry.field(
        description="The organization as renamed; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteOrganization` did.")
class DeleteOrganizationPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `createWorkspace` did.")
class CreateWorkspacePayload:
    workspace: Workspace | None = strawberry.field(description="The new workspace; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateWorkspace` did.")
class UpdateWorkspacePayload:
    workspace: Workspace | None = strawberry.field(description="The workspace as renamed; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteWorkspace` did.")
class DeleteWorkspacePayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _organization(row: OrganizationRow | None) -> Organization | None:
    return Organization.from_row(row) if row is not None else None


def _workspace(row: WorkspaceRow | None) -> Workspace | None:
    return Workspace.from_row(row) if row is not None else None


@strawberry.type
class TenancyMutations:
    @strawberry.field(description="Create an organization (an agency or a brand).")
    @performs(Open.MEMBER)
    async def create_organization(
        self, info: Info, input: Input[CreateOrganizationInput]
    ) -> CreateOrganizationPayload:
        async def body(session: AsyncSession, scope: Scope) -> OrganizationRow:
            return await services.create_organization(session, scope, NameChange(input.name))

        row, errors = await run(info, body)
        if row is not None:
            info.context.widen(info.context.scope.including(frozenset({Role.OWNER}), organization_id=row.id))
        return CreateOrganizationPayload(organization=_organization(row), user_errors=errors)

    @strawberry.field(description="Rename an organization.")
    @performs(Action.MANAGE_ORGANIZATION)
    async def update_organization(
        self, info: Info, input: Input[UpdateOrganizationInput]
    ) -> UpdateOrganizationPayload:
        async def body(session: AsyncSession, scope: Scope) -> OrganizationRow:
            id_ = decode(input.id, "Organization")
            return await services.update_organization(
                session, scope, id_, input.version, NameChange(input.name)
            )

        row, errors = await run(info, body)
        return UpdateOrganizationPayload(organization=_organization(row), user_errors=errors)

    @strawberry.field(description="Delete an organization with all its workspaces and everything in them.")
    @performs(Action.DELETE_ORGANIZATION)
    async def delete_organization(
        self, info: Info, input: Input[DeleteOrganizationInput]
    ) -> DeleteOrganizationPayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await services.delete_organization(session, scope, decode(input.id, "Organization"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteOrganizationPayload(deleted_id=deleted, user_errors=errors)

    @strawberry.field(description="Create a workspace (one client or brand) in an organization.")
    @performs(Action.MANAGE_ORGANIZATION)
    async def create_workspace(
        self, info: Info, input: Input[CreateWorkspaceInput]
    ) -> CreateWorkspacePayload:
        async def body(session: AsyncSession, scope: Scope) -> WorkspaceRow:
            organization_id = decode(input.organization_id, "Organization", "organization_id")
            return await services.create_workspace(session, scope, organization_id, NameChange(input.name))

        row, errors = await run(info, body)
        if row is not None:
            scope = info.context.scope
            roles = scope.organization_roles.get(row.organization_id, frozenset())
            info.context.widen(scope.including(roles, workspace_id=row.id))
        return CreateWorkspacePayload(workspace=_workspace(row), user_errors=errors)

    @strawberry.field(description="Rename a workspace.")
    @performs(Action.MANAGE_WORKSPACE)
    async def update_workspace(
        self, info: Info, input: Input[UpdateWorkspaceInput]
    ) -> UpdateWorkspacePayload:
        async def body(session: AsyncSession, scope: Scope) -> WorkspaceRow:
            id_ = decode(input.id, "Workspace")
            return await services.update_workspace(session, scope, id_, input.version, NameChange(input.name))

        row, errors = await run(info, body)
        return UpdateWorkspacePayload(workspace=_workspace(row), user_errors=errors)

    @strawberry.field(description="Delete a workspace and everything in it.")
    @performs(Action.MANAGE_WORKSPACE)
    async def delete_workspace(
        self, info: Info, input: Input[DeleteWorkspaceInput]
    ) -> DeleteWorkspacePayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await services.delete_workspace(session, scope, decode(input.id, "Workspace"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteWorkspacePayload(deleted_id=deleted, user_errors=errors)
