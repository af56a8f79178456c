"""Who the strategy speaks to: demographics, behaviour and how they buy."""

from __future__ import annotations

import enum

from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, StrategyPart, db_enum


class BuyingProcess(enum.Enum):
    LONG_RESEARCH = "LONG_RESEARCH"
    CONSIDERED = "CONSIDERED"
    IMPULSE = "IMPULSE"


class Audience(StrategyPart, Base):
    __tablename__ = "audience"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "strategy_id"], ["strategy.workspace_id", "strategy.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("strategy_id", "id"),
        CheckConstraint("age_min IS NULL OR age_max IS NULL OR age_min <= age_max", name="age_range"),
        Index("ix_audience_strategy_created", "strategy_id", "created_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    genders: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list)
    age_min: Mapped[int | None]
    age_max: Mapped[int | None]
    interests: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list)
    family_statuses: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list)
    locations: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list)
    behaviours: Mapped[list[str]] = mapped_column(ARRAY(String(200)), default=list)
    buying_process: Mapped[BuyingProcess | None] = mapped_column(db_enum(BuyingProcess, "buying_process"))
    buying_notes: Mapped[str] = mapped_column(Text, default="")
