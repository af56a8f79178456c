"""The content workflow: which moves are allowed, and how a new item reaches each status."""

from __future__ import annotations

import itertools
from collections import deque

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.content.models import ContentStatus
from domain.content.rules import MAY_BE_UNMAPPED, TRANSITIONS, can_transition, path_to

S = ContentStatus
ALL: list[ContentStatus] = list(S)

#: The workflow as documented, written out independently of TRANSITIONS.
Move = tuple[ContentStatus, ContentStatus]
ALLOWED: set[Move] = {
    (S.IDEA, S.DRAFT),
    (S.IDEA, S.ARCHIVED),
    (S.DRAFT, S.IDEA),
    (S.DRAFT, S.IN_REVIEW),
    (S.DRAFT, S.ARCHIVED),
    (S.IN_REVIEW, S.DRAFT),
    (S.IN_REVIEW, S.APPROVED),
    (S.IN_REVIEW, S.ARCHIVED),
    (S.APPROVED, S.DRAFT),
    (S.APPROVED, S.SCHEDULED),
    (S.APPROVED, S.PUBLISHED),
    (S.APPROVED, S.ARCHIVED),
    (S.SCHEDULED, S.APPROVED),
    (S.SCHEDULED, S.PUBLISHED),
    (S.SCHEDULED, S.ARCHIVED),
    (S.PUBLISHED, S.ARCHIVED),
    (S.ARCHIVED, S.IDEA),
}


def _by_value(move: Move) -> tuple[str, str]:
    return move[0].value, move[1].value


ALLOWED_IN_ORDER: list[Move] = sorted(ALLOWED, key=_by_value)


@pytest.mark.parametrize(("current", "target"), ALLOWED_IN_ORDER)
def test_allowed_moves(current: ContentStatus, target: ContentStatus) -> None:
    assert can_transition(current, target) is True


PAIRS: set[Move] = set(itertools.product(ALL, ALL))
REFUSED = sorted(PAIRS - ALLOWED, key=_by_value)


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_refused_moves(current: ContentStatus, target: ContentStatus) -> None:
    assert can_transition(current, target) is False


def test_the_table_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(ALL)
    assert len(ALLOWED) + len(REFUSED) == len(ALL) ** 2
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == ALLOWED


def test_no_status_moves_to_itself() -> None:
    assert not any(can_transition(s, s) for s in ALL)


@pytest.mark.parametrize(
    "refused",
    [
        (S.IDEA, S.PUBLISHED),
        (S.IDEA, S.APPROVED),
        (S.DRAFT, S.APPROVED),
        (S.DRAFT, S.PUBLISHED),
        (S.IN_REVIEW, S.PUBLISHED),
        (S.IN_REVIEW, S.SCHEDULED),
        (S.PUBLISHED, S.DRAFT),
        (S.PUBLISHED, S.SCHEDULED),
        (S.ARCHIVED, S.PUBLISHED),
        (S.ARCHIVED, S.DRAFT),
    ],
)
def test_review_cannot_be_skipped_and_published_is_final(
    refused: tuple[ContentStatus, ContentStatus],
) -> None:
    assert can_transition(*refused) is False


def test_only_ideas_and_archived_items_may_be_unmapped() -> None:
    assert frozenset({S.IDEA, S.ARCHIVED}) == MAY_BE_UNMAPPED


@pytest.mark.parametrize("target", ALL)
def test_path_to_reaches_every_status_by_allowed_moves(target: ContentStatus) -> None:
    path = path_to(target)
    walk = [S.IDEA, *path]
    assert walk[-1] is target
    assert all(can_transition(a, b) for a, b in itertools.pairwise(walk))
    assert len(set(walk)) == len(walk)


def _distances() -> dict[ContentStatus, int]:
    seen = {S.IDEA: 0}
    queue = deque([S.IDEA])
    while queue:
        current = queue.popleft()
        for following in ALL:
            if (current, following) in ALLOWED and following not in seen:
                seen[following] = seen[current] + 1
                queue.append(following)
    return seen


def test_path_to_is_shortest() -> None:
    assert {s: len(path_to(s)) for s in ALL} == _distances()
    assert path_to(S.IDEA) == []
    assert path_to(S.DRAFT) == [S.DRAFT]
    assert path_to(S.ARCHIVED) == [S.ARCHIVED]
    assert path_to(S.IN_REVIEW) == [S.DRAFT, S.IN_REVIEW]
    assert path_to(S.APPROVED) == [S.DRAFT, S.IN_REVIEW, S.APPROVED]
    assert path_to(S.SCHEDULED) == [S.DRAFT, S.IN_REVIEW, S.APPROVED, S.SCHEDULED]
    assert path_to(S.PUBLISHED) == [S.DRAFT, S.IN_REVIEW, S.APPROVED, S.PUBLISHED]


@given(start=st.sampled_from(ALL), choices=st.lists(st.integers(min_value=0), max_size=40))
def test_any_walk_along_transitions_is_accepted(start: ContentStatus, choices: list[int]) -> None:
    walk = [start]
    for choice in choices:
        options = sorted(TRANSITIONS[walk[-1]], key=lambda s: s.value)
        assert options, walk[-1]
        walk.append(options[choice % len(options)])
    assert all(can_transition(a, b) for a, b in itertools.pairwise(walk))


@given(walk=st.lists(st.sampled_from(ALL), min_size=2, max_size=10))
def test_a_walk_is_accepted_exactly_when_every_step_is_in_the_table(walk: list[ContentStatus]) -> None:
    accepted = all(can_transition(a, b) for a, b in itertools.pairwise(walk))
    assert accepted is all((a, b) in ALLOWED for a, b in itertools.pairwise(walk))


@given(status=st.sampled_from(ALL))
def test_archived_is_one_step_away_from_every_other_status(status: ContentStatus) -> None:
    if status is S.ARCHIVED:
        assert path_to(S.ARCHIVED) == [S.ARCHIVED]
    else:
        assert can_transition(status, S.ARCHIVED)


@given(start=st.sampled_from(ALL), target=st.sampled_from(ALL))
def test_every_status_reaches_every_other(start: ContentStatus, target: ContentStatus) -> None:
    seen = {start}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for following in TRANSITIONS[current]:
            if following not in seen:
                seen.add(following)
                queue.append(following)
    assert target in seen
