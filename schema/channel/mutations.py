"""Mutations on channels and on the channels a strategy chooses."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.roles import Action
from domain.channel import services
from domain.channel.models import Channel as ChannelRow
from domain.channel.models import Platform
from domain.channel.models import StrategyChannel as StrategyChannelRow
from domain.channel.services import ChannelChanges, StrategyChannelChanges
from domain.content.rules import ContentOnDelete
from domain.scope import Scope
from schema.channel.types import Channel, StrategyChannel
from schema.context import Info
from schema.errors import UserError
from schema.mutation import changes, decode, performs, run

UNSET = strawberry.UNSET


@strawberry.input
class CreateChannelInput:
    workspace_id: strawberry.ID
    platform: Platform
    name: str
    handle: str | None = UNSET
    url: str | None = UNSET


@strawberry.input(description="Omitted fields stay as they are; null clears a field that may be empty.")
class UpdateChannelInput:
    id: strawberry.ID
    version: int
    platform: Platform | None = UNSET
    name: str | None = UNSET
    handle: str | None = UNSET
    url: str | None = UNSET


@strawberry.input
class DeleteChannelInput:
    id: strawberry.ID
    on_content: ContentOnDelete = strawberry.field(
        default=ContentOnDelete.RESTRICT,
        description="What happens to content on this channel. RESTRICT refuses while there is any.",
    )
    reassign_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="With REASSIGN: the channel that takes over the content."
    )


@strawberry.input(description="Choose a channel for a strategy: what we do there and why.")
class CreateStrategyChannelInput:
    strategy_id: strawberry.ID
    channel_id: strawberry.ID
    role: str | None = strawberry.field(default=UNSET, description="What we do in this channel.")
    rationale: str | None = strawberry.field(default=UNSET, description="Why this channel fits.")
    audience_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="The audiences of the strategy this channel reaches."
    )


@strawberry.input(description="Omitted fields stay as they are; `audienceIds` replaces the whole list.")
class UpdateStrategyChannelInput:
    id: strawberry.ID
    version: int
    role: str | None = UNSET
    rationale: str | None = UNSET
    audience_ids: list[strawberry.ID] | None = UNSET


@strawberry.input
class DeleteStrategyChannelInput:
    id: strawberry.ID


@strawberry.type
class CreateChannelPayload:
    channel: Channel | None
    user_errors: list[UserError]


@strawberry.type
class UpdateChannelPayload:
    channel: Channel | None
    user_errors: list[UserError]


@strawberry.type
class DeleteChannelPayload:
    deleted_id: strawberry.ID | None
    affected_content_count: int | None = strawberry.field(
        description="How many content items were unmapped or reassigned."
    )
    user_errors: list[UserError]


@strawberry.type
class CreateStrategyChannelPayload:
    strategy_channel: StrategyChannel | None
    user_errors: list[UserError]


@strawberry.type
class UpdateStrategyChannelPayload:
    strategy_channel: StrategyChannel | None
    user_errors: list[UserError]


@strawberry.type
class DeleteStrategyChannelPayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


def _channel(row: ChannelRow | None) -> Channel | None:
    return Channel.from_row(row) if row is not None else None


def _chosen(row: StrategyChannelRow | None) -> StrategyChannel | None:
    return StrategyChannel.from_row(row) if row is not None else None


@strawberry.type
class ChannelMutations:
    @strawberry.field(description="Register a workspace's account on a platform.")
    @performs(Action.EDIT_STRATEGY)
    async def create_channel(self, info: Info, input: CreateChannelInput) -> CreateChannelPayload:
        async def body(session: AsyncSession, scope: Scope) -> ChannelRow:
            workspace_id = decode(input.workspace_id, "Workspace", "workspace_id")
            change = changes(input, ChannelChanges)
            return await services.create_channel(session, scope, workspace_id, change)

        row, errors = await run(info, body)
        return CreateChannelPayload(channel=_channel(row), user_errors=errors)

    @strawberry.field(description="Change a channel.")
    @performs(Action.EDIT_STRATEGY)
    async def update_channel(self, info: Info, input: UpdateChannelInput) -> UpdateChannelPayload:
        async def body(session: AsyncSession, scope: Scope) -> ChannelRow:
            id_ = decode(input.id, "Channel")
            change = changes(input, ChannelChanges)
            return await services.update_channel(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateChannelPayload(channel=_channel(row), user_errors=errors)

    @strawberry.field(description="Delete a channel, saying what happens to the content on it.")
    @performs(Action.EDIT_STRATEGY)
    async def delete_channel(self, info: Info, input: DeleteChannelInput) -> DeleteChannelPayload:
        async def body(session: AsyncSession, scope: Scope) -> int:
            id_ = decode(input.id, "Channel")
            target = (
                decode(input.reassign_to_id, "Channel", "reassign_to_id") if input.reassign_to_id else None
            )
            return await services.delete_channel(session, scope, id_, input.on_content, target)

        affected, errors = await run(info, body)
        return DeleteChannelPayload(
            deleted_id=input.id if affected is not None else None,
            affected_content_count=affected,
            user_errors=errors,
        )

    @strawberry.field(description="Choose a channel for a strategy.")
    @performs(Action.EDIT_STRATEGY)
    async def create_strategy_channel(
        self, info: Info, input: CreateStrategyChannelInput
    ) -> CreateStrategyChannelPayload:
        async def body(session: AsyncSession, scope: Scope) -> StrategyChannelRow:
            strategy_id = decode(input.strategy_id, "Strategy", "strategy_id")
            channel_id = decode(input.channel_id, "Channel", "channel_id")
            change = changes(input, StrategyChannelChanges)
            return await services.create_strategy_channel(session, scope, strategy_id, channel_id, change)

        row, errors = await run(info, body)
        return CreateStrategyChannelPayload(strategy_channel=_chosen(row), user_errors=errors)

    @strawberry.field(description="Change what a strategy does in a channel, why, and whom it reaches.")
    @performs(Action.EDIT_STRATEGY)
    async def update_strategy_channel(
        self, info: Info, input: UpdateStrategyChannelInput
    ) -> UpdateStrategyChannelPayload:
        async def body(session: AsyncSession, scope: Scope) -> StrategyChannelRow:
            id_ = decode(input.id, "StrategyChannel")
            change = changes(input, StrategyChannelChanges)
            return await services.update_strategy_channel(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateStrategyChannelPayload(strategy_channel=_chosen(row), user_errors=errors)

    @strawberry.field(description="Drop a channel from a strategy; the channel and its content stay.")
    @performs(Action.EDIT_STRATEGY)
    async def delete_strategy_channel(
        self, info: Info, input: DeleteStrategyChannelInput
    ) -> DeleteStrategyChannelPayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await services.delete_strategy_channel(session, scope, decode(input.id, "StrategyChannel"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteStrategyChannelPayload(deleted_id=deleted, user_errors=errors)
