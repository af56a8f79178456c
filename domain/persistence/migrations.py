"""Apply the Alembic migrations: the only way the schema changes outside tests."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from domain.persistence.settings import PROJECT_ROOT, asyncpg_url

MIGRATIONS = PROJECT_ROOT / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration: the migrations of this project, over the database at ``url``."""
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    config.set_main_option("script_location", str(Path(MIGRATIONS)))
    if url is not None:
        config.attributes["url"] = asyncpg_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision``. Blocking: run it outside the event loop."""
    command.upgrade(alembic_config(url), revision)


@functools.cache
def heads() -> frozenset[str]:
    """The revisions a database is at once every migration has run."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())
