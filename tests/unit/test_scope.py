"""A caller's scope: what they see (else NOT_FOUND) and what their roles let them do (else FORBIDDEN)."""

from __future__ import annotations

import uuid

import pytest

from domain.access.roles import PERMISSIONS, Action, Role
from domain.errors import DomainError
from domain.scope import Scope

A, B = uuid.uuid4(), uuid.uuid4()


def outcome(scope: Scope, workspace: uuid.UUID, action: Action) -> str:
    try:
        scope.check(workspace, "tactic", action=action)
    except DomainError as error:
        (problem,) = error.problems
        return problem.code.value
    return "OK"


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_a_workspace_role_decides_its_actions_and_nothing_elsewhere(role: Role, action: Action) -> None:
    scope = Scope.of(A, role=role)
    organization_action = action in (Action.MANAGE_ORGANIZATION, Action.DELETE_ORGANIZATION)
    expected = "OK" if action in PERMISSIONS[role] and not organization_action else "FORBIDDEN"
    assert outcome(scope, A, action) == expected
    assert outcome(scope, B, action) == "NOT_FOUND", "another workspace reads as not found"


def test_the_system_may_do_everything_everywhere() -> None:
    for action in Action:
        assert outcome(Scope.everything(), A, action) == "OK"


def test_a_role_given_on_a_new_workspace_counts_from_then_on() -> None:
    scope = Scope.of(A, role=Role.VIEWER)
    widened = scope.including(frozenset({Role.EDITOR}), workspace_id=B)
    assert outcome(widened, B, Action.EDIT_CONTENT) == "OK"
    assert outcome(widened, A, Action.EDIT_CONTENT) == "FORBIDDEN"
    assert outcome(scope, B, Action.VIEW) == "NOT_FOUND", "the scope it came from is unchanged"
