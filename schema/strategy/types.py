"""A strategy and its tactics."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Row

from domain.kpi.models import kpi_tactic
from domain.strategy.brief import brief
from domain.strategy.document import DocumentFormat, render
from domain.strategy.models import Strategy as StrategyRow
from domain.strategy.models import StrategyStatus, TacticKind
from domain.strategy.models import Tactic as TacticRow
from schema import ids
from schema.content.types import content_items_field
from schema.context import Info
from schema.descriptions import CREATED_AT, UPDATED_AT, VERSION
from schema.kpi.progress import judged_on
from schema.loading import ConnectionSpec, ListSpec, Loaded, NodeSpec, in_workspace
from schema.pagination import After, Before, Connection, First, Last
from schema.relay import Node, load_by_id, load_children, load_required, paginate, register, relation
from schema.strategy import report
from schema.strategy.report import StrategyDashboard, StrategyHealth

if TYPE_CHECKING:
    from schema.access.types import Member
    from schema.activity.types import Activity
    from schema.audience.types import Audience
    from schema.channel.types import StrategyChannel
    from schema.kpi.types import Kpi
    from schema.tenancy.types import Workspace

strategy_table = StrategyRow.__table__
tactic_table = TacticRow.__table__


@strawberry.type(description="A social-media strategy: one purpose, reached through 2–3 tactics.")
class Strategy(Node):
    db_id: strawberry.Private[uuid.UUID]
    workspace_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID | None]
    name: str = strawberry.field(description="The strategy's name, e.g. the year or market it covers.")
    purpose: str = strawberry.field(
        description='What we want to help the customer to do ("We want to help …").'
    )
    starts_on: dt.date | None = strawberry.field(
        description="The first day of the strategy's period; null: not set. KPIs without a start start here."
    )
    ends_on: dt.date | None = strawberry.field(
        description="The last day of the period; null: open-ended. KPIs without a deadline are due then."
    )
    status: StrategyStatus = strawberry.field(description="Where the strategy is in its life.")
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | StrategyRow) -> Strategy:
        return cls(
            id=strawberry.ID(ids.encode("Strategy", row.id)),
            db_id=row.id,
            workspace_id=row.workspace_id,
            owner_id=row.owner_id,
            name=row.name,
            purpose=row.purpose,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            status=row.status,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @relation(
        Annotated["Workspace", strawberry.lazy("schema.tenancy.types")],
        description="The workspace the strategy belongs to.",
    )
    def workspace(self, info: Info) -> Loaded[Workspace]:
        from schema.tenancy.types import WORKSPACE

        return load_required(info, WORKSPACE, self.workspace_id)

    @relation(
        Annotated["Member", strawberry.lazy("schema.access.types")] | None,
        description="The member who answers for the strategy.",
    )
    def owner(self, info: Info) -> Loaded[Member | None]:
        from schema.access.types import MEMBER

        return load_by_id(info, MEMBER, self.owner_id)

    @relation(list["Tactic"], description="The tactics, in their position order.")
    def tactics(self, info: Info) -> Loaded[list[Tactic]]:
        return load_children(info, TACTICS_OF_STRATEGY, self.db_id)

    @relation(
        list[Annotated["Audience", strawberry.lazy("schema.audience.types")]],
        description="The audiences, oldest first.",
    )
    def audiences(self, info: Info) -> Loaded[list[Audience]]:
        from schema.audience.types import AUDIENCES_OF_STRATEGY

        return load_children(info, AUDIENCES_OF_STRATEGY, self.db_id)

    @relation(
        list[Annotated["StrategyChannel", strawberry.lazy("schema.channel.types")]],
        description="The channels chosen for this strategy, with role and rationale.",
    )
    def channels(self, info: Info) -> Loaded[list[StrategyChannel]]:
        from schema.channel.types import CHANNELS_OF_STRATEGY

        return load_children(info, CHANNELS_OF_STRATEGY, self.db_id)

    @relation(
        list[Annotated["Kpi", strawberry.lazy("schema.kpi.types")]], description="The KPIs, oldest first."
    )
    def kpis(self, info: Info) -> Loaded[list[Kpi]]:
        from schema.kpi.types import KPIS_OF_STRATEGY

        return load_children(info, KPIS_OF_STRATEGY, self.db_id)

    @strawberry.field(description="Who changed what in the strategy and its parts, newest first.")
    async def activity(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Activity, strawberry.lazy("schema.activity.types")]]:
        from schema.activity.types import ACTIVITY_OF_STRATEGY

        return await paginate(info, ACTIVITY_OF_STRATEGY, self.db_id, first, after, last, before)

    content_items = content_items_field(
        "strategy", "The strategy's content plan, filtered and ordered as asked."
    )

    @strawberry.field(
        description=(
            "What is off: tactics or KPIs without content, unmapped content, content off its tactic's KPIs, "
            "audiences without a channel, unused channels, the tactic count, the content mix, KPIs that are "
            "not SMART, at risk or off track."
        )
    )
    async def health(
        self,
        info: Info,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(description="The day KPIs are judged on; default: today (UTC)."),
        ] = None,
    ) -> StrategyHealth:
        return await report.health(info, self.db_id, judged_on(as_of))

    @strawberry.field(
        description=(
            "The written strategy, to hand to a colleague: purpose, tactics, audiences, channels and why, "
            "KPIs with SMART verdict and progress, the content plan, open findings. Also served as a file "
            "at GET /strategies/{id}/document.md."
        )
    )
    async def document(
        self,
        info: Info,
        format: Annotated[
            DocumentFormat, strawberry.argument(description="The format to write it in; default: MARKDOWN.")
        ] = DocumentFormat.MARKDOWN,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(description="The day KPIs are judged on; default: today (UTC)."),
        ] = None,
    ) -> str:
        day = judged_on(as_of)
        figures = await report.figures(info, self.db_id, day)
        async with info.context.reads.connection() as connection:
            found = await brief(connection, info.context.scope, self.db_id, day, figures)
        assert found is not None, "a strategy the caller can see can be written down"
        return render(found, format)

    @strawberry.field(
        description="Content per tactic vs. its target share, tactic × KPI, channel × status, top content."
    )
    async def dashboard(self, info: Info) -> StrategyDashboard:
        return await report.dashboard(info, self.db_id)


@strawberry.type(description="How the purpose is reached; also a theme for content.")
class Tactic(Node):
    db_id: strawberry.Private[uuid.UUID]
    strategy_id: strawberry.Private[uuid.UUID]
    owner_id: strawberry.Private[uuid.UUID | None]
    name: str = strawberry.field(description="The tactic's name, which is also the theme of its content.")
    kind: TacticKind = strawberry.field(description="What the tactic does for the purpose.")
    description: str = strawberry.field(
        description="How the tactic reaches the purpose, in a few sentences; empty when not written."
    )
    target_share: Decimal | None = strawberry.field(
        description="The share of content this tactic should have, in percent (0–100)."
    )
    position: int = strawberry.field(
        description=(
            "Where the tactic stands among the strategy's tactics (0 first); `tactics` are in this order."
        )
    )
    version: int = strawberry.field(description=VERSION)
    created_at: dt.datetime = strawberry.field(description=CREATED_AT)
    updated_at: dt.datetime = strawberry.field(description=UPDATED_AT)

    @classmethod
    def from_row(cls, row: Row[Any] | TacticRow) -> Tactic:
        return cls(
            id=strawberry.ID(ids.encode("Tactic", row.id)),
            db_id=row.id,
            strategy_id=row.strategy_id,
            owner_id=row.owner_id,
            name=row.name,
            kind=row.kind,
            description=row.description,
            target_share=row.target_share,
            position=row.position,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @relation(Strategy, "The strategy the tactic belongs to.")
    def strategy(self, info: Info) -> Loaded[Strategy]:
        return load_required(info, STRATEGY, self.strategy_id)

    @relation(
        Annotated["Member", strawberry.lazy("schema.access.types")] | None,
        description="The member who answers for the tactic.",
    )
    def owner(self, info: Info) -> Loaded[Member | None]:
        from schema.access.types import MEMBER

        return load_by_id(info, MEMBER, self.owner_id)

    @relation(
        list[Annotated["Kpi", strawberry.lazy("schema.kpi.types")]],
        description="The KPIs that measure this tactic.",
    )
    def kpis(self, info: Info) -> Loaded[list[Kpi]]:
        from schema.kpi.types import KPIS_OF_TACTIC

        return load_children(info, KPIS_OF_TACTIC, self.db_id)

    content_items = content_items_field("tactic", "The content that plays into this tactic.")


STRATEGY = register(
    "Strategy",
    NodeSpec(
        strategy_table, strategy_table.c.id, in_workspace(strategy_table.c.workspace_id), Strategy.from_row
    ),
)
TACTIC = register(
    "Tactic",
    NodeSpec(tactic_table, tactic_table.c.id, in_workspace(tactic_table.c.workspace_id), Tactic.from_row),
)
TACTICS_OF_STRATEGY = ListSpec(
    source=tactic_table,
    columns=list(tactic_table.c),
    parent=tactic_table.c.strategy_id,
    visible=in_workspace(tactic_table.c.workspace_id),
    order=[tactic_table.c.position, tactic_table.c.created_at, tactic_table.c.id],
    convert=Tactic.from_row,
)
STRATEGIES_OF_WORKSPACE = ConnectionSpec(
    source=strategy_table,
    columns=list(strategy_table.c),
    parent=strategy_table.c.workspace_id,
    visible=in_workspace(strategy_table.c.workspace_id),
    order=[strategy_table.c.created_at, strategy_table.c.id],
    convert=Strategy.from_row,
    filter=lambda statuses: [strategy_table.c.status.in_(statuses)] if statuses else [],  # type: ignore[arg-type]
)
TACTICS_OF_KPI = ListSpec.through(
    tactic_table,
    kpi_tactic.c.tactic_id,
    kpi_tactic.c.kpi_id,
    in_workspace(tactic_table.c.workspace_id),
    [tactic_table.c.position, tactic_table.c.created_at, tactic_table.c.id],
    Tactic.from_row,
)
