"""Rules of content: its workflow, and what happens to it when what it serves is deleted."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from domain.access.roles import Action
from domain.content.models import ContentStatus

S = ContentStatus

#: The content workflow. Review can send an item back to DRAFT; anything can be archived.
TRANSITIONS: Mapping[ContentStatus, frozenset[ContentStatus]] = {
    S.IDEA: frozenset({S.DRAFT, S.ARCHIVED}),
    S.DRAFT: frozenset({S.IDEA, S.IN_REVIEW, S.ARCHIVED}),
    S.IN_REVIEW: frozenset({S.DRAFT, S.APPROVED, S.ARCHIVED}),
    S.APPROVED: frozenset({S.DRAFT, S.SCHEDULED, S.PUBLISHED, S.ARCHIVED}),
    S.SCHEDULED: frozenset({S.APPROVED, S.PUBLISHED, S.ARCHIVED}),
    S.PUBLISHED: frozenset({S.ARCHIVED}),
    S.ARCHIVED: frozenset({S.IDEA}),
}

#: Only ideas may lack a tactic or a primary KPI.
MAY_BE_UNMAPPED = frozenset({S.IDEA, S.ARCHIVED})

#: Content nobody has work left on: it is out, or put away.
FINISHED = frozenset({S.PUBLISHED, S.ARCHIVED})


def can_transition(current: ContentStatus, target: ContentStatus) -> bool:
    return target in TRANSITIONS[current]


#: The review decisions: approving content in review, or sending it back to draft.
REVIEW_DECISIONS = frozenset({(S.IN_REVIEW, S.APPROVED), (S.IN_REVIEW, S.DRAFT)})

#: Steps that must say why: requesting changes tells the author what to change.
NEEDS_COMMENT = frozenset({(S.IN_REVIEW, S.DRAFT)})


def action_for(current: ContentStatus, target: ContentStatus) -> Action:
    """What a role must allow to move content from ``current`` to ``target``.

    A review decision (IN_REVIEW → APPROVED, IN_REVIEW → DRAFT) needs REVIEW_CONTENT;
    every other step (drafting, submitting for review, scheduling, publishing, archiving)
    needs MOVE_CONTENT.
    """
    return Action.REVIEW_CONTENT if (current, target) in REVIEW_DECISIONS else Action.MOVE_CONTENT


def needs_comment(current: ContentStatus, target: ContentStatus) -> bool:
    """Whether the step must come with a comment (requesting changes in a review)."""
    return (current, target) in NEEDS_COMMENT


def path_to(target: ContentStatus) -> list[ContentStatus]:
    """The shortest walk from IDEA to ``target`` (how a new item reaches a status)."""
    paths: dict[ContentStatus, list[ContentStatus]] = {S.IDEA: []}
    frontier = [S.IDEA]
    while frontier:
        current = frontier.pop(0)
        for following in sorted(TRANSITIONS[current], key=lambda s: s.value):
            if following not in paths:
                paths[following] = [*paths[current], following]
                frontier.append(following)
    return paths[target]


class ContentOnDelete(enum.Enum):
    """What happens to content that uses a tactic, KPI or channel being deleted."""

    RESTRICT = "RESTRICT"
    UNMAP = "UNMAP"
    REASSIGN = "REASSIGN"
