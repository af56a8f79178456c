"""From a verified identity (a member's subject, an API key, a demo visitor) to their scope.

Each lookup is one statement in the usual case: the grants, with organization roles spread
over the organization's workspaces. The service keeps the scopes it found for a while; every
change of the tables they are made of (:data:`ACCESS_TABLES`) is announced on
:data:`ACCESS_CHANNEL` (migration 0009), and this process's own changes through
:meth:`~domain.persistence.database.Database.watch`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from domain.access import api_keys
from domain.access.models import ApiKey, Member, Membership
from domain.access.profiles import Profile, ensure_member, update_profile
from domain.access.roles import Role, key_role
from domain.scope import Actor, ActorKind, Scope
from domain.tenancy.models import Workspace

#: The channel on which PostgreSQL announces a change of who may see and do what.
ACCESS_CHANNEL = "redthread_access"
#: The tables a scope is made of.
ACCESS_TABLES = frozenset({"organization", "workspace", "member", "membership", "api_key"})


def _scope(rows: Iterable[Any], actor: Actor) -> Scope:
    """A scope from grant rows (organization_id, role, reached); ``reached`` is a workspace
    the grant covers (for an organization grant, each workspace of the organization)."""
    roles: dict[uuid.UUID, set[Role]] = defaultdict(set)
    organization_roles: dict[uuid.UUID, set[Role]] = defaultdict(set)
    for row in rows:
        if row.role is None:
            continue
        if row.organization_id is not None:
            organization_roles[row.organization_id].add(row.role)
        if row.reached is not None:
            roles[row.reached].add(row.role)
    return Scope.granted(
        {id_: frozenset(held) for id_, held in roles.items()},
        {id_: frozenset(held) for id_, held in organization_roles.items()},
        actor,
    )


def _grants_of(subject: str) -> Any:
    reached = func.coalesce(Membership.workspace_id, Workspace.id).label("reached")
    return (
        select(
            Member.id.label("member_id"),
            Member.name,
            Member.email,
            Membership.organization_id,
            Membership.role,
            reached,
        )
        .select_from(Member)
        .outerjoin(Membership, Membership.member_id == Member.id)
        .outerjoin(Workspace, Workspace.organization_id == Membership.organization_id)
        .where(Member.subject == subject)
    )


async def member_scope(session: AsyncSession, subject: str, name: object, email: object) -> Scope:
    """The scope of the member with this subject, signing them in with the token's ``name`` and
    ``email`` claims: a subject seen for the first time becomes a member with no roles yet (who
    may create an organization or be granted roles); a member whose claims changed is updated.

    The usual sign-in, with nothing new, is one statement.
    """
    claimed = Profile.from_claims(name, email)
    rows = (await session.execute(_grants_of(subject))).all()
    if not rows:
        await ensure_member(session, subject, claimed)
        rows = (await session.execute(_grants_of(subject))).all()
    first = rows[0]
    stored = Profile(first.name, first.email)
    profile = claimed.over(stored)
    if profile != stored:
        await update_profile(session, first.member_id, profile)
    return _scope(rows, Actor(ActorKind.MEMBER, first.member_id, profile.name or subject))


@dataclass(frozen=True, slots=True)
class KeyAccess:
    """What a usable API key may reach, and until when (its expiry; None: until revoked)."""

    scope: Scope
    until: dt.datetime | None


async def api_key_scope(connection: AsyncConnection, token: str, now: dt.datetime) -> KeyAccess | None:
    """What a usable API key reaches; None for anything else (unknown, revoked, expired, wrong secret).

    The key reaches its workspace, or every workspace of its organization, with the role
    its widest scope stands for. Reading it writes nothing: the time it was used is recorded
    apart (:class:`domain.access.usage.KeyUsage`).
    """
    parts = api_keys.split_token(token)
    if parts is None:
        return None
    prefix, secret = parts
    keys = ApiKey.__table__
    stmt = (
        select(keys, Workspace.id.label("reached"))
        .select_from(keys)
        .outerjoin(
            Workspace,
            and_(
                Workspace.organization_id == keys.c.organization_id,
                or_(keys.c.workspace_id.is_(None), Workspace.id == keys.c.workspace_id),
            ),
        )
        .where(keys.c.prefix == prefix)
    )
    rows = (await connection.execute(stmt)).all()
    if not rows:
        return None
    key = rows[0]
    if not api_keys.matches(key.secret_hash, secret):
        return None
    if api_keys.status(key.revoked_at, key.expires_at, now) is not api_keys.KeyStatus.ACTIVE:
        return None
    role = key_role(key.scopes)
    workspaces = {row.reached for row in rows if row.reached is not None}
    scope = Scope.granted(
        {id_: frozenset({role}) for id_ in workspaces},
        {key.organization_id: frozenset({role})} if key.workspace_id is None else {},
        Actor(ActorKind.API_KEY, key.id, key.name),
    )
    return KeyAccess(scope, key.expires_at)


async def demo_scope(connection: AsyncConnection) -> Scope:
    """An anonymous visitor of a demo deployment: a VIEWER of the seeded demo workspaces and
    of those made on demand by visitors; one a member made is theirs alone."""
    owned = exists().where(Membership.workspace_id == Workspace.id)
    stmt = select(Workspace.id).where(
        Workspace.scenario.is_not(None), or_(Workspace.expires_at.is_(None), ~owned)
    )
    workspaces = (await connection.execute(stmt)).scalars().all()
    return Scope.granted(
        {id_: frozenset({Role.VIEWER}) for id_ in workspaces},
        {},
        Actor(ActorKind.DEMO_VISITOR, None, "demo visitor"),
    )
