"""Content items, each mapped to one tactic and the KPIs it serves, and their metrics."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    DateTime,
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

from domain.access.models import ACTOR_KIND_TYPE
from domain.base import Base, StrategyPart, TenantEntity, db_enum
from domain.kpi.models import METRIC_TYPE, Metric
from domain.scope import ActorKind


class ContentFormat(enum.Enum):
    POST = "POST"
    CAROUSEL = "CAROUSEL"
    REEL = "REEL"
    STORY = "STORY"
    VIDEO = "VIDEO"
    ARTICLE = "ARTICLE"
    LIVE = "LIVE"
    NEWSLETTER = "NEWSLETTER"
    OTHER = "OTHER"


class ContentStatus(enum.Enum):
    IDEA = "IDEA"
    DRAFT = "DRAFT"
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"
    SCHEDULED = "SCHEDULED"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


CONTENT_STATUS_TYPE = db_enum(ContentStatus, "content_status")


#: The content plan's order: planned content by time, unplanned content after it. (A far-future
#: constant rather than 'infinity', which drivers cannot round-trip.)
PLANNED_SORT = "coalesce(planned_at, '9999-12-31 00:00:00+00'::timestamptz)"

#: The longest title a content item may have.
TITLE_MAX = 300


class ContentItem(StrategyPart, Base):
    __tablename__ = "content_item"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "strategy_id"], ["strategy.workspace_id", "strategy.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(["strategy_id", "tactic_id"], ["tactic.strategy_id", "tactic.id"]),
        ForeignKeyConstraint(["strategy_id", "primary_kpi_id"], ["kpi.strategy_id", "kpi.id"]),
        ForeignKeyConstraint(["workspace_id", "channel_id"], ["channel.workspace_id", "channel.id"]),
        UniqueConstraint("strategy_id", "id"),
        Index("ix_content_item_strategy_created", "strategy_id", "created_at", "id"),
        Index("ix_content_item_tactic", "tactic_id"),
        Index("ix_content_item_channel", "channel_id"),
        Index("ix_content_item_primary_kpi", "primary_kpi_id"),
    )

    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    brief: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[ContentFormat] = mapped_column(db_enum(ContentFormat, "content_format"))
    status: Mapped[ContentStatus] = mapped_column(CONTENT_STATUS_TYPE, default=ContentStatus.IDEA)
    channel_id: Mapped[uuid.UUID | None]
    tactic_id: Mapped[uuid.UUID | None]
    primary_kpi_id: Mapped[uuid.UUID | None]
    planned_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]
    url: Mapped[str | None] = mapped_column(String(2048))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    """The member who works on the item now."""
    planned_sort: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), Computed(PLANNED_SORT, persisted=True)
    )
    """Where the item stands in the content plan: its planned time, unplanned content last (a
    column, not an expression, so that row-level security lets a keyset condition on it use the
    index: PostgreSQL treats COALESCE as able to leak values and holds it back behind the policy)."""


#: Sort key for the content plan: planned content by time, unplanned content after it.
planned_sort = ContentItem.__table__.c.planned_sort
Index("ix_content_item_strategy_planned", ContentItem.strategy_id, planned_sort, ContentItem.id)


def _content_link(name: str, other: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column("workspace_id", ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("strategy_id", Uuid, nullable=False),
        Column("content_item_id", Uuid, primary_key=True),
        Column(f"{other}_id", Uuid, primary_key=True),
        ForeignKeyConstraint(
            ["strategy_id", "content_item_id"],
            ["content_item.strategy_id", "content_item.id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["strategy_id", f"{other}_id"], [f"{other}.strategy_id", f"{other}.id"], ondelete="CASCADE"
        ),
        Index(f"ix_{name}_{other}", f"{other}_id"),
    )


#: Every KPI a content item serves; its primary KPI is one of them.
content_item_kpi = _content_link("content_item_kpi", "kpi")
#: The audiences a content item is for.
content_item_audience = _content_link("content_item_audience", "audience")


class ContentMetric(TenantEntity, Base):
    """What one content item achieved on one day (impressions, reach, clicks …)."""

    __tablename__ = "content_metric"
    __table_args__ = (
        UniqueConstraint("content_item_id", "metric", "observed_on"),
        Index("ix_content_metric_item_observed", "content_item_id", "observed_on", "id"),
    )

    content_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("content_item.id", ondelete="CASCADE"))
    metric: Mapped[Metric] = mapped_column(METRIC_TYPE)
    observed_on: Mapped[dt.date]
    value: Mapped[Decimal]


#: The longest comment accepted.
COMMENT_MAX = 10_000


class Comment(StrategyPart, Base):
    """A remark on a content item, by a member, an integration or the service.

    A comment given with a workflow step (a review decision above all) records that step.
    """

    __tablename__ = "comment"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "strategy_id"], ["strategy.workspace_id", "strategy.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["strategy_id", "content_item_id"],
            ["content_item.strategy_id", "content_item.id"],
            ondelete="CASCADE",
        ),
        CheckConstraint(f"char_length(body) <= {COMMENT_MAX}", name="body_length"),
        CheckConstraint("(transition_from IS NULL) = (transition_to IS NULL)", name="transition"),
        Index("ix_comment_item_created", "content_item_id", "created_at", "id"),
    )

    content_item_id: Mapped[uuid.UUID]
    author_kind: Mapped[ActorKind] = mapped_column(ACTOR_KIND_TYPE)
    author_id: Mapped[uuid.UUID | None]
    """The member or API key that wrote it (not a foreign key: the author may go, the comment stays)."""
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    transition_from: Mapped[ContentStatus | None] = mapped_column(CONTENT_STATUS_TYPE)
    transition_to: Mapped[ContentStatus | None] = mapped_column(CONTENT_STATUS_TYPE)
