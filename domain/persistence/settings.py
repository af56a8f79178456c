"""Where the database is: ``DATABASE_URL`` when set, else an embedded PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL, make_url

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
    database_service_role: str = Field(
        default="redthread_service",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="The role the running service connects as: it owns no table, so row-level security"
        " holds for it. Migrations create it when missing and grant it what it needs.",
    )
    database_service_password: SecretStr | None = Field(
        default=None, description="The service role's password (none where the server trusts local logins)."
    )
    pool_size: int = Field(default=10, ge=1, le=200, description="Connections kept open per process.")
    pool_timeout_seconds: float = Field(
        default=2,
        gt=0,
        le=60,
        description="The longest a request waits for a free connection before it is answered 503.",
    )
    echo_sql: bool = Field(default=False, description="Log every SQL statement.")


def asyncpg_url(url: str) -> str:
    """Accept the common ``postgres://`` / ``postgresql://`` spellings and use asyncpg."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url


def service_url(owner_url: str, settings: DatabaseSettings) -> str:
    """The URL the running service connects with: the owner's server and database, as the service role.

    The owner (the user of ``DATABASE_URL`` or of the embedded server) runs the migrations;
    the service role owns no table, so the row-level security policies apply to it.
    """
    owner = make_url(asyncpg_url(owner_url))
    if owner.username == settings.database_service_role:
        return owner.render_as_string(hide_password=False)
    password = settings.database_service_password
    service = URL.create(
        owner.drivername,
        username=settings.database_service_role,
        password=password.get_secret_value() if password is not None else None,
        host=owner.host,
        port=owner.port,
        database=owner.database,
        query=owner.query,
    )
    return service.render_as_string(hide_password=False)
