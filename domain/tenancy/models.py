"""Organizations (an agency or a brand) and their workspaces (one client or brand each)."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, Entity


class Organization(Entity, Base):
    __tablename__ = "organization"

    name: Mapped[str] = mapped_column(String(200))


class Workspace(Entity, Base):
    """The tenant boundary: every other record belongs to exactly one workspace."""

    __tablename__ = "workspace"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
