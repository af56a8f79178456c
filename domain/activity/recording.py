"""Writing the activity log: every change to a workspace's records, without a service asking.

The unit of work every service gets (``Database.transaction``) is a :class:`RecordingSession`,
whose listeners note, after each flush, the records of a workspace it
created, changed and deleted, with each changed field's value before and after. Writes made
with SQL statements rather than the ORM report themselves here: a link list replaced
(:func:`note_links`, called by ``records.replace_links``), records changed in bulk
(:func:`note_change`) and a batch of measurements or metrics (:func:`note_recorded`).

Notes pile up in the session and are written when the transaction commits: one row per
record (two notes on one record in one transaction become one row), in one statement.
Notes made inside a savepoint that is rolled back are forgotten with it; a transaction that
rolls back writes nothing. The actor and the operation come from the session's ``info``:
``scope`` (set by ``Database.transaction``) and ``operation`` (the mutation's name).
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, event, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ColumnProperty, InstanceState, Session, SessionTransaction, UOWTransaction
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.sql import ClauseElement

from domain.access.models import ApiKey, Membership
from domain.activity.models import Activity, ActivityAction
from domain.activity.notes import Note, Pair, empty, json_value, merged
from domain.base import Base, TenantEntity
from domain.content.models import ContentItem, ContentMetric
from domain.kpi.models import Kpi, KpiMeasurement
from domain.scope import SYSTEM, Actor, Scope
from domain.strategy.models import Strategy
from domain.tenancy.models import Organization, Workspace
from domain.upsert import Counts

ACTIVITY = cast(Table, Activity.__table__)

#: Keys of ``Session.info``: the caller's scope and the operation's name (set by the callers).
SCOPE = "scope"
OPERATION = "operation"
_PENDING = "activity.pending"
_MARKS = "activity.savepoints"
_GONE = "activity.workspace_deleted"

#: Columns that are not the record's content: its identity, place and bookkeeping (and columns
#: PostgreSQL computes from the others, see :func:`_logged`).
SKIPPED = frozenset({"id", "workspace_id", "strategy_id", "version", "created_at", "updated_at"})
#: Columns never logged: secrets and what identifies a key (the log is read by every role, keys
#: only by those who manage them), and what merely using a record changes.
HIDDEN = frozenset({"secret_hash", "prefix", "last_used_at"})
LEFT_OUT = SKIPPED | HIDDEN

#: Records that know their strategy only through a parent: (parent model, column naming it).
STRATEGY_THROUGH: dict[type[Any], tuple[type[Any], str]] = {
    KpiMeasurement: (Kpi, "kpi_id"),
    ContentMetric: (ContentItem, "content_item_id"),
}


def _ids(values: Iterable[uuid.UUID]) -> list[str]:
    return sorted(str(value) for value in values)


def _pending(session: Session | AsyncSession) -> list[Note]:
    pending: list[Note] = session.info.setdefault(_PENDING, [])
    return pending


# -- notes from services -------------------------------------------------------------------


def note_links(
    session: AsyncSession,
    link: Table,
    owner_column: str,
    owner_id: uuid.UUID,
    target_column: str,
    before: Iterable[uuid.UUID],
    after: Iterable[uuid.UUID],
    common: Mapping[str, Any],
) -> None:
    """Note that ``link`` now ties the owner to ``after`` instead of ``before``.

    ``owner_column`` refers to the owner (``content_item_id``: a ContentItem, by its foreign
    key), ``target_column`` names the field (``kpi_id`` → ``kpi_ids``); ``common`` holds the link
    rows' workspace and strategy.
    """
    old, new = _ids(before), _ids(after)
    if old == new:
        return
    node_type = referred_type(link, owner_column)
    assert node_type is not None, f"{link.name}.{owner_column} refers to no record"
    _pending(session).append(
        Note(
            node_type,
            owner_id,
            common["workspace_id"],
            common.get("strategy_id"),
            ActivityAction.UPDATED,
            {f"{target_column}s": (old, new)},
        )
    )


def note_change(
    session: AsyncSession,
    node_type: str,
    node_id: uuid.UUID,
    workspace_id: uuid.UUID,
    strategy_id: uuid.UUID | None,
    changes: Mapping[str, tuple[Any, Any]],
) -> None:
    """Note fields of a record changed by an SQL statement (values as read from the database)."""
    fields = {name: (json_value(old), json_value(new)) for name, (old, new) in changes.items() if old != new}
    if fields:
        _pending(session).append(
            Note(node_type, node_id, workspace_id, strategy_id, ActivityAction.UPDATED, fields)
        )


#: What a recorded batch may be about (:func:`note_recorded`): the field of its note, and the
#: type of record whose ids the field lists.
RECORDED_SUBJECTS: Mapping[str, type[Any]] = {"kpi_ids": Kpi, "content_item_ids": ContentItem}


def note_recorded(
    session: AsyncSession,
    strategy_id: uuid.UUID,
    workspace_id: uuid.UUID,
    counts: Counts,
    **subjects: Iterable[uuid.UUID],
) -> None:
    """Note a batch recorded for a strategy: how many records it created, changed and left as they were.

    ``subjects`` name what the batch was about (:data:`RECORDED_SUBJECTS`: ``kpi_ids=…``). A
    batch that changed nothing is not logged.
    """
    assert set(subjects) <= set(RECORDED_SUBJECTS), subjects
    if not counts.created and not counts.updated:
        return
    changes: dict[str, Pair] = {
        "created": (None, counts.created),
        "updated": (None, counts.updated),
        "unchanged": (None, counts.unchanged),
    }
    changes.update({name: (None, _ids(set(ids))) for name, ids in subjects.items()})
    _pending(session).append(
        Note("Strategy", strategy_id, workspace_id, strategy_id, ActivityAction.RECORDED, changes)
    )


# -- what a flush did ----------------------------------------------------------------------


Place = tuple[uuid.UUID | None, uuid.UUID | None, uuid.UUID | None]
"""Where a record lives: its workspace, strategy and (for one of no workspace) organization."""


def _place(record: object) -> Place | None:
    """Where a record the log follows lives; None for other records.

    Roles and API keys of a whole organization, and the organization itself, are logged in
    each of its workspaces.
    """
    if isinstance(record, Workspace):
        return record.id, None, None
    if isinstance(record, Organization):
        return None, None, record.id
    if isinstance(record, Strategy):
        return record.workspace_id, record.id, None
    if isinstance(record, TenantEntity):
        return record.workspace_id, getattr(record, "strategy_id", None), None
    if isinstance(record, Membership | ApiKey):
        return record.workspace_id, None, None if record.workspace_id else record.organization_id
    return None


def _values(state: InstanceState[Any]) -> dict[str, Any]:
    """The record's loaded column values, bookkeeping and secrets left out."""
    found: dict[str, Any] = {}
    for prop in state.mapper.column_attrs:
        value = state.dict.get(prop.key, NO_VALUE)
        if _logged(prop) and value is not NO_VALUE and not isinstance(value, ClauseElement):
            found[prop.key] = json_value(value)
    return found


def _logged(prop: ColumnProperty[Any]) -> bool:
    """Whether a column's values are logged: not left out, and not computed from the others."""
    return prop.key not in LEFT_OUT and all(column.computed is None for column in prop.columns)


def _updated(state: InstanceState[Any]) -> dict[str, Pair]:
    changes: dict[str, Pair] = {}
    for prop in state.mapper.column_attrs:
        if not _logged(prop):
            continue
        history = state.attrs[prop.key].history
        if not history.added or isinstance(history.added[0], ClauseElement):
            continue
        before = json_value(history.deleted[0]) if history.deleted else None
        after = json_value(history.added[0])
        if before != after:
            changes[prop.key] = (before, after)
    return changes


def _note(session: Session, record: object, action: ActivityAction) -> None:
    place = _place(record)
    if place is None:
        return
    state = inspect(record)
    if action is ActivityAction.UPDATED:
        changes = _updated(state)
        if not changes:
            return
    else:
        values = _values(state)
        changes = {
            name: (None, value) if action is ActivityAction.CREATED else (value, None)
            for name, value in values.items()
            if not empty(value)
        }
    workspace_id, strategy_id, organization_id = place
    parent = None
    through = STRATEGY_THROUGH.get(type(record))
    if strategy_id is None and through is not None:
        parent = (through[0], getattr(record, through[1]))
        known = session.identity_map.get(inspect(through[0]).identity_key_from_primary_key([parent[1]]))
        if known is not None:
            strategy_id, parent = known.strategy_id, None
    node_id: uuid.UUID = state.dict["id"]
    note = Note(
        type(record).__name__, node_id, workspace_id, strategy_id, action, changes, parent, organization_id
    )
    _pending(session).append(note)


def referred_type(table: Table, column: str) -> str | None:
    """The type of record ``table.column`` refers to by a foreign key (its model's name), if any."""
    if column not in table.c:
        return None
    for key in table.c[column].foreign_keys:
        if key.column.primary_key:  # not the workspace half of a key on (workspace_id, id)
            return _model_names().get(key.column.table.name)
    return None


def logged_id_type(node_type: str, field: str) -> str | None:
    """The type of record a field of the activity log names by id, as the models declare it: a
    column of ``node_type``'s table with a foreign key (``tactic_id``, ``owner_id``), or a list
    of links (``kpi_ids``: a link table referring to both ``node_type`` and a KPI), or what a
    recorded batch was about (:data:`RECORDED_SUBJECTS`)."""
    if node_type == "Strategy" and field in RECORDED_SUBJECTS:
        return RECORDED_SUBJECTS[field].__name__
    return _logged_id_types().get((node_type, field))


@functools.cache
def _model_names() -> dict[str, str]:
    return {cast(Table, mapper.local_table).name: mapper.class_.__name__ for mapper in Base.registry.mappers}


@functools.cache
def _logged_id_types() -> dict[tuple[str, str], str]:
    names = _model_names()
    found: dict[tuple[str, str], str] = {}
    for table in Base.metadata.tables.values():
        refers = {column.name: referred_type(table, column.name) for column in table.c}
        owner = names.get(table.name)
        if owner is not None:  # a record's own columns
            found.update({(owner, name): type_ for name, type_ in refers.items() if type_ is not None})
        else:  # a link table: each of the two records it ties lists the other (``kpi_ids``)
            tied = {name: type_ for name, type_ in refers.items() if type_ and name not in _PLACE}
            for own, own_type in tied.items():
                others = {(own_type, f"{other}s"): type_ for other, type_ in tied.items() if other != own}
                found.update(others)
    return found


#: The columns that say where a link lies (its workspace and strategy), not what it ties.
_PLACE = frozenset({"workspace_id", "strategy_id"})


class RecordingSession(Session):
    """The unit of work of :class:`~domain.persistence.database.Database`: a session that writes
    the activity log of what it changes (the listeners below are on this class, not on every
    session)."""


@event.listens_for(RecordingSession, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    for record in session.new:
        if not isinstance(record, Organization):  # a new organization has no workspace to log in yet
            _note(session, record, ActivityAction.CREATED)
    for record in session.dirty:
        _note(session, record, ActivityAction.UPDATED)
    for record in session.deleted:
        if isinstance(record, Workspace | Organization):
            session.info[_GONE] = True  # its log goes with it
        else:
            _note(session, record, ActivityAction.DELETED)


# -- savepoints and the end of the transaction ---------------------------------------------


@event.listens_for(RecordingSession, "after_transaction_create")
def _savepoint_begins(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(_pending(session))


@event.listens_for(RecordingSession, "after_soft_rollback")
def _rolled_back(session: Session, transaction: SessionTransaction) -> None:
    """Forget the notes of a savepoint rolled back, or of the whole transaction."""
    if transaction.nested:
        mark = session.info.get(_MARKS, {}).pop(transaction, None)
        if mark is not None:
            del _pending(session)[mark:]
    elif transaction.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(RecordingSession, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in (_PENDING, _MARKS, _GONE):
            session.info.pop(key, None)


@event.listens_for(RecordingSession, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.flush()
    notes = merged(session.info.pop(_PENDING, []))
    if not notes:
        return
    _find_strategies(session, notes)
    notes = _in_workspaces(session, notes)
    if session.info.pop(_GONE, False):
        notes = _in_existing_workspaces(session, notes)
    scope: Scope | None = session.info.get(SCOPE)
    actor: Actor = scope.actor if scope is not None else SYSTEM
    rows = [
        {
            "workspace_id": note.workspace_id,
            "strategy_id": note.strategy_id,
            "node_type": note.node_type,
            "node_id": note.node_id,
            "action": note.action,
            "operation": session.info.get(OPERATION),
            "actor_kind": actor.kind,
            "actor_id": actor.id,
            "actor_name": actor.name,
            "changes": {name: {"before": old, "after": new} for name, (old, new) in note.changes.items()},
        }
        for note in notes
    ]
    if rows:
        session.execute(insert(ACTIVITY), rows)


def _find_strategies(session: Session, notes: Sequence[Note]) -> None:
    """Fill in the strategy of notes that know only their parent record (one query per kind)."""
    wanted: dict[type[Any], list[Note]] = {}
    for note in notes:
        if note.strategy_id is None and note.parent is not None:
            wanted.setdefault(note.parent[0], []).append(note)
    for model, waiting in wanted.items():
        ids = {note.parent[1] for note in waiting if note.parent is not None}
        stmt = select(model.id, model.strategy_id).where(model.id.in_(ids))
        strategies = {row.id: row.strategy_id for row in session.execute(stmt)}
        for note in waiting:
            if note.parent is not None:
                note.strategy_id = strategies.get(note.parent[1])


def _in_workspaces(session: Session, notes: list[Note]) -> list[Note]:
    """Each note on an organization as a whole once per workspace of it (one query, if there is any)."""
    organizations = {note.organization_id for note in notes if note.workspace_id is None}
    if not organizations:
        return notes
    stmt = select(Workspace.organization_id, Workspace.id).where(Workspace.organization_id.in_(organizations))
    workspaces: dict[uuid.UUID, list[uuid.UUID]] = {}
    for organization_id, workspace_id in session.execute(stmt):
        workspaces.setdefault(organization_id, []).append(workspace_id)
    found: list[Note] = []
    for note in notes:
        if note.workspace_id is not None:
            found.append(note)
        elif note.organization_id is not None:
            found.extend(
                dataclasses.replace(note, workspace_id=workspace_id)
                for workspace_id in workspaces.get(note.organization_id, [])
            )
    return found


def _in_existing_workspaces(session: Session, notes: list[Note]) -> list[Note]:
    """Leave out notes on workspaces deleted in this transaction: their log went with them."""
    ids = {note.workspace_id for note in notes}
    there = set(session.execute(select(Workspace.id).where(Workspace.id.in_(ids))).scalars())
    return [note for note in notes if note.workspace_id in there]
