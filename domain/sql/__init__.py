"""The domain's hand-written SQL: the reads that count, rank and sum in PostgreSQL (a strategy's
coverage and dashboard figures, the facts of KPIs). Every other read and write of the domain is
SQLAlchemy Core or the ORM.

Each file is a statement as PostgreSQL runs it, or a part that statements beginning alike share
(``strategy_figures.sql``, then ``strategy_coverage.sql``), with named parameters
(``:strategies``). A statement keeps the caller's scope as every read does, by a condition on
the ``workspace_id`` of the rows it starts from, written out as
``(:everywhere OR s.workspace_id = ANY(:workspaces))`` and bound by
:meth:`domain.scope.Scope.params`; :func:`statement` refuses one without it.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any

from sqlalchemy import ARRAY, TextClause, Uuid, bindparam, text
from sqlalchemy.types import TypeEngine

#: The scope condition every statement holds, on some table's ``workspace_id``.
SCOPED = re.compile(r"\(:everywhere OR \w+\.workspace_id = ANY\(:workspaces\)\)")


def statement(*names: str, **types: TypeEngine[Any]) -> TextClause:
    """The statement of the files ``<name>.sql`` one after the other (two statements that begin
    alike share their first part), its parameters typed by ``types`` (``workspaces`` always: a
    list of uuids)."""
    sql = "".join(files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8") for name in names)
    if SCOPED.search(sql) is None:
        raise ValueError(f"{' + '.join(names)} does not keep the caller's scope (see domain/sql/__init__.py)")
    params = {"workspaces": ARRAY(Uuid), **types}
    return text(sql).bindparams(*(bindparam(param, type_=type_) for param, type_ in params.items()))
