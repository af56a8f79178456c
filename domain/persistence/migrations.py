"""Apply the Alembic migrations: the only way the schema changes outside tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from domain.persistence.settings import PROJECT_ROOT, asyncpg_url

MIGRATIONS = PROJECT_ROOT / "migrations"


def alembic_config(url: str) -> Config:
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.set_main_option("script_location", str(Path(MIGRATIONS)))
    config.attributes["url"] = asyncpg_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``. Blocking: run it outside the event loop."""
    command.upgrade(alembic_config(url), revision)
