"""`python -m seed`: migrate the database and load the demo strategy (idempotent)."""

from __future__ import annotations

import asyncio
import logging

from domain.persistence.locate import database_url
from domain.persistence.migrations import upgrade
from domain.persistence.settings import DatabaseSettings
from seed.demo import load_demo_into


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    with database_url(DatabaseSettings()) as url:
        upgrade(url)
        created = asyncio.run(load_demo_into(url))
    print("demo loaded" if created else "demo already present")


if __name__ == "__main__":
    main()
