"""Register a workspace's channels and choose the ones a strategy uses, with why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.audience.models import Audience
from domain.channel.models import (
    Channel,
    Platform,
    StrategyChannel,
    strategy_channel_audience,
)
from domain.content.detach import content_using, lock_for_deletion, repoint_content
from domain.content.models import ContentItem
from domain.content.rules import ContentOnDelete
from domain.errors import DomainError, ErrorCode, Problems
from domain.kpi.models import Kpi
from domain.scope import Scope
from domain.strategy.models import Strategy
from domain.values import UNSET, Maybe


@dataclass(frozen=True, slots=True)
class ChannelChanges:
    platform: Maybe[Platform] = UNSET
    name: Maybe[str] = UNSET
    handle: Maybe[str | None] = UNSET
    url: Maybe[str | None] = UNSET


def _channel_values(problems: Problems, changes: ChannelChanges) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if not isinstance(changes.platform, values.Unset):
        cleaned["platform"] = changes.platform
    if not isinstance(changes.name, values.Unset):
        cleaned["name"] = values.name(problems, changes.name, "name")
    if not isinstance(changes.handle, values.Unset):
        cleaned["handle"] = values.text(problems, changes.handle, "handle", limit=values.NAME_MAX)
    if not isinstance(changes.url, values.Unset):
        cleaned["url"] = values.url(problems, changes.url, "url")
    return cleaned


async def create_channel(
    session: AsyncSession, scope: Scope, workspace_id: uuid.UUID, changes: ChannelChanges
) -> Channel:
    problems = values.required(
        changes, platform="A channel needs a platform.", name="A channel needs a name."
    )
    cleaned = _channel_values(problems, changes)
    problems.raise_if_any()
    await records.workspace_in_scope(session, scope, workspace_id)
    channel = Channel(workspace_id=workspace_id, **cleaned)
    session.add(channel)
    await session.flush()
    return channel


async def update_channel(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, changes: ChannelChanges
) -> Channel:
    channel = await records.get(session, Channel, id_, scope)
    records.check_version(channel, version)
    problems = Problems()
    cleaned = _channel_values(problems, changes)
    problems.raise_if_any()
    records.apply(channel, cleaned)
    await session.flush()
    return channel


async def delete_channel(
    session: AsyncSession,
    scope: Scope,
    id_: uuid.UUID,
    on_content: ContentOnDelete = ContentOnDelete.RESTRICT,
    reassign_to: uuid.UUID | None = None,
) -> int:
    """Remove a channel; content published there is refused, unmapped or moved.

    KPIs measured on the channel stop naming it. Returns how many content items changed.
    """
    moving = on_content is ContentOnDelete.REASSIGN
    # Its content and KPIs may lie in any strategy of the workspace: hold them all first.
    workspace = select(Channel.workspace_id).where(Channel.id == id_).scalar_subquery()
    await records.hold_strategies(session, Strategy.workspace_id == workspace)
    channel, owners = await lock_for_deletion(
        session, scope, Channel, id_, reassign_to if moving else None, owner="workspace_id"
    )
    target = None
    if moving:
        if reassign_to is None or reassign_to == channel.id:
            raise DomainError.of(
                ErrorCode.REASSIGN_TARGET_REQUIRED,
                "Name another channel to move the content to.",
                "reassign_to_id",
            )
        target_workspace = owners.get(reassign_to)
        if target_workspace is None:
            raise DomainError.of(ErrorCode.NOT_FOUND, "No channel with this id.", "reassign_to_id")
        scope.check(target_workspace, "channel", "reassign_to_id")
        if target_workspace != channel.workspace_id:
            raise DomainError.of(ErrorCode.NOT_FOUND, "No channel with this id.", "reassign_to_id")
        target = reassign_to
    using = ContentItem.channel_id == channel.id
    ids = await content_using(session, using, on_content, ErrorCode.CHANNEL_IN_USE, "use this channel")
    await repoint_content(session, ids, channel_id=target)
    # The KPIs measured on it stop naming it (ON DELETE SET NULL): lock them first, in id order, as
    # a rollup does, rather than in whatever order the cascade would meet them.
    naming = select(Kpi.id).where(Kpi.channel_id == channel.id).order_by(Kpi.id)
    await session.execute(records.locking(naming, records.Lock.CHANGE))
    await session.delete(channel)
    await session.flush()
    return len(ids)


@dataclass(frozen=True, slots=True)
class StrategyChannelChanges:
    role: Maybe[str | None] = UNSET
    rationale: Maybe[str | None] = UNSET
    audience_ids: Maybe[list[uuid.UUID] | None] = UNSET


async def _strategy_channel_values(
    session: AsyncSession, scope: Scope, strategy_id: uuid.UUID, changes: StrategyChannelChanges
) -> dict[str, Any]:
    problems = Problems()
    cleaned: dict[str, Any] = {}
    for field in ("role", "rationale"):
        given = getattr(changes, field)
        if not isinstance(given, values.Unset):
            cleaned[field] = values.text(problems, given, field)
    if not isinstance(changes.audience_ids, values.Unset):
        ids = records.unique_ids(problems, changes.audience_ids or [], "audience_ids")
        problems.extend(
            await records.strategy_parts(session, Audience, ids, strategy_id, scope, "audience_ids")
        )
        cleaned["audience_ids"] = ids
    problems.raise_if_any()
    return cleaned


async def _link_audiences(
    session: AsyncSession, chosen: StrategyChannel, audience_ids: list[uuid.UUID]
) -> None:
    await records.replace_links(
        session,
        strategy_channel_audience,
        "strategy_channel_id",
        chosen.id,
        "audience_id",
        audience_ids,
        {"workspace_id": chosen.workspace_id, "strategy_id": chosen.strategy_id},
    )


async def create_strategy_channel(
    session: AsyncSession,
    scope: Scope,
    strategy_id: uuid.UUID,
    channel_id: uuid.UUID,
    changes: StrategyChannelChanges,
) -> StrategyChannel:
    refer = records.Lock.REFER
    strategy = await records.get(session, Strategy, strategy_id, scope, "strategy_id", lock=refer)
    channel = await records.get(session, Channel, channel_id, scope, "channel_id", lock=refer)
    if channel.workspace_id != strategy.workspace_id:
        raise DomainError.of(ErrorCode.NOT_FOUND, "No channel with this id.", "channel_id")
    cleaned = await _strategy_channel_values(session, scope, strategy.id, changes)
    audience_ids = cleaned.pop("audience_ids", [])
    chosen = StrategyChannel(
        workspace_id=strategy.workspace_id, strategy_id=strategy.id, channel_id=channel.id, **cleaned
    )
    session.add(chosen)
    await records.flush_unique(session, "This channel is already chosen for the strategy.", "channel_id")
    await _link_audiences(session, chosen, audience_ids)
    return chosen


async def update_strategy_channel(
    session: AsyncSession, scope: Scope, id_: uuid.UUID, version: int, changes: StrategyChannelChanges
) -> StrategyChannel:
    # The strategy first (the lock order of domain.records): the audiences are checked and held after.
    await records.hold_strategies(session, records.strategy_of(StrategyChannel, [id_]))
    chosen = await records.get(session, StrategyChannel, id_, scope)
    records.check_version(chosen, version)
    cleaned = await _strategy_channel_values(session, scope, chosen.strategy_id, changes)
    audience_ids = cleaned.pop("audience_ids", None)
    records.apply(chosen, cleaned)
    if audience_ids is not None:
        await _link_audiences(session, chosen, audience_ids)
        chosen.updated_at = func.clock_timestamp()
    await session.flush()
    return chosen


async def delete_strategy_channel(session: AsyncSession, scope: Scope, id_: uuid.UUID) -> None:
    """Drop a channel from the strategy; the channel itself and its content stay."""
    await session.delete(await records.get(session, StrategyChannel, id_, scope, lock=records.Lock.DELETE))
    await session.flush()
