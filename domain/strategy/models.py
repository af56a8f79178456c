"""A strategy: one purpose, reached through 2–3 tactics."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, StrategyPart, TenantEntity, db_enum


class StrategyStatus(enum.Enum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class TacticKind(enum.Enum):
    INSPIRE = "INSPIRE"
    EDUCATE = "EDUCATE"
    INSIGHT = "INSIGHT"
    BRAND_AWARENESS = "BRAND_AWARENESS"
    ENGAGE = "ENGAGE"
    CONVERT = "CONVERT"
    CUSTOM = "CUSTOM"


class Strategy(TenantEntity, Base):
    __tablename__ = "strategy"
    __table_args__ = (
        UniqueConstraint("workspace_id", "id"),
        CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="period"),
        Index("ix_strategy_workspace_created", "workspace_id", "created_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[dt.date | None]
    ends_on: Mapped[dt.date | None]
    status: Mapped[StrategyStatus] = mapped_column(
        db_enum(StrategyStatus, "strategy_status"), default=StrategyStatus.DRAFT
    )
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    """The member who answers for the strategy."""


class Tactic(StrategyPart, Base):
    """How the purpose is reached; also a content theme."""

    __tablename__ = "tactic"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "strategy_id"], ["strategy.workspace_id", "strategy.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("strategy_id", "id"),
        CheckConstraint("target_share IS NULL OR (target_share >= 0 AND target_share <= 100)", name="share"),
        Index("ix_tactic_strategy_position", "strategy_id", "position", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TacticKind] = mapped_column(db_enum(TacticKind, "tactic_kind"))
    description: Mapped[str] = mapped_column(Text, default="")
    target_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    position: Mapped[int] = mapped_column(default=0)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    """The member who answers for the tactic."""
