"""`python -m seed` (also `redthread seed`): list, load and rebuild the demo scenarios, make scale data.

Every command migrates the database first. `python -m seed` alone loads every scenario.
Scenarios are loaded as the service role, like the running service; scale data is copied
in bulk (COPY, then ANALYZE), which only the owner of the tables may do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from domain.persistence.database import Database
from domain.persistence.locate import database_url
from domain.persistence.migrations import upgrade
from domain.persistence.settings import DatabaseSettings, service_url
from seed.load import Outcome, load
from seed.scale import CONTENT_MAX, CONTENT_MIN, ScaleResult, key_of, load_scale
from seed.scenarios import SCENARIOS

T = TypeVar("T")

SEED_OPTION = click.option(
    "--seed",
    "seed_value",
    type=int,
    default=1,
    show_default=True,
    help="Seed value: the same scenario, day and seed value give the same data.",
)
TODAY_OPTION = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the data is relative to (default: today).",
)
RESET_OPTION = click.option("--reset", is_flag=True, help="Delete what is there and build it again.")


def _with_database(work: Callable[[Database], Awaitable[T]], *, as_owner: bool = False) -> T:
    """Migrate, then run ``work`` connected as the service role (or as the owner of the tables)."""
    settings = DatabaseSettings()
    with database_url(settings) as url:
        upgrade(url)

        async def session() -> T:
            db = Database(url if as_owner else service_url(url, settings))
            try:
                return await work(db)
            finally:
                await db.dispose()

        return asyncio.run(session())


async def load_all(url: str) -> None:
    """Load every scenario as of today into the (migrated) database at ``url``, saying what happened."""
    db = Database(url)
    try:
        for key, scenario in SCENARIOS.items():
            click.echo(f"{key}: {(await load(db, scenario, dt.date.today())).value}")
    finally:
        await db.dispose()


def _day(today: dt.datetime | None) -> dt.date:
    return today.date() if today is not None else dt.date.today()


@click.group(invoke_without_command=True)
@click.pass_context
def main(context: click.Context) -> None:
    """Demo scenarios and scale data. Without a command: load every scenario."""
    logging.basicConfig(level=logging.WARNING)
    if context.invoked_subcommand is None:
        context.invoke(load_command)


@main.command("list")
def list_command() -> None:
    """List the scenarios."""
    for scenario in SCENARIOS.values():
        items = f"{len(scenario.content):>3} content items"
        click.echo(f"{scenario.key:<12} {scenario.language}  {items}  {scenario.summary}")


@main.command("load")
@click.argument("scenarios", nargs=-1, type=click.Choice(list(SCENARIOS)))
@SEED_OPTION
@TODAY_OPTION
@RESET_OPTION
def load_command(
    scenarios: tuple[str, ...] = (),
    seed_value: int = 1,
    today: dt.datetime | None = None,
    reset: bool = False,
) -> None:
    """Load SCENARIOS (default: all). Loading one that is there changes nothing."""
    day = _day(today)

    async def work(db: Database) -> list[tuple[str, Outcome]]:
        return [
            (key, await load(db, SCENARIOS[key], day, seed_value, reset=reset))
            for key in scenarios or SCENARIOS
        ]

    for key, outcome in _with_database(work):
        click.echo(f"{key}: {outcome.value}")


@main.command("scale")
@click.option(
    "--content",
    "count",
    required=True,
    type=click.IntRange(CONTENT_MIN, CONTENT_MAX),
    help="How many content items to create.",
)
@SEED_OPTION
@TODAY_OPTION
@RESET_OPTION
def scale_command(count: int, seed_value: int, today: dt.datetime | None, reset: bool) -> None:
    """Create a workspace with COUNT content items (with KPIs, measurements and metrics) for benchmarks."""

    async def work(db: Database) -> tuple[ScaleResult, float]:
        started = time.perf_counter()
        result = await load_scale(db, count, _day(today), seed_value, reset=reset)
        return result, time.perf_counter() - started

    result, seconds = _with_database(work, as_owner=True)
    click.echo(
        f"{key_of(count)}: {result.outcome.value} in {seconds:.1f} s "
        f"(workspace {result.workspace_id}, strategy {result.strategy_id})"
    )
