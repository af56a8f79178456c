"""API keys: made and shown once, stored as a hash, limited by scopes, expiry and revocation.

A key reads ``rtk_<prefix>_<secret>``: ``rtk_`` makes it recognisable (to people and to
secret scanners), the prefix finds it, and only a SHA-256 hash of the 256-bit random secret
is kept, which is enough for a secret that long (a slow password hash is for guessable
secrets).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.access.members import Target
from domain.access.models import ApiKey
from domain.access.roles import Action, KeyScope
from domain.errors import DomainError, ErrorCode, Problems
from domain.scope import Scope
from domain.tenancy.services import organization_in_scope

MARK = "rtk_"


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key as created: the record and the whole token, which is never shown again."""

    key: ApiKey
    token: str


def make_token() -> tuple[str, str, bytes]:
    """A fresh token, its prefix (which is stored) and the hash of its secret."""
    prefix = MARK + secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{prefix}_{secret}", prefix, digest(secret)


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def split_token(token: str) -> tuple[str, str] | None:
    """The prefix and secret of something shaped like a key, else None."""
    if not token.startswith(MARK):
        return None
    head, _, secret = token[len(MARK) :].partition("_")
    if not head or not secret:
        return None
    return MARK + head, secret


def matches(key_hash: bytes, secret: str) -> bool:
    return hmac.compare_digest(key_hash, digest(secret))


@dataclass(frozen=True, slots=True)
class KeyRequest:
    name: str
    scopes: list[KeyScope]
    expires_at: dt.datetime | None = None


async def create_api_key(
    session: AsyncSession, scope: Scope, target: Target, request: KeyRequest, now: dt.datetime
) -> NewKey:
    """A key for a workspace, or for every workspace of an organization.

    A key for a workspace needs MANAGE_WORKSPACE there; one for the whole organization
    needs MANAGE_ORGANIZATION on it.
    """
    problems = Problems()
    name = values.name(problems, request.name, "name")
    scopes = sorted(set(request.scopes), key=list(KeyScope).index)
    if not scopes:
        problems.add(ErrorCode.REQUIRED, "Give the key at least one scope: READ, WRITE or ADMIN.", "scopes")
    expires_at = values.moment(problems, request.expires_at, "expires_at")
    if expires_at is not None and expires_at <= now:
        problems.add(ErrorCode.OUT_OF_RANGE, "The expiry must be in the future.", "expires_at")
    problems.raise_if_any()
    workspace_id = target.workspace_id
    if workspace_id is not None:
        manage = Action.MANAGE_WORKSPACE
        workspace = await records.workspace_in_scope(
            session, scope, workspace_id, "workspace_id", action=manage
        )
        organization_id = workspace.organization_id
    else:
        assert target.organization_id is not None, "a target names an organization or a workspace"
        organization_id = target.organization_id
        manage = Action.MANAGE_ORGANIZATION
        await organization_in_scope(session, scope, organization_id, manage, "organization_id")
    token, prefix, secret_hash = make_token()
    creator = scope.actor.member_id
    key = ApiKey(
        organization_id=organization_id,
        workspace_id=workspace_id,
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        scopes=scopes,
        expires_at=expires_at,
        created_by_id=creator,
    )
    session.add(key)
    await session.flush()
    return NewKey(key, token)


async def revoke_api_key(session: AsyncSession, scope: Scope, id_: uuid.UUID, now: dt.datetime) -> ApiKey:
    """Revoke a key at once; revoking a revoked key changes nothing."""
    key = await managed_key(session, scope, id_)
    if key.revoked_at is None:
        key.revoked_at = now
        await session.flush()
    return key


async def managed_key(session: AsyncSession, scope: Scope, id_: uuid.UUID) -> ApiKey:
    """A key the caller may manage (NOT_FOUND for one they may not see)."""
    columns = ApiKey.__table__.c
    stmt = (
        select(ApiKey)
        .where(ApiKey.id == id_, managed(scope, columns.organization_id, columns.workspace_id))
        .with_for_update()
    )
    key = (await session.execute(stmt)).scalar_one_or_none()
    if key is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "No API key with this id.", "id")
    return key


def managed(
    scope: Scope, organization_id: ColumnElement[uuid.UUID], workspace_id: ColumnElement[uuid.UUID]
) -> ColumnElement[bool]:
    """The keys (given by their two columns) the caller may manage: a workspace's keys where
    they may manage the workspace, every key of an organization they may manage."""
    if scope.is_everything:
        return true()
    workspaces = scope.permitting(Action.MANAGE_WORKSPACE)
    organizations = scope.permitting_in_organizations(Action.MANAGE_ORGANIZATION)
    return or_(workspace_id.in_(workspaces), organization_id.in_(organizations))


class KeyStatus(enum.Enum):
    """Whether a key works now."""

    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


def status(revoked_at: dt.datetime | None, expires_at: dt.datetime | None, now: dt.datetime) -> KeyStatus:
    if revoked_at is not None:
        return KeyStatus.REVOKED
    if expires_at is not None and expires_at <= now:
        return KeyStatus.EXPIRED
    return KeyStatus.ACTIVE
