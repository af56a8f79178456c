"""Write a planned scenario through the domain services, so demo data obeys every rule the API enforces."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.audience.services import AudienceChanges, create_audience
from domain.channel.services import (
    ChannelChanges,
    StrategyChannelChanges,
    create_channel,
    create_strategy_channel,
)
from domain.content.metrics import MetricChanges, create_content_metric
from domain.content.rules import path_to
from domain.content.services import (
    ContentChanges,
    ContentMapping,
    create_content_item,
    transition_content_item,
)
from domain.kpi.services import KpiChanges, MeasurementChanges, create_kpi, create_measurement
from domain.persistence.database import Database
from domain.scope import Scope
from domain.strategy.models import StrategyStatus
from domain.strategy.services import StrategyChanges, TacticChanges, create_strategy, create_tactic
from domain.tenancy.models import Workspace
from domain.tenancy.services import (
    NameChange,
    create_scenario_workspace,
    delete_organization,
    scenario_workspace,
)
from seed.plan import Plan, PlannedContent, PlannedKpi, plan
from seed.scenario import Scenario

EVERYTHING = Scope.everything()


class Outcome(enum.Enum):
    CREATED = "created"
    PRESENT = "already present"
    REBUILT = "rebuilt"


async def load(
    db: Database, scenario: Scenario, today: dt.date, seed: int = 1, *, reset: bool = False
) -> Outcome:
    """Load ``scenario`` as of ``today`` unless it is there; ``reset`` rebuilds it from scratch.

    Runs in one transaction: a failure leaves the database as it was.
    """
    async with db.transaction(Scope.everything()) as session:
        outcome, _ = await make_room(session, scenario.key, reset=reset)
        if outcome is not Outcome.PRESENT:
            await build(session, plan(scenario, today, seed))
    return outcome


async def make_room(session: AsyncSession, key: str, *, reset: bool) -> tuple[Outcome, Workspace | None]:
    """What loading ``key`` does: keep the lasting copy there is (returned), or delete it on ``reset``."""
    existing = await scenario_workspace(session, key)
    if existing is None:
        return Outcome.CREATED, None
    if not reset:
        return Outcome.PRESENT, existing
    await delete_organization(session, EVERYTHING, existing.organization_id)
    return Outcome.REBUILT, None


async def build(session: AsyncSession, planned: Plan, expires_at: dt.datetime | None = None) -> Workspace:
    """A new organization and workspace holding the planned strategy."""
    scenario = planned.scenario
    workspace = await create_scenario_workspace(
        session, NameChange(scenario.organization), NameChange(scenario.workspace), scenario.key, expires_at
    )
    strategy = await create_strategy(
        session,
        EVERYTHING,
        workspace.id,
        StrategyChanges(
            name=scenario.strategy,
            purpose=scenario.purpose,
            starts_on=planned.starts_on,
            ends_on=planned.ends_on,
            status=StrategyStatus.ACTIVE,
        ),
    )
    keys = _Keys()
    for tactic in scenario.tactics:
        changes = TacticChanges(
            name=tactic.name,
            kind=tactic.kind,
            description=tactic.description,
            target_share=Decimal(tactic.target_share),
        )
        keys.tactics[tactic.key] = (await create_tactic(session, EVERYTHING, strategy.id, changes)).id
    for audience in scenario.audiences:
        changes_ = AudienceChanges(
            name=audience.name,
            description=audience.description,
            genders=list(audience.genders),
            age_min=audience.age_min,
            age_max=audience.age_max,
            interests=list(audience.interests),
            family_statuses=list(audience.family_statuses),
            locations=list(audience.locations),
            behaviours=list(audience.behaviours),
            buying_process=audience.buying_process,
            buying_notes=audience.buying_notes,
        )
        keys.audiences[audience.key] = (await create_audience(session, EVERYTHING, strategy.id, changes_)).id
    await _channels(session, planned, workspace.id, strategy.id, keys)
    for kpi in planned.kpis:
        keys.kpis[kpi.spec.key] = await _kpi(session, kpi, strategy.id, keys)
    for item in planned.content:
        await _content(session, item, strategy.id, keys)
    return workspace


class _Keys:
    """The ids of the parts built so far, by their key in the scenario."""

    def __init__(self) -> None:
        self.tactics: dict[str, uuid.UUID] = {}
        self.audiences: dict[str, uuid.UUID] = {}
        self.channels: dict[str, uuid.UUID] = {}
        self.kpis: dict[str, uuid.UUID] = {}
        self.channel_audiences: dict[str, tuple[str, ...]] = {}

    @staticmethod
    def of(ids: dict[str, uuid.UUID], keys: Sequence[str]) -> list[uuid.UUID]:
        return [ids[key] for key in keys]


async def _channels(
    session: AsyncSession, planned: Plan, workspace_id: uuid.UUID, strategy_id: uuid.UUID, keys: _Keys
) -> None:
    for spec in planned.scenario.channels:
        account = ChannelChanges(platform=spec.platform, name=spec.name, handle=spec.handle, url=spec.url)
        channel = await create_channel(session, EVERYTHING, workspace_id, account)
        keys.channels[spec.key] = channel.id
        keys.channel_audiences[spec.key] = spec.audiences
        if spec.chosen:
            choice = StrategyChannelChanges(
                role=spec.role, rationale=spec.rationale, audience_ids=keys.of(keys.audiences, spec.audiences)
            )
            await create_strategy_channel(session, EVERYTHING, strategy_id, channel.id, choice)


async def _kpi(session: AsyncSession, planned: PlannedKpi, strategy_id: uuid.UUID, keys: _Keys) -> uuid.UUID:
    spec = planned.spec
    changes = KpiChanges(
        name=spec.name,
        description=spec.description,
        metric=spec.metric,
        unit=spec.unit,
        baseline=spec.baseline,
        target=spec.target,
        direction=spec.direction,
        aggregation=spec.aggregation,
        source=spec.source,
        starts_on=planned.starts_on,
        deadline=planned.deadline,
        channel_id=None if spec.channel is None else keys.channels[spec.channel],
        tactic_ids=keys.of(keys.tactics, spec.tactics),
        audience_ids=keys.of(keys.audiences, spec.audiences),
    )
    kpi = await create_kpi(session, EVERYTHING, strategy_id, changes)
    for observed_on, value in planned.measurements:
        await create_measurement(
            session, EVERYTHING, kpi.id, MeasurementChanges(observed_on=observed_on, value=value)
        )
    return kpi.id


async def _content(
    session: AsyncSession, planned: PlannedContent, strategy_id: uuid.UUID, keys: _Keys
) -> None:
    spec = planned.spec
    audiences = spec.audiences or keys.channel_audiences[spec.channel]
    mapping = None
    if spec.tactic is not None:
        kpi_ids = keys.of(keys.kpis, spec.kpis)
        mapping = ContentMapping(
            tactic_id=keys.tactics[spec.tactic], primary_kpi_id=kpi_ids[0], kpi_ids=kpi_ids
        )
    changes = ContentChanges(
        title=spec.title,
        brief=spec.brief,
        format=spec.format,
        channel_id=keys.channels[spec.channel],
        audience_ids=keys.of(keys.audiences, audiences),
        planned_at=planned.planned_at,
        published_at=planned.published_at,
    )
    item = await create_content_item(session, EVERYTHING, strategy_id, changes, mapping)
    for step in path_to(planned.status):
        item = await transition_content_item(session, EVERYTHING, item.id, item.version, step)
    for metric, observed_on, value in planned.metrics:
        await create_content_metric(
            session, EVERYTHING, item.id, MetricChanges(metric=metric, observed_on=observed_on, value=value)
        )
