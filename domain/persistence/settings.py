"""Where the database is: ``DATABASE_URL`` when set, else an embedded PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class DatabaseSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REDTHREAD_", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "REDTHREAD_DATABASE_URL"),
        description="PostgreSQL 15+ URL. Unset: start the embedded PostgreSQL in `data_dir`.",
    )
    data_dir: Path = Field(
        default=PROJECT_ROOT / ".pgdata",
        description="Data folder of the embedded PostgreSQL (keep the path short: it holds the socket).",
    )
    pool_size: int = Field(default=10, ge=1, le=200, description="Connections kept open per process.")
    echo_sql: bool = Field(default=False, description="Log every SQL statement.")


def asyncpg_url(url: str) -> str:
    """Accept the common ``postgres://`` / ``postgresql://`` spellings and use asyncpg."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url
