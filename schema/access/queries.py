"""Who is calling (`viewer`) and the API keys of an organization (`apiKeys`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.errors import DomainError
from schema import ids
from schema.access.types import API_KEYS_OF_ORGANIZATION, ApiKey
from schema.access.viewer import Viewer
from schema.context import Info
from schema.errors import QueryError
from schema.pagination import After, Before, Connection, First, Last
from schema.relay import paginate


@strawberry.type
class AccessQueries:
    @strawberry.field(description="Who is calling: the member signed in, an API key or a demo visitor.")
    def viewer(self, info: Info) -> Viewer:
        return Viewer.of(info.context.scope)

    @strawberry.field(
        description=(
            "The organization's API keys you may manage, oldest first: every key for an ADMIN or "
            "OWNER of the organization, a workspace's keys for whoever may manage that workspace. "
            "Empty for anyone else, and for an organization you cannot see."
        )
    )
    async def api_keys(
        self,
        info: Info,
        organization_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The global ID of the organization; a malformed one is BAD_ID."),
        ],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[ApiKey]:
        try:
            organization = ids.decode(organization_id, "Organization", "organizationId")
        except DomainError as error:
            raise QueryError(f"organizationId: {error}", "BAD_ID") from error
        return await paginate(info, API_KEYS_OF_ORGANIZATION, organization, first, after, last, before)
