"""The demo scenarios, each a complete strategy written as a practitioner would write it."""

from __future__ import annotations

from seed.scenario import Scenario
from seed.scenarios import bakery_da, law_firm, luxury_bags

#: Every scenario by its key, in the order `python -m seed list` shows them.
SCENARIOS: dict[str, Scenario] = {
    scenario.key: scenario for scenario in (law_firm.SCENARIO, luxury_bags.SCENARIO, bakery_da.SCENARIO)
}
