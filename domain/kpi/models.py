"""SMART KPIs, what they measure, and the measurements that follow them over time."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
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


class Metric(enum.Enum):
    REACH = "REACH"
    IMPRESSIONS = "IMPRESSIONS"
    ENGAGEMENT_RATE = "ENGAGEMENT_RATE"
    FOLLOWERS = "FOLLOWERS"
    CLICKS = "CLICKS"
    WEBSITE_VISITS = "WEBSITE_VISITS"
    DOWNLOADS = "DOWNLOADS"
    LEADS = "LEADS"
    CONVERSIONS = "CONVERSIONS"
    CUSTOM = "CUSTOM"


METRIC_TYPE = db_enum(Metric, "kpi_metric")


class Unit(enum.Enum):
    COUNT = "COUNT"
    PERCENT = "PERCENT"
    CURRENCY = "CURRENCY"
    DURATION = "DURATION"


class Direction(enum.Enum):
    INCREASE = "INCREASE"
    DECREASE = "DECREASE"
    STAY_ABOVE = "STAY_ABOVE"
    STAY_BELOW = "STAY_BELOW"


class Aggregation(enum.Enum):
    SUM = "SUM"
    LATEST = "LATEST"
    AVERAGE = "AVERAGE"


class KpiSource(enum.Enum):
    """Where a KPI's values come from."""

    MEASUREMENTS = "MEASUREMENTS"
    CONTENT = "CONTENT"


class MeasurementSource(enum.Enum):
    MANUAL = "MANUAL"
    IMPORT = "IMPORT"
    API = "API"
    CONTENT_ROLLUP = "CONTENT_ROLLUP"


class Kpi(StrategyPart, Base):
    __tablename__ = "kpi"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "strategy_id"], ["strategy.workspace_id", "strategy.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "channel_id"],
            ["channel.workspace_id", "channel.id"],
            ondelete="SET NULL (channel_id)",
        ),
        UniqueConstraint("strategy_id", "id"),
        CheckConstraint("deadline IS NULL OR starts_on IS NULL OR deadline > starts_on", name="deadline"),
        Index("ix_kpi_strategy_created", "strategy_id", "created_at", "id"),
        Index("ix_kpi_channel", "channel_id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    metric: Mapped[Metric] = mapped_column(METRIC_TYPE)
    unit: Mapped[Unit] = mapped_column(db_enum(Unit, "kpi_unit"), default=Unit.COUNT)
    baseline: Mapped[Decimal | None]
    target: Mapped[Decimal]
    direction: Mapped[Direction] = mapped_column(
        db_enum(Direction, "kpi_direction"), default=Direction.INCREASE
    )
    starts_on: Mapped[dt.date | None]
    deadline: Mapped[dt.date | None]
    aggregation: Mapped[Aggregation] = mapped_column(
        db_enum(Aggregation, "kpi_aggregation"), default=Aggregation.LATEST
    )
    source: Mapped[KpiSource] = mapped_column(
        db_enum(KpiSource, "kpi_source"),
        default=KpiSource.MEASUREMENTS,
        server_default=KpiSource.MEASUREMENTS.value,
    )
    channel_id: Mapped[uuid.UUID | None]
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("member.id", ondelete="SET NULL"), index=True
    )
    """The member who follows the KPI."""


def _kpi_link(name: str, other: str) -> Table:
    return Table(
        name,
        Base.metadata,
        Column("workspace_id", ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("strategy_id", Uuid, nullable=False),
        Column("kpi_id", Uuid, primary_key=True),
        Column(f"{other}_id", Uuid, primary_key=True),
        ForeignKeyConstraint(["strategy_id", "kpi_id"], ["kpi.strategy_id", "kpi.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(
            ["strategy_id", f"{other}_id"], [f"{other}.strategy_id", f"{other}.id"], ondelete="CASCADE"
        ),
        Index(f"ix_{name}_{other}", f"{other}_id"),
    )


#: The tactics a KPI measures.
kpi_tactic = _kpi_link("kpi_tactic", "tactic")
#: The audiences a KPI measures.
kpi_audience = _kpi_link("kpi_audience", "audience")


class KpiMeasurement(TenantEntity, Base):
    """One observed value of a KPI. Importing the same observation twice is a no-op."""

    __tablename__ = "kpi_measurement"
    __table_args__ = (
        UniqueConstraint("kpi_id", "observed_on", "source"),
        Index("ix_kpi_measurement_kpi_observed", "kpi_id", "observed_on", "id"),
    )

    kpi_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("kpi.id", ondelete="CASCADE"))
    observed_on: Mapped[dt.date]
    value: Mapped[Decimal]
    source: Mapped[MeasurementSource] = mapped_column(
        db_enum(MeasurementSource, "measurement_source"), default=MeasurementSource.MANUAL
    )
    note: Mapped[str] = mapped_column(Text, default="")
