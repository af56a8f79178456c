"""Organizations (an agency or a brand) and their workspaces (one client or brand each)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Entity


class Organization(Entity, Base):
    __tablename__ = "organization"

    name: Mapped[str] = mapped_column(String(200))


class Workspace(Entity, Base):
    """The tenant boundary: every other record belongs to exactly one workspace.

    A workspace seeded from a demo scenario names it in ``scenario``. A demo workspace
    created on demand also has ``expires_at`` and is purged, with everything in it, after
    that time; a scenario is loaded at most once without an expiry.
    """

    __tablename__ = "workspace"
    __table_args__ = (
        Index("uq_workspace_scenario", "scenario", unique=True, postgresql_where=text("expires_at IS NULL")),
        Index("ix_workspace_expires_at", "expires_at", postgresql_where=text("expires_at IS NOT NULL")),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str | None] = mapped_column(String(60))
    expires_at: Mapped[dt.datetime | None]
