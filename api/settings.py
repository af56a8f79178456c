"""Settings, read from the environment (and a `.env` file when present)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from domain.persistence.settings import DatabaseSettings


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
