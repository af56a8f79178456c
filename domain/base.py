"""The declarative base every table shares, and the columns most of them carry."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import DateTime, Enum, ForeignKey, MetaData, Numeric, func
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Values, baselines and targets: exact decimals, never floats.
Amount = Numeric(20, 4)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: DateTime(timezone=True),
        Decimal: Amount,
    }


def new_id() -> uuid.UUID:
    return uuid.uuid4()


class Entity:
    """An identified, versioned record with creation and change times.

    ``version`` guards against lost updates: every UPDATE carries
    ``WHERE version = :seen`` and increments it.
    """

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.clock_timestamp())
    updated_at: Mapped[dt.datetime] = mapped_column(
        server_default=func.clock_timestamp(), onupdate=func.clock_timestamp()
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version, "eager_defaults": True}  # type: ignore[attr-defined]


class InWorkspace:
    """Carried by every tenant table: the workspace is the tenant boundary."""

    @declared_attr
    def workspace_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True)


def db_enum(kind: type[enum.Enum], name: str) -> Enum:
    """A PostgreSQL enum type whose labels are the Python enum's values."""
    return Enum(kind, name=name, values_callable=lambda k: [m.value for m in k])


class TenantEntity(Entity, InWorkspace):
    """An entity inside a workspace."""


class StrategyPart(TenantEntity):
    """An entity that belongs to one strategy (tactic, audience, KPI, content …)."""

    strategy_id: Mapped[uuid.UUID] = mapped_column()
