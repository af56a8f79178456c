"""What the tests of signing in, members and API keys share: who is asking, making a key, a 401."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.helpers import ERRORS
from tests.client import GraphQLClient

VIEWER = "{ viewer { actor { kind name } member { id name email } memberships { nodes { id role } } } }"
CREATE_KEY = f"""
mutation($input: CreateApiKeyInput!) {{
  createApiKey(input: $input) {{
    token
    apiKey {{
      id name prefix scopes status expiresAt revokedAt lastUsedAt createdAt
      organization {{ id }} workspace {{ id }} createdBy {{ name }}
    }}
    {ERRORS}
  }}
}}
"""


async def create_key(client: GraphQLClient, **input: Any) -> dict[str, Any]:
    """Run ``createApiKey``; GraphQL errors fail the test, user errors do not."""
    data = await client.data(CREATE_KEY, input=input)
    payload: dict[str, Any] = data["createApiKey"]
    return payload


def refused_as_unauthenticated(response: httpx.Response) -> None:
    """A 401 with the GraphQL-shaped error the front end switches on."""
    assert response.status_code == 401, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")
