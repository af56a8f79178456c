"""Which role a workflow step needs, and which steps must say why."""

from __future__ import annotations

from domain.access.roles import Action
from domain.content.models import ContentStatus as S
from domain.content.rules import TRANSITIONS, action_for, needs_comment


def test_only_the_review_decisions_need_review_content() -> None:
    reviews = {
        (current, target)
        for current, targets in TRANSITIONS.items()
        for target in targets
        if action_for(current, target) is Action.REVIEW_CONTENT
    }
    assert reviews == {(S.IN_REVIEW, S.APPROVED), (S.IN_REVIEW, S.DRAFT)}
    assert action_for(S.DRAFT, S.IN_REVIEW) is Action.MOVE_CONTENT
    assert action_for(S.IN_REVIEW, S.ARCHIVED) is Action.MOVE_CONTENT
    assert action_for(S.APPROVED, S.DRAFT) is Action.MOVE_CONTENT


def test_only_requesting_changes_needs_a_comment() -> None:
    needing = {
        (current, target)
        for current, targets in TRANSITIONS.items()
        for target in targets
        if needs_comment(current, target)
    }
    assert needing == {(S.IN_REVIEW, S.DRAFT)}
