"""Content items, mapped to a tactic and KPIs, and their metrics."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import ColumnElement, FromClause, Row, exists, select

from domain import values
from domain.content.models import (
    ContentFormat,
    ContentStatus,
    content_item_audience,
    content_item_kpi,
    planned_sort,
)
from domain.content.models import ContentItem as ContentItemRow
from domain.content.models import ContentMetric as ContentMetricRow
from domain.errors import DomainError, Problems
from domain.kpi.models import Metric
from schema import ids
from schema.context import Info
from schema.descriptions import CREATED_AT, UPDATED_AT, VERSION
from schema.errors import QueryError
from schema.loading import ConnectionSpec, Loaded, NodeSpec, in_workspace, then
from schema.pagination import After, Before, Connection, First, Last
from schema.relay import Node, load_by_id, load_children, load_required, paginate, register, relation

if TYPE_CHECKING:
    from schema.access.types import Member
    from schema.activity.types import Activity
    from schema.audience.types import Audience
    from schema.channel.types import Channel
    from schema.content.comments import Comment
    from schema.kpi.types import Kpi
    from schema.strategy.types import Strategy, Tactic

content_table = ContentItemRow.__table__
metric_table = ContentMetricRow.__table__


@strawberry.type(description="A piece of content, mapped to the tactic it plays into and the KPIs it serves.")
class ContentItem(Node):
    db_id: strawberry.Private[uuid.UUID]
    strategy_id: strawberry.Private[uuid.UUID]
    channel_id: strawberry.Private[uuid.UUID | None]
    tactic_id: strawberry.Private[uuid.UUID | None]
    primary_kpi_id: strawberry.Private[uuid.UUID | None]
    assignee_id: strawberry.Private[uuid.UUID | None]
    title: str = strawberry.field(description="The item's working title.")
    brief: str = strawberry.field(
        description="What the item says and shows, for whoever makes it; empty when not written."
    )
    format: ContentFormat = strawberry.field(description="The shape of the item.")
    status: ContentStatus = strawberry.field(description="Where the item is in the content workflow.")
    planned_at: dt.datetime | None = strawberry.field(
        description="When the item is planned to go out; null: not planned yet (last in the content plan)."
    )
    published_at: dt.datetime | None = strawberry.field(
        description="When the item went out; set on the step to PUBLISHED unless given. Null: not yet."
    )
    url: str | None = strawberry.field(
        description="Where the published item can be seen; null when not given."
    )
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | ContentItemRow) -> ContentItem:
        return cls(
            id=strawberry.ID(ids.encode("ContentItem", row.id)),
            db_id=row.id,
            strategy_id=row.strategy_id,
            channel_id=row.channel_id,
            tactic_id=row.tactic_id,
            primary_kpi_id=row.primary_kpi_id,
            assignee_id=row.assignee_id,
            title=row.title,
            brief=row.brief,
            format=row.format,
            status=row.status,
            planned_at=row.planned_at,
            published_at=row.published_at,
            url=row.url,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="True when the item has a tactic and a primary KPI.")
    def mapped(self) -> bool:
        return self.tactic_id is not None and self.primary_kpi_id is not None

    @relation(
        Annotated["Strategy", strawberry.lazy("schema.strategy.types")],
        description="The strategy whose content plan holds the item.",
    )
    def strategy(self, info: Info) -> Loaded[Strategy]:
        from schema.strategy.types import STRATEGY

        return load_required(info, STRATEGY, self.strategy_id)

    @relation(
        Annotated["Tactic", strawberry.lazy("schema.strategy.types")] | None,
        description="The tactic this item plays into; null while it is an unmapped idea.",
    )
    def tactic(self, info: Info) -> Loaded[Tactic | None]:
        from schema.strategy.types import TACTIC

        return load_by_id(info, TACTIC, self.tactic_id)

    @relation(
        Annotated["Kpi", strawberry.lazy("schema.kpi.types")] | None,
        description="The KPI this item mainly serves.",
    )
    def primary_kpi(self, info: Info) -> Loaded[Kpi | None]:
        from schema.kpi.types import KPI

        return load_by_id(info, KPI, self.primary_kpi_id)

    @relation(
        list[Annotated["Kpi", strawberry.lazy("schema.kpi.types")]],
        description="Every KPI this item serves, the primary one included.",
    )
    def kpis(self, info: Info) -> Loaded[list[Kpi]]:
        from schema.kpi.types import KPIS_OF_CONTENT_ITEM

        return load_children(info, KPIS_OF_CONTENT_ITEM, self.db_id)

    @relation(
        list[Annotated["Kpi", strawberry.lazy("schema.kpi.types")]],
        description="The KPIs this item serves besides its primary KPI.",
    )
    def contributing_kpis(self, info: Info) -> Loaded[list[Kpi]]:
        from schema.kpi.types import KPIS_OF_CONTENT_ITEM

        kpis = load_children(info, KPIS_OF_CONTENT_ITEM, self.db_id)
        return then(kpis, lambda kpis: [kpi for kpi in kpis if kpi.db_id != self.primary_kpi_id])

    @relation(
        Annotated["Channel", strawberry.lazy("schema.channel.types")] | None,
        description="The channel it is published on.",
    )
    def channel(self, info: Info) -> Loaded[Channel | None]:
        from schema.channel.types import CHANNEL

        return load_by_id(info, CHANNEL, self.channel_id)

    @relation(
        list[Annotated["Audience", strawberry.lazy("schema.audience.types")]],
        description="The audiences it is made for.",
    )
    def audiences(self, info: Info) -> Loaded[list[Audience]]:
        from schema.audience.types import AUDIENCES_OF_CONTENT_ITEM

        return load_children(info, AUDIENCES_OF_CONTENT_ITEM, self.db_id)

    @strawberry.field(description="What the item achieved, oldest observation first.")
    async def metrics(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ContentMetric]:
        return await paginate(info, METRICS_OF_CONTENT_ITEM, self.db_id, first, after, last, before)

    @relation(
        Annotated["Member", strawberry.lazy("schema.access.types")] | None,
        description="The member who works on the item now.",
    )
    def assignee(self, info: Info) -> Loaded[Member | None]:
        from schema.access.types import MEMBER

        return load_by_id(info, MEMBER, self.assignee_id)

    @strawberry.field(description="What people said about the item, oldest first.")
    async def comments(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Comment, strawberry.lazy("schema.content.comments")]]:
        from schema.content.comments import COMMENTS_OF_CONTENT_ITEM

        return await paginate(info, COMMENTS_OF_CONTENT_ITEM, self.db_id, first, after, last, before)

    @strawberry.field(description="Who changed the item and how, newest first.")
    async def activity(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Activity, strawberry.lazy("schema.activity.types")]]:
        from schema.activity.types import ACTIVITY_OF_NODE

        return await paginate(info, ACTIVITY_OF_NODE, self.db_id, first, after, last, before)


@strawberry.type(description="What one content item achieved on one day (impressions, reach, clicks …).")
class ContentMetric(Node):
    db_id: strawberry.Private[uuid.UUID]
    content_item_id: strawberry.Private[uuid.UUID]
    metric: Metric = strawberry.field(description="What was counted.")
    observed_on: dt.date = strawberry.field(description="The day the value is for.")
    value: Decimal = strawberry.field(description="What the item achieved that day.")
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | ContentMetricRow) -> ContentMetric:
        return cls(
            id=strawberry.ID(ids.encode("ContentMetric", row.id)),
            db_id=row.id,
            content_item_id=row.content_item_id,
            metric=row.metric,
            observed_on=row.observed_on,
            value=row.value,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @relation(ContentItem, "The content item measured.")
    def content_item(self, info: Info) -> Loaded[ContentItem]:
        return load_required(info, CONTENT_ITEM, self.content_item_id)


@strawberry.enum(description="How a content list is ordered.")
class ContentItemOrder(enum.Enum):
    PLANNED_AT = strawberry.enum_value(
        "PLANNED_AT", description="By planned time, earliest first; unplanned items last."
    )
    CREATED_AT = strawberry.enum_value("CREATED_AT", description="By creation, oldest first.")


@strawberry.input(description="Narrows a content list. Every condition given must hold.")
class ContentItemFilter:
    tactic_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Plays into any of these."
    )
    kpi_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Serves any of these KPIs."
    )
    channel_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Published or planned on any of these channels."
    )
    audience_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Made for any of these."
    )
    statuses: list[ContentStatus] | None = strawberry.field(
        default=None, description="In any of these statuses."
    )
    planned_from: dt.datetime | None = strawberry.field(
        default=None,
        description=(
            "Planned at or after this time. Times are taken as plannedAt takes them: on a day from "
            "1990-01-01 to 2199-12-31 (else OUT_OF_RANGE), UTC without an offset."
        ),
    )
    planned_until: dt.datetime | None = strawberry.field(
        default=None, description="Planned before this time (in the same range)."
    )
    unmapped: bool | None = strawberry.field(
        default=None,
        description="true: only items lacking a tactic or a primary KPI; false: only mapped items.",
    )


@dataclass(frozen=True, slots=True)
class ContentFilter:
    """A decoded, hashable :class:`ContentItemFilter` (DataLoader keys must hash)."""

    tactic_ids: frozenset[uuid.UUID] | None = None
    kpi_ids: frozenset[uuid.UUID] | None = None
    channel_ids: frozenset[uuid.UUID] | None = None
    audience_ids: frozenset[uuid.UUID] | None = None
    statuses: frozenset[ContentStatus] | None = None
    planned_from: dt.datetime | None = None
    planned_until: dt.datetime | None = None
    unmapped: bool | None = None

    @classmethod
    def of(cls, given: ContentItemFilter | None) -> ContentFilter | None:
        if given is None:
            return None

        def decoded(
            values: list[strawberry.ID] | None, type_name: str, field: str
        ) -> frozenset[uuid.UUID] | None:
            if values is None:
                return None
            try:
                return frozenset(ids.decode_many(values, type_name, field))
            except DomainError as error:
                raise QueryError(f"filter.{field}: {error}", "BAD_ID") from error

        return cls(
            tactic_ids=decoded(given.tactic_ids, "Tactic", "tacticIds"),
            kpi_ids=decoded(given.kpi_ids, "Kpi", "kpiIds"),
            channel_ids=decoded(given.channel_ids, "Channel", "channelIds"),
            audience_ids=decoded(given.audience_ids, "Audience", "audienceIds"),
            statuses=frozenset(given.statuses) if given.statuses is not None else None,
            planned_from=_moment(given.planned_from, "planned_from", "plannedFrom"),
            planned_until=_moment(given.planned_until, "planned_until", "plannedUntil"),
            unmapped=given.unmapped,
        )


def _moment(value: dt.datetime | None, field: str, argument: str) -> dt.datetime | None:
    """A time of the filter, within the range a stored time may take (as mutations check it)."""
    problems = Problems()
    checked = values.moment(problems, value, field)
    if problems:
        raise QueryError(f"filter.{argument}: {problems.items[0].message}", "OUT_OF_RANGE")
    return checked


def content_conditions(filter_: object) -> list[ColumnElement[bool]]:
    if not isinstance(filter_, ContentFilter):
        return []
    c = content_table.c
    conditions: list[ColumnElement[bool]] = []
    if filter_.tactic_ids is not None:
        conditions.append(c.tactic_id.in_(filter_.tactic_ids))
    if filter_.channel_ids is not None:
        conditions.append(c.channel_id.in_(filter_.channel_ids))
    if filter_.statuses is not None:
        conditions.append(c.status.in_(filter_.statuses))
    if filter_.kpi_ids is not None:
        link = content_item_kpi.alias("filter_kpi")
        conditions.append(
            exists(select(1).where(link.c.content_item_id == c.id, link.c.kpi_id.in_(filter_.kpi_ids)))
        )
    if filter_.audience_ids is not None:
        link = content_item_audience.alias("filter_audience")
        conditions.append(
            exists(
                select(1).where(link.c.content_item_id == c.id, link.c.audience_id.in_(filter_.audience_ids))
            )
        )
    if filter_.planned_from is not None:
        conditions.append(c.planned_at >= filter_.planned_from)
    if filter_.planned_until is not None:
        conditions.append(c.planned_at < filter_.planned_until)
    if filter_.unmapped is True:
        conditions.append((c.tactic_id.is_(None)) | (c.primary_kpi_id.is_(None)))
    elif filter_.unmapped is False:
        conditions.append(c.tactic_id.is_not(None) & c.primary_kpi_id.is_not(None))
    return conditions


def _content_connection(
    source: FromClause, parent: ColumnElement[uuid.UUID], order: ContentItemOrder
) -> ConnectionSpec[ContentItem]:
    first_key = planned_sort if order is ContentItemOrder.PLANNED_AT else content_table.c.created_at
    return ConnectionSpec(
        source=source,
        columns=list(content_table.c),
        parent=parent,
        visible=in_workspace(content_table.c.workspace_id),
        order=[first_key, content_table.c.id],
        convert=ContentItem.from_row,
        filter=content_conditions,
    )


_PARENTS: dict[str, tuple[FromClause, ColumnElement[uuid.UUID]]] = {
    "strategy": (content_table, content_table.c.strategy_id),
    "tactic": (content_table, content_table.c.tactic_id),
    "channel": (content_table, content_table.c.channel_id),
    "kpi": (
        content_table.join(content_item_kpi, content_item_kpi.c.content_item_id == content_table.c.id),
        content_item_kpi.c.kpi_id,
    ),
    "audience": (
        content_table.join(
            content_item_audience, content_item_audience.c.content_item_id == content_table.c.id
        ),
        content_item_audience.c.audience_id,
    ),
}
CONTENT_CONNECTIONS = {
    (parent, order): _content_connection(source, column, order)
    for parent, (source, column) in _PARENTS.items()
    for order in ContentItemOrder
}


def content_items_field(parent: str, description: str) -> Any:
    """The ``contentItems`` connection of a type whose content is under ``parent`` (strategy,
    tactic, channel, KPI or audience): paged by cursor, filtered, ordered. Every type that
    lists content declares it with this, so the field is the same on each."""

    async def content_items(
        root: Any,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            ContentItemFilter | None,
            strawberry.argument(description="Only the items every given condition holds for."),
        ] = None,
        order_by: Annotated[
            ContentItemOrder | None,
            strawberry.argument(description="The order of the items; default: PLANNED_AT."),
        ] = None,
    ) -> Connection[ContentItem]:
        spec = CONTENT_CONNECTIONS[(parent, order_by or ContentItemOrder.PLANNED_AT)]
        return await paginate(info, spec, root.db_id, first, after, last, before, ContentFilter.of(filter))

    return strawberry.field(resolver=content_items, description=description)


CONTENT_ITEM = register(
    "ContentItem",
    NodeSpec(
        content_table, content_table.c.id, in_workspace(content_table.c.workspace_id), ContentItem.from_row
    ),
)
CONTENT_METRIC = register(
    "ContentMetric",
    NodeSpec(
        metric_table, metric_table.c.id, in_workspace(metric_table.c.workspace_id), ContentMetric.from_row
    ),
)
METRICS_OF_CONTENT_ITEM = ConnectionSpec(
    source=metric_table,
    columns=list(metric_table.c),
    parent=metric_table.c.content_item_id,
    visible=in_workspace(metric_table.c.workspace_id),
    order=[metric_table.c.observed_on, metric_table.c.id],
    convert=ContentMetric.from_row,
)
