"""Assemble the schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema import enums
from schema.access.mutations import AccessMutations
from schema.access.types import ApiKey, Member, Membership
from schema.audience.mutations import AudienceMutations
from schema.audience.types import Audience
from schema.channel.mutations import ChannelMutations
from schema.channel.types import Channel, StrategyChannel
from schema.content.comments import Comment, CommentMutations
from schema.content.mutations import ContentMutations
from schema.content.types import ContentItem, ContentMetric
from schema.errors import MaskUnexpectedErrors
from schema.kpi.mutations import KpiMutations
from schema.kpi.types import Kpi, KpiMeasurement
from schema.prepared import PreparedDocument
from schema.queries import Query
from schema.scalars import DATE, DATE_TIME, DECIMAL
from schema.strategy.mutations import StrategyMutations
from schema.strategy.types import Strategy, Tactic
from schema.tenancy.demo import DemoMutations
from schema.tenancy.mutations import TenancyMutations
from schema.tenancy.types import Organization, Workspace

assert enums

NODE_TYPES = [
    Organization,
    Workspace,
    Strategy,
    Tactic,
    Audience,
    Channel,
    StrategyChannel,
    Kpi,
    KpiMeasurement,
    ContentItem,
    ContentMetric,
    Comment,
    Member,
    Membership,
    ApiKey,
]


@strawberry.type(
    description=(
        "Every change: each mutation takes one `input`, runs in one transaction, and answers a payload "
        "whose `userErrors` say what was refused (then nothing was written)."
    )
)
class Mutation(
    TenancyMutations,
    DemoMutations,
    StrategyMutations,
    AudienceMutations,
    ChannelMutations,
    KpiMutations,
    ContentMutations,
    CommentMutations,
    AccessMutations,
):
    pass


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Errors meant for the client are not logged; :class:`MaskUnexpectedErrors` logs the rest."""


def build_schema() -> Schema:
    return Schema(
        query=Query,
        mutation=Mutation,
        types=NODE_TYPES,
        extensions=[MaskUnexpectedErrors, PreparedDocument],
        config=StrawberryConfig(
            auto_camel_case=True,
            scalar_map={Decimal: DECIMAL, dt.date: DATE, dt.datetime: DATE_TIME},
        ),
    )


schema = build_schema()


def sdl() -> str:
    """The schema in SDL, as committed in `schema.graphql`."""
    return schema.as_str() + "\n"
