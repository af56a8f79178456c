"""Who may call: sign-in tokens (a shared secret or an identity provider's JWKS), nobody on a
demo deployment, and the routes that need no credentials."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from api.auth import Authenticator, TokenVerifier
from api.settings import JwtSettings
from domain.persistence.database import Database
from tests import auth
from tests.api.callers import VIEWER, refused_as_unauthenticated
from tests.api.helpers import ERRORS, create_workspace
from tests.client import GraphQLClient, signed_in

ANYTHING = {"query": "{ __typename }"}
DEMO = "{ organizations { nodes { workspaces { nodes { id scenario strategies { nodes { id } } } } } } }"
RENAME_STRATEGY = f"""
mutation($id: ID!) {{
  updateStrategy(input: {{id: $id, version: 1, name: "Renamed"}}) {{ strategy {{ name }} {ERRORS} }}
}}
"""


async def refused(db: Database, credential: str | None, **headers: str) -> None:
    async with signed_in(db, credential) as client:
        response = await client.http.post("/graphql", json=ANYTHING, headers=headers)
    refused_as_unauthenticated(response)


# -- sign-in tokens ---------------------------------------------------------------------


async def test_a_good_token_signs_in_the_member_made_on_first_sign_in(db: Database) -> None:
    token = auth.token("auth0|42", name="Grace Hopper", email="grace@example.com")
    async with signed_in(db, token) as grace:
        viewer = (await grace.data(VIEWER))["viewer"]
        assert viewer["actor"] == {"kind": "MEMBER", "name": "Grace Hopper"}
        assert viewer["member"]["name"] == "Grace Hopper"
        assert viewer["member"]["email"] == "grace@example.com"
        assert viewer["memberships"]["nodes"] == []
        # The same member on the next request, not a second one.
        again = (await grace.data(VIEWER))["viewer"]
        assert again["member"]["id"] == viewer["member"]["id"]

        created = await grace.mutate(
            'mutation { createOrganization(input: {name: "Hopper & Co"}) '
            f"{{ organization {{ id }} {ERRORS} }} }}"
        )
        mine = (await grace.data(VIEWER))["viewer"]["memberships"]["nodes"]
        assert [m["role"] for m in mine] == ["OWNER"]
        assert created["organization"]["id"]


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(auth.token("ada", lifetime=-dt.timedelta(minutes=5)), id="expired"),
        pytest.param(auth.token("ada", aud="another-api"), id="wrong audience"),
        pytest.param(auth.token("ada", iss="https://id.elsewhere.test/"), id="wrong issuer"),
        pytest.param(
            jwt.encode(
                {
                    "iss": auth.ISSUER,
                    "aud": auth.AUDIENCE,
                    "sub": "ada",
                    "exp": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
                },
                "another secret, not the identity provider's, long enough",
                algorithm="HS256",
            ),
            id="signed with another key",
        ),
        pytest.param(
            jwt.encode(
                {"iss": auth.ISSUER, "aud": auth.AUDIENCE, "sub": "ada"}, auth.SECRET, algorithm="HS256"
            ),
            id="no expiry",
        ),
        pytest.param("not.a.token", id="malformed"),
    ],
)
async def test_a_bad_token_is_refused(db: Database, token: str) -> None:
    await refused(db, token)


async def test_no_credentials_or_other_kinds_of_them_are_refused(db: Database) -> None:
    await refused(db, None)
    await refused(db, None, Authorization="Basic b3BlcmF0b3I6c2VjcmV0")
    await refused(db, None, Authorization="Bearer ")
    await refused(db, None, Authorization=auth.token("ada"))


# -- an identity provider's keys (JWKS) ----------------------------------------------------


def _rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def provider_key() -> rsa.RSAPrivateKey:
    return _rsa()


@pytest.fixture(scope="module")
def jwks_url(provider_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """A JWKS endpoint served over real HTTP on a free local port, publishing ``provider_key``."""
    public = RSAAlgorithm.to_jwk(provider_key.public_key(), as_dict=True)
    body = json.dumps({"keys": [{**public, "kid": "provider-1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _signed(key: rsa.RSAPrivateKey, kid: str, subject: str = "oidc|7") -> str:
    now = dt.datetime.now(dt.UTC)
    claims = {"iss": auth.ISSUER, "aud": auth.AUDIENCE, "sub": subject, "exp": now + dt.timedelta(minutes=5)}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


async def test_tokens_are_checked_against_the_identity_providers_published_keys(
    db: Database, jwks_url: str, provider_key: rsa.RSAPrivateKey
) -> None:
    verifier = TokenVerifier(JwtSettings(issuer=auth.ISSUER, audience=auth.AUDIENCE, jwks_url=jwks_url))
    authenticator = Authenticator(db, verifier)

    async with signed_in(db, _signed(provider_key, "provider-1"), authenticator=authenticator) as member:
        viewer = (await member.data(VIEWER))["viewer"]
        assert viewer["actor"] == {"kind": "MEMBER", "name": "oidc|7"}

    impostor = _rsa()
    for token in (
        _signed(impostor, "provider-1"),
        _signed(impostor, "impostor-1"),
        auth.token("oidc|7"),  # HS256 with the test secret: not an algorithm the JWKS allows
    ):
        async with signed_in(db, token, authenticator=authenticator) as someone:
            refused_as_unauthenticated(await someone.http.post("/graphql", json=ANYTHING))


# -- a demo deployment ---------------------------------------------------------------------------


@pytest.mark.demo
async def test_on_a_demo_deployment_anyone_reads_the_demo_and_changes_nothing(
    db: Database, gql: GraphQLClient
) -> None:
    mine = await create_workspace(gql, "Not a demo")
    async with signed_in(db, demo_mode=True) as visitor:
        viewer = (await visitor.data(VIEWER))["viewer"]
        assert viewer == {
            "actor": {"kind": "DEMO_VISITOR", "name": "demo visitor"},
            "member": None,
            "memberships": {"nodes": []},
        }
        organizations = (await visitor.data(DEMO))["organizations"]["nodes"]
        (organization,) = organizations
        (workspace,) = organization["workspaces"]["nodes"]
        assert workspace["scenario"] is not None
        assert workspace["id"] != mine
        (strategy,) = workspace["strategies"]["nodes"]

        payload = (await visitor.data(RENAME_STRATEGY, id=strategy["id"]))["updateStrategy"]
        assert payload["strategy"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["id"], "FORBIDDEN")]

        # A credential that does not hold (a bad token, an unknown key) is refused, not taken
        # for a visitor: an integration must learn that its credential stopped working.
        for credential in (auth.token("x", aud="other"), "rtk_000000000000_no-such-key"):
            bad = await visitor.http.post("/graphql", json=ANYTHING, headers=auth.bearer(credential))
            refused_as_unauthenticated(bad)

    async with signed_in(db) as nobody:
        refused_as_unauthenticated(await nobody.http.post("/graphql", json={"query": DEMO}))

    renamed = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Strategy { name version } } }", id=strategy["id"]
    )
    assert renamed["node"]["version"] == 1


# -- the other routes ---------------------------------------------------------------------------


@pytest.mark.demo
async def test_health_is_open_and_the_strategy_document_needs_credentials(
    db: Database, gql: GraphQLClient
) -> None:
    data = await gql.data(
        "{ organizations { nodes { workspaces { nodes { strategies { nodes { id } } } } } } }"
    )
    strategy = data["organizations"]["nodes"][0]["workspaces"]["nodes"][0]["strategies"]["nodes"][0]["id"]
    async with signed_in(db) as nobody:
        health = await nobody.http.get("/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok"}
        refused_as_unauthenticated(await nobody.http.get(f"/strategies/{strategy}/document.md"))
    document = await gql.http.get(f"/strategies/{strategy}/document.md")
    assert document.status_code == 200
    assert document.text.startswith("#")


async def test_a_query_sent_with_the_ide_page_request_needs_credentials(db: Database) -> None:
    page = {"accept": "text/html"}
    async with signed_in(db) as nobody:
        refused_as_unauthenticated(
            await nobody.http.get("/graphql", params={"query": "{ __typename }"}, headers=page)
        )
        refused_as_unauthenticated(await nobody.http.get("/strategies/x/document.md", headers=page))
        # Without GraphiQL there is no page: the request is refused like any without credentials.
        refused_as_unauthenticated(await nobody.http.get("/graphql", headers=page))


async def test_long_or_odd_claims_are_stored_within_bounds_and_a_long_subject_is_refused(
    db: Database,
) -> None:
    token = auth.token("auth0|long", name="N" * 500, email=["not", "a", "string"])
    async with signed_in(db, token) as member:
        viewer = (await member.data(VIEWER))["viewer"]
    assert viewer["member"]["name"] == "N" * 200
    assert viewer["member"]["email"] is None
    await refused(db, auth.token("s" * 256))
