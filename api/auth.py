"""Who is calling: an API key, a bearer JWT from the front end's identity provider, or, on a
demo deployment, an anonymous visitor. Anyone else gets HTTP 401.

:class:`Authentication` is ASGI middleware in front of the routes that read or change data;
it puts the caller's :class:`~domain.scope.Scope` in the request state, where
:func:`caller_of` finds it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import jwt
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as AsgiScope

from api.callers import CallerCache
from api.errors import error_response, unavailable_response
from api.settings import JwtSettings
from domain.access import api_keys
from domain.access.authenticate import api_key_scope, demo_scope, member_scope
from domain.access.models import SUBJECT_MAX
from domain.access.usage import KeyUsage
from domain.persistence.database import Database, DatabaseUnavailable, Reads
from domain.scope import Scope

T = TypeVar("T")

#: The error code of a 401 response.
UNAUTHENTICATED = "UNAUTHENTICATED"
#: Paths the middleware lets through: the health checks need no caller, and GraphQL signs its
#: callers in itself, once a request has passed the checks that need no database.
UNGUARDED_PATHS = frozenset({"/health", "/ready", "/graphql"})
#: What a caller without credentials is told.
SIGN_IN = "Sign in: send `Authorization: Bearer <token>` with a sign-in token or an API key."
#: The challenge of a 401 response.
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="redthread"'}


class Unauthenticated(Exception):
    """The request carries no usable credentials."""


class TokenVerifier:
    """Checks a JWT's signature (JWKS or shared secret), expiry, issuer and audience."""

    def __init__(self, settings: JwtSettings) -> None:
        if (settings.jwks_url is None) == (settings.secret is None):
            raise ValueError("Set either a JWKS URL or a shared secret for JWTs.")
        self.settings = settings
        self.algorithms = list(settings.algorithms or (("HS256",) if settings.secret else ("RS256", "ES256")))
        self.jwks = (
            jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300, timeout=5)
            if settings.jwks_url
            else None
        )

    async def claims(self, token: str) -> dict[str, Any]:
        try:
            key: Any = self.settings.secret
            if self.jwks is not None:
                key = (await asyncio.to_thread(self.jwks.get_signing_key_from_jwt, token)).key
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"The token is not valid: {error}") from error
        return claims


class Authenticator:
    """Turns a request's credentials into the caller's scope.

    Scopes found are kept for ``cache_seconds`` (see :class:`~api.callers.CallerCache`), and
    the use of an API key is noted in :attr:`usage`, which the app writes off the request path.
    """

    def __init__(
        self,
        db: Database,
        tokens: TokenVerifier | None = None,
        *,
        demo_mode: bool = False,
        cache_seconds: float = 30,
    ) -> None:
        self.db = db
        self.tokens = tokens
        self.demo_mode = demo_mode
        self.cache = CallerCache(db, cache_seconds)
        self.usage = KeyUsage(db)

    async def caller(self, connection: HTTPConnection, reads: Reads | None = None) -> Scope:
        """The caller's scope; what must be read for it is read with ``reads`` when given (the
        request's own transaction), else on a connection of its own."""
        token = _bearer(connection.headers.get("authorization"))
        if token is not None and token.startswith(api_keys.MARK):
            now = dt.datetime.now(dt.UTC)
            credential = ("key", hashlib.sha256(token.encode()).digest())
            scope = self.cache.get(credential)
            if scope is None:
                lookup = self.cache.lookup()
                found = await self._read(reads, lambda read: api_key_scope(read, token, now))
                if found is None:
                    # A key that grants nothing (unknown, revoked, expired) is refused like no key,
                    # also on a demo deployment: an integration must learn its key stopped working.
                    raise Unauthenticated("This API key is not valid: unknown, revoked or expired.")
                self.cache.keep(credential, found.scope, lookup, until=found.until)
                scope = found.scope
            assert scope.actor.id is not None
            self.usage.used(scope.actor.id, now)
            return scope
        if token is not None:
            if self.tokens is None:
                raise Unauthenticated("This deployment does not accept sign-in tokens; use an API key.")
            # Checked before taking a connection: fetching the provider's keys may take a while.
            claims = await self.tokens.claims(token)
            subject = str(claims["sub"])
            if len(subject) > SUBJECT_MAX:
                raise Unauthenticated(f"The token's subject is longer than {SUBJECT_MAX} characters.")
            name, email = claims.get("name"), claims.get("email")
            credential = ("member", json.dumps([subject, name, email], default=str).encode())
            scope = self.cache.get(credential)
            if scope is None:
                lookup = self.cache.lookup()
                # Its own transaction: a member seen for the first time, or whose name changed, is
                # written down; it commits before the request's reads begin.
                async with self.db.transaction(Scope.everything()) as session:
                    scope = await member_scope(session, subject, name, email)
                self.cache.keep(credential, scope, lookup)
            return scope
        if self.demo_mode:
            scope = self.cache.get(("demo",))
            if scope is None:
                lookup = self.cache.lookup()
                scope = await self._read(reads, demo_scope)
                self.cache.keep(("demo",), scope, lookup)
            return scope
        raise Unauthenticated(SIGN_IN)

    async def _read(self, reads: Reads | None, read: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        if reads is not None:
            async with reads.connection(Scope.everything()) as connection:
                return await read(connection)
        async with self.db.read(Scope.everything()) as connection:
            return await read(connection)

    async def close(self) -> None:
        """Stop listening for changes of access, and write the keys' last use."""
        await self.cache.close()
        await self.usage.flush()

    def refuse_anonymous(self, connection: HTTPConnection) -> None:
        """Refuse, without reading the database, a request that carries no credentials where
        anonymous callers are not let in (Unauthenticated)."""
        if connection.headers.get("authorization") is None and not self.demo_mode:
            raise Unauthenticated(SIGN_IN)


def _bearer(header: str | None) -> str | None:
    if header is None:
        return None
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send credentials as `Authorization: Bearer <token>`.")
    return token.strip()


class Authentication:
    """ASGI middleware: authenticate every request to a data route, or answer 401."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in UNGUARDED_PATHS:
            await self.app(scope, receive, send)
            return
        try:
            caller = await self.authenticator.caller(HTTPConnection(scope))
        except Unauthenticated as error:
            await error_response(401, UNAUTHENTICATED, str(error), headers=CHALLENGE)(scope, receive, send)
            return
        except DatabaseUnavailable as error:
            request_id = request_id_of(HTTPConnection(scope))
            await unavailable_response(error, request_id)(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)


def request_id_of(connection: HTTPConnection) -> str:
    """The request's id: the one the client (or a proxy) sent in ``X-Request-Id``, or a new one."""
    return (connection.headers.get("x-request-id") or uuid.uuid4().hex)[:64]


def caller_of(connection: HTTPConnection) -> Scope:
    """The scope :class:`Authentication` found for this request."""
    caller: Scope = connection.state.caller
    return caller
