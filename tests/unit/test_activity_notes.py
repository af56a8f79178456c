"""How notes on one record in one transaction become one entry of the activity log."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from domain.activity.models import ActivityAction
from domain.activity.notes import Note, json_value, merged

A = ActivityAction
WORKSPACE = uuid.uuid4()


def note(
    action: ActivityAction, node: uuid.UUID, node_type: str = "Tactic", **changes: tuple[object, object]
) -> Note:
    return Note(node_type, node, WORKSPACE, None, action, dict(changes))


def test_values_are_kept_as_json() -> None:
    class Colour(enum.Enum):
        RED = "RED"

    moment = dt.datetime(2030, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    id_ = uuid.uuid4()
    assert json_value(Decimal("100.0000")) == "100"
    assert json_value(Decimal("0.50")) == "0.5"
    assert json_value(Decimal("1E+3")) == "1000"
    assert json_value(moment) == "2030-01-01T10:00:00+00:00"
    assert json_value(dt.date(2030, 1, 2)) == "2030-01-02"
    assert json_value(Colour.RED) == "RED"
    assert json_value([id_, Colour.RED]) == [str(id_), "RED"]
    assert json_value(None) is None


def test_a_record_created_then_changed_is_one_creation_with_its_last_values() -> None:
    tactic = uuid.uuid4()
    (entry,) = merged(
        [
            note(A.CREATED, tactic, name=(None, "Inspire"), description=(None, "old")),
            note(A.UPDATED, tactic, description=("old", ""), kpi_ids=([], ["k"])),
        ]
    )
    assert entry.action is A.CREATED
    assert entry.changes == {"name": (None, "Inspire"), "kpi_ids": (None, ["k"])}


def test_changes_that_cancel_out_leave_no_entry() -> None:
    tactic, other = uuid.uuid4(), uuid.uuid4()
    entries = merged(
        [
            note(A.UPDATED, tactic, name=("a", "b"), position=(1, 2)),
            note(A.UPDATED, other, name=("x", "y")),
            note(A.UPDATED, tactic, name=("b", "a")),
        ]
    )
    assert [(entry.node_id, entry.changes) for entry in entries] == [
        (tactic, {"position": (1, 2)}),
        (other, {"name": ("x", "y")}),
    ]
    assert merged([note(A.UPDATED, tactic, name=("a", "b")), note(A.UPDATED, tactic, name=("b", "a"))]) == []


def test_a_record_created_and_deleted_in_one_transaction_is_not_logged() -> None:
    tactic = uuid.uuid4()
    created = note(A.CREATED, tactic, name=(None, "a"))
    assert merged([created, note(A.DELETED, tactic, name=("a", None))]) == []


def test_a_deletion_keeps_the_values_from_before_the_transaction() -> None:
    tactic = uuid.uuid4()
    (entry,) = merged(
        [
            note(A.UPDATED, tactic, name=("a", "b")),
            note(A.DELETED, tactic, name=("b", None), kind=("INSPIRE", None)),
        ]
    )
    assert entry.action is A.DELETED
    assert entry.changes == {"name": ("a", None), "kind": ("INSPIRE", None)}


def test_a_content_status_change_is_a_workflow_step_and_batches_stay_apart() -> None:
    item, strategy = uuid.uuid4(), uuid.uuid4()
    entries = merged(
        [
            note(A.UPDATED, item, "ContentItem", status=("IDEA", "DRAFT")),
            note(A.UPDATED, item, "ContentItem", published_at=(None, "2030-01-01")),
            note(A.RECORDED, strategy, "Strategy", created=(None, 2)),
            note(A.RECORDED, strategy, "Strategy", created=(None, 3)),
            note(A.UPDATED, strategy, "Strategy", status=("DRAFT", "ACTIVE")),
        ]
    )
    assert [(entry.node_type, entry.action) for entry in entries] == [
        ("ContentItem", A.TRANSITIONED),
        ("Strategy", A.RECORDED),
        ("Strategy", A.RECORDED),
        ("Strategy", A.UPDATED),
    ]
    assert entries[0].changes == {"status": ("IDEA", "DRAFT"), "published_at": (None, "2030-01-01")}
