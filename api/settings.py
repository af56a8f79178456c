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
