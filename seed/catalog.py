"""The scenarios offered as demo workspaces on demand (the domain's ScenarioBuilder)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from domain.tenancy.demo import ScenarioInfo
from domain.tenancy.models import Workspace
from seed.load import build
from seed.plan import plan
from seed.scenarios import SCENARIOS


class Catalog:
    """Builds any of :data:`SCENARIOS` into a new, expiring workspace."""

    def scenarios(self) -> Sequence[ScenarioInfo]:
        return [ScenarioInfo(s.key, s.summary, s.language, s.organization) for s in SCENARIOS.values()]

    async def build(
        self, session: AsyncSession, key: str, today: dt.date, expires_at: dt.datetime
    ) -> Workspace:
        return await build(session, plan(SCENARIOS[key], today), expires_at)
