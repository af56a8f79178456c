"""Mutations on strategies and tactics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.roles import Action
from domain.content.rules import ContentOnDelete
from domain.scope import Scope
from domain.strategy import services
from domain.strategy.models import Strategy as StrategyRow
from domain.strategy.models import StrategyStatus, TacticKind
from domain.strategy.models import Tactic as TacticRow
from domain.strategy.services import StrategyChanges, TacticChanges
from domain.strategy.template import TemplateKey, create_strategy_from_template
from schema.context import Info
from schema.descriptions import DAY, DELETED_ID, GIVEN_VERSION, NAME, TEXT, USER_ERRORS, Input
from schema.errors import UserError
from schema.ids import MemberID
from schema.mutation import changes, decode, performs, run
from schema.strategy.templates import StrategyTemplateKey
from schema.strategy.types import Strategy, Tactic

UNSET = strawberry.UNSET


STARTS_ON = f"The first day of the strategy's period: {DAY}."
ENDS_ON = f"The last day of the strategy's period, not before its start (else INVALID_PERIOD): {DAY}."


@strawberry.input(description="A new strategy in a workspace.")
class CreateStrategyInput:
    workspace_id: strawberry.ID = strawberry.field(description="The workspace the strategy belongs to.")
    name: str = strawberry.field(description=f"The strategy's name: {NAME}.")
    purpose: str | None = strawberry.field(
        default=UNSET,
        description=f'One concrete social purpose: "We want to help the customer to …"; {TEXT}.',
    )
    starts_on: dt.date | None = strawberry.field(default=UNSET, description=STARTS_ON)
    ends_on: dt.date | None = strawberry.field(default=UNSET, description=ENDS_ON)
    status: StrategyStatus | None = strawberry.field(default=UNSET, description="Default: DRAFT.")
    owner_id: MemberID | None = strawberry.field(
        default=UNSET,
        description="The member who answers for the strategy (one holding a role in its workspace).",
    )


@strawberry.input(description="A new DRAFT strategy made from a template, named and dated by you.")
class CreateStrategyFromTemplateInput:
    workspace_id: strawberry.ID = strawberry.field(description="The workspace the strategy belongs to.")
    template: StrategyTemplateKey = strawberry.field(  # type: ignore[valid-type]
        description="Which template to start from; `strategyTemplates` lists them."
    )
    name: str = strawberry.field(description="The strategy's name.")
    starts_on: dt.date | None = strawberry.field(default=None, description="When the strategy starts.")
    ends_on: dt.date | None = strawberry.field(
        default=None, description="When the strategy ends; also the deadline of the template's KPIs."
    )


@strawberry.input(description="Omitted fields stay as they are; null clears a field that may be empty.")
class UpdateStrategyInput:
    id: strawberry.ID = strawberry.field(description="The strategy to change.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    name: str | None = strawberry.field(
        default=UNSET, description=f"A new name: {NAME}; null is refused (REQUIRED)."
    )
    purpose: str | None = strawberry.field(default=UNSET, description=f"A new purpose: {TEXT}.")
    starts_on: dt.date | None = strawberry.field(default=UNSET, description=STARTS_ON)
    ends_on: dt.date | None = strawberry.field(default=UNSET, description=ENDS_ON)
    status: StrategyStatus | None = strawberry.field(
        default=UNSET, description="A new status; null is refused (REQUIRED)."
    )
    owner_id: MemberID | None = strawberry.field(
        default=UNSET, description="The member who answers for the strategy; null clears it."
    )


@strawberry.input(description="The strategy to delete, with its tactics, audiences, KPIs and content.")
class DeleteStrategyInput:
    id: strawberry.ID = strawberry.field(description="The strategy to delete.")


TARGET_SHARE = (
    "Share of content this tactic should have, in percent: 0–100 (else OUT_OF_RANGE) with at most two "
    "decimal places (else TOO_PRECISE); null: none set."
)
POSITION = "Where the tactic stands among the strategy's tactics: 0–1000 (else OUT_OF_RANGE), 0 first."


@strawberry.input(
    description=(
        "A new tactic of a strategy. The method asks for 2–3; a strategy holds at most "
        f"{services.TACTICS_MAX}."
    )
)
class CreateTacticInput:
    strategy_id: strawberry.ID = strawberry.field(
        description=(
            f"The strategy the tactic belongs to; TOO_MANY when it holds {services.TACTICS_MAX} already."
        )
    )
    name: str = strawberry.field(description=f"The tactic's name, also its content theme: {NAME}.")
    kind: TacticKind = strawberry.field(description="What the tactic does for the purpose.")
    description: str | None = strawberry.field(
        default=UNSET, description=f"How the tactic reaches the purpose: {TEXT}."
    )
    target_share: Decimal | None = strawberry.field(default=UNSET, description=TARGET_SHARE)
    position: int | None = strawberry.field(
        default=UNSET, description=f"{POSITION} Default: after the last tactic."
    )
    owner_id: MemberID | None = strawberry.field(
        default=UNSET,
        description="The member who answers for the tactic (one holding a role in its workspace).",
    )


@strawberry.input(description="Omitted fields stay as they are; null clears a field that may be empty.")
class UpdateTacticInput:
    id: strawberry.ID = strawberry.field(description="The tactic to change.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    name: str | None = strawberry.field(
        default=UNSET, description=f"A new name: {NAME}; null is refused (REQUIRED)."
    )
    kind: TacticKind | None = strawberry.field(
        default=UNSET, description="A new kind; null is refused (REQUIRED)."
    )
    description: str | None = strawberry.field(default=UNSET, description=f"A new description: {TEXT}.")
    target_share: Decimal | None = strawberry.field(default=UNSET, description=TARGET_SHARE)
    position: int | None = strawberry.field(
        default=UNSET, description=f"{POSITION} Null is refused (REQUIRED)."
    )
    owner_id: MemberID | None = strawberry.field(
        default=UNSET, description="The member who answers for the tactic; null clears it."
    )


@strawberry.input(description="The tactic to delete, and what happens to the content playing into it.")
class DeleteTacticInput:
    id: strawberry.ID = strawberry.field(description="The tactic to delete.")
    on_content: ContentOnDelete = strawberry.field(
        default=ContentOnDelete.RESTRICT,
        description="What happens to content playing into the tactic. RESTRICT refuses while there is any.",
    )
    reassign_to_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="With REASSIGN: the tactic of the same strategy that takes over the content.",
    )


@strawberry.type(description="What `createStrategy` did.")
class CreateStrategyPayload:
    strategy: Strategy | None = strawberry.field(description="The new strategy; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `createStrategyFromTemplate` did.")
class CreateStrategyFromTemplatePayload:
    strategy: Strategy | None = strawberry.field(
        description="The new strategy with its tactics, audiences and KPIs; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateStrategy` did.")
class UpdateStrategyPayload:
    strategy: Strategy | None = strawberry.field(description="The strategy as changed; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteStrategy` did.")
class DeleteStrategyPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `createTactic` did.")
class CreateTacticPayload:
    tactic: Tactic | None = strawberry.field(description="The new tactic; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateTactic` did.")
class UpdateTacticPayload:
    tactic: Tactic | None = strawberry.field(description="The tactic as changed; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteTactic` did.")
class DeleteTacticPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    affected_content_count: int | None = strawberry.field(
        description="How many content items were unmapped or reassigned; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _strategy(row: StrategyRow | None) -> Strategy | None:
    return Strategy.from_row(row) if row is not None else None


def _tactic(row: TacticRow | None) -> Tactic | None:
    return Tactic.from_row(row) if row is not None else None


@strawberry.type
class StrategyMutations:
    @strawberry.field(description="Start a strategy in a workspace.")
    @performs(Action.EDIT_STRATEGY)
    async def create_strategy(self, info: Info, input: Input[CreateStrategyInput]) -> CreateStrategyPayload:
        async def body(session: AsyncSession, scope: Scope) -> StrategyRow:
            workspace_id = decode(input.workspace_id, "Workspace", "workspace_id")
            change = changes(input, StrategyChanges)
            return await services.create_strategy(session, scope, workspace_id, change)

        row, errors = await run(info, body)
        return CreateStrategyPayload(strategy=_strategy(row), user_errors=errors)

    @strawberry.field(
        description=(
            "Start a DRAFT strategy from a template: its purpose, three tactics (with target shares "
            "summing to 100 %), two audiences and two KPIs linked to them, every text a prompt to "
            "fill in (see `StrategyTemplate.promptMarker`). No channels are chosen: pick the "
            "workspace's own. The KPIs' targets are placeholders and their deadline is `endsOn`. "
            "Refused as createStrategy refuses: a malformed (INVALID_ID) or unknown (NOT_FOUND) "
            "workspace, a BLANK or TOO_LONG name, dates OUT_OF_RANGE, or a period that ends before "
            "it starts (INVALID_PERIOD)."
        )
    )
    @performs(Action.EDIT_STRATEGY)
    async def create_strategy_from_template(
        self, info: Info, input: Input[CreateStrategyFromTemplateInput]
    ) -> CreateStrategyFromTemplatePayload:
        async def body(session: AsyncSession, scope: Scope) -> StrategyRow:
            workspace_id = decode(input.workspace_id, "Workspace", "workspace_id")
            key: TemplateKey = input.template
            return await create_strategy_from_template(
                session, scope, workspace_id, key, input.name, input.starts_on, input.ends_on
            )

        row, errors = await run(info, body)
        return CreateStrategyFromTemplatePayload(strategy=_strategy(row), user_errors=errors)

    @strawberry.field(description="Change a strategy's name, purpose, period or status.")
    @performs(Action.EDIT_STRATEGY)
    async def update_strategy(self, info: Info, input: Input[UpdateStrategyInput]) -> UpdateStrategyPayload:
        async def body(session: AsyncSession, scope: Scope) -> StrategyRow:
            id_ = decode(input.id, "Strategy")
            change = changes(input, StrategyChanges)
            return await services.update_strategy(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateStrategyPayload(strategy=_strategy(row), user_errors=errors)

    @strawberry.field(description="Delete a strategy with its tactics, audiences, KPIs and content.")
    @performs(Action.EDIT_STRATEGY)
    async def delete_strategy(self, info: Info, input: Input[DeleteStrategyInput]) -> DeleteStrategyPayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await services.delete_strategy(session, scope, decode(input.id, "Strategy"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteStrategyPayload(deleted_id=deleted, user_errors=errors)

    @strawberry.field(description="Add a tactic to a strategy.")
    @performs(Action.EDIT_STRATEGY)
    async def create_tactic(self, info: Info, input: Input[CreateTacticInput]) -> CreateTacticPayload:
        async def body(session: AsyncSession, scope: Scope) -> TacticRow:
            strategy_id = decode(input.strategy_id, "Strategy", "strategy_id")
            change = changes(input, TacticChanges)
            return await services.create_tactic(session, scope, strategy_id, change)

        row, errors = await run(info, body)
        return CreateTacticPayload(tactic=_tactic(row), user_errors=errors)

    @strawberry.field(description="Change a tactic.")
    @performs(Action.EDIT_STRATEGY)
    async def update_tactic(self, info: Info, input: Input[UpdateTacticInput]) -> UpdateTacticPayload:
        async def body(session: AsyncSession, scope: Scope) -> TacticRow:
            id_ = decode(input.id, "Tactic")
            change = changes(input, TacticChanges)
            return await services.update_tactic(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateTacticPayload(tactic=_tactic(row), user_errors=errors)

    @strawberry.field(description="Delete a tactic, saying what happens to the content that plays into it.")
    @performs(Action.EDIT_STRATEGY)
    async def delete_tactic(self, info: Info, input: Input[DeleteTacticInput]) -> DeleteTacticPayload:
        async def body(session: AsyncSession, scope: Scope) -> int:
            id_ = decode(input.id, "Tactic")
            target = (
                decode(input.reassign_to_id, "Tactic", "reassign_to_id") if input.reassign_to_id else None
            )
            return await services.delete_tactic(session, scope, id_, input.on_content, target)

        affected, errors = await run(info, body)
        return DeleteTacticPayload(
            deleted_id=input.id if affected is not None else None,
            affected_content_count=affected,
            user_errors=errors,
        )
