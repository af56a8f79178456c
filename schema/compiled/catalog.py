"""What a compiled plan may read: the types whose fields map to a table's columns, and their
relations, as the resolvers of the executor read them.

A plain field of such a type (one without a resolver) is the column of the same name,
``id`` is the global ID of the row. A field with a resolver compiles only when it is listed
here, with the spec its resolver loads through; any other field (``progress``, ``health``,
``mapped`` …) sends the whole operation to the executor. The differential tests run every
query of the suite on both paths and hold the two to the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import FromClause

from schema.audience.types import AUDIENCE, AUDIENCES_OF_CONTENT_ITEM, AUDIENCES_OF_KPI, AUDIENCES_OF_STRATEGY
from schema.channel.types import CHANNEL
from schema.content.types import CONTENT_CONNECTIONS, CONTENT_ITEM, ContentItemOrder
from schema.kpi.types import KPI, KPIS_OF_CONTENT_ITEM, KPIS_OF_STRATEGY, KPIS_OF_TACTIC
from schema.loading import ConnectionSpec, ListSpec, NodeSpec
from schema.strategy.types import STRATEGY, TACTIC, TACTICS_OF_KPI, TACTICS_OF_STRATEGY


@dataclass(frozen=True, slots=True)
class One:
    """A record the parent names in one of its columns (``ContentItem.tactic``)."""

    type_name: str
    via: str
    """The parent's column holding the record's id."""


@dataclass(frozen=True, slots=True)
class Many:
    """A small list of children (``ContentItem.kpis``)."""

    type_name: str
    spec: ListSpec[Any]


@dataclass(frozen=True, slots=True)
class Pages:
    """A connection of children, paged by cursor, without filter or order arguments."""

    type_name: str
    spec: ConnectionSpec[Any]


Relation = One | Many | Pages


@dataclass(frozen=True, slots=True)
class Record:
    """A compilable type: the table its rows come from and the relations of its resolvers."""

    spec: NodeSpec[Any]
    relations: dict[str, Relation]

    @property
    def table(self) -> FromClause:
        return self.spec.source

    #: The column naming the row's workspace.
    tenant_column = "workspace_id"


_CONTENT_OF_STRATEGY = CONTENT_CONNECTIONS[("strategy", ContentItemOrder.PLANNED_AT)]
_CONTENT_OF_TACTIC = CONTENT_CONNECTIONS[("tactic", ContentItemOrder.PLANNED_AT)]

RECORDS: dict[str, Record] = {
    "Strategy": Record(
        STRATEGY,
        {
            "contentItems": Pages("ContentItem", _CONTENT_OF_STRATEGY),
            "tactics": Many("Tactic", TACTICS_OF_STRATEGY),
            "kpis": Many("Kpi", KPIS_OF_STRATEGY),
            "audiences": Many("Audience", AUDIENCES_OF_STRATEGY),
        },
    ),
    "Tactic": Record(
        TACTIC,
        {
            "strategy": One("Strategy", "strategy_id"),
            "kpis": Many("Kpi", KPIS_OF_TACTIC),
            "contentItems": Pages("ContentItem", _CONTENT_OF_TACTIC),
        },
    ),
    "Kpi": Record(
        KPI,
        {
            "strategy": One("Strategy", "strategy_id"),
            "tactics": Many("Tactic", TACTICS_OF_KPI),
            "audiences": Many("Audience", AUDIENCES_OF_KPI),
        },
    ),
    "Audience": Record(AUDIENCE, {"strategy": One("Strategy", "strategy_id")}),
    "Channel": Record(CHANNEL, {}),
    "ContentItem": Record(
        CONTENT_ITEM,
        {
            "strategy": One("Strategy", "strategy_id"),
            "tactic": One("Tactic", "tactic_id"),
            "primaryKpi": One("Kpi", "primary_kpi_id"),
            "channel": One("Channel", "channel_id"),
            "kpis": Many("Kpi", KPIS_OF_CONTENT_ITEM),
            "audiences": Many("Audience", AUDIENCES_OF_CONTENT_ITEM),
        },
    ),
}

#: Root fields that read one record by its global ID: the field, and the type the ID must name
#: (None: any type, as ``node`` does).
ROOTS: dict[str, str | None] = {"strategy": "Strategy", "contentItem": "ContentItem", "node": None}
