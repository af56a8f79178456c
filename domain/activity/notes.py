"""A note of one change to one record, and how notes on one record in one transaction combine.

Values are kept as JSON: dates and times in ISO form (UTC), decimals as strings, enums by
value, ids as strings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from domain.activity.models import ActivityAction

#: The field whose change makes an update a step along a workflow, per type of record.
WORKFLOW_FIELDS = {"ContentItem": "status"}

Pair = tuple[Any, Any]
"""A field's value before and after, as JSON values."""


@dataclasses.dataclass(slots=True)
class Note:
    """One change of one record, as it will be logged."""

    node_type: str
    node_id: uuid.UUID
    workspace_id: uuid.UUID | None
    """None for a change of an organization as a whole: it is logged in each of its workspaces."""
    strategy_id: uuid.UUID | None
    action: ActivityAction
    changes: dict[str, Pair]
    parent: tuple[type[Any], uuid.UUID] | None = None
    """The record whose strategy this one belongs to, while ``strategy_id`` is unknown."""
    organization_id: uuid.UUID | None = None


def json_value(value: Any) -> Any:
    """A value as the log stores it: ISO dates and times (UTC), decimals as strings, enums by value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return json_value(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): json_value(item) for key, item in value.items()}
    return str(value)


def empty(value: Any) -> bool:
    """Whether a value says nothing worth logging for a record created or deleted."""
    return value is None or value == "" or value == []


def merged(notes: Sequence[Note]) -> list[Note]:
    """One note per record, in the order records were first touched; records left as they were drop out."""
    by_record: dict[object, Note | None] = {}
    for index, note in enumerate(notes):
        key: object = index if note.action is ActivityAction.RECORDED else note.node_id
        if key not in by_record:
            by_record[key] = dataclasses.replace(note, changes=dict(note.changes))
        else:
            earlier = by_record[key]
            by_record[key] = None if earlier is None else _combined(earlier, note)
    found: list[Note] = []
    for kept in by_record.values():
        if kept is None or (kept.action is ActivityAction.UPDATED and not kept.changes):
            continue
        if kept.action is ActivityAction.UPDATED and WORKFLOW_FIELDS.get(kept.node_type) in kept.changes:
            kept.action = ActivityAction.TRANSITIONED
        found.append(kept)
    return found


def _combined(earlier: Note, later: Note) -> Note | None:
    """Two notes on one record in one transaction as one (None: created and deleted in it)."""
    if earlier.action is ActivityAction.DELETED:
        return earlier
    strategy_id = earlier.strategy_id or later.strategy_id
    parent = earlier.parent if strategy_id is None else None
    if later.action is ActivityAction.DELETED:
        if earlier.action is ActivityAction.CREATED:
            return None
        changes = dict(later.changes)
        for name, (old, _) in earlier.changes.items():
            if old is not None:
                changes[name] = (old, None)
        return dataclasses.replace(later, strategy_id=strategy_id, parent=parent, changes=changes)
    changes = dict(earlier.changes)
    for name, (old, new) in later.changes.items():
        changes[name] = (changes[name][0] if name in changes else old, new)
    if earlier.action is ActivityAction.CREATED:
        changes = {name: (None, new) for name, (_, new) in changes.items() if not empty(new)}
    else:
        changes = {name: pair for name, pair in changes.items() if pair[0] != pair[1]}
    return dataclasses.replace(earlier, strategy_id=strategy_id, parent=parent, changes=changes)
