"""Granting and revoking roles, and which members and memberships a caller may see.

A role is held on an organization (it applies in every workspace of it) or on one
workspace. Granting on an organization needs MANAGE_ORGANIZATION there, on a workspace
MANAGE_WORKSPACE; only an OWNER makes (or unmakes) owners, and an organization never
loses its last OWNER.

A caller sees the memberships on the workspaces they see and on the organizations they
see (those they hold a role on or see a workspace of), and the members holding them. A
grant names the member by subject only; what they are called is theirs to say, by signing in.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.access.models import SUBJECT_MAX, Membership
from domain.access.profiles import ensure_member
from domain.access.roles import Action, Role, may_grant
from domain.errors import DomainError, ErrorCode, Problems
from domain.scope import Scope
from domain.tenancy.services import organization_in_scope, organizations_seen


@dataclass(frozen=True, slots=True)
class Target:
    """What a role is held on: exactly one of an organization and a workspace."""

    organization_id: uuid.UUID | None = None
    workspace_id: uuid.UUID | None = None

    @classmethod
    def one_of(cls, organization_id: uuid.UUID | None, workspace_id: uuid.UUID | None) -> Target:
        """The target named by exactly one of two optional ids (REQUIRED or AMBIGUOUS_TARGET else)."""
        if organization_id is None and workspace_id is None:
            raise DomainError.of(
                ErrorCode.REQUIRED, "Give an organizationId or a workspaceId.", "organization_id"
            )
        if organization_id is not None and workspace_id is not None:
            raise DomainError.of(
                ErrorCode.AMBIGUOUS_TARGET,
                "Give either an organizationId or a workspaceId, not both.",
                "workspace_id",
            )
        return cls(organization_id, workspace_id)


@dataclass(frozen=True, slots=True)
class Grant:
    """A role for the member known by ``subject``: the granter names them by subject only, since
    a member's name and email come from their own sign-in (see :mod:`domain.access.profiles`)."""

    subject: str
    role: Role


async def grant_role(session: AsyncSession, scope: Scope, target: Target, grant: Grant) -> Membership:
    """Give the member the role on the target; a second grant changes it.

    A subject not seen yet becomes a member with no name or email until they sign in.
    """
    problems = Problems()
    subject = values.name(problems, grant.subject, "subject", limit=SUBJECT_MAX)
    problems.raise_if_any()
    held = await _lock_target(session, scope, target)
    if not _may_grant(scope, held, grant.role):
        raise _owners_only("role")
    member_id = await ensure_member(session, subject)
    membership = await _membership_of(session, member_id, target)
    if membership is None:
        membership = Membership(
            member_id=member_id,
            organization_id=target.organization_id,
            workspace_id=target.workspace_id,
            role=grant.role,
        )
        session.add(membership)
    elif membership.role is not grant.role:
        if membership.role is Role.OWNER:
            await _keep_an_owner(session, scope, held, membership, "role")
        membership.role = grant.role
    await session.flush()
    return membership


async def revoke_role(session: AsyncSession, scope: Scope, membership_id: uuid.UUID) -> None:
    """Remove a membership; refused (LAST_OWNER) for the last OWNER of an organization."""
    found = (
        await session.execute(select(Membership).where(Membership.id == membership_id))
    ).scalar_one_or_none()
    if found is None:
        raise _no_membership()
    target = Target(found.organization_id, found.workspace_id)
    try:
        held = await _lock_target(session, scope, target, "id")
    except DomainError as error:
        if error.problems[0].code is ErrorCode.NOT_FOUND:
            raise _no_membership() from error
        raise
    membership = (
        await session.execute(select(Membership).where(Membership.id == membership_id).with_for_update())
    ).scalar_one_or_none()
    if membership is None:
        raise _no_membership()
    if membership.role is Role.OWNER:
        await _keep_an_owner(session, scope, held, membership, "id")
    await session.delete(membership)
    await session.flush()


# -- who may see whom --------------------------------------------------------------------


def memberships_seen(
    scope: Scope, organization_id: ColumnElement[uuid.UUID], workspace_id: ColumnElement[uuid.UUID]
) -> ColumnElement[bool]:
    """Memberships (given by their two target columns) on what the caller sees."""
    if scope.is_everything:
        return true()
    return or_(scope.where(workspace_id), organizations_seen(scope, organization_id))


def members_seen(scope: Scope, member_id: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    """Members holding a membership the caller sees, and the caller themselves."""
    if scope.is_everything:
        return true()
    table = Membership.__table__
    holders = select(table.c.member_id).where(
        memberships_seen(scope, table.c.organization_id, table.c.workspace_id)
    )
    seen = member_id.in_(holders)
    if scope.actor.member_id is not None:
        return or_(member_id == scope.actor.member_id, seen)
    return seen


# -- helpers -------------------------------------------------------------------------------


async def _lock_target(
    session: AsyncSession, scope: Scope, target: Target, field: str = ""
) -> Collection[Role]:
    """Lock the organization or workspace a role is held on; the roles the caller holds there.

    NOT_FOUND unless the caller sees it; FORBIDDEN unless they may manage its members.
    """
    if target.organization_id is not None:
        organization = target.organization_id
        await organization_in_scope(
            session, scope, organization, Action.MANAGE_ORGANIZATION, field or "organization_id"
        )
        return scope.organization_roles.get(organization, frozenset())
    assert target.workspace_id is not None
    workspace = target.workspace_id
    manage = Action.MANAGE_WORKSPACE
    await records.workspace_in_scope(session, scope, workspace, field or "workspace_id", action=manage)
    return scope.roles.get(workspace, frozenset())


def _may_grant(scope: Scope, held: Collection[Role], role: Role) -> bool:
    return scope.is_everything or may_grant(held, role)


def _owners_only(field: str) -> DomainError:
    return DomainError.of(ErrorCode.FORBIDDEN, "Only an OWNER may make or unmake owners.", field)


async def _keep_an_owner(
    session: AsyncSession, scope: Scope, held: Collection[Role], membership: Membership, field: str
) -> None:
    """An OWNER's membership may change only by an owner, and never leaves an organization without one."""
    if not _may_grant(scope, held, Role.OWNER):
        raise _owners_only(field)
    if membership.organization_id is None:
        return
    stmt = select(func.count()).where(
        Membership.organization_id == membership.organization_id, Membership.role == Role.OWNER
    )
    if (await session.execute(stmt)).scalar_one() <= 1:
        raise DomainError.of(
            ErrorCode.LAST_OWNER,
            "This is the organization's last OWNER; make someone else an owner first.",
            field,
        )


async def _membership_of(session: AsyncSession, member_id: uuid.UUID, target: Target) -> Membership | None:
    stmt = select(Membership).where(Membership.member_id == member_id).with_for_update()
    if target.organization_id is not None:
        stmt = stmt.where(Membership.organization_id == target.organization_id)
    else:
        stmt = stmt.where(Membership.workspace_id == target.workspace_id)
    return (await session.execute(stmt)).scalar_one_or_none()


def _no_membership() -> DomainError:
    return DomainError.of(ErrorCode.NOT_FOUND, "No membership with this id.", "id")
