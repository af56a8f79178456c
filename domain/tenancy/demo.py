"""Demo workspaces on demand: a scenario built into a new workspace that expires and is purged.

The scenarios themselves are written elsewhere (the seed package) and reach the domain
through :class:`ScenarioBuilder`, so the rules here — the cap, the expiry, the purge — hold
whatever builds the workspace.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import values
from domain.access.models import Membership
from domain.access.roles import Role
from domain.errors import DomainError, ErrorCode, Problems
from domain.scope import Actor
from domain.tenancy.models import Organization, Workspace

#: Serialises creations so that two at once cannot both slip under the cap.
DEMO_LOCK_KEY = 0x7265_6474_6872_6564 % (2**63)


@dataclass(frozen=True)
class ScenarioInfo:
    key: str
    summary: str
    language: str
    organization: str


class ScenarioBuilder(Protocol):
    """Builds a named scenario, with a new organization and workspace, inside the session."""

    def scenarios(self) -> Sequence[ScenarioInfo]: ...

    async def build(
        self, session: AsyncSession, key: str, today: dt.date, expires_at: dt.datetime
    ) -> Workspace: ...


@dataclass(frozen=True)
class DemoWorkspaces:
    """The deployment's demo workspace policy: what may be built, for how long, how many at once."""

    builder: ScenarioBuilder
    lifetime: dt.timedelta
    limit: int

    async def create(self, session: AsyncSession, actor: Actor, scenario: str, now: dt.datetime) -> Workspace:
        """A new workspace holding ``scenario``, expiring after the lifetime; a member asking for
        it becomes its OWNER."""
        problems = Problems()
        values.check_storable(problems, scenario, "scenario")
        problems.raise_if_any()
        known = [info.key for info in self.builder.scenarios()]
        if scenario not in known:
            raise DomainError.of(
                ErrorCode.UNKNOWN_SCENARIO,
                f"There is no scenario {scenario!r}; choose one of: {', '.join(known)}.",
                "scenario",
            )
        await session.execute(select(func.pg_advisory_xact_lock(DEMO_LOCK_KEY)))
        live = select(func.count()).where(Workspace.expires_at > now)
        if (await session.execute(live)).scalar_one() >= self.limit:
            raise DomainError.of(
                ErrorCode.DEMO_LIMIT_REACHED,
                f"At most {self.limit} demo workspaces may exist at once. Try again when one has expired.",
                "scenario",
            )
        workspace = await self.builder.build(session, scenario, now.date(), now + self.lifetime)
        if actor.member_id is not None:
            session.add(Membership(member_id=actor.member_id, workspace_id=workspace.id, role=Role.OWNER))
            await session.flush()
        return workspace


async def purge_expired(session: AsyncSession, now: dt.datetime) -> int:
    """Delete every demo workspace that expired by ``now``, with everything in it.

    A workspace that a running transaction is writing into is skipped (it is purged next
    time) rather than waited for. An organization goes too when nothing but expired demo
    workspaces was in it. Returns how many workspaces were purged.
    """
    expired = (
        select(Workspace.id, Workspace.organization_id)
        .where(Workspace.expires_at <= now)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(expired)).all()
    if not rows:
        return 0
    ids: list[uuid.UUID] = [row.id for row in rows]
    organizations = {row.organization_id for row in rows}
    others = exists().where(and_(Workspace.organization_id == Organization.id, Workspace.id.not_in(ids)))
    await session.execute(delete(Organization).where(Organization.id.in_(organizations), ~others))
    await session.execute(delete(Workspace).where(Workspace.id.in_(ids)))
    return len(ids)
