"""Channels (a workspace's accounts on platforms) and the ones a strategy chooses."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Row

from domain.channel.models import Channel as ChannelRow
from domain.channel.models import Platform, strategy_channel_audience
from domain.channel.models import StrategyChannel as StrategyChannelRow
from schema import ids
from schema.content.types import content_items_field
from schema.context import Info
from schema.descriptions import CREATED_AT, UPDATED_AT, VERSION
from schema.loading import ConnectionSpec, ListSpec, Loaded, NodeSpec, in_workspace
from schema.relay import Node, load_children, load_required, register, relation

if TYPE_CHECKING:
    from schema.audience.types import Audience
    from schema.strategy.types import Strategy
    from schema.tenancy.types import Workspace

channel_table = ChannelRow.__table__
strategy_channel_table = StrategyChannelRow.__table__


@strawberry.type(description="A workspace's account on a platform.")
class Channel(Node):
    db_id: strawberry.Private[uuid.UUID]
    workspace_id: strawberry.Private[uuid.UUID]
    platform: Platform = strawberry.field(description="The platform the account is on.")
    name: str = strawberry.field(description="The channel's name, e.g. “Company page”.")
    handle: str = strawberry.field(
        description="The account's handle on the platform (@redthread); empty when not given."
    )
    url: str | None = strawberry.field(
        description="The account's address (http or https); null when not given."
    )
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | ChannelRow) -> Channel:
        return cls(
            id=strawberry.ID(ids.encode("Channel", row.id)),
            db_id=row.id,
            workspace_id=row.workspace_id,
            platform=row.platform,
            name=row.name,
            handle=row.handle,
            url=row.url,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @relation(
        Annotated["Workspace", strawberry.lazy("schema.tenancy.types")],
        description="The workspace whose account this is.",
    )
    def workspace(self, info: Info) -> Loaded[Workspace]:
        from schema.tenancy.types import WORKSPACE

        return load_required(info, WORKSPACE, self.workspace_id)

    @relation(
        list["StrategyChannel"],
        description="The strategies that chose this channel, with the role it plays in each.",
    )
    def strategy_channels(self, info: Info) -> Loaded[list[StrategyChannel]]:
        return load_children(info, STRATEGY_CHANNELS_OF_CHANNEL, self.db_id)

    content_items = content_items_field("channel", "The content published or planned on this channel.")


@strawberry.type(description="A channel chosen for a strategy: what we do there, why, and whom it reaches.")
class StrategyChannel(Node):
    db_id: strawberry.Private[uuid.UUID]
    strategy_id: strawberry.Private[uuid.UUID]
    channel_id: strawberry.Private[uuid.UUID]
    role: str = strawberry.field(description="What we do in this channel.")
    rationale: str = strawberry.field(description="Why this channel fits the audiences and the purpose.")
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | StrategyChannelRow) -> StrategyChannel:
        return cls(
            id=strawberry.ID(ids.encode("StrategyChannel", row.id)),
            db_id=row.id,
            strategy_id=row.strategy_id,
            channel_id=row.channel_id,
            role=row.role,
            rationale=row.rationale,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @relation(
        Annotated["Strategy", strawberry.lazy("schema.strategy.types")],
        description="The strategy that chose the channel.",
    )
    def strategy(self, info: Info) -> Loaded[Strategy]:
        from schema.strategy.types import STRATEGY

        return load_required(info, STRATEGY, self.strategy_id)

    @relation(Channel, "The channel chosen.")
    def channel(self, info: Info) -> Loaded[Channel]:
        return load_required(info, CHANNEL, self.channel_id)

    @relation(
        list[Annotated["Audience", strawberry.lazy("schema.audience.types")]],
        description="The audiences this channel reaches.",
    )
    def audiences(self, info: Info) -> Loaded[list[Audience]]:
        from schema.audience.types import AUDIENCES_OF_STRATEGY_CHANNEL

        return load_children(info, AUDIENCES_OF_STRATEGY_CHANNEL, self.db_id)


CHANNEL = register(
    "Channel",
    NodeSpec(channel_table, channel_table.c.id, in_workspace(channel_table.c.workspace_id), Channel.from_row),
)
STRATEGY_CHANNEL = register(
    "StrategyChannel",
    NodeSpec(
        strategy_channel_table,
        strategy_channel_table.c.id,
        in_workspace(strategy_channel_table.c.workspace_id),
        StrategyChannel.from_row,
    ),
)
CHANNELS_OF_WORKSPACE = ConnectionSpec(
    source=channel_table,
    columns=list(channel_table.c),
    parent=channel_table.c.workspace_id,
    visible=in_workspace(channel_table.c.workspace_id),
    order=[channel_table.c.created_at, channel_table.c.id],
    convert=Channel.from_row,
)
_chosen_visible = in_workspace(strategy_channel_table.c.workspace_id)
_chosen_order = [strategy_channel_table.c.created_at, strategy_channel_table.c.id]
CHANNELS_OF_STRATEGY = ListSpec(
    strategy_channel_table,
    list(strategy_channel_table.c),
    strategy_channel_table.c.strategy_id,
    _chosen_visible,
    _chosen_order,
    StrategyChannel.from_row,
)
STRATEGY_CHANNELS_OF_CHANNEL = ListSpec(
    strategy_channel_table,
    list(strategy_channel_table.c),
    strategy_channel_table.c.channel_id,
    _chosen_visible,
    _chosen_order,
    StrategyChannel.from_row,
)
CHANNELS_OF_AUDIENCE = ListSpec.through(
    strategy_channel_table,
    strategy_channel_audience.c.strategy_channel_id,
    strategy_channel_audience.c.audience_id,
    _chosen_visible,
    _chosen_order,
    StrategyChannel.from_row,
)
