"""The activity log: who changed what in a workspace, and when.

One row per changed record and operation, never updated or deleted (the database refuses
both to the service). It lets someone take over a strategy or a piece of content while its
owner is away: what was created, changed, moved along the workflow or deleted, by whom,
through which operation, with each changed field's value before and after.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from domain.access.models import ACTOR_KIND_TYPE
from domain.base import Base, db_enum, new_id
from domain.scope import ActorKind


class ActivityAction(enum.Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"
    TRANSITIONED = "TRANSITIONED"
    RECORDED = "RECORDED"


ACTIVITY_ACTION_TYPE = db_enum(ActivityAction, "activity_action")


class Activity(Base):
    """One change of one record (the node), as the people using the product name it.

    ``changes`` maps each changed field to ``{"before": …, "after": …}`` with JSON values:
    dates and times in ISO form, decimals as strings, enums by value, ids as strings.
    ``strategy_id`` has no foreign key, so the history of a deleted strategy stays readable.
    """

    __tablename__ = "activity"
    __table_args__ = (
        Index("ix_activity_workspace_occurred", "workspace_id", "occurred_at", "id"),
        Index("ix_activity_strategy_occurred", "strategy_id", "occurred_at", "id"),
        Index("ix_activity_node_occurred", "node_id", "occurred_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    strategy_id: Mapped[uuid.UUID | None]
    node_type: Mapped[str] = mapped_column(Text)
    node_id: Mapped[uuid.UUID]
    action: Mapped[ActivityAction] = mapped_column(ACTIVITY_ACTION_TYPE)
    operation: Mapped[str | None] = mapped_column(Text)
    actor_kind: Mapped[ActorKind] = mapped_column(ACTOR_KIND_TYPE)
    actor_id: Mapped[uuid.UUID | None]
    actor_name: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    occurred_at: Mapped[dt.datetime] = mapped_column(server_default=func.clock_timestamp())
