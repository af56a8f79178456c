"""The append-only activity log.

Who changed what in a workspace: one row per changed record and operation. The service
may add rows and read them, never change or remove them: UPDATE, DELETE and TRUNCATE are
revoked (from the service's role too, when it exists; revision 0007 must not grant them
back on this table). Deleting a workspace still takes its log with it, as the foreign key's
cascade runs with the rights of the table's owner.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Made by revision 0005 (the authors of comments).
ACTOR_KIND = postgresql.ENUM(name="actor_kind", create_type=False)


def upgrade() -> None:
    op.create_table(
        "activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("strategy_id", sa.Uuid(), nullable=True),
        sa.Column("node_type", sa.Text(), nullable=False),
        sa.Column("node_id", sa.Uuid(), nullable=False),
        sa.Column(
            "action",
            sa.Enum("CREATED", "UPDATED", "DELETED", "TRANSITIONED", "RECORDED", name="activity_action"),
            nullable=False,
        ),
        sa.Column("operation", sa.Text(), nullable=True),
        sa.Column("actor_kind", ACTOR_KIND, nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sa.Text(), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_activity_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity")),
    )
    op.create_index("ix_activity_workspace_occurred", "activity", ["workspace_id", "occurred_at", "id"])
    op.create_index("ix_activity_strategy_occurred", "activity", ["strategy_id", "occurred_at", "id"])
    op.create_index("ix_activity_node_occurred", "activity", ["node_id", "occurred_at", "id"])
    # Append-only: nobody but the owner may change or remove entries (0007 keeps the service role out).
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON activity FROM PUBLIC")


def downgrade() -> None:
    op.drop_index("ix_activity_node_occurred", table_name="activity")
    op.drop_index("ix_activity_strategy_occurred", table_name="activity")
    op.drop_index("ix_activity_workspace_occurred", table_name="activity")
    op.drop_table("activity")
    sa.Enum(name="activity_action").drop(op.get_bind(), checkfirst=False)
