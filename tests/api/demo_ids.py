"""The seeded demo strategy, loaded for read tests, with the global ids of its parts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from domain.persistence.database import Database
from seed.load import Outcome
from seed.load import load as load_scenario
from tests.client import GraphQLClient
from tests.conftest import DEMO_DAY
from tests.known_strategy import CONTENT, KNOWN

#: The demo is loaded as of this day, so planned times are known exactly.
TODAY = DEMO_DAY

DEMO_IDS = """
{
  organizations {
    nodes {
      id name
      workspaces {
        nodes {
          id name
          channels { nodes { id name } }
          strategies {
            nodes {
              id name
              tactics { id name }
              kpis { id name }
              audiences { id name }
              channels { id channel { id } }
              contentItems(first: 100) { nodes { id title } }
            }
          }
        }
      }
    }
  }
}
"""


@dataclass(frozen=True)
class Demo:
    organization: str
    workspace: str
    strategy: str
    #: Educate, Give insight, Build brand awareness (the seed's order).
    tactics: list[str]
    #: LinkedIn followers, Engagement rate, Template downloads, Qualified leads.
    kpis: list[str]
    #: In-house counsel, General counsel and CFOs.
    audiences: list[str]
    #: LinkedIn, The Brief (newsletter).
    channels: list[str]
    #: LinkedIn's and the newsletter's StrategyChannel.
    strategy_channels: list[str]
    #: Content item ids by title.
    content: dict[str, str]


def planned(days: int) -> dt.datetime:
    """When the demo plans an item ``days`` from :data:`TODAY`."""
    return dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(9, 0), tzinfo=dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def titles_by_plan() -> list[str]:
    """Every demo title, earliest planned first (what PLANNED_AT order gives)."""
    return [row[0] for row in sorted(CONTENT, key=lambda row: row[6])]


async def load(db: Database, gql: GraphQLClient) -> Demo:
    """The ids of the demo in a database of a test marked ``demo``."""
    loaded = await load_scenario(db, KNOWN, TODAY)
    assert loaded is Outcome.PRESENT, "mark the test with @pytest.mark.demo"
    data = await gql.data(DEMO_IDS)
    (org,) = data["organizations"]["nodes"]
    (workspace,) = org["workspaces"]["nodes"]
    (strategy,) = workspace["strategies"]["nodes"]
    names = {c["id"]: c["name"] for c in workspace["channels"]["nodes"]}
    assert list(names.values()) == ["Northbridge on LinkedIn", "The Brief"]
    assert [t["name"] for t in strategy["tactics"]] == ["Educate", "Give insight", "Build brand awareness"]
    assert [k["name"] for k in strategy["kpis"]] == [
        "LinkedIn followers",
        "Engagement rate",
        "Template downloads",
        "Qualified leads",
    ]
    assert [a["name"] for a in strategy["audiences"]] == ["In-house counsel", "General counsel and CFOs"]
    assert [sc["channel"]["id"] for sc in strategy["channels"]] == list(names)
    return Demo(
        organization=org["id"],
        workspace=workspace["id"],
        strategy=strategy["id"],
        tactics=[t["id"] for t in strategy["tactics"]],
        kpis=[k["id"] for k in strategy["kpis"]],
        audiences=[a["id"] for a in strategy["audiences"]],
        channels=list(names),
        strategy_channels=[sc["id"] for sc in strategy["channels"]],
        content={c["title"]: c["id"] for c in strategy["contentItems"]["nodes"]},
    )
