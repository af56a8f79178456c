"""Every table of the domain, imported in one place for migrations and tests."""

from domain.access.models import ApiKey, Member, Membership
from domain.activity.models import Activity
from domain.audience.models import Audience
from domain.base import Base
from domain.channel.models import Channel, StrategyChannel, strategy_channel_audience
from domain.content.models import (
    Comment,
    ContentItem,
    ContentMetric,
    content_item_audience,
    content_item_kpi,
)
from domain.documents.models import TrustedDocumentRecord
from domain.kpi.models import Kpi, KpiMeasurement, kpi_audience, kpi_tactic
from domain.strategy.models import Strategy, Tactic
from domain.tenancy.models import Organization, Workspace

__all__ = [
    "Activity",
    "ApiKey",
    "Audience",
    "Base",
    "Channel",
    "Comment",
    "ContentItem",
    "ContentMetric",
    "Kpi",
    "KpiMeasurement",
    "Member",
    "Membership",
    "Organization",
    "Strategy",
    "StrategyChannel",
    "Tactic",
    "TrustedDocumentRecord",
    "Workspace",
    "content_item_audience",
    "content_item_kpi",
    "kpi_audience",
    "kpi_tactic",
    "strategy_channel_audience",
]
