"""Mutations on audiences."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.roles import Action
from domain.audience import services
from domain.audience.models import Audience as AudienceRow
from domain.audience.models import BuyingProcess
from domain.audience.services import AudienceChanges
from domain.scope import Scope
from schema.audience.types import Audience
from schema.context import Info
from schema.errors import UserError
from schema.mutation import changes, decode, performs, run

UNSET = strawberry.UNSET


@strawberry.input(description="Who they are, how they behave, where they are and how they buy.")
class CreateAudienceInput:
    strategy_id: strawberry.ID
    name: str
    description: str | None = UNSET
    genders: list[str] | None = UNSET
    age_min: int | None = UNSET
    age_max: int | None = UNSET
    interests: list[str] | None = UNSET
    family_statuses: list[str] | None = UNSET
    locations: list[str] | None = UNSET
    behaviours: list[str] | None = strawberry.field(
        default=UNSET, description="What they do: clicks, site visits, downloads …"
    )
    buying_process: BuyingProcess | None = UNSET
    buying_notes: str | None = UNSET


@strawberry.input(description="Omitted fields stay as they are; null clears a field that may be empty.")
class UpdateAudienceInput:
    id: strawberry.ID
    version: int
    name: str | None = UNSET
    description: str | None = UNSET
    genders: list[str] | None = UNSET
    age_min: int | None = UNSET
    age_max: int | None = UNSET
    interests: list[str] | None = UNSET
    family_statuses: list[str] | None = UNSET
    locations: list[str] | None = UNSET
    behaviours: list[str] | None = UNSET
    buying_process: BuyingProcess | None = UNSET
    buying_notes: str | None = UNSET


@strawberry.input
class DeleteAudienceInput:
    id: strawberry.ID


@strawberry.type
class CreateAudiencePayload:
    audience: Audience | None
    user_errors: list[UserError]


@strawberry.type
class UpdateAudiencePayload:
    audience: Audience | None
    user_errors: list[UserError]


@strawberry.type
class DeleteAudiencePayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


def _audience(row: AudienceRow | None) -> Audience | None:
    return Audience.from_row(row) if row is not None else None


@strawberry.type
class AudienceMutations:
    @strawberry.field(description="Describe an audience of a strategy.")
    @performs(Action.EDIT_STRATEGY)
    async def create_audience(self, info: Info, input: CreateAudienceInput) -> CreateAudiencePayload:
        async def body(session: AsyncSession, scope: Scope) -> AudienceRow:
            strategy_id = decode(input.strategy_id, "Strategy", "strategy_id")
            change = changes(input, AudienceChanges)
            return await services.create_audience(session, scope, strategy_id, change)

        row, errors = await run(info, body)
        return CreateAudiencePayload(audience=_audience(row), user_errors=errors)

    @strawberry.field(description="Change an audience.")
    @performs(Action.EDIT_STRATEGY)
    async def update_audience(self, info: Info, input: UpdateAudienceInput) -> UpdateAudiencePayload:
        async def body(session: AsyncSession, scope: Scope) -> AudienceRow:
            id_ = decode(input.id, "Audience")
            change = changes(input, AudienceChanges)
            return await services.update_audience(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateAudiencePayload(audience=_audience(row), user_errors=errors)

    @strawberry.field(description="Delete an audience; channels, KPIs and content stop naming it.")
    @performs(Action.EDIT_STRATEGY)
    async def delete_audience(self, info: Info, input: DeleteAudienceInput) -> DeleteAudiencePayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await services.delete_audience(session, scope, decode(input.id, "Audience"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteAudiencePayload(deleted_id=deleted, user_errors=errors)
