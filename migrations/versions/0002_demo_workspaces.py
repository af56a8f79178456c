"""Demo workspaces: the scenario a workspace was seeded from, and when a demo workspace expires.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:17:12.043494
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("workspace", sa.Column("scenario", sa.String(length=60), nullable=True))
    op.add_column("workspace", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_workspace_expires_at",
        "workspace",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("expires_at IS NOT NULL"),
    )
    op.create_index(
        "uq_workspace_scenario",
        "workspace",
        ["scenario"],
        unique=True,
        postgresql_where=sa.text("expires_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_workspace_scenario", table_name="workspace", postgresql_where=sa.text("expires_at IS NULL")
    )
    op.drop_index(
        "ix_workspace_expires_at", table_name="workspace", postgresql_where=sa.text("expires_at IS NOT NULL")
    )
    op.drop_column("workspace", "expires_at")
    op.drop_column("workspace", "scenario")
