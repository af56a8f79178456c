"""Mutations on content items (planning, mapping, workflow) and their metrics."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain import values
from domain.access.roles import Action
from domain.content import metrics, services
from domain.content.metrics import METRICS_MAX, MetricChanges, MetricEntry
from domain.content.models import COMMENT_MAX, TITLE_MAX, ContentFormat, ContentStatus
from domain.content.models import ContentItem as ContentItemRow
from domain.content.models import ContentMetric as ContentMetricRow
from domain.content.services import ContentChanges, ContentMapping, ItemMapping
from domain.errors import DomainError, ErrorCode, Problem, Problems
from domain.kpi.models import Metric
from domain.scope import Scope
from domain.upsert import Counts
from schema import ids
from schema.content.types import ContentItem, ContentMetric
from schema.context import Info
from schema.descriptions import DAY, DELETED_ID, GIVEN_VERSION, MOMENT, NUMBER, URL, USER_ERRORS, Input
from schema.errors import UserError
from schema.ids import AudienceID, ChannelID, MemberID
from schema.mutation import RecordedPayload, changes, decode, decode_batch, performs, run

UNSET = strawberry.UNSET

TITLE = f"The item's working title: 1–{TITLE_MAX} characters, trimmed (else BLANK or TOO_LONG)."
BRIEF = (
    f"What the item says and shows, for whoever makes it: at most {values.LONG_TEXT_MAX:,} characters, "
    "trimmed (else TOO_LONG)."
)
CHANNEL = "The workspace's channel it goes out on; null: not chosen yet."
AUDIENCES = "The audiences of the strategy it is made for (else WRONG_STRATEGY), each once (else DUPLICATE)."
PLANNED_AT = f"When it is planned to go out (null: not planned): {MOMENT}."
PUBLISHED_AT = f"When it went out (left null, it is set on the step to PUBLISHED): {MOMENT}."
ITEM_URL = f"Where the published item can be seen: {URL}; null or empty: none."
METRIC_OBSERVED_ON = f"The day the value is for: {DAY}."
METRIC_VALUE = f"What the item achieved that day: {NUMBER}."


@strawberry.input(description="A new content item. It starts as an IDEA and may be mapped right away.")
class CreateContentItemInput:
    strategy_id: strawberry.ID = strawberry.field(
        description="The strategy whose content plan holds the item."
    )
    title: str = strawberry.field(description=TITLE)
    format: ContentFormat = strawberry.field(description="The shape of the item.")
    brief: str | None = strawberry.field(default=UNSET, description=BRIEF)
    channel_id: ChannelID | None = strawberry.field(default=UNSET, description=CHANNEL)
    audience_ids: list[AudienceID] | None = strawberry.field(default=UNSET, description=AUDIENCES)
    planned_at: dt.datetime | None = strawberry.field(default=UNSET, description=PLANNED_AT)
    published_at: dt.datetime | None = strawberry.field(default=UNSET, description=PUBLISHED_AT)
    url: str | None = strawberry.field(default=UNSET, description=ITEM_URL)
    assignee_id: MemberID | None = strawberry.field(
        default=UNSET, description="The member who works on it (one holding a role in its workspace)."
    )
    tactic_id: strawberry.ID | None = strawberry.field(
        default=None, description="The tactic it plays into (with `primaryKpiId`)."
    )
    primary_kpi_id: strawberry.ID | None = strawberry.field(
        default=None, description="The KPI it mainly serves (with `tacticId`)."
    )
    kpi_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Every KPI it serves, the primary one included. Default: the primary KPI."
    )


@strawberry.input(description="Omitted fields stay as they are; `audienceIds` replaces the whole list.")
class UpdateContentItemInput:
    id: strawberry.ID = strawberry.field(description="The content item to change.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    title: str | None = strawberry.field(default=UNSET, description=f"{TITLE} Null is refused (REQUIRED).")
    format: ContentFormat | None = strawberry.field(
        default=UNSET, description="The shape of the item; null is refused (REQUIRED)."
    )
    brief: str | None = strawberry.field(default=UNSET, description=BRIEF)
    channel_id: ChannelID | None = strawberry.field(default=UNSET, description=CHANNEL)
    audience_ids: list[AudienceID] | None = strawberry.field(
        default=UNSET, description=f"{AUDIENCES} Null or [] clears them."
    )
    planned_at: dt.datetime | None = strawberry.field(default=UNSET, description=PLANNED_AT)
    published_at: dt.datetime | None = strawberry.field(
        default=UNSET, description=f"When it went out (null clears it): {MOMENT}."
    )
    url: str | None = strawberry.field(default=UNSET, description=ITEM_URL)
    assignee_id: MemberID | None = strawberry.field(
        default=UNSET, description="The member who works on it; null clears it."
    )


@strawberry.input(description="The content item to delete, with its metrics and comments.")
class DeleteContentItemInput:
    id: strawberry.ID = strawberry.field(description="The content item to delete.")


@strawberry.input(description="The tactic an item plays into and the KPIs it serves, set in one step.")
class MapContentItemInput:
    id: strawberry.ID = strawberry.field(description="The content item to map.")
    tactic_id: strawberry.ID = strawberry.field(
        description="The tactic it plays into, of the item's strategy (else WRONG_STRATEGY)."
    )
    primary_kpi_id: strawberry.ID = strawberry.field(
        description="The KPI it mainly serves, of the item's strategy; one of `kpiIds` when they are given."
    )
    kpi_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Every KPI it serves, the primary one included. Default: the primary KPI."
    )
    version: int | None = strawberry.field(
        default=None, description="The version you last saw; when given, a stale one is a CONFLICT."
    )


@strawberry.input(description="Many content items to map at once.")
class MapContentItemsInput:
    items: list[MapContentItemInput] = strawberry.field(
        description=f"At most {services.BATCH_MAX} items; all are mapped or none is."
    )


@strawberry.input(description="A step of a content item along the workflow.")
class TransitionContentItemInput:
    id: strawberry.ID = strawberry.field(description="The content item to move.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    to: ContentStatus = strawberry.field(
        description=(
            "The status to move to: one the workflow allows from the item's status (else "
            "INVALID_TRANSITION). Any status but IDEA and ARCHIVED needs a tactic and a primary KPI "
            "(else NOT_MAPPED); SCHEDULED needs a `plannedAt` (else REQUIRED)."
        )
    )
    comment: str | None = strawberry.field(
        default=None,
        description=(
            "Why: kept as a comment on the item with this step. Required when sending an item in "
            f"review back to DRAFT; at most {COMMENT_MAX:,} characters."
        ),
    )


@strawberry.input(
    description=(
        "What one content item achieved on one day; one value per item, metric and day (else DUPLICATE)."
    )
)
class CreateContentMetricInput:
    content_item_id: strawberry.ID = strawberry.field(description="The content item measured.")
    metric: Metric = strawberry.field(description="What was counted.")
    observed_on: dt.date = strawberry.field(description=METRIC_OBSERVED_ON)
    value: Decimal = strawberry.field(description=METRIC_VALUE)


@strawberry.input(description="A corrected content metric. Omitted fields stay as they are.")
class UpdateContentMetricInput:
    id: strawberry.ID = strawberry.field(description="The content metric to correct.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    metric: Metric | None = strawberry.field(
        default=UNSET, description="What was counted; null is refused (REQUIRED)."
    )
    observed_on: dt.date | None = strawberry.field(
        default=UNSET, description=f"{METRIC_OBSERVED_ON} Null is refused (REQUIRED)."
    )
    value: Decimal | None = strawberry.field(
        default=UNSET, description=f"{METRIC_VALUE} Null is refused (REQUIRED)."
    )


@strawberry.input(description="The content metric to delete.")
class DeleteContentMetricInput:
    id: strawberry.ID = strawberry.field(description="The content metric to delete.")


@strawberry.input(description="What one content item achieved on one day.")
class ContentMetricEntryInput:
    content_item_id: strawberry.ID = strawberry.field(description="A content item of the strategy.")
    metric: Metric = strawberry.field(description="What was counted.")
    observed_on: dt.date = strawberry.field(description=METRIC_OBSERVED_ON)
    value: Decimal = strawberry.field(description=METRIC_VALUE)


@strawberry.input(description="Metrics of one strategy's content, recorded together or not at all.")
class RecordContentMetricsInput:
    strategy_id: strawberry.ID = strawberry.field(description="The strategy whose content is measured.")
    metrics: list[ContentMetricEntryInput] = strawberry.field(
        description=(
            f"At most {METRICS_MAX:,}. An item, metric and day may appear once; a metric that already "
            "exists for them is updated, and left as it is when the value is the same."
        )
    )


@strawberry.type(description="What `recordContentMetrics` did; the counts are null when it was refused.")
class RecordContentMetricsPayload(RecordedPayload):
    user_errors: list[UserError] = strawberry.field(
        description=f"{USER_ERRORS} A metric's problem has the field ['metrics', index, field]."
    )


@strawberry.type(description="What `createContentItem` did.")
class CreateContentItemPayload:
    content_item: ContentItem | None = strawberry.field(
        description="The new content item; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateContentItem` did.")
class UpdateContentItemPayload:
    content_item: ContentItem | None = strawberry.field(
        description="The content item as changed; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteContentItem` did.")
class DeleteContentItemPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `mapContentItem` did.")
class MapContentItemPayload:
    content_item: ContentItem | None = strawberry.field(
        description="The content item as mapped; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `mapContentItems` did.")
class MapContentItemsPayload:
    content_items: list[ContentItem] | None = strawberry.field(
        description="The content items as mapped, in the order given; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description=f"{USER_ERRORS} An item's problem has the field ['items', index, field]."
    )


@strawberry.type(description="What `transitionContentItem` did.")
class TransitionContentItemPayload:
    content_item: ContentItem | None = strawberry.field(
        description="The content item in its new status; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `createContentMetric` did.")
class CreateContentMetricPayload:
    content_metric: ContentMetric | None = strawberry.field(
        description="The new content metric; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateContentMetric` did.")
class UpdateContentMetricPayload:
    content_metric: ContentMetric | None = strawberry.field(
        description="The content metric as corrected; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteContentMetric` did.")
class DeleteContentMetricPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _metric_entries(
    strategy_id: strawberry.ID, given: list[ContentMetricEntryInput]
) -> tuple[uuid.UUID, list[MetricEntry]]:
    def entry_of(index: int, entry: ContentMetricEntryInput) -> MetricEntry:
        item_id = ids.decode(entry.content_item_id, "ContentItem", "metrics", str(index), "content_item_id")
        return MetricEntry(item_id, entry.metric, entry.observed_on, entry.value)

    return decode_batch(strategy_id, given, metrics.check_batch_size, entry_of)


def _item(row: ContentItemRow | None) -> ContentItem | None:
    return ContentItem.from_row(row) if row is not None else None


def _metric(row: ContentMetricRow | None) -> ContentMetric | None:
    return ContentMetric.from_row(row) if row is not None else None


def _mapping(tactic_id: str, primary_kpi_id: str, kpi_ids: list[strawberry.ID] | None) -> ContentMapping:
    problems: list[Problem] = []
    decoded = []
    for value, type_name, field in (
        (tactic_id, "Tactic", "tactic_id"),
        (primary_kpi_id, "Kpi", "primary_kpi_id"),
    ):
        try:
            decoded.append(ids.decode(value, type_name, field))
        except DomainError as error:
            problems.extend(error.problems)
    try:
        all_kpis = ids.decode_many(kpi_ids, "Kpi", "kpi_ids") if kpi_ids is not None else None
    except DomainError as error:
        problems.extend(error.problems)
    if problems:
        raise DomainError(problems)
    return ContentMapping(tactic_id=decoded[0], primary_kpi_id=decoded[1], kpi_ids=all_kpis)


def _create_mapping(input: CreateContentItemInput) -> ContentMapping | None:
    if input.tactic_id is None and input.primary_kpi_id is None and input.kpi_ids is None:
        return None
    problems = Problems()
    if input.tactic_id is None:
        problems.add(ErrorCode.REQUIRED, "To map the item, name its tactic too.", "tactic_id")
    if input.primary_kpi_id is None:
        problems.add(ErrorCode.REQUIRED, "To map the item, name its primary KPI too.", "primary_kpi_id")
    problems.raise_if_any()
    assert input.tactic_id is not None
    assert input.primary_kpi_id is not None
    return _mapping(input.tactic_id, input.primary_kpi_id, input.kpi_ids)


def _item_mapping(item: MapContentItemInput) -> ItemMapping:
    problems: list[Problem] = []
    try:
        id_ = ids.decode(item.id, "ContentItem", "id")
    except DomainError as error:
        problems.extend(error.problems)
    try:
        mapping = _mapping(item.tactic_id, item.primary_kpi_id, item.kpi_ids)
    except DomainError as error:
        problems.extend(error.problems)
    if problems:
        raise DomainError(problems)
    return ItemMapping(id=id_, mapping=mapping, version=item.version)


def _item_mappings(items: list[MapContentItemInput]) -> list[ItemMapping]:
    entries: list[ItemMapping] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        try:
            entries.append(_item_mapping(item))
        except DomainError as error:
            problems.extend(problem.under("items", str(index)) for problem in error.problems)
    if problems:
        raise DomainError(problems)
    return entries


@strawberry.type
class ContentMutations:
    @strawberry.field(description="Plan a content item; it starts as an IDEA.")
    @performs(Action.EDIT_CONTENT)
    async def create_content_item(
        self, info: Info, input: Input[CreateContentItemInput]
    ) -> CreateContentItemPayload:
        async def body(session: AsyncSession, scope: Scope) -> ContentItemRow:
            strategy_id = decode(input.strategy_id, "Strategy", "strategy_id")
            change = changes(input, ContentChanges)
            mapping = _create_mapping(input)
            return await services.create_content_item(session, scope, strategy_id, change, mapping)

        row, errors = await run(info, body)
        return CreateContentItemPayload(content_item=_item(row), user_errors=errors)

    @strawberry.field(
        description="Change a content item's title, brief, format, channel, audiences or dates."
    )
    @performs(Action.EDIT_CONTENT)
    async def update_content_item(
        self, info: Info, input: Input[UpdateContentItemInput]
    ) -> UpdateContentItemPayload:
        async def body(session: AsyncSession, scope: Scope) -> ContentItemRow:
            id_ = decode(input.id, "ContentItem")
            change = changes(input, ContentChanges)
            return await services.update_content_item(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateContentItemPayload(content_item=_item(row), user_errors=errors)

    @strawberry.field(description="Delete a content item and its metrics.")
    @performs(Action.EDIT_CONTENT)
    async def delete_content_item(
        self, info: Info, input: Input[DeleteContentItemInput]
    ) -> DeleteContentItemPayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await services.delete_content_item(session, scope, decode(input.id, "ContentItem"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteContentItemPayload(deleted_id=deleted, user_errors=errors)

    @strawberry.field(description="Set the tactic, primary KPI and contributing KPIs of a content item.")
    @performs(Action.EDIT_CONTENT)
    async def map_content_item(self, info: Info, input: Input[MapContentItemInput]) -> MapContentItemPayload:
        async def body(session: AsyncSession, scope: Scope) -> ContentItemRow:
            entry = _item_mapping(input)
            return await services.map_content_item(session, scope, entry.id, entry.mapping, entry.version)

        row, errors = await run(info, body)
        return MapContentItemPayload(content_item=_item(row), user_errors=errors)

    @strawberry.field(description="Map many content items at once: all of them, or none if any is refused.")
    @performs(Action.EDIT_CONTENT)
    async def map_content_items(
        self, info: Info, input: Input[MapContentItemsInput]
    ) -> MapContentItemsPayload:
        async def body(session: AsyncSession, scope: Scope) -> list[ContentItemRow]:
            if len(input.items) > services.BATCH_MAX:
                raise DomainError.of(
                    ErrorCode.TOO_MANY, f"Map at most {services.BATCH_MAX} items per call.", "items"
                )
            return await services.map_content_items(session, scope, _item_mappings(input.items))

        rows, errors = await run(info, body)
        items = [ContentItem.from_row(row) for row in rows] if rows is not None else None
        return MapContentItemsPayload(content_items=items, user_errors=errors)

    @strawberry.field(
        description=(
            "Move a content item along the workflow. A review decision (IN_REVIEW → APPROVED, or "
            "IN_REVIEW → DRAFT to request changes) needs a role that may REVIEW_CONTENT (e.g. a "
            "CLIENT_REVIEWER); every other step (drafting, submitting for review, scheduling, "
            "publishing, archiving) needs MOVE_CONTENT. A role that may see the item but not take the "
            "step is refused as FORBIDDEN. Requesting changes needs a `comment` (COMMENT_REQUIRED); "
            "a comment given with any step is kept on the item with the step."
        )
    )
    @performs(Action.MOVE_CONTENT)
    async def transition_content_item(
        self, info: Info, input: Input[TransitionContentItemInput]
    ) -> TransitionContentItemPayload:
        async def body(session: AsyncSession, scope: Scope) -> ContentItemRow:
            id_ = decode(input.id, "ContentItem")
            return await services.transition_content_item(
                session, scope, id_, input.version, input.to, input.comment
            )

        row, errors = await run(info, body)
        return TransitionContentItemPayload(content_item=_item(row), user_errors=errors)

    @strawberry.field(description="Record what a content item achieved on a day.")
    @performs(Action.EDIT_CONTENT)
    async def create_content_metric(
        self, info: Info, input: Input[CreateContentMetricInput]
    ) -> CreateContentMetricPayload:
        async def body(session: AsyncSession, scope: Scope) -> ContentMetricRow:
            item_id = decode(input.content_item_id, "ContentItem", "content_item_id")
            change = changes(input, MetricChanges)
            return await metrics.create_content_metric(session, scope, item_id, change)

        row, errors = await run(info, body)
        return CreateContentMetricPayload(content_metric=_metric(row), user_errors=errors)

    @strawberry.field(description="Correct a content metric.")
    @performs(Action.EDIT_CONTENT)
    async def update_content_metric(
        self, info: Info, input: Input[UpdateContentMetricInput]
    ) -> UpdateContentMetricPayload:
        async def body(session: AsyncSession, scope: Scope) -> ContentMetricRow:
            id_ = decode(input.id, "ContentMetric")
            change = changes(input, MetricChanges)
            return await metrics.update_content_metric(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateContentMetricPayload(content_metric=_metric(row), user_errors=errors)

    @strawberry.field(description="Delete a content metric.")
    @performs(Action.EDIT_CONTENT)
    async def delete_content_metric(
        self, info: Info, input: Input[DeleteContentMetricInput]
    ) -> DeleteContentMetricPayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await metrics.delete_content_metric(session, scope, decode(input.id, "ContentMetric"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteContentMetricPayload(deleted_id=deleted, user_errors=errors)

    @strawberry.field(
        description=(
            "Record what a strategy's content achieved, many metrics at once: all of them, or none if "
            "any is refused. KPIs computed from content follow in the same step."
        )
    )
    @performs(Action.EDIT_CONTENT)
    async def record_content_metrics(
        self, info: Info, input: Input[RecordContentMetricsInput]
    ) -> RecordContentMetricsPayload:
        async def body(session: AsyncSession, scope: Scope) -> Counts:
            strategy_id, entries = _metric_entries(input.strategy_id, input.metrics)
            return await metrics.record_content_metrics(session, scope, strategy_id, entries)

        counts, errors = await run(info, body)
        return RecordContentMetricsPayload.of(counts, errors)
