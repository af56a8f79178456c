"""KPI source: a KPI's values are recorded or imported, or rolled up from its content's metrics.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:06:00.182346
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

kpi_source = sa.Enum("MEASUREMENTS", "CONTENT", name="kpi_source")


def upgrade() -> None:
    kpi_source.create(op.get_bind(), checkfirst=True)
    op.add_column("kpi", sa.Column("source", kpi_source, server_default="MEASUREMENTS", nullable=False))


def downgrade() -> None:
    op.drop_column("kpi", "source")
    kpi_source.drop(op.get_bind(), checkfirst=True)
