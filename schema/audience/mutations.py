"""Mutations on audiences."""

from __future__ import annotations

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.roles import Action
from domain.audience import services
from domain.audience.models import Audience as AudienceRow
from domain.audience.models import BuyingProcess
from domain.audience.services import AGE_MAX, AUDIENCES_MAX, AudienceChanges
from domain.scope import Scope
from schema.audience.types import Audience
from schema.context import Info
from schema.descriptions import DELETED_ID, GIVEN_VERSION, LABELS, NAME, TEXT, USER_ERRORS, Input
from schema.errors import UserError
from schema.mutation import changes, decode, performs, run

UNSET = strawberry.UNSET

AUDIENCE_NAME = f"The audience's name: {NAME}."
DESCRIPTION = f"Who they are, in a few sentences: {TEXT}."
GENDERS = f"Their genders: {LABELS}."
AGE_MIN = (
    f"The youngest age, in years: 0–{AGE_MAX} (else OUT_OF_RANGE), not above `ageMax` "
    "(else INVALID_AGE_RANGE)."
)
AGE_OLDEST = f"The oldest age, in years: 0–{AGE_MAX} (else OUT_OF_RANGE)."
INTERESTS = f"What they care about: {LABELS}."
FAMILY_STATUSES = f"Their family status: {LABELS}."
LOCATIONS = f"Where they live or work: {LABELS}."
BEHAVIOURS = f"What they do (clicks, site visits, downloads …): {LABELS}."
BUYING_PROCESS = "How they buy; null: not said."
BUYING_NOTES = f"How their buying fits the product: {TEXT}."


@strawberry.input(
    description=(
        "Who they are, how they behave, where they are and how they buy. Omitted fields are left empty."
    )
)
class CreateAudienceInput:
    strategy_id: strawberry.ID = strawberry.field(
        description=f"The strategy the audience belongs to; TOO_MANY when it holds {AUDIENCES_MAX} already."
    )
    name: str = strawberry.field(description=AUDIENCE_NAME)
    description: str | None = strawberry.field(default=UNSET, description=DESCRIPTION)
    genders: list[str] | None = strawberry.field(default=UNSET, description=GENDERS)
    age_min: int | None = strawberry.field(default=UNSET, description=AGE_MIN)
    age_max: int | None = strawberry.field(default=UNSET, description=AGE_OLDEST)
    interests: list[str] | None = strawberry.field(default=UNSET, description=INTERESTS)
    family_statuses: list[str] | None = strawberry.field(default=UNSET, description=FAMILY_STATUSES)
    locations: list[str] | None = strawberry.field(default=UNSET, description=LOCATIONS)
    behaviours: list[str] | None = strawberry.field(default=UNSET, description=BEHAVIOURS)
    buying_process: BuyingProcess | None = strawberry.field(default=UNSET, description=BUYING_PROCESS)
    buying_notes: str | None = strawberry.field(default=UNSET, description=BUYING_NOTES)


@strawberry.input(description="Omitted fields stay as they are; null clears a field that may be empty.")
class UpdateAudienceInput:
    id: strawberry.ID = strawberry.field(description="The audience to change.")
    version: int = strawberry.field(description=GIVEN_VERSION)
    name: str | None = strawberry.field(
        default=UNSET, description=f"{AUDIENCE_NAME} Null is refused (REQUIRED)."
    )
    description: str | None = strawberry.field(default=UNSET, description=DESCRIPTION)
    genders: list[str] | None = strawberry.field(default=UNSET, description=GENDERS)
    age_min: int | None = strawberry.field(default=UNSET, description=AGE_MIN)
    age_max: int | None = strawberry.field(default=UNSET, description=AGE_OLDEST)
    interests: list[str] | None = strawberry.field(default=UNSET, description=INTERESTS)
    family_statuses: list[str] | None = strawberry.field(default=UNSET, description=FAMILY_STATUSES)
    locations: list[str] | None = strawberry.field(default=UNSET, description=LOCATIONS)
    behaviours: list[str] | None = strawberry.field(default=UNSET, description=BEHAVIOURS)
    buying_process: BuyingProcess | None = strawberry.field(default=UNSET, description=BUYING_PROCESS)
    buying_notes: str | None = strawberry.field(default=UNSET, description=BUYING_NOTES)


@strawberry.input(
    description="The audience to delete; the channels, KPIs and content naming it stop naming it."
)
class DeleteAudienceInput:
    id: strawberry.ID = strawberry.field(description="The audience to delete.")


@strawberry.type(description="What `createAudience` did.")
class CreateAudiencePayload:
    audience: Audience | None = strawberry.field(description="The new audience; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `updateAudience` did.")
class UpdateAudiencePayload:
    audience: Audience | None = strawberry.field(description="The audience as changed; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="What `deleteAudience` did.")
class DeleteAudiencePayload:
    deleted_id: strawberry.ID | None = strawberry.field(description=DELETED_ID)
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


def _audience(row: AudienceRow | None) -> Audience | None:
    return Audience.from_row(row) if row is not None else None


@strawberry.type
class AudienceMutations:
    @strawberry.field(description="Describe an audience of a strategy.")
    @performs(Action.EDIT_STRATEGY)
    async def create_audience(self, info: Info, input: Input[CreateAudienceInput]) -> CreateAudiencePayload:
        async def body(session: AsyncSession, scope: Scope) -> AudienceRow:
            strategy_id = decode(input.strategy_id, "Strategy", "strategy_id")
            change = changes(input, AudienceChanges)
            return await services.create_audience(session, scope, strategy_id, change)

        row, errors = await run(info, body)
        return CreateAudiencePayload(audience=_audience(row), user_errors=errors)

    @strawberry.field(description="Change an audience.")
    @performs(Action.EDIT_STRATEGY)
    async def update_audience(self, info: Info, input: Input[UpdateAudienceInput]) -> UpdateAudiencePayload:
        async def body(session: AsyncSession, scope: Scope) -> AudienceRow:
            id_ = decode(input.id, "Audience")
            change = changes(input, AudienceChanges)
            return await services.update_audience(session, scope, id_, input.version, change)

        row, errors = await run(info, body)
        return UpdateAudiencePayload(audience=_audience(row), user_errors=errors)

    @strawberry.field(description="Delete an audience; channels, KPIs and content stop naming it.")
    @performs(Action.EDIT_STRATEGY)
    async def delete_audience(self, info: Info, input: Input[DeleteAudienceInput]) -> DeleteAudiencePayload:
        async def body(session: AsyncSession, scope: Scope) -> strawberry.ID:
            await services.delete_audience(session, scope, decode(input.id, "Audience"))
            return input.id

        deleted, errors = await run(info, body)
        return DeleteAudiencePayload(deleted_id=deleted, user_errors=errors)
