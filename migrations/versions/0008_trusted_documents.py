"""Trusted documents: the GraphQL documents front ends register at build time.

A front end's build writes a manifest of the documents it will send (Apollo's persisted-query
manifest, or a query map from Relay or graphql-codegen); ``redthread documents import`` stores
them here, and a request may then name a document by its id instead of sending its text.
With ``REDTHREAD_TRUSTED_DOCUMENTS_ONLY`` the service runs only these documents.

The documents belong to the deployment, not to a workspace: the table has no
``workspace_id`` and no row-level security policy, so every scope reads it. Several ids may
carry the same text (one per front end, say), so ``sha256`` has a plain index. An id never
changes its text, since a client built against the old text would get the new one: the
service may read, add and remove documents, never change one.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from domain.persistence.settings import DatabaseSettings

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _role() -> str:
    """The service role, quoted (its name is checked by the settings: lower case, digits, _)."""
    return '"' + DatabaseSettings().database_service_role + '"'


def upgrade() -> None:
    op.create_table(
        "trusted_document",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("sha256", sa.CHAR(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("operation_name", sa.Text(), nullable=True),
        sa.Column("operation_type", sa.Text(), nullable=False),
        sa.Column("client_name", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("char_length(id) BETWEEN 1 AND 200", name=op.f("ck_trusted_document_id_length")),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_trusted_document_sha256_hex")),
        sa.CheckConstraint(
            "operation_type IN ('query', 'mutation', 'subscription')",
            name=op.f("ck_trusted_document_operation_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_document")),
    )
    op.create_index(op.f("ix_trusted_document_sha256"), "trusted_document", ["sha256"])
    # The service reads documents for every request and imports them; it never rewrites one.
    # Granted outright rather than left to the default privileges of revision 0007, which hold
    # only for tables the same owner creates.
    role = _role()
    op.execute(f"""
        DO $grant$
        BEGIN
            IF to_regrole('{role}') IS NOT NULL THEN
                GRANT SELECT, INSERT, DELETE ON trusted_document TO {role};
                REVOKE UPDATE, TRUNCATE ON trusted_document FROM {role};
            END IF;
        END
        $grant$
    """)


def downgrade() -> None:
    op.drop_index(op.f("ix_trusted_document_sha256"), table_name="trusted_document")
    op.drop_table("trusted_document")
