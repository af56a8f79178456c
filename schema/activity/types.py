"""The activity log: who changed what and when, newest first, on a workspace, a strategy or a content item."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import strawberry
from sqlalchemy import Row
from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_camel_case

from domain.activity.models import Activity as ActivityRow
from domain.activity.models import ActivityAction
from domain.activity.recording import logged_id_type
from domain.scope import ActorKind
from schema import ids
from schema.access.types import Actor
from schema.context import Info
from schema.loading import ConnectionSpec, Loaded, NodeSpec, in_workspace
from schema.relay import NODE_SPECS, Node, load_by_id, register, relation

activity_table = ActivityRow.__table__


def _id_type(node_type: str, name: str, values: Mapping[str, Any]) -> str | None:
    """The type of record a field names by id, as the models' foreign keys declare it; a
    comment's ``author_id`` by its ``author_kind``."""
    if name == "author_id":
        kind = values.get("author_kind", {})
        value = kind.get("after") or kind.get("before")
        return ids.NAMED_BY_ACTOR.get(ActorKind(value)) if value else None
    return logged_id_type(node_type, name)


def _global(type_name: str | None, value: Any) -> Any:
    """An id value (or list of them) as global ids; other values as they are."""
    if type_name is None or value is None:
        return value
    if isinstance(value, list):
        return [ids.encode(type_name, uuid.UUID(item)) for item in value]
    return ids.encode(type_name, uuid.UUID(value))


@strawberry.type(description="A field of a record before and after a change.")
class FieldChange:
    field: str = strawberry.field(description="The field, as the record's type names it (`targetShare`).")
    before: JSON | None = strawberry.field(
        description="Its value before (null: empty, or the record was created). Ids are global IDs."
    )
    after: JSON | None = strawberry.field(
        description="Its value after (null: empty, or the record was deleted). Ids are global IDs."
    )


@strawberry.type(
    description=(
        "One change to one record: who made it, through which operation, and each changed field before "
        "and after. The log is never changed afterwards; a deleted record keeps its history."
    )
)
class Activity(Node):
    db_id: strawberry.Private[uuid.UUID]
    node_db_id: strawberry.Private[uuid.UUID]
    action: ActivityAction = strawberry.field(description="What the change did to the record.")
    operation: str | None = strawberry.field(
        description="The mutation that made the change (`updateTactic`); null for the service's own work."
    )
    node_type: str = strawberry.field(description="The type of the record changed (`Tactic`).")
    node_id: strawberry.ID = strawberry.field(
        description="The global ID of the record changed, also once it is deleted."
    )
    actor: Actor = strawberry.field(description="Who made the change.")
    changes: list[FieldChange] = strawberry.field(
        description=(
            "The fields that changed; every field with a value for CREATED and DELETED, and for RECORDED "
            "how many records the batch `created`, `updated` and left `unchanged`."
        )
    )
    occurred_at: dt.datetime = strawberry.field(description="When the change was made.")

    @classmethod
    def from_row(cls, row: Row[Any] | ActivityRow) -> Activity:
        changes: dict[str, dict[str, Any]] = row.changes
        return cls(
            id=strawberry.ID(ids.encode("Activity", row.id)),
            db_id=row.id,
            node_db_id=row.node_id,
            action=row.action,
            operation=row.operation,
            node_type=row.node_type,
            node_id=strawberry.ID(ids.encode(row.node_type, row.node_id)),
            actor=Actor.of(row.actor_kind, row.actor_id, row.actor_name),
            changes=[
                FieldChange(
                    field=to_camel_case(name),
                    before=_global(_id_type(row.node_type, name, changes), change.get("before")),
                    after=_global(_id_type(row.node_type, name, changes), change.get("after")),
                )
                for name, change in sorted(changes.items())
            ],
            occurred_at=row.occurred_at,
        )

    @relation(Node | None, "The record changed; null once it is deleted or when you may not see it.")
    def node(self, info: Info) -> Loaded[Node | None]:
        spec = NODE_SPECS.get(self.node_type)
        if spec is None:
            return None
        found: Loaded[Node | None] = load_by_id(info, spec, self.node_db_id)
        return found


def _log_by(parent: Any) -> ConnectionSpec[Activity]:
    return ConnectionSpec(
        source=activity_table,
        columns=list(activity_table.c),
        parent=parent,
        visible=in_workspace(activity_table.c.workspace_id),
        order=[activity_table.c.occurred_at, activity_table.c.id],
        convert=Activity.from_row,
        descending=True,
    )


ACTIVITY = register(
    "Activity",
    NodeSpec(
        activity_table, activity_table.c.id, in_workspace(activity_table.c.workspace_id), Activity.from_row
    ),
)
ACTIVITY_OF_WORKSPACE = _log_by(activity_table.c.workspace_id)
ACTIVITY_OF_STRATEGY = _log_by(activity_table.c.strategy_id)
ACTIVITY_OF_NODE = _log_by(activity_table.c.node_id)
