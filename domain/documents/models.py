"""The table of trusted documents, and the kinds of operation a document may hold."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CHAR, CheckConstraint, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import Base

#: The longest id a document may have.
ID_MAX = 200


class OperationType(enum.Enum):
    """What a document's one operation does, as GraphQL writes it."""

    QUERY = "query"
    MUTATION = "mutation"
    SUBSCRIPTION = "subscription"


class TrustedDocumentRecord(Base):
    """A registered document: the id clients send, its text and the operation in it.

    Not tenant data: the documents are the deployment's, read by every scope. Rows are
    added and read, never changed (an id keeps its text); ``sha256`` (hex, of the text's
    UTF-8) finds a document sent as text.
    """

    __tablename__ = "trusted_document"
    __table_args__ = (
        CheckConstraint(f"char_length(id) BETWEEN 1 AND {ID_MAX}", name="id_length"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_hex"),
        CheckConstraint(
            "operation_type IN ({})".format(", ".join(f"'{kind.value}'" for kind in OperationType)),
            name="operation_type",
        ),
    )

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    sha256: Mapped[str] = mapped_column(CHAR(64), index=True)
    body: Mapped[str] = mapped_column(Text)
    operation_name: Mapped[str | None] = mapped_column(Text)
    operation_type: Mapped[str] = mapped_column(Text)
    #: Which front end registered it (``--client`` on import).
    client_name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
