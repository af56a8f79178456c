"""People (members), the roles they hold, and the API keys integrations use."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.access.roles import KeyScope, Role
from domain.base import Base, Entity, db_enum
from domain.scope import ActorKind
from domain.values import NAME_MAX

#: The longest subject and email a member may have (names are as long as other names).
SUBJECT_MAX = 255
EMAIL_MAX = 320

ROLE_TYPE = db_enum(Role, "role")
KEY_SCOPE_TYPE = db_enum(KeyScope, "key_scope")
#: Who did something (a comment's author, an activity's actor): the one ``actor_kind`` type.
ACTOR_KIND_TYPE = db_enum(ActorKind, "actor_kind")


class Member(Entity, Base):
    """A person, known by the subject their identity provider gives them."""

    __tablename__ = "member"

    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX), unique=True)
    name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))


class Membership(Entity, Base):
    """A member's role on an organization (all its workspaces) or on one workspace."""

    __tablename__ = "membership"
    __table_args__ = (
        CheckConstraint("num_nonnulls(organization_id, workspace_id) = 1", name="one_target"),
        Index(
            "uq_membership_organization",
            "member_id",
            "organization_id",
            unique=True,
            postgresql_where=text("organization_id IS NOT NULL"),
        ),
        Index(
            "uq_membership_workspace",
            "member_id",
            "workspace_id",
            unique=True,
            postgresql_where=text("workspace_id IS NOT NULL"),
        ),
        # The pages of an organization's and a workspace's memberships, oldest first.
        Index("ix_membership_organization_page", "organization_id", "created_at", "id"),
        Index("ix_membership_workspace_page", "workspace_id", "created_at", "id"),
    )

    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE")
    )
    workspace_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(ROLE_TYPE)


class ApiKey(Entity, Base):
    """A key an integration sends as ``Authorization: Bearer rtk_<prefix>_<secret>``.

    Only a hash of the secret is stored; the whole key is shown once, when it is created.
    Without ``workspace_id`` the key reaches every workspace of its organization.
    """

    __tablename__ = "api_key"
    __table_args__ = (
        # The pages of an organization's keys, oldest first.
        Index("ix_api_key_organization_page", "organization_id", "created_at", "id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    workspace_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    scopes: Mapped[list[KeyScope]] = mapped_column(ARRAY(KEY_SCOPE_TYPE))
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
