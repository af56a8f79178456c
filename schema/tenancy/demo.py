"""Demo workspaces on demand: which scenarios there are, and creating one."""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.roles import Role
from domain.errors import DomainError, ErrorCode
from domain.scope import Scope
from domain.tenancy.demo import ScenarioInfo
from domain.tenancy.models import Workspace as WorkspaceRow
from schema.context import Info
from schema.descriptions import USER_ERRORS, Input
from schema.errors import UserError
from schema.mutation import Open, performs, run
from schema.tenancy.types import Workspace


@strawberry.type(description="A demo scenario: a complete strategy that can be created as a demo workspace.")
class DemoScenario:
    key: str = strawberry.field(description="What to pass as `scenario` to `createDemoWorkspace`.")
    summary: str = strawberry.field(
        description="What the scenario is about, in one sentence in its language."
    )
    language: str = strawberry.field(description="The language its content is written in (ISO 639-1).")
    organization: str = strawberry.field(description="The organization the scenario is about.")

    @classmethod
    def of(cls, info: ScenarioInfo) -> DemoScenario:
        return cls(key=info.key, summary=info.summary, language=info.language, organization=info.organization)


@strawberry.input(description="Which demo scenario to build.")
class CreateDemoWorkspaceInput:
    scenario: str = strawberry.field(description="The key of one of `demoScenarios`.")


@strawberry.type(description="What `createDemoWorkspace` did.")
class CreateDemoWorkspacePayload:
    workspace: Workspace | None = strawberry.field(
        description="The new demo workspace, holding the scenario's strategy; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def demo_scenarios(info: Info) -> list[DemoScenario]:
    demo = info.context.demo
    return [] if demo is None else [DemoScenario.of(s) for s in demo.builder.scenarios()]


@strawberry.type
class DemoMutations:
    @strawberry.field(
        description=(
            "Build a demo scenario into a new workspace of its own (in a new organization) that is "
            "deleted, with everything in it, when `expiresAt` passes. Refused with "
            "DEMO_WORKSPACES_DISABLED when the deployment does not offer demo workspaces, "
            "UNKNOWN_SCENARIO for a key not in `demoScenarios`, and DEMO_LIMIT_REACHED when the "
            "deployment's cap on demo workspaces that exist at once is reached."
        )
    )
    @performs(Open.ANYONE)
    async def create_demo_workspace(
        self, info: Info, input: Input[CreateDemoWorkspaceInput]
    ) -> CreateDemoWorkspacePayload:
        async def body(session: AsyncSession, scope: Scope) -> WorkspaceRow:
            demo = info.context.demo
            if demo is None:
                raise DomainError.of(
                    ErrorCode.DEMO_WORKSPACES_DISABLED, "This deployment does not offer demo workspaces."
                )
            return await demo.create(session, scope.actor, input.scenario, dt.datetime.now(dt.UTC))

        row, errors = await run(info, body)
        if row is not None:
            # The caller sees what was built for them: as its OWNER when signed in, else as a visitor.
            member = info.context.scope.actor.member_id is not None
            role = Role.OWNER if member else Role.VIEWER
            info.context.widen(info.context.scope.including(frozenset({role}), workspace_id=row.id))
        return CreateDemoWorkspacePayload(
            workspace=Workspace.from_row(row) if row is not None else None, user_errors=errors
        )
