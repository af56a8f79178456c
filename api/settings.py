"""Settings, read from the environment (and a `.env` file when present)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

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
