"""Owners, assignees and comments.

Strategies, tactics and KPIs get an owner, content items an assignee: members, cleared
when the member is deleted. Comments on content items record who wrote them and, for a
review decision, the workflow step they came with.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (table, column) of every reference to a member this revision makes a foreign key.
PEOPLE = (
    ("strategy", "owner_id"),
    ("tactic", "owner_id"),
    ("kpi", "owner_id"),
    ("content_item", "assignee_id"),
)

CONTENT_STATUS = postgresql.ENUM(name="content_status", create_type=False)


def upgrade() -> None:
    op.add_column("tactic", sa.Column("owner_id", sa.Uuid(), nullable=True))
    for table, column in PEOPLE:
        # The placeholder columns had no foreign key: drop whatever names no member.
        op.execute(
            f"UPDATE {table} SET {column} = NULL "
            f"WHERE {column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM member WHERE member.id = {column})"
        )
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)
        op.create_foreign_key(
            op.f(f"fk_{table}_{column}_member"), table, "member", [column], ["id"], ondelete="SET NULL"
        )
    op.create_table(
        "comment",
        sa.Column("content_item_id", sa.Uuid(), nullable=False),
        sa.Column(
            "author_kind",
            sa.Enum("MEMBER", "API_KEY", "DEMO_VISITOR", "SYSTEM", name="actor_kind"),
            nullable=False,
        ),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("transition_from", CONTENT_STATUS, nullable=True),
        sa.Column("transition_to", CONTENT_STATUS, nullable=True),
        sa.Column("strategy_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "(transition_from IS NULL) = (transition_to IS NULL)", name=op.f("ck_comment_transition")
        ),
        sa.CheckConstraint("char_length(body) <= 10000", name=op.f("ck_comment_body_length")),
        sa.ForeignKeyConstraint(
            ["strategy_id", "content_item_id"],
            ["content_item.strategy_id", "content_item.id"],
            name=op.f("fk_comment_strategy_id_content_item_id_content_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "strategy_id"],
            ["strategy.workspace_id", "strategy.id"],
            name=op.f("fk_comment_workspace_id_strategy_id_strategy"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_comment_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    op.create_index(
        "ix_comment_item_created", "comment", ["content_item_id", "created_at", "id"], unique=False
    )
    op.create_index(op.f("ix_comment_workspace_id"), "comment", ["workspace_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_comment_workspace_id"), table_name="comment")
    op.drop_index("ix_comment_item_created", table_name="comment")
    op.drop_table("comment")
    sa.Enum(name="actor_kind").drop(op.get_bind())
    for table, column in reversed(PEOPLE):
        op.drop_constraint(op.f(f"fk_{table}_{column}_member"), table, type_="foreignkey")
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    op.drop_column("tactic", "owner_id")
