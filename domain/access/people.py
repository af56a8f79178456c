"""Who may be named on a record: the owner of a strategy, tactic or KPI, the assignee of content.

Only someone who works in the record's workspace can answer for it: a member holding a
role in the workspace itself or in its organization (any role; a client reviewer may own
the KPI they watch).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.members import members_seen
from domain.access.models import Member, Membership
from domain.errors import ErrorCode, Problems
from domain.scope import Scope
from domain.tenancy.models import Workspace
from domain.values import Maybe, Unset


async def works_in(
    session: AsyncSession, scope: Scope, member_id: uuid.UUID, workspace_id: uuid.UUID
) -> bool | None:
    """Whether the member holds a role in the workspace or its organization; None: no such member
    that the caller may see (a member of another tenant reads as unknown)."""
    organization = select(Workspace.organization_id).where(Workspace.id == workspace_id).scalar_subquery()
    belongs = exists().where(
        Membership.member_id == Member.id,
        or_(Membership.workspace_id == workspace_id, Membership.organization_id == organization),
    )
    stmt = (
        select(belongs.label("belongs"))
        .select_from(Member)
        .where(Member.id == member_id, members_seen(scope, Member.__table__.c.id))
    )
    found: bool | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


async def person(
    session: AsyncSession,
    scope: Scope,
    problems: Problems,
    changed: dict[str, Any],
    field: str,
    given: Maybe[uuid.UUID | None],
    workspace_id: uuid.UUID,
) -> None:
    """Put the member named at ``field`` for a record of the workspace into ``changed``.

    Omitted (UNSET) leaves the record as it is, None clears it. NOT_FOUND for a member the
    caller does not know (unknown, or only in other tenants), NOT_A_MEMBER for one they know
    who holds no role in the workspace or its organization.
    """
    if isinstance(given, Unset):
        return
    if given is not None:
        belongs = await works_in(session, scope, given, workspace_id)
        if belongs is None:
            problems.add(ErrorCode.NOT_FOUND, "No member with this id.", field)
        elif not belongs:
            problems.add(
                ErrorCode.NOT_A_MEMBER,
                "This member holds no role in the workspace or its organization.",
                field,
            )
    changed[field] = given
