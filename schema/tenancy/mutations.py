"""Mutations on organizations and workspaces."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain.tenancy import services
from domain.tenancy.models import Organization as OrganizationRow
from domain.tenancy.models import Workspace as WorkspaceRow
from domain.tenancy.services import NameChange
from schema.context import Info
from schema.errors import UserError
from schema.mutation import decode, run
from schema.tenancy.types import Organization, Workspace


@strawberry.input
class CreateOrganizationInput:
    name: str


@strawberry.input
class UpdateOrganizationInput:
    id: strawberry.ID
    version: int
    name: str


@strawberry.input
class DeleteOrganizationInput:
    id: strawberry.ID


@strawberry.input
class CreateWorkspaceInput:
    organization_id: strawberry.ID
    name: str


@strawberry.input
class UpdateWorkspaceInput:
    id: strawberry.ID
    version: int
    name: str


@strawberry.input
class DeleteWorkspaceInput:
    id: strawberry.ID


@strawberry.type
class CreateOrganizationPayload:
    organization: Organization | None
    user_errors: list[UserError]


@strawberry.type
class UpdateOrganizationPayload:
    organization: Organization | None
    user_errors: list[UserError]


@strawberry.type
class DeleteOrganizationPayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class CreateWorkspacePayload:
    workspace: Workspace | None
    user_errors: list[UserError]


@strawberry.type
class UpdateWorkspacePayload:
    workspace: Workspace | None
    user_errors: list[UserError]


@strawberry.type
class DeleteWorkspacePayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


def _organization(row: OrganizationRow | None) -> Organization | None:
    return Organization.from_row(row) if row is not None else None


def _workspace(row: WorkspaceRow | None) -> Workspace | None:
    return Workspace.from_row(row) if row is not None else None


@strawberry.type
class TenancyMutations:
    @strawberry.field(description="Create an organization (an agency or a brand).")
    async def create_organization(
        self, info: Info, input: CreateOrganizationInput
    ) -> CreateOrganizationPayload:
        async def body(session: AsyncSession) -> OrganizationRow:
            return await services.create_organization(session, NameChange(input.name))

        row, errors = await run(info, body)
        return CreateOrganizationPayload(organization=_organization(row), user_errors=errors)

    @strawberry.field(description="Rename an organization.")
    async def update_organization(
        self, info: Info, input: UpdateOrganizationInput
    ) -> UpdateOrganizationPayload:
        async def body(session: AsyncSession) -> OrganizationRow:
            id_ = decode(input.id, "Organization")
            return await services.update_organization(
                session, info.context.scope, id_, input.version, NameChange(input.name)
            )

        row, errors = await run(info, body)
        return UpdateOrganizationPayload(organization=_organization(row), user_errors=errors)

    @strawberry.field(description="Delete an organization with all its workspaces and everything in them.")
    async def delete_organization(
        self, info: Info, input: DeleteOrganizationInput
    ) -> DeleteOrganizationPayload:
        async def body(session: AsyncSession) -> strawberry.ID:
            await services.delete_organization(session, info.context.scope, decode(input.id, "Organization"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteOrganizationPayload(deleted_id=deleted, user_errors=errors)

    @strawberry.field(description="Create a workspace (one client or brand) in an organization.")
    async def create_workspace(self, info: Info, input: CreateWorkspaceInput) -> CreateWorkspacePayload:
        async def body(session: AsyncSession) -> WorkspaceRow:
            organization_id = decode(input.organization_id, "Organization", "organization_id")
            return await services.create_workspace(
                session, info.context.scope, organization_id, NameChange(input.name)
            )

        row, errors = await run(info, body)
        return CreateWorkspacePayload(workspace=_workspace(row), user_errors=errors)

    @strawberry.field(description="Rename a workspace.")
    async def update_workspace(self, info: Info, input: UpdateWorkspaceInput) -> UpdateWorkspacePayload:
        async def body(session: AsyncSession) -> WorkspaceRow:
            id_ = decode(input.id, "Workspace")
            return await services.update_workspace(
                session, info.context.scope, id_, input.version, NameChange(input.name)
            )

        row, errors = await run(info, body)
        return UpdateWorkspacePayload(workspace=_workspace(row), user_errors=errors)

    @strawberry.field(description="Delete a workspace and everything in it.")
    async def delete_workspace(self, info: Info, input: DeleteWorkspaceInput) -> DeleteWorkspacePayload:
        async def body(session: AsyncSession) -> strawberry.ID:
            await services.delete_workspace(session, info.context.scope, decode(input.id, "Workspace"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteWorkspacePayload(deleted_id=deleted, user_errors=errors)
