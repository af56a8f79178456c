"""The domain's enums, exposed to GraphQL under their own names and values.

Every domain enum the schema serves is registered through :func:`documented_enum`, here or
beside the type that reads it (a KPI's progress and SMART verdict, a strategy's findings, the
templates), with what the enum and each of its values mean. Those words are written there only
(the domain's enums carry none), and no source code is read for them: bytecode alone serves them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

import strawberry

from domain.access.api_keys import KeyStatus
from domain.access.roles import KeyScope, Role
from domain.activity.models import ActivityAction
from domain.audience.models import BuyingProcess
from domain.channel.models import Platform
from domain.content.models import ContentFormat, ContentStatus
from domain.content.rules import ContentOnDelete
from domain.errors import ErrorCode
from domain.kpi.models import Aggregation, Direction, KpiSource, MeasurementSource, Metric, Unit
from domain.scope import ActorKind
from domain.strategy.document import DocumentFormat
from domain.strategy.models import StrategyStatus, TacticKind

E = TypeVar("E", bound=enum.Enum)


def documented_enum(
    kind: type[E], description: str, values: Mapping[E, str], name: str | None = None
) -> type[E]:
    """Expose a domain enum as ``name`` (else its own name), described by ``description``, each
    value by its entry in ``values`` (a value left out stays undescribed, and a test says so)."""
    strawberry.enum(kind, name=name, description=description)
    for value in kind.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = values.get(kind[value.name])
    return kind


# -- strategies -------------------------------------------------------------------------------------
documented_enum(
    StrategyStatus,
    "Where a strategy is in its life.",
    {
        StrategyStatus.DRAFT: "Being worked out; not yet followed. A new strategy starts here.",
        StrategyStatus.ACTIVE: "In use: its content is made and its KPIs are followed.",
        StrategyStatus.ARCHIVED: "No longer in use; kept to look back on.",
    },
)
documented_enum(
    TacticKind,
    "What a tactic does for the purpose: inspire, educate, give insight, build brand awareness …",
    {
        TacticKind.INSPIRE: "Inspire: show ideas and possibilities the audience can take up.",
        TacticKind.EDUCATE: "Educate: teach the audience something (how-tos, explanations, advice).",
        TacticKind.INSIGHT: "Give insight: behind the scenes, expertise, data, how things really work.",
        TacticKind.BRAND_AWARENESS: "Build brand awareness: make the brand known and remembered.",
        TacticKind.ENGAGE: "Engage: get the audience to react, comment, share and take part.",
        TacticKind.CONVERT: "Convert: move the audience to act (sign up, download, buy).",
        TacticKind.CUSTOM: "Another tactic, said in the tactic's name and description.",
    },
)
documented_enum(
    BuyingProcess,
    "How an audience buys: long research, considered, or on impulse.",
    {
        BuyingProcess.LONG_RESEARCH: "They shop around and research for a long time before they buy.",
        BuyingProcess.CONSIDERED: "They weigh a few options for a while before they buy.",
        BuyingProcess.IMPULSE: "They buy on the spot, moved by what they see.",
    },
)
documented_enum(
    Platform,
    "The platform a channel lives on.",
    {
        Platform.LINKEDIN: "LinkedIn.",
        Platform.INSTAGRAM: "Instagram.",
        Platform.FACEBOOK: "Facebook.",
        Platform.TIKTOK: "TikTok.",
        Platform.YOUTUBE: "YouTube.",
        Platform.X: "X (formerly Twitter).",
        Platform.PINTEREST: "Pinterest.",
        Platform.THREADS: "Threads.",
        Platform.BLUESKY: "Bluesky.",
        Platform.SNAPCHAT: "Snapchat.",
        Platform.NEWSLETTER: "An email newsletter.",
        Platform.BLOG: "A blog or website of one's own.",
        Platform.OTHER: "Another platform; the channel's name says which.",
    },
)
documented_enum(
    DocumentFormat,
    "The format the written strategy comes in.",
    {DocumentFormat.MARKDOWN: "Markdown text, as `GET /strategies/{id}/document.md` serves it."},
)

# -- content ----------------------------------------------------------------------------------------
documented_enum(
    ContentFormat,
    "The shape of a content item.",
    {
        ContentFormat.POST: "A single post: text, with an image, a video or a link.",
        ContentFormat.CAROUSEL: "Several images or slides in one post, swiped through.",
        ContentFormat.REEL: "A short vertical video (reels, shorts, TikToks).",
        ContentFormat.STORY: "A story, shown for a day.",
        ContentFormat.VIDEO: "A video.",
        ContentFormat.ARTICLE: "A longer written piece: an article or a blog post.",
        ContentFormat.LIVE: "A live broadcast.",
        ContentFormat.NEWSLETTER: "An issue of a newsletter.",
        ContentFormat.OTHER: "Another shape; the brief says which.",
    },
)
documented_enum(
    ContentStatus,
    "The content workflow: IDEA → DRAFT → IN_REVIEW → APPROVED → SCHEDULED → PUBLISHED, or ARCHIVED.",
    {
        ContentStatus.IDEA: (
            "An idea, where every item starts. Only an IDEA (or an ARCHIVED item) may lack a tactic or a "
            "primary KPI. Next: DRAFT."
        ),
        ContentStatus.DRAFT: "Being made. Next: IN_REVIEW, or back to IDEA.",
        ContentStatus.IN_REVIEW: (
            "Waiting for a review decision: APPROVED, or back to DRAFT with a comment on what to change."
        ),
        ContentStatus.APPROVED: "Approved. Next: SCHEDULED or PUBLISHED, or back to DRAFT.",
        ContentStatus.SCHEDULED: (
            "Set to go out at its planned time (`plannedAt` is needed). Next: PUBLISHED, or back to APPROVED."
        ),
        ContentStatus.PUBLISHED: (
            "Out on its channel; `publishedAt` is set to the moment of the step unless it was given. "
            "Next: ARCHIVED only."
        ),
        ContentStatus.ARCHIVED: (
            "Put away, from any status: no longer live content, so left out of the health findings, the "
            "dashboard's live counts and KPIs computed from content. Next: back to IDEA."
        ),
    },
)
documented_enum(
    ContentOnDelete,
    "What happens to content using a tactic, KPI or channel that is being deleted.",
    {
        ContentOnDelete.RESTRICT: (
            "Refuse the deletion while content uses it (TACTIC_IN_USE, KPI_IN_USE, CHANNEL_IN_USE). "
            "The default."
        ),
        ContentOnDelete.UNMAP: (
            "Clear the reference; content left without a tactic or primary KPI shows up as unmapped."
        ),
        ContentOnDelete.REASSIGN: (
            "Point the content at the tactic, KPI or channel named by `reassignToId` "
            "(REASSIGN_TARGET_REQUIRED without one)."
        ),
    },
)

# -- KPIs -------------------------------------------------------------------------------------------
documented_enum(
    Metric,
    "What a KPI or a content metric counts.",
    {
        Metric.REACH: "How many people saw the content (unique accounts).",
        Metric.IMPRESSIONS: "How many times the content was shown, repeats included.",
        Metric.ENGAGEMENT_RATE: (
            "Interactions (reactions, comments, shares, saves) as a percentage of the people reached."
        ),
        Metric.FOLLOWERS: "How many follow the channel.",
        Metric.CLICKS: "Clicks on the content's links.",
        Metric.WEBSITE_VISITS: "Visits to the website coming from social media.",
        Metric.DOWNLOADS: "Downloads of what the content offers (a guide, an app, a file).",
        Metric.LEADS: "People who left their contact details (sign-ups, enquiries).",
        Metric.CONVERSIONS: "Purchases or other goals reached.",
        Metric.CUSTOM: "Something else, said in the KPI's description (a SMART KPI needs one).",
    },
)
documented_enum(
    Unit,
    "The unit of a KPI's values.",
    {
        Unit.COUNT: "A number of things: people, clicks, visits … The default.",
        Unit.PERCENT: "A percentage, 0–100 for a SMART target.",
        Unit.CURRENCY: "An amount of money.",
        Unit.DURATION: "A length of time, such as time spent watching.",
    },
)
documented_enum(
    Direction,
    "Which way a KPI should move, or which side of its target it should stay.",
    {
        Direction.INCREASE: "Rise from the baseline to the target (or beyond). The default.",
        Direction.DECREASE: "Fall from the baseline to the target (or below).",
        Direction.STAY_ABOVE: "Stay at or above the target until the deadline.",
        Direction.STAY_BELOW: "Stay at or below the target until the deadline.",
    },
)
documented_enum(
    Aggregation,
    "How the metrics of a KPI's content combine into its value, for a KPI whose source is CONTENT: "
    "SUM the running total since the KPI's start, AVERAGE the running mean, LATEST the day's total. "
    "A recorded measurement is already the KPI's value as of its day.",
    {
        Aggregation.SUM: "The total of the values from the KPI's start through the day (clicks so far).",
        Aggregation.LATEST: "The total of the day's values alone (reach that day). The default.",
        Aggregation.AVERAGE: "The mean of the values from the KPI's start through the day.",
    },
)
documented_enum(
    MeasurementSource,
    "Where a measurement came from. A KPI holds at most one measurement per day and source.",
    {
        MeasurementSource.MANUAL: "Entered by a person. The default.",
        MeasurementSource.IMPORT: "Read from a CSV file by `importKpiMeasurements`.",
        MeasurementSource.API: "Sent by an integration.",
        MeasurementSource.CONTENT_ROLLUP: (
            "Rolled up from content metrics, for a KPI whose source is CONTENT. Written by the service "
            "alone: given in an input, it is refused (SOURCE_RESERVED)."
        ),
    },
)
documented_enum(
    KpiSource,
    "Where a KPI's values come from: measurements, or its content's metrics.",
    {
        KpiSource.MEASUREMENTS: "Values are recorded or imported. The default.",
        KpiSource.CONTENT: (
            "Values are rolled up from the metrics of the content serving the KPI; recording them is "
            "refused (KPI_COMPUTED_FROM_CONTENT)."
        ),
    },
)

# -- access and activity ----------------------------------------------------------------------------
documented_enum(
    Role,
    "A role held on an organization (then in each of its workspaces) or on one workspace. "
    "What each role may do is the permission matrix in the README.",
    {
        Role.OWNER: "Everything, including deleting the organization and making other owners.",
        Role.ADMIN: "Runs the organization or workspace: members, API keys, workspaces, and all the work.",
        Role.STRATEGIST: (
            "Shapes strategies (purpose, tactics, audiences, channels, KPIs) and the content on them."
        ),
        Role.EDITOR: (
            "Makes content, moves it through the workflow (except the review decision), records figures."
        ),
        Role.CLIENT_REVIEWER: "The client: reads everything, comments, approves content or requests changes.",
        Role.VIEWER: "Reads everything, changes nothing.",
    },
)
documented_enum(
    KeyScope,
    "What an API key may do; each scope includes the ones before it.",
    {
        KeyScope.READ: "Read everything in the key's workspaces (as a VIEWER).",
        KeyScope.WRITE: "Read and change strategies, content and figures (as a STRATEGIST).",
        KeyScope.ADMIN: "Also manage workspaces, members and API keys (as an ADMIN).",
    },
)
documented_enum(
    KeyStatus,
    "Whether an API key works now.",
    {
        KeyStatus.ACTIVE: "The key may be used.",
        KeyStatus.EXPIRED: "Its expiry has passed; requests with it are refused.",
        KeyStatus.REVOKED: "It was revoked; requests with it are refused.",
    },
    name="ApiKeyStatus",
)
documented_enum(
    ActorKind,
    "Who acts: a member, an integration (API key), a demo visitor or the service.",
    {
        ActorKind.MEMBER: "A person signed in through the identity provider.",
        ActorKind.API_KEY: "An integration using an API key.",
        ActorKind.DEMO_VISITOR: "An anonymous visitor of a demo deployment.",
        ActorKind.SYSTEM: "The service itself: the seed, the command line, the demo purge.",
    },
)
documented_enum(
    ActivityAction,
    "What a change did to a record.",
    {
        ActivityAction.CREATED: "The record was made.",
        ActivityAction.UPDATED: "Fields of the record changed.",
        ActivityAction.DELETED: "The record was removed; the changes hold its last values.",
        ActivityAction.TRANSITIONED: "A content item moved along the workflow (its status changed).",
        ActivityAction.RECORDED: (
            "A batch of KPI measurements or content metrics was recorded for a strategy."
        ),
    },
)

# -- refused input ----------------------------------------------------------------------------------
documented_enum(
    ErrorCode,
    "Why an input was refused. Stable: clients switch on these.",
    {
        ErrorCode.INVALID_ID: "Not an id, or the id of another type of record.",
        ErrorCode.NOT_FOUND: "No such record that you may see.",
        ErrorCode.REQUIRED: "A value is missing.",
        ErrorCode.BLANK: "A text is empty or only spaces.",
        ErrorCode.TOO_LONG: "A text is longer than allowed.",
        ErrorCode.INVALID_TEXT: (
            "A text holds a character no text can be stored with: a NUL character (U+0000), or half of a "
            'UTF-16 surrogate pair without its other half (U+D800 to U+DFFF, e.g. an escaped "\\ud800").'
        ),
        ErrorCode.TOO_MANY: "A list, batch or file holds more entries than allowed.",
        ErrorCode.DUPLICATE: "The same entry is given twice, or the value is taken already.",
        ErrorCode.OUT_OF_RANGE: "A number or time lies outside what is allowed.",
        ErrorCode.NOT_FINITE: "A number is infinite or not a number (NaN).",
        ErrorCode.TOO_PRECISE: "A number has more decimal places than are kept.",
        ErrorCode.INVALID_URL: "Not an absolute http(s) URL.",
        ErrorCode.INVALID_PERIOD: "A strategy's period ends before it starts.",
        ErrorCode.DEADLINE_BEFORE_START: "A KPI's deadline does not come after its start.",
        ErrorCode.INVALID_AGE_RANGE: "An audience's youngest age is above its oldest.",
        ErrorCode.WRONG_STRATEGY: "The record belongs to another strategy.",
        ErrorCode.PRIMARY_KPI_NOT_IN_KPIS: "The primary KPI is not among the KPIs listed.",
        ErrorCode.TACTIC_IN_USE: "Content uses the tactic: say whether to UNMAP or REASSIGN it.",
        ErrorCode.KPI_IN_USE: "Content serves the KPI: say whether to UNMAP or REASSIGN it.",
        ErrorCode.CHANNEL_IN_USE: "Content uses the channel: say whether to UNMAP or REASSIGN it.",
        ErrorCode.REASSIGN_TARGET_REQUIRED: "REASSIGN needs the record to move the content to.",
        ErrorCode.INVALID_TRANSITION: "The content workflow does not allow this step.",
        ErrorCode.NOT_MAPPED: "The content needs a tactic and a primary KPI first.",
        ErrorCode.CONFLICT: "Someone else changed the record meanwhile; see `currentVersion`.",
        ErrorCode.TRY_AGAIN: (
            "The change met other changes to the same records and was tried again a few times without "
            "getting through (a deadlock or a serialization failure); nothing was changed. Send it "
            "again."
        ),
        ErrorCode.UNKNOWN_SCENARIO: "No demo scenario of this name.",
        ErrorCode.DEMO_WORKSPACES_DISABLED: "This deployment offers no demo workspaces.",
        ErrorCode.DEMO_LIMIT_REACHED: "As many demo workspaces exist as allowed at once.",
        ErrorCode.KPI_COMPUTED_FROM_CONTENT: "The KPI's values are rolled up from its content's metrics.",
        ErrorCode.SOURCE_RESERVED: "CONTENT_ROLLUP is kept for values rolled up from content.",
        ErrorCode.INVALID_ENCODING: "The file is not UTF-8 text.",
        ErrorCode.EMPTY_FILE: "The file has no header or no rows.",
        ErrorCode.FILE_TOO_LARGE: "The file is larger than allowed.",
        ErrorCode.MALFORMED_ROW: "A row of the file cannot be read.",
        ErrorCode.MISSING_COLUMN: "The file's header lacks a required column.",
        ErrorCode.UNKNOWN_COLUMN: "The file's header names a column that is not known.",
        ErrorCode.AMBIGUOUS_KPI: "Several KPIs have this name; use the KPI's id.",
        ErrorCode.INVALID_DATE: "Not a date like 2025-03-31.",
        ErrorCode.NOT_A_NUMBER: "Not a number.",
        ErrorCode.UNKNOWN_TEMPLATE: "No strategy template of this name.",
        ErrorCode.ROLLUP_OUT_OF_RANGE: "A KPI computed from content would reach a value too large to keep.",
        ErrorCode.FORBIDDEN: "You may see the record, but your role does not allow this.",
        ErrorCode.COMMENT_REQUIRED: "Sending content back for changes needs a comment on what to change.",
        ErrorCode.NOT_A_MEMBER: "The member holds no role in the workspace or its organization.",
        ErrorCode.LAST_OWNER: "The organization would be left without an OWNER.",
        ErrorCode.AMBIGUOUS_TARGET: "Both an organization and a workspace are given; give one.",
        ErrorCode.INVALID_MANIFEST: "The file is not a manifest of GraphQL documents in a known format.",
        ErrorCode.INVALID_DOCUMENT: (
            "A GraphQL document does not parse, does not hold exactly one operation, or does not fit the "
            "schema."
        ),
        ErrorCode.DOCUMENT_ID_TAKEN: (
            "Another document is registered with this id; a registered id keeps its document."
        ),
    },
    name="UserErrorCode",
)
