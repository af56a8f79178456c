"""The content plan's order as a stored column, so that paging by cursor uses its index.

Content is listed by planned time, unplanned content last: ``coalesce(planned_at, far future)``.
As an expression index that served the first page, but a page after a cursor walked the whole
plan up to the cursor: under row-level security PostgreSQL evaluates the policy before any
condition it cannot prove leak-proof, and it counts COALESCE among those, so the keyset
condition on the expression was a filter, not an index bound (49,451 rows read for a page in
the middle of 100,000 items). A generated column compared with plain operators is an index
bound again.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLANNED_SORT = "coalesce(planned_at, '9999-12-31 00:00:00+00'::timestamptz)"


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE content_item ADD COLUMN planned_sort timestamptz GENERATED ALWAYS AS ({PLANNED_SORT}) STORED"
    )
    op.drop_index("ix_content_item_strategy_planned", table_name="content_item")
    op.create_index("ix_content_item_strategy_planned", "content_item", ["strategy_id", "planned_sort", "id"])


def downgrade() -> None:
    op.drop_index("ix_content_item_strategy_planned", table_name="content_item")
    op.execute("ALTER TABLE content_item DROP COLUMN planned_sort")
    op.execute(
        f"CREATE INDEX ix_content_item_strategy_planned ON content_item (strategy_id, ({PLANNED_SORT}), id)"
    )
