"""Write a strategy: its purpose and period, and the tactics that reach the purpose."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.access.people import person
from domain.content.detach import content_using, lock_for_deletion, repoint_content
from domain.content.models import ContentItem
from domain.content.rules import ContentOnDelete
from domain.errors import DomainError, ErrorCode, Problems
from domain.records import Lock
from domain.scope import Scope
from domain.strategy.models import Strategy, StrategyStatus, Tactic, TacticKind
from domain.values import UNSET, Maybe

#: The method asks for 2–3 tactics; more than this is surely a mistake.
TACTICS_MAX = 12


@dataclass(frozen=True, slots=True)
class StrategyChanges:
    name: Maybe[str] = UNSET
    purpose: Maybe[str | None] = UNSET
    starts_on: Maybe[dt.date | None] = UNSET
    ends_on: Maybe[dt.date | None] = UNSET
    status: Maybe[StrategyStatus] = UNSET
    owner_id: Maybe[uuid.UUID | None] = UNSET


def _strategy_values(problems: Problems, changes: StrategyChanges) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if not isinstance(changes.name, values.Unset):
        cleaned["name"] = values.name(problems, changes.name, "name")
    if not isinstance(changes.purpose, values.Unset):
        cleaned["purpose"] = values.text(problems, changes.purpose, "purpose")
    if not isinstance(changes.starts_on, values.Unset):
        cleaned["starts_on"] = values.date(problems, changes.starts_on, "starts_on")
    if not isinstance(changes.ends_on, values.Unset):
        cleaned["ends_on"] = values.date(problems, changes.ends_on, "ends_on")
    if not isinstance(changes.status, values.Unset):
        cleaned["status"] = changes.status
    return cleaned


def check_period(problems: Problems, starts_on: dt.date | None, ends_on: dt.date | None) -> None:
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        problems.add(ErrorCode.INVALID_PERIOD, "The strategy's period ends before it starts.", "ends_on")


async def create_strategy(
    session: AsyncSession, scope: Scope, workspace_id: uuid.UUID, changes: StrategyChanges
) -> Strategy:
    problems = values.required(changes, name="A strategy needs a name.")
    cleaned = _strategy_values(problems, changes)
    check_period(problems, cleaned.get("starts_on"), cleaned.get("ends_on"))
    problems.raise_if_any()
    await records.workspace_in_scope(session, scope, workspace_id)
    await person(session, scope, problems, cleaned, "owner_id", changes.owner_id, workspace_id)
    problems.raise_if_any()
    strategy = Strategy(workspace_id=workspace_id, **cleaned)
    session.add(strategy)
    await session.flush()
    return strategy


async def update_strategy(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, changes: StrategyChanges
) -> Strategy:
    strategy = await records.get(session, Strategy, id_, scope)
    records.check_version(strategy, version)
    problems = Problems()
    cleaned = _strategy_values(problems, changes)
    check_period(
        problems, cleaned.get("starts_on", strategy.starts_on), cleaned.get("ends_on", strategy.ends_on)
    )
    await person(session, scope, problems, cleaned, "owner_id", changes.owner_id, strategy.workspace_id)
    problems.raise_if_any()
    records.apply(strategy, cleaned)
    await session.flush()
    return strategy


async def delete_strategy(session: AsyncSession, scope: Scope, id_: uuid.UUID) -> None:
    """Remove a strategy with its tactics, audiences, chosen channels, KPIs and content."""
    await session.delete(await records.get(session, Strategy, id_, scope, lock=Lock.DELETE))
    await session.flush()


@dataclass(frozen=True, slots=True)
class TacticChanges:
    name: Maybe[str] = UNSET
    kind: Maybe[TacticKind] = UNSET
    description: Maybe[str | None] = UNSET
    target_share: Maybe[Decimal | None] = UNSET
    position: Maybe[int] = UNSET
    owner_id: Maybe[uuid.UUID | None] = UNSET


def _tactic_values(problems: Problems, changes: TacticChanges) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if not isinstance(changes.name, values.Unset):
        cleaned["name"] = values.name(problems, changes.name, "name")
    if not isinstance(changes.kind, values.Unset):
        cleaned["kind"] = changes.kind
    if not isinstance(changes.description, values.Unset):
        cleaned["description"] = values.text(problems, changes.description, "description")
    if not isinstance(changes.target_share, values.Unset):
        share = values.decimal(
            problems, changes.target_share, "target_share", minimum=Decimal(0), maximum=Decimal(100)
        )
        if share is not None and share != share.quantize(Decimal("0.01")):
            problems.add(
                ErrorCode.TOO_PRECISE, "Target share has more than 2 decimal places.", "target_share"
            )
        cleaned["target_share"] = share
    if not isinstance(changes.position, values.Unset):
        if not 0 <= changes.position <= 1_000:
            problems.add(ErrorCode.OUT_OF_RANGE, "Position must lie between 0 and 1000.", "position")
        cleaned["position"] = changes.position
    return cleaned


async def create_tactic(
    session: AsyncSession, scope: Scope, strategy_id: uuid.UUID, changes: TacticChanges
) -> Tactic:
    problems = values.required(changes, name="A tactic needs a name.", kind="A tactic needs a kind.")
    cleaned = _tactic_values(problems, changes)
    problems.raise_if_any()
    # Locked for a change: creates of its tactics take turns, so the count below stays true.
    strategy = await records.get(session, Strategy, strategy_id, scope, "strategy_id")
    await person(session, scope, problems, cleaned, "owner_id", changes.owner_id, strategy.workspace_id)
    problems.raise_if_any()
    existing = await records.count(session, Tactic, strategy_id=strategy.id)
    if existing >= TACTICS_MAX:
        raise DomainError.of(
            ErrorCode.TOO_MANY,
            f"A strategy holds at most {TACTICS_MAX} tactics; the method asks for 2–3.",
            "strategy_id",
        )
    cleaned.setdefault("position", existing)
    tactic = Tactic(workspace_id=strategy.workspace_id, strategy_id=strategy.id, **cleaned)
    session.add(tactic)
    await session.flush()
    return tactic


async def update_tactic(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, changes: TacticChanges
) -> Tactic:
    tactic = await records.get(session, Tactic, id_, scope)
    records.check_version(tactic, version)
    problems = Problems()
    cleaned = _tactic_values(problems, changes)
    await person(session, scope, problems, cleaned, "owner_id", changes.owner_id, tactic.workspace_id)
    problems.raise_if_any()
    records.apply(tactic, cleaned)
    await session.flush()
    return tactic


async def delete_tactic(
    session: AsyncSession,
    scope: Scope,
    id_: uuid.UUID,
    on_content: ContentOnDelete = ContentOnDelete.RESTRICT,
    reassign_to: uuid.UUID | None = None,
) -> int:
    """Remove a tactic; content that uses it is refused, unmapped or moved to another tactic.

    Returns how many content items were unmapped or moved.
    """
    moving = on_content is ContentOnDelete.REASSIGN
    await records.hold_strategies(session, records.strategy_of(Tactic, [id_]))
    tactic, owners = await lock_for_deletion(session, scope, Tactic, id_, reassign_to if moving else None)
    target = _reassign_target(tactic, reassign_to, owners) if moving else None
    using = ContentItem.tactic_id == tactic.id
    ids = await content_using(session, using, on_content, ErrorCode.TACTIC_IN_USE, "use this tactic")
    await repoint_content(session, ids, tactic_id=target)
    await session.delete(tactic)
    await session.flush()
    return len(ids)


def _reassign_target(
    tactic: Tactic, reassign_to: uuid.UUID | None, owners: Mapping[uuid.UUID, uuid.UUID]
) -> uuid.UUID:
    if reassign_to is None:
        raise DomainError.of(
            ErrorCode.REASSIGN_TARGET_REQUIRED, "Name the tactic to move the content to.", "reassign_to_id"
        )
    if reassign_to == tactic.id:
        raise DomainError.of(
            ErrorCode.REASSIGN_TARGET_REQUIRED,
            "Content cannot be moved to the tactic being deleted.",
            "reassign_to_id",
        )
    problems = records.part_problems(Tactic, [reassign_to], owners, tactic.strategy_id, "reassign_to_id")
    if problems:
        raise DomainError(problems)
    return reassign_to
