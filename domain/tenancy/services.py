"""Create, rename and remove organizations and workspaces."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.access.models import Membership
from domain.access.roles import Action, Role
from domain.errors import DomainError, ErrorCode, Problems
from domain.scope import ActorKind, Scope, forbidden
from domain.tenancy.models import Organization, Workspace


@dataclass(frozen=True, slots=True)
class NameChange:
    name: str


async def create_organization(session: AsyncSession, scope: Scope, change: NameChange) -> Organization:
    """A new organization; the member creating it becomes its OWNER."""
    if scope.actor.kind not in (ActorKind.MEMBER, ActorKind.SYSTEM):
        raise DomainError.of(
            ErrorCode.FORBIDDEN, "Only a signed-in member may create an organization.", "name"
        )
    problems = Problems()
    name = values.name(problems, change.name, "name")
    problems.raise_if_any()
    organization = Organization(name=name)
    session.add(organization)
    await session.flush()
    if scope.actor.member_id is not None:
        session.add(
            Membership(member_id=scope.actor.member_id, organization_id=organization.id, role=Role.OWNER)
        )
        await session.flush()
    return organization


def organizations_seen(scope: Scope, column: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    """Rows whose ``column`` names an organization the caller sees: one they hold a role on,
    or one holding a workspace they see."""
    if scope.is_everything:
        return true()
    in_scope = select(Workspace.organization_id).where(scope.where(Workspace.id))
    return or_(column.in_(in_scope), column.in_(list(scope.organization_roles)))


async def organization_in_scope(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, action: Action, *field: str
) -> Organization:
    """The organization, locked, if the caller may see it (a role on it or on one of its workspaces).

    NOT_FOUND otherwise; FORBIDDEN when their role on the organization does not allow ``action``.
    """
    field = field or ("id",)
    stmt = (
        select(Organization)
        .where(Organization.id == id_, organizations_seen(scope, Organization.__table__.c.id))
        .with_for_update()
    )
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "No organization with this id.", *field)
    if not scope.permits_in_organization(action, id_):
        raise forbidden(action, *field)
    return found


async def update_organization(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, change: NameChange
) -> Organization:
    organization = await organization_in_scope(session, scope, id_, Action.MANAGE_ORGANIZATION)
    records.check_version(organization, version)
    problems = Problems()
    organization.name = values.name(problems, change.name, "name")
    problems.raise_if_any()
    await session.flush()
    return organization


async def delete_organization(session: AsyncSession, scope: Scope, id_: uuid.UUID) -> None:
    """Remove an organization with every workspace and everything in them."""
    await session.delete(await organization_in_scope(session, scope, id_, Action.DELETE_ORGANIZATION))
    await session.flush()


async def create_workspace(
    session: AsyncSession, scope: Scope, organization_id: uuid.UUID, change: NameChange
) -> Workspace:
    problems = Problems()
    name = values.name(problems, change.name, "name")
    problems.raise_if_any()
    await organization_in_scope(
        session, scope, organization_id, Action.MANAGE_ORGANIZATION, "organization_id"
    )
    workspace = Workspace(organization_id=organization_id, name=name)
    session.add(workspace)
    await session.flush()
    return workspace


async def update_workspace(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, change: NameChange
) -> Workspace:
    workspace = await records.workspace_in_scope(session, scope, id_, "id", changing_it=True)
    records.check_version(workspace, version)
    problems = Problems()
    workspace.name = values.name(problems, change.name, "name")
    problems.raise_if_any()
    await session.flush()
    return workspace


async def delete_workspace(session: AsyncSession, scope: Scope, id_: uuid.UUID) -> None:
    """Remove a workspace and everything in it."""
    await session.delete(await records.workspace_in_scope(session, scope, id_, "id", changing_it=True))
    await session.flush()


async def create_scenario_workspace(
    session: AsyncSession,
    organization: NameChange,
    workspace: NameChange,
    scenario: str,
    expires_at: dt.datetime | None = None,
) -> Workspace:
    """A new organization with one workspace seeded from ``scenario``.

    Without ``expires_at`` it is the scenario's lasting copy, of which there is at most one.
    """
    problems = Problems()
    organization_name = values.name(problems, organization.name, "organization")
    workspace_name = values.name(problems, workspace.name, "workspace")
    problems.raise_if_any()
    owner = Organization(name=organization_name)
    session.add(owner)
    await session.flush()
    created = Workspace(
        organization_id=owner.id, name=workspace_name, scenario=scenario, expires_at=expires_at
    )
    session.add(created)
    await records.flush_unique(session, f"The scenario {scenario!r} is loaded already.", "scenario")
    return created


async def scenario_workspace(session: AsyncSession, scenario: str) -> Workspace | None:
    """The lasting copy of ``scenario``, if it is loaded."""
    stmt = select(Workspace).where(Workspace.scenario == scenario, Workspace.expires_at.is_(None))
    return (await session.execute(stmt)).scalar_one_or_none()
