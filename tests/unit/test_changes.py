"""A mutation's input becomes a domain change set with its ids decoded by the type each input
field declares, never guessed from the field's name."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import strawberry

from domain.errors import DomainError, ErrorCode
from domain.values import UNSET, Maybe
from schema.ids import MemberID, TacticID, encode
from schema.mutation import changes


@dataclass(frozen=True, slots=True)
class PlanChanges:
    name: Maybe[str] = UNSET
    owner_id: Maybe[uuid.UUID | None] = UNSET
    tactic_ids: Maybe[list[uuid.UUID]] = UNSET


@strawberry.input
class DeclaredInput:
    name: str | None = strawberry.UNSET
    owner_id: MemberID | None = strawberry.UNSET
    tactic_ids: list[TacticID] | None = strawberry.UNSET


@strawberry.input
class UndeclaredInput:
    name: str | None = strawberry.UNSET
    owner_id: strawberry.ID | None = strawberry.UNSET


def test_ids_are_decoded_by_the_type_their_field_declares() -> None:
    member, tactic = uuid.uuid4(), uuid.uuid4()
    given = DeclaredInput(
        name="Plan",
        owner_id=strawberry.ID(encode("Member", member)),
        tactic_ids=[strawberry.ID(encode("Tactic", tactic))],
    )
    assert changes(given, PlanChanges) == PlanChanges(name="Plan", owner_id=member, tactic_ids=[tactic])
    assert changes(DeclaredInput(owner_id=None), PlanChanges) == PlanChanges(owner_id=None)


def test_an_id_of_another_type_is_refused() -> None:
    wrong = DeclaredInput(owner_id=strawberry.ID(encode("Tactic", uuid.uuid4())))
    with pytest.raises(DomainError) as refused:
        changes(wrong, PlanChanges)
    assert [(problem.code, problem.field) for problem in refused.value.problems] == [
        (ErrorCode.INVALID_ID, ("owner_id",))
    ]


def test_an_id_field_that_declares_no_type_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match=r"UndeclaredInput\.owner_id holds ids"):
        changes(UndeclaredInput(owner_id=strawberry.ID(encode("Member", uuid.uuid4()))), PlanChanges)
