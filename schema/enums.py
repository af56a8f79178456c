"""The domain's enums, exposed to GraphQL under their own names and values."""

from __future__ import annotations

import strawberry

from domain.audience.models import BuyingProcess
from domain.channel.models import Platform
from domain.content.models import ContentFormat, ContentStatus
from domain.content.rules import ContentOnDelete
from domain.kpi.models import Aggregation, Direction, KpiSource, MeasurementSource, Metric, Unit
from domain.strategy.document import DocumentFormat
from domain.strategy.models import StrategyStatus, TacticKind

strawberry.enum(StrategyStatus, description="Where a strategy is in its life.")
strawberry.enum(
    TacticKind,
    description="What a tactic does for the purpose: inspire, educate, give insight, build brand awareness …",
)
strawberry.enum(BuyingProcess, description="How an audience buys: long research, considered, or on impulse.")
strawberry.enum(Platform, description="The platform a channel lives on.")
strawberry.enum(ContentFormat, description="The shape of a content item.")
strawberry.enum(
    ContentStatus,
    description=(
        "The content workflow: IDEA → DRAFT → IN_REVIEW → APPROVED → SCHEDULED → PUBLISHED, or ARCHIVED."
    ),
)
strawberry.enum(ContentOnDelete, description="What happens to content using something that is being deleted.")
strawberry.enum(Metric, description="What a KPI or a content metric counts.")
strawberry.enum(Unit, description="The unit of a KPI's values.")
strawberry.enum(
    Direction, description="Which way a KPI should move, or which side of its target it should stay."
)
strawberry.enum(
    Aggregation,
    description=(
        "How the metrics of a KPI's content combine into its value, for a KPI whose source is CONTENT: "
        "SUM the running total since the KPI's start, AVERAGE the running mean, LATEST the day's total. "
        "A recorded measurement is already the KPI's value as of its day."
    ),
)
strawberry.enum(MeasurementSource, description="Where a measurement came from.")
strawberry.enum(
    KpiSource, description="Where a KPI's values come from: measurements, or its content's metrics."
)
strawberry.enum(DocumentFormat, description="The format the written strategy comes in.")
