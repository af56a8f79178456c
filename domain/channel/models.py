"""Channels (a workspace's accounts) and the ones a strategy chooses, with why."""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import (
    Column,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base, StrategyPart, TenantEntity, db_enum


class Platform(enum.Enum):
    LINKEDIN = "LINKEDIN"
    INSTAGRAM = "INSTAGRAM"
    FACEBOOK = "FACEBOOK"
    TIKTOK = "TIKTOK"
    YOUTUBE = "YOUTUBE"
    X = "X"
    PINTEREST = "PINTEREST"
    THREADS = "THREADS"
    BLUESKY = "BLUESKY"
    SNAPCHAT = "SNAPCHAT"
    NEWSLETTER = "NEWSLETTER"
    BLOG = "BLOG"
    OTHER = "OTHER"


class Channel(TenantEntity, Base):
    __tablename__ = "channel"
    __table_args__ = (
        UniqueConstraint("workspace_id", "id"),
        Index("ix_channel_workspace_created", "workspace_id", "created_at", "id"),
    )

    platform: Mapped[Platform] = mapped_column(db_enum(Platform, "platform"))
    name: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str | None] = mapped_column(String(2048))


class StrategyChannel(StrategyPart, Base):
    """A channel chosen for a strategy: what we do there and why."""

    __tablename__ = "strategy_channel"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "strategy_id"], ["strategy.workspace_id", "strategy.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "channel_id"], ["channel.workspace_id", "channel.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("strategy_id", "channel_id"),
        UniqueConstraint("strategy_id", "id"),
        Index("ix_strategy_channel_channel", "channel_id"),
    )

    channel_id: Mapped[uuid.UUID]
    role: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")


#: Which audiences a chosen channel reaches.
strategy_channel_audience = Table(
    "strategy_channel_audience",
    Base.metadata,
    Column("workspace_id", ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("strategy_id", Uuid, nullable=False),
    Column("strategy_channel_id", Uuid, primary_key=True),
    Column("audience_id", Uuid, primary_key=True),
    ForeignKeyConstraint(
        ["strategy_id", "strategy_channel_id"],
        ["strategy_channel.strategy_id", "strategy_channel.id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["strategy_id", "audience_id"], ["audience.strategy_id", "audience.id"], ondelete="CASCADE"
    ),
    Index("ix_strategy_channel_audience_audience", "audience_id"),
)
