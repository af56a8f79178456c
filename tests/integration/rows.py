"""Row counts, to show what a load, a reset or a purge wrote and removed."""

from __future__ import annotations

import uuid

from sqlalchemy import Table, func, select

from domain.base import Base
from domain.persistence.database import Database
from domain.scope import Scope
from seed.digest import TENANT_TABLES

ALL_TABLES: list[Table] = list(Base.metadata.sorted_tables)


async def rows_in(db: Database, workspace_id: uuid.UUID) -> dict[str, int]:
    """How many rows each tenant table holds for the workspace (the workspace row included)."""
    workspace = Base.metadata.tables["workspace"]
    async with db.read(Scope.everything()) as connection:
        counts = {"workspace": (await connection.execute(
            select(func.count()).select_from(workspace).where(workspace.c.id == workspace_id)
        )).scalar_one()}  # fmt: skip
        for table in TENANT_TABLES:
            stmt = select(func.count()).select_from(table).where(table.c.workspace_id == workspace_id)
            counts[table.name] = (await connection.execute(stmt)).scalar_one()
    return counts


async def all_rows(db: Database) -> dict[str, int]:
    """How many rows every table holds."""
    async with db.read(Scope.everything()) as connection:
        return {
            table.name: (await connection.execute(select(func.count()).select_from(table))).scalar_one()
            for table in ALL_TABLES
        }
