"""Settings, read from the environment (and a `.env` file when present)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from domain.persistence.settings import DatabaseSettings


@dataclass(frozen=True)
class JwtSettings:
    """How to check the front end's tokens: who issues them, for whom, and with which keys."""

    issuer: str
    audience: str
    jwks_url: str | None = None
    secret: str | None = None
    algorithms: tuple[str, ...] = ()
    leeway_seconds: int = 30


class Settings(DatabaseSettings):
    """Every setting, with its environment variable in the README."""

    model_config = SettingsConfigDict(env_prefix="REDTHREAD_", env_file=".env", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port to listen on.")
    graphiql: bool = Field(default=False, description="Serve the GraphiQL IDE at /graphql.")
    migrate_on_start: bool = Field(default=True, description="Apply migrations before serving.")
    log_level: str = Field(default="info", description="Log level: debug, info, warning, error.")
    demo_workspaces: bool = Field(
        default=False,
        description="Offer `createDemoWorkspace`: demo scenarios built into expiring workspaces.",
    )
    demo_workspace_hours: float = Field(
        default=24, gt=0, le=24 * 30, description="How long a demo workspace lives, in hours."
    )
    demo_workspaces_max: int = Field(
        default=50, ge=1, le=10_000, description="How many demo workspaces may exist at once."
    )
    demo_purge_seconds: float = Field(
        default=300, gt=0, description="How often the service purges expired demo workspaces, in seconds."
    )
    demo_mode: bool = Field(
        default=False,
        description="Let anonymous visitors read every demo workspace (as VIEWERs) without signing in.",
    )
    jwt_issuer: str | None = Field(default=None, description="The `iss` sign-in tokens must carry.")
    jwt_audience: str | None = Field(default=None, description="The `aud` sign-in tokens must carry.")
    jwt_jwks_url: str | None = Field(
        default=None, description="Where the identity provider publishes its signing keys (JWKS)."
    )
    jwt_secret: SecretStr | None = Field(
        default=None, description="A shared secret (HS256) instead of a JWKS URL."
    )
    jwt_algorithms: list[str] = Field(
        default_factory=list,
        description="Accepted algorithms; default RS256 and ES256 (JWKS) or HS256 (secret).",
    )

    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        le=64,
        description="Worker processes `redthread serve` runs on one port; default: the number of cores.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins whose browsers may call the API (comma-separated, e.g."
        " `https://app.example.com,http://localhost:5173`); `*` allows any origin.",
    )
    cors_max_age: int = Field(
        default=600, ge=0, le=86_400, description="How long a browser may cache a CORS preflight, in seconds."
    )
    max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="The largest JSON request body accepted (a file upload may add its file).",
    )
    max_document_bytes: int = Field(
        default=32 * 1024, ge=256, description="The largest GraphQL document accepted, in bytes of UTF-8."
    )
    max_tokens: int = Field(default=3_000, ge=10, description="The most lexical tokens a document may hold.")
    max_depth: int = Field(default=12, ge=1, description="The deepest nesting of fields.")
    max_aliases: int = Field(default=30, ge=0, description="The most aliases an operation may use.")
    max_directives: int = Field(default=50, ge=0, description="The most directives an operation may use.")
    max_fragments: int = Field(default=50, ge=0, description="The most fragment definitions.")
    max_cost: int = Field(
        default=5_000, ge=1, description="The highest static cost of one operation (see the README)."
    )
    throttle_capacity: int = Field(
        default=10_000, ge=1, description="A caller's bucket of cost points: the most they may spend at once."
    )
    throttle_restore_rate: float = Field(
        default=500, gt=0, description="Cost points per second that flow back into a caller's bucket."
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis (e.g. `redis://127.0.0.1:6379/0`) to share callers' budgets across processes"
        " and instances; unset: each process keeps its own.",
    )
    statement_timeout_ms: int = Field(
        default=3_000, ge=0, description="The longest one SQL statement may run (0: no limit)."
    )
    lock_timeout_ms: int = Field(
        default=2_000, ge=0, description="The longest a statement may wait for a lock (0: no limit)."
    )
    idle_in_transaction_timeout_ms: int = Field(
        default=10_000,
        ge=0,
        description="The longest a connection may sit idle inside a transaction before PostgreSQL ends"
        " it (0: no limit).",
    )
    compiled_plans: bool = Field(
        default=True,
        description="Answer the queries whose fields map to tables with one SQL statement each, without"
        " the GraphQL executor (false: every query runs on the executor).",
    )
    caller_cache_seconds: float = Field(
        default=30,
        ge=0,
        le=3_600,
        description="How long a process keeps a signed-in caller's scope (0: read it on every request);"
        " any change of access clears it at once.",
    )
    request_timeout_seconds: float = Field(
        default=5, gt=0, description="The longest one GraphQL request may take, from its first byte."
    )
    trusted_documents_only: bool = Field(
        default=False,
        description="Run only documents registered by `redthread documents import` (or of the same text).",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    def jwt(self) -> JwtSettings | None:
        """How sign-in tokens are checked; None when the deployment accepts only API keys."""
        if self.jwt_jwks_url is None and self.jwt_secret is None:
            return None
        if not self.jwt_issuer or not self.jwt_audience:
            raise ValueError("Set REDTHREAD_JWT_ISSUER and REDTHREAD_JWT_AUDIENCE with the JWT keys.")
        return JwtSettings(
            issuer=self.jwt_issuer,
            audience=self.jwt_audience,
            jwks_url=self.jwt_jwks_url,
            secret=self.jwt_secret.get_secret_value() if self.jwt_secret else None,
            algorithms=tuple(self.jwt_algorithms),
        )
