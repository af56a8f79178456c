"""A fingerprint of everything in a workspace that does not depend on ids or clock times.

Two loads of the same scenario, day and seed value give the same digest, although every
id and creation time differs: each row is written as its values, with every id replaced by
the fingerprint of the row it names (tables are read parents first).
"""

from __future__ import annotations

import enum
import hashlib
import uuid
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import Base
from domain.strategy.figures import FIGURE_TABLES
from domain.tenancy.models import Workspace

#: Columns that differ between two loads of the same data by nature.
IGNORED = frozenset({"id", "workspace_id", "created_at", "updated_at", "expires_at"})
#: Every table whose rows belong to a workspace, parents first.
TENANT_TABLES: list[Table] = [t for t in Base.metadata.sorted_tables if "workspace_id" in t.c]
#: Tables that tell how the data came about (who changed what, when), not what it is.
HISTORY = frozenset({"activity"})
#: Tables PostgreSQL derives from the others: they follow from what the digest already covers.
DERIVED = frozenset(table.name for table in FIGURE_TABLES)


async def digest(session: AsyncSession, workspace_id: uuid.UUID) -> str:
    labels: dict[uuid.UUID, str] = {workspace_id: "workspace"}
    lines: list[str] = []
    workspace = cast(Table, Workspace.__table__)
    tables = [workspace, *(table for table in TENANT_TABLES if table.name not in HISTORY | DERIVED)]
    for table in tables:
        key = workspace.c.id if table is workspace else table.c.workspace_id
        rows = (await session.execute(select(table).where(key == workspace_id))).mappings()
        written = []
        for row in rows:
            line = table.name + "".join(
                f"|{name}={_text(value, labels)}" for name, value in row.items() if name not in IGNORED
            )
            if "id" in row and table is not workspace:
                labels[row["id"]] = hashlib.sha256(line.encode()).hexdigest()[:20]
            written.append(line)
        lines.extend(sorted(written))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _text(value: Any, labels: dict[uuid.UUID, str]) -> str:
    if isinstance(value, uuid.UUID):
        return labels.get(value, "?")
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, list):
        return "[" + ",".join(_text(v, labels) for v in value) + "]"
    return str(value)
