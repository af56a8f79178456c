"""Describe the audiences a strategy speaks to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.audience.models import Audience, BuyingProcess
from domain.errors import DomainError, ErrorCode, Problems
from domain.scope import Scope
from domain.strategy.models import Strategy
from domain.values import UNSET, Maybe

AUDIENCES_MAX = 50
AGE_MAX = 120


@dataclass(frozen=True, slots=True)
class AudienceChanges:
    name: Maybe[str] = UNSET
    description: Maybe[str | None] = UNSET
    genders: Maybe[list[str] | None] = UNSET
    age_min: Maybe[int | None] = UNSET
    age_max: Maybe[int | None] = UNSET
    interests: Maybe[list[str] | None] = UNSET
    family_statuses: Maybe[list[str] | None] = UNSET
    locations: Maybe[list[str] | None] = UNSET
    behaviours: Maybe[list[str] | None] = UNSET
    buying_process: Maybe[BuyingProcess | None] = UNSET
    buying_notes: Maybe[str | None] = UNSET


LABEL_LISTS = ("genders", "interests", "family_statuses", "locations", "behaviours")


def _audience_values(problems: Problems, changes: AudienceChanges) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if not isinstance(changes.name, values.Unset):
        cleaned["name"] = values.name(problems, changes.name, "name")
    for field in ("description", "buying_notes"):
        given = getattr(changes, field)
        if not isinstance(given, values.Unset):
            cleaned[field] = values.text(problems, given, field)
    for field in LABEL_LISTS:
        given = getattr(changes, field)
        if not isinstance(given, values.Unset):
            cleaned[field] = values.texts(problems, given or [], field)
    for field in ("age_min", "age_max"):
        age = getattr(changes, field)
        if not isinstance(age, values.Unset):
            if age is not None and not 0 <= age <= AGE_MAX:
                problems.add(ErrorCode.OUT_OF_RANGE, f"An age must lie between 0 and {AGE_MAX}.", field)
            cleaned[field] = age
    if not isinstance(changes.buying_process, values.Unset):
        cleaned["buying_process"] = changes.buying_process
    return cleaned


def _check_ages(problems: Problems, age_min: int | None, age_max: int | None) -> None:
    if age_min is not None and age_max is not None and age_min > age_max:
        problems.add(ErrorCode.INVALID_AGE_RANGE, "The youngest age is above the oldest.", "age_max")


async def create_audience(
    session: AsyncSession, scope: Scope, strategy_id: uuid.UUID, changes: AudienceChanges
) -> Audience:
    problems = values.required(changes, name="An audience needs a name.")
    cleaned = _audience_values(problems, changes)
    _check_ages(problems, cleaned.get("age_min"), cleaned.get("age_max"))
    problems.raise_if_any()
    # Locked for a change: creates of its audiences take turns, so the count stays true.
    strategy = await records.get(session, Strategy, strategy_id, scope, "strategy_id")
    if await records.count(session, Audience, strategy_id=strategy.id) >= AUDIENCES_MAX:
        raise DomainError.of(
            ErrorCode.TOO_MANY, f"A strategy holds at most {AUDIENCES_MAX} audiences.", "strategy_id"
        )
    audience = Audience(workspace_id=strategy.workspace_id, strategy_id=strategy.id, **cleaned)
    session.add(audience)
    await session.flush()
    return audience


async def update_audience(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, changes: AudienceChanges
) -> Audience:
    audience = await records.get(session, Audience, id_, scope)
    records.check_version(audience, version)
    problems = Problems()
    cleaned = _audience_values(problems, changes)
    _check_ages(problems, cleaned.get("age_min", audience.age_min), cleaned.get("age_max", audience.age_max))
    problems.raise_if_any()
    records.apply(audience, cleaned)
    await session.flush()
    return audience


async def delete_audience(session: AsyncSession, scope: Scope, id_: uuid.UUID) -> None:
    """Remove an audience; channels, KPIs and content simply stop naming it."""
    await session.delete(await records.get(session, Audience, id_, scope, lock=records.Lock.DELETE))
    await session.flush()
