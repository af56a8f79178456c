"""Mutations on channels and on the channels a strategy chooses."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain import values
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
from schema.descriptions import DELETED_ID, GIVEN_VERSION, NAME, TEXT, URL, USER_ERRORS, Input
from schema.errors import UserError
from schema.ids import AudienceID
from schema.mutation import changes, decode, performs, run

UNSET = strawberry.UNSET

CHANNEL_NAME = f"The channel's name: {NAME}."
HANDLE = (
    f"The account's handle on the platform: at most {values.NAME_MAX} characters, trimmed (else TOO_LONG)."
)
CHANNEL_URL = f"The account's address: {URL}; null or empty: none."
ROLE = f"What we do in this channel: {TEXT}."
RATIONALE = f"Why this channel fits the audiences and the purpose: {TEXT}."
AUDIENCES = (
    "The audiences of the strategy this channel reaches (else WRONG_STRATEGY); each once (else DUPLICATE)."
)


@strawberry.input(description="A workspace's account on a platform.")
class CreateChannelInput:
    workspace_id: strawberry.ID = strawberry.field(description="The workspace whose account it is.")
    platform: Platform = strawberry.field(description="The platform the account is on.")
    name: str = strawberry.field(description=CHANNEL_NAME)
    handle: str | None = strawberry.field(default=UNSET, description=HANDLE)
    url: str | None = strawberry.field(default=UNSET, description=CHANNEL_URL)


@strawberry.input(description="Omitted fields stay as they are; null clears a field that may be empty.")
class UpdateChannelInput:
    id: strawberry.ID = strawberry.field(description="The channel to change.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    platform: Platform | None = strawberry.field(
        default=UNSET, description="The platform the account is on; null is refused (REQUIRED)."
    )
    name: str | None = strawberry.field(
        default=UNSET, description=f"{CHANNEL_NAME} Null is refused (REQUIRED)."
    )
    handle: str | None = strawberry.field(default=UNSET, description=HANDLE)
    url: str | None = strawberry.field(default=UNSET, description=CHANNEL_URL)


@strawberry.input(description="The channel to delete, and what happens to the content on it.")
class DeleteChannelInput:
    id: strawberry.ID = strawberry.field(description="The channel to delete.")
    on_content: ContentOnDelete = strawberry.field(
        default=ContentOnDelete.RESTRICT,
        description="What happens to content on this channel. RESTRICT refuses while there is any.",
    )
    reassign_to_id: strawberry.ID | None = strawberry.field(
        default=None, description="With REASSIGN: the channel that takes over the content."
    )


@strawberry.input(description="Choose a channel for a strategy: what we do there and why.")
class CreateStrategyChannelInput:
    strategy_id: strawberry.ID = strawberry.field(description="The strategy choosing the channel.")
    channel_id: strawberry.ID = strawberry.field(
        description="A channel of the strategy's workspace, not chosen for it yet (else DUPLICATE)."
    )
    role: str | None = strawberry.field(default=UNSET, description=ROLE)
    rationale: str | None = strawberry.field(default=UNSET, description=RATIONALE)
    audience_ids: list[AudienceID] | None = strawberry.field(default=UNSET, description=AUDIENCES)


@strawberry.input(description="Omitted fields stay as they are; `audienceIds` replaces the whole list.")
class UpdateStrategyChannelInput:
    id: strawberry.ID = strawberry.field(description="The chosen channel to change.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    role: str | None = strawberry.field(default=UNSET, description=ROLE)
    rationale: str | None = strawberry.field(default=UNSET, description=RATIONALE)
    audience_ids: list[AudienceID] | None = strawberry.field(
        default=UNSET, description=f"{AUDIENCES} Null or [] clears them."
    )


@strawberry.input(description="The channel to drop from a strategy; the channel and its content stay.")
class DeleteStrategyChannelInput:
    id: strawberry.ID = strawberry.field(description="The chosen channel (StrategyChannel) to drop.")


@strawberry.type(description="What `createChannel` did.")
class CreateChannelPayload:
    channel: Channel | None = strawberry.field(description="The new channel; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateChannel` did.")
class UpdateChannelPayload:
    channel: Channel | None = strawberry.field(description="The channel as changed; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteChannel` did.")
class DeleteChannelPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    affected_content_count: int | None = strawberry.field(
        description="How many content items were unmapped or reassigned; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `createStrategyChannel` did.")
class CreateStrategyChannelPayload:
    strategy_channel: StrategyChannel | None = strawberry.field(
        description="The channel as chosen for the strategy; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateStrategyChannel` did.")
class UpdateStrategyChannelPayload:
    strategy_channel: StrategyChannel | None = strawberry.field(
        description="The chosen channel as changed; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteStrategyChannel` did.")
class DeleteStrategyChannelPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _channel(row: ChannelRow | None) -> Channel | None:
    return Channel.from_row(row) if row is not None else None


def _chosen(row: StrategyChannelRow | None) -> StrategyChannel | None:
    return StrategyChannel.from_row(row) if row is not None else None


@strawberry.type
class ChannelMutations:
    @strawberry.field(description="Register a workspace's account on a platform.")
    @performs(Action.EDIT_STRATEGY)
    async def create_channel(self, info: Info, input: Input[CreateChannelInput]) -> CreateChannelPayload:
        async def body(session: AsyncSession, scope: Scope) -> ChannelRow:
            workspace_id = decode(input.workspace_id, "Workspace", "workspace_id")
            change = changes(input, ChannelChanges)
            return await services.create_channel(session, scope, workspace_id, change)

        row, errors = await run(info, body)
        return CreateChannelPayload(channel=_channel(row), user_errors=errors)

    @strawberry.field(description="Change a channel.")
    @performs(Action.EDIT_STRATEGY)
    async def update_channel(self, info: Info, input: Input[UpdateChannelInput]) -> UpdateChannelPayload:
        async def body(session: AsyncSession, scope: Scope) -> ChannelRow:
            id_ = decode(input.id, "Channel")
            change = changes(input, ChannelChanges)
            return await services.update_channel(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateChannelPayload(channel=_channel(row), user_errors=errors)

    @strawberry.field(description="Delete a channel, saying what happens to the content on it.")
    @performs(Action.EDIT_STRATEGY)
    async def delete_channel(self, info: Info, input: Input[DeleteChannelInput]) -> DeleteChannelPayload:
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
        self, info: Info, input: Input[CreateStrategyChannelInput]
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
        self, info: Info, input: Input[UpdateStrategyChannelInput]
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
        self, info: Info, input: Input[DeleteStrategyChannelInput]
    ) -> DeleteStrategyChannelPayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await services.delete_strategy_channel(session, scope, decode(input.id, "StrategyChannel"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteStrategyChannelPayload(deleted_id=deleted, user_errors=errors)
