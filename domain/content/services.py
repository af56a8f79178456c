"""Plan content and map each item to the tactic and the KPIs it serves."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.access.people import person
from domain.access.roles import Action
from domain.audience.models import Audience
from domain.channel.models import Channel
from domain.content.comments import optional_comment, write_comment
from domain.content.locks import ChangedMeanwhile, lock_content
from domain.content.models import (
    TITLE_MAX,
    ContentFormat,
    ContentItem,
    ContentStatus,
    content_item_audience,
    content_item_kpi,
)
from domain.content.rules import MAY_BE_UNMAPPED, action_for, can_transition, needs_comment
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.kpi.models import Kpi
from domain.kpi.rollup import refresh_rollups
from domain.records import Lock
from domain.scope import Scope
from domain.strategy.models import Strategy, Tactic
from domain.values import UNSET, Maybe

#: How many items one ``mapContentItems`` call may change.
BATCH_MAX = 100


@dataclass(frozen=True, slots=True)
class ContentChanges:
    title: Maybe[str] = UNSET
    brief: Maybe[str | None] = UNSET
    format: Maybe[ContentFormat] = UNSET
    channel_id: Maybe[uuid.UUID | None] = UNSET
    audience_ids: Maybe[list[uuid.UUID] | None] = UNSET
    planned_at: Maybe[dt.datetime | None] = UNSET
    published_at: Maybe[dt.datetime | None] = UNSET
    url: Maybe[str | None] = UNSET
    assignee_id: Maybe[uuid.UUID | None] = UNSET


@dataclass(frozen=True, slots=True)
class ContentMapping:
    """The tactic an item plays into and the KPIs it serves; the primary KPI is one of them."""

    tactic_id: uuid.UUID
    primary_kpi_id: uuid.UUID
    kpi_ids: list[uuid.UUID] | None = None
    """Every KPI the item serves. ``None``: the primary KPI alone."""


async def _content_values(
    session: AsyncSession,
    scope: Scope,
    strategy_id: uuid.UUID,
    workspace_id: uuid.UUID,
    changes: ContentChanges,
    problems: Problems,
) -> dict[str, Any]:
    """The changes checked; the channel and audiences they name are held FOR KEY SHARE."""
    cleaned: dict[str, Any] = {}
    if not isinstance(changes.title, values.Unset):
        cleaned["title"] = values.name(problems, changes.title, "title", limit=TITLE_MAX)
    if not isinstance(changes.brief, values.Unset):
        cleaned["brief"] = values.text(problems, changes.brief, "brief", limit=values.LONG_TEXT_MAX)
    if not isinstance(changes.format, values.Unset):
        cleaned["format"] = changes.format
    for field in ("planned_at", "published_at"):
        given = getattr(changes, field)
        if not isinstance(given, values.Unset):
            cleaned[field] = values.moment(problems, given, field)
    if not isinstance(changes.url, values.Unset):
        cleaned["url"] = values.url(problems, changes.url, "url")
    if not isinstance(changes.channel_id, values.Unset):
        if changes.channel_id is not None:
            stmt = select(Channel.id).where(
                Channel.id == changes.channel_id, Channel.workspace_id == workspace_id
            )
            if (await session.execute(records.locking(stmt, Lock.REFER))).scalar_one_or_none() is None:
                problems.add(ErrorCode.NOT_FOUND, "No channel with this id.", "channel_id")
        cleaned["channel_id"] = changes.channel_id
    if not isinstance(changes.audience_ids, values.Unset):
        ids = records.unique_ids(problems, changes.audience_ids or [], "audience_ids")
        problems.extend(
            await records.strategy_parts(session, Audience, ids, strategy_id, scope, "audience_ids")
        )
        cleaned["audience_ids"] = ids
    await person(session, scope, problems, cleaned, "assignee_id", changes.assignee_id, workspace_id)
    return cleaned


def _listed_kpis(mapping: ContentMapping) -> list[uuid.UUID]:
    return mapping.kpi_ids if mapping.kpi_ids is not None else [mapping.primary_kpi_id]


async def _lock_mapped_parts(
    session: AsyncSession, scope: Scope, mappings: Iterable[ContentMapping]
) -> dict[uuid.UUID, uuid.UUID]:
    """The tactics the mappings name, FOR KEY SHARE in id order, with their strategies."""
    return await records.part_owners(session, Tactic, {mapping.tactic_id for mapping in mappings}, scope)


def _mapping_problems(
    mapping: ContentMapping,
    strategy_id: uuid.UUID,
    tactics: Mapping[uuid.UUID, uuid.UUID],
    kpis: Mapping[uuid.UUID, uuid.UUID],
) -> tuple[list[uuid.UUID], list[Problem]]:
    """Check a mapping against the item's strategy (``tactics`` and ``kpis``: the strategy of each
    one found); returns every KPI id the item will serve."""
    problems = Problems()
    kpi_ids = records.unique_ids(problems, _listed_kpis(mapping), "kpi_ids")
    if mapping.kpi_ids is not None and mapping.primary_kpi_id not in kpi_ids:
        problems.add(
            ErrorCode.PRIMARY_KPI_NOT_IN_KPIS,
            "The primary KPI must be one of the KPIs listed.",
            "primary_kpi_id",
        )
    problems.extend(records.part_problems(Tactic, [mapping.tactic_id], tactics, strategy_id, "tactic_id"))
    field = "primary_kpi_id" if mapping.kpi_ids is None else "kpi_ids"
    problems.extend(records.part_problems(Kpi, kpi_ids, kpis, strategy_id, field))
    return kpi_ids, problems.items


async def _write_kpis(session: AsyncSession, item: ContentItem, kpi_ids: Sequence[uuid.UUID]) -> None:
    await records.replace_links(
        session,
        content_item_kpi,
        "content_item_id",
        item.id,
        "kpi_id",
        kpi_ids,
        {"workspace_id": item.workspace_id, "strategy_id": item.strategy_id},
    )


async def _write_audiences(
    session: AsyncSession, item: ContentItem, audience_ids: Sequence[uuid.UUID]
) -> None:
    await records.replace_links(
        session,
        content_item_audience,
        "content_item_id",
        item.id,
        "audience_id",
        audience_ids,
        {"workspace_id": item.workspace_id, "strategy_id": item.strategy_id},
    )


async def create_content_item(
    session: AsyncSession,
    scope: Scope,
    strategy_id: uuid.UUID,
    changes: ContentChanges,
    mapping: ContentMapping | None = None,
) -> ContentItem:
    """A new content item starts as an IDEA; it may be mapped right away."""
    problems = values.required(
        changes, title="A content item needs a title.", format="A content item needs a format."
    )
    strategy = await records.get(session, Strategy, strategy_id, scope, "strategy_id", lock=Lock.REFER)
    cleaned = await _content_values(session, scope, strategy.id, strategy.workspace_id, changes, problems)
    kpi_ids: list[uuid.UUID] = []
    if mapping is not None:
        tactics = await _lock_mapped_parts(session, scope, [mapping])
        kpis = await records.part_owners(session, Kpi, _listed_kpis(mapping), scope)
        kpi_ids, mapping_problems = _mapping_problems(mapping, strategy.id, tactics, kpis)
        problems.extend(mapping_problems)
    problems.raise_if_any()
    audience_ids = cleaned.pop("audience_ids", [])
    item = ContentItem(workspace_id=strategy.workspace_id, strategy_id=strategy.id, **cleaned)
    if mapping is not None:
        item.tactic_id = mapping.tactic_id
        item.primary_kpi_id = mapping.primary_kpi_id
    session.add(item)
    await session.flush()
    await _write_kpis(session, item, kpi_ids)
    await _write_audiences(session, item, audience_ids)
    return item  # a new item has no metrics yet, so no rollup changes


async def update_content_item(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, changes: ContentChanges
) -> ContentItem:
    # In the lock order of domain.records: the item's strategy, what the change refers to, the item.
    held = await records.hold_strategies(session, records.strategy_of(ContentItem, [id_]))
    problems = Problems()
    cleaned: dict[str, Any] = {}
    if held:  # else there is no such item in scope, as the next line says
        ((strategy_id, workspace_id),) = held.items()
        cleaned = await _content_values(session, scope, strategy_id, workspace_id, changes, problems)
    item = await records.get(session, ContentItem, id_, scope)
    records.check_version(item, version)
    problems.raise_if_any()
    audience_ids = cleaned.pop("audience_ids", None)
    records.apply(item, cleaned)
    if audience_ids is not None:
        await _write_audiences(session, item, audience_ids)
        item.updated_at = func.clock_timestamp()
    await session.flush()
    return item


async def map_content_item(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, mapping: ContentMapping, version: int | None = None
) -> ContentItem:
    """Set the tactic, primary KPI and contributing KPIs of one item in one step."""
    (item,), touched = await _map(session, scope, [ItemMapping(id_, mapping, version)], lambda _: ())
    await refresh_rollups(session, touched, field=("kpi_ids",))
    return item


@dataclass(frozen=True, slots=True)
class ItemMapping:
    id: uuid.UUID
    mapping: ContentMapping
    version: int | None = None


async def map_content_items(
    session: AsyncSession, scope: Scope, items: Sequence[ItemMapping]
) -> list[ContentItem]:
    """Map many items at once: every one is checked, and either all change or none does.

    The rollups of every KPI the batch touches are refreshed once, at the end, with the
    KPIs locked in one statement in a fixed order.
    """
    if not items:
        raise DomainError.of(ErrorCode.REQUIRED, "List at least one item to map.", "items")
    if len(items) > BATCH_MAX:
        raise DomainError.of(ErrorCode.TOO_MANY, f"Map at most {BATCH_MAX} items per call.", "items")
    if len({entry.id for entry in items}) != len(items):
        raise DomainError.of(ErrorCode.DUPLICATE, "The same content item is listed more than once.", "items")
    mapped, touched = await _map(session, scope, items, lambda index: ("items", str(index)))
    await refresh_rollups(session, touched, field=("items",))
    return mapped


async def _map(
    session: AsyncSession,
    scope: Scope,
    entries: Sequence[ItemMapping],
    place: Callable[[int], tuple[str, ...]],
) -> tuple[list[ContentItem], set[uuid.UUID]]:
    """Map the items; returns them and every KPI they served before or serve now.

    In the lock order of :mod:`domain.records`: the items' strategies, the tactics and KPIs named
    and the KPIs the items serve (FOR KEY SHARE), then every item in one statement in id order;
    then every entry is checked (its problems placed under ``place(index)``), and only if all
    are good is any written.
    """
    ids = [entry.id for entry in entries]
    await records.hold_strategies(session, records.strategy_of(ContentItem, ids))
    tactics = await _lock_mapped_parts(session, scope, [entry.mapping for entry in entries])
    named = {kpi for entry in entries for kpi in _listed_kpis(entry.mapping)}
    try:
        locked = await lock_content(session, scope, ids, Lock.CHANGE, kpi_ids=named)
    except ChangedMeanwhile as error:
        index = ids.index(error.item_id)
        raise DomainError([problem.under(*place(index)) for problem in error.problems]) from error
    problems: list[Problem] = []
    checked: list[tuple[ContentItem, list[uuid.UUID]]] = []
    for index, entry in enumerate(entries):
        item = locked.items.get(entry.id)
        try:
            if item is None:
                raise DomainError.of(ErrorCode.NOT_FOUND, "No content item with this id.", "id")
            scope.check(item.workspace_id, "content item")
            records.check_version(item, entry.version)
            kpi_ids, found = _mapping_problems(entry.mapping, item.strategy_id, tactics, locked.kpis)
        except DomainError as error:
            found = error.problems
        problems.extend(problem.under(*place(index)) for problem in found)
        if item is not None and not found:
            checked.append((item, kpi_ids))
    if problems:
        raise DomainError(problems)
    touched = set(locked.served)
    for (item, kpi_ids), entry in zip(checked, entries, strict=True):
        item.tactic_id = entry.mapping.tactic_id
        item.primary_kpi_id = entry.mapping.primary_kpi_id
        item.updated_at = func.clock_timestamp()
        await _write_kpis(session, item, kpi_ids)
        await session.flush()
        touched.update(kpi_ids)
    return [item for item, _ in checked], touched


async def transition_content_item(
    session: AsyncSession,
    scope: Scope,
    id_: uuid.UUID,
    version: int,
    to: ContentStatus,
    comment: str | None = None,
) -> ContentItem:
    """Move an item along the workflow (IDEA → DRAFT → IN_REVIEW → APPROVED → SCHEDULED → PUBLISHED).

    Whoever may see the item may ask; the step then needs the action :func:`action_for`
    names (a review decision needs REVIEW_CONTENT, any other step MOVE_CONTENT). Sending an
    item in review back to draft needs a comment saying what to change; a comment given
    with any step is kept on the item with the step.
    """
    # Only a step into or out of the archive changes rollups (the workflow leaves ARCHIVED for IDEA
    # alone), so only for a step to ARCHIVED or IDEA are the KPIs the item serves locked first.
    refreshing = to in (ContentStatus.ARCHIVED, ContentStatus.IDEA)
    if refreshing or comment:  # KPIs to lock, or a comment to add: its strategy first
        await records.hold_strategies(session, records.strategy_of(ContentItem, [id_]))
    seeing = scope.acting(Action.VIEW)
    locked = await lock_content(session, seeing, [id_], Lock.CHANGE, refreshing=refreshing)
    item = locked.items.get(id_)
    if item is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "No content item with this id.", "id")
    seeing.check(item.workspace_id, "content item")
    current = item.status
    scope.check(item.workspace_id, "content item", action=action_for(current, to))
    records.check_version(item, version)
    if not can_transition(current, to):
        raise DomainError.of(
            ErrorCode.INVALID_TRANSITION,
            f"A content item cannot go from {current.value} to {to.value}.",
            "to",
        )
    problems = Problems()
    note = optional_comment(problems, comment, "comment")
    if not note and not problems and needs_comment(current, to):
        problems.add(
            ErrorCode.COMMENT_REQUIRED, "Say what should change when sending an item back.", "comment"
        )
    problems.raise_if_any()
    if to not in MAY_BE_UNMAPPED and (item.tactic_id is None or item.primary_kpi_id is None):
        raise DomainError.of(
            ErrorCode.NOT_MAPPED,
            "Map the item to a tactic and a primary KPI before it leaves the idea stage.",
            "to",
        )
    if to is ContentStatus.SCHEDULED and item.planned_at is None:
        raise DomainError.of(
            ErrorCode.REQUIRED, "Set a planned time before scheduling the item.", "planned_at"
        )
    if to is ContentStatus.PUBLISHED and item.published_at is None:
        item.published_at = dt.datetime.now(dt.UTC)
    archiving = ContentStatus.ARCHIVED in (current, to)
    item.status = to
    await session.flush()
    if note:
        await write_comment(session, scope, item, note, (current, to))
    await refresh_rollups(session, locked.served if archiving else [], field=("to",))
    return item


async def delete_content_item(session: AsyncSession, scope: Scope, id_: uuid.UUID) -> None:
    await records.hold_strategies(session, records.strategy_of(ContentItem, [id_]))
    locked = await lock_content(session, scope, [id_], Lock.DELETE)
    item = locked.items.get(id_)
    if item is None:
        raise DomainError.of(ErrorCode.NOT_FOUND, "No content item with this id.", "id")
    scope.check(item.workspace_id, "content item")
    await session.delete(item)
    await session.flush()
    await refresh_rollups(session, locked.served, field=("id",))
