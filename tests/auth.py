"""Signing in, in tests: tokens from a test identity provider and the suite's operator.

The API tests act as one signed-in member, the operator, who owns every organization the
test's data has; the tests of access itself make their own members and keys.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from api.auth import Authenticator, TokenVerifier
from api.settings import JwtSettings
from domain.access import profiles
from domain.access.models import Membership
from domain.access.roles import Role
from domain.persistence.database import Database
from domain.scope import Scope
from domain.tenancy.models import Organization

ISSUER = "https://id.redthread.test/"
AUDIENCE = "redthread-api"
SECRET = "a shared secret only the tests know, long enough for HS256"
JWT = JwtSettings(issuer=ISSUER, audience=AUDIENCE, secret=SECRET)
OPERATOR = "operator"


def token(subject: str, *, lifetime: dt.timedelta = dt.timedelta(hours=1), **claims: Any) -> str:
    """A sign-in token of the test identity provider."""
    now = dt.datetime.now(dt.UTC)
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": subject, "iat": now, "exp": now + lifetime, **claims}
    return jwt.encode(payload, SECRET, algorithm="HS256")


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def authenticator(db: Database, *, demo_mode: bool = False) -> Authenticator:
    return Authenticator(db, TokenVerifier(JWT), demo_mode=demo_mode)


async def member(db: Database, subject: str, name: str | None = None) -> uuid.UUID:
    """The member with this subject (made if new, named ``name`` or else as the subject)."""
    async with db.transaction(Scope.everything()) as session:
        return await profiles.ensure_member(session, subject, profiles.Profile(name or subject))


async def grant(
    db: Database,
    subject: str,
    role: Role,
    *,
    organization_id: uuid.UUID | None = None,
    workspace_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """Give the member with this subject a role on an organization or a workspace."""
    member_id = await member(db, subject)
    async with db.transaction(Scope.everything()) as session:
        session.add(
            Membership(
                member_id=member_id, organization_id=organization_id, workspace_id=workspace_id, role=role
            )
        )
    return member_id


async def own_everything(db: Database, subject: str = OPERATOR) -> None:
    """Make the member an OWNER of every organization there is now."""
    member_id = await member(db, subject)
    async with db.transaction(Scope.everything()) as session:
        organizations = (await session.execute(select(Organization.id))).scalars().all()
        if organizations:
            rows = [
                {"id": uuid.uuid4(), "member_id": member_id, "organization_id": id_, "role": Role.OWNER}
                for id_ in organizations
            ]
            stmt = insert(Membership).values(rows).on_conflict_do_nothing()
            await session.execute(stmt)


async def until(condition: Callable[[], bool], within: float = 10) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true in time"
        await asyncio.sleep(0.01)


async def listening(authenticator: Authenticator) -> None:
    """Wait until the cache hears of changes (its listener starts with the first request)."""
    authenticator.cache.get(("start listening",))
    await until(lambda: authenticator.cache.listening)
