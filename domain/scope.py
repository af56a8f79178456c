"""Which workspaces a caller may see and change.

Every read and write is filtered by a scope. Until authentication lands a scope
is either every workspace (``Scope.everything()``) or an explicit set; an id from
outside the scope reads as "not found", never as "forbidden".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, true
from sqlalchemy.orm import InstrumentedAttribute


@dataclass(frozen=True, slots=True)
class Scope:
    workspace_ids: frozenset[uuid.UUID] | None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None)

    @classmethod
    def of(cls, *workspace_ids: uuid.UUID) -> Scope:
        return cls(frozenset(workspace_ids))

    def allows(self, workspace_id: uuid.UUID) -> bool:
        return self.workspace_ids is None or workspace_id in self.workspace_ids

    def where(
        self, column: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID]
    ) -> ColumnElement[bool]:
        """A filter on a ``workspace_id`` column (or ``workspace.id``) that keeps the scope."""
        if self.workspace_ids is None:
            return true()
        if not self.workspace_ids:
            return false()
        return column.in_(self.workspace_ids)

    @staticmethod
    def sql(column: str) -> str:
        """The scope as a condition of hand-written SQL on a ``workspace_id`` column (see :meth:`params`)."""
        return f"(:everywhere OR {column} = ANY(:workspaces))"

    def params(self) -> dict[str, Any]:
        """The parameters :meth:`sql` binds (``workspaces`` typed as ``ARRAY(Uuid)`` by the statement)."""
        return {"everywhere": self.workspace_ids is None, "workspaces": sorted(self.workspace_ids or ())}
