"""Strategy templates: `strategyTemplates` and `createStrategyFromTemplate`, over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from domain.errors import DomainError, ErrorCode
from domain.persistence.database import Database
from domain.prompts import FILL_IN_DA, FILL_IN_EN, is_open_prompt
from domain.scope import Scope
from domain.strategy.template import TEMPLATES, TemplateKey, create_strategy_from_template
from schema import ids
from tests.api.builders import codes, global_id
from tests.api.helpers import ERRORS, create_workspace
from tests.client import GraphQLClient
from tests.integration.rows import all_rows

CREATE = f"""
mutation($input: CreateStrategyFromTemplateInput!) {{
  createStrategyFromTemplate(input: $input) {{
    strategy {{
      id name purpose status startsOn endsOn workspace {{ id }}
      tactics {{ id name kind description targetShare position }}
      audiences {{
        id name description genders ageMin ageMax interests familyStatuses locations behaviours
        buyingProcess buyingNotes
      }}
      channels {{ id }}
      kpis {{
        id name description metric unit baseline target direction startsOn deadline
        channel {{ id }} tactics {{ id }} audiences {{ id }}
        smart {{ met specific {{ reasons {{ code }} }} measurable {{ reasons {{ code }} }} }}
      }}
    }}
    {ERRORS}
  }}
}}
"""

TEMPLATE_LIST = "{ strategyTemplates { key name language description promptMarker } }"

#: The tables a strategy made from a template writes to.
TABLES = ("strategy", "tactic", "audience", "kpi", "kpi_tactic", "kpi_audience", "strategy_channel")

EXPECTED = {
    "FOUR_STEPS": {
        "marker": FILL_IN_EN,
        "purpose": "We want to help the customer to",
        "channels": "choose the channels",
        "tactics": ["Inspire", "Educate", "Build brand awareness"],
        "audiences": ["Main audience", "Secondary audience"],
        "kpis": ["Reach in the main audience", "Conversions from social media"],
    },
    "FOUR_STEPS_DA": {
        "marker": FILL_IN_DA,
        "purpose": "Vi vil gerne hjælpe kunden med at",
        "channels": "vælg de kanaler",
        "tactics": ["At inspirere", "At uddanne", "At øge brand awareness"],
        "audiences": ["Primær målgruppe", "Sekundær målgruppe"],
        "kpis": ["Rækkevidde i den primære målgruppe", "Konverteringer fra sociale medier"],
    },
}


async def create_from_template(gql: GraphQLClient, **input: Any) -> dict[str, Any]:
    body = await gql.post(CREATE, input=input)
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"]["createStrategyFromTemplate"]
    return payload


async def row_counts(db: Database) -> dict[str, int]:
    return {table: n for table, n in (await all_rows(db)).items() if table in TABLES}


@pytest.mark.parametrize("key", ["FOUR_STEPS", "FOUR_STEPS_DA"])
async def test_a_template_makes_a_draft_strategy_with_every_step_to_fill_in(
    gql: GraphQLClient, key: str
) -> None:
    expected = EXPECTED[key]
    marker = expected["marker"]
    assert isinstance(marker, str)
    workspace = await create_workspace(gql)
    payload = await create_from_template(
        gql,
        workspaceId=workspace,
        template=key,
        name=" Social 2026 ",
        startsOn="2026-01-01",
        endsOn="2026-12-31",
    )
    assert payload["userErrors"] == []
    strategy = payload["strategy"]
    assert strategy["name"] == "Social 2026"
    assert strategy["status"] == "DRAFT"
    assert (strategy["startsOn"], strategy["endsOn"]) == ("2026-01-01", "2026-12-31")
    assert strategy["workspace"]["id"] == workspace

    # Step 1: the purpose is a prompt in the method's words, and reminds to choose channels (step 3).
    assert strategy["purpose"].startswith(marker)
    assert expected["purpose"] in strategy["purpose"]
    assert expected["channels"] in strategy["purpose"]
    assert is_open_prompt(strategy["purpose"])

    # Step 1: three tactics whose target shares add up to 100 %, each a prompt.
    tactics = strategy["tactics"]
    assert [t["name"] for t in tactics] == expected["tactics"]
    assert [t["kind"] for t in tactics] == ["INSPIRE", "EDUCATE", "BRAND_AWARENESS"]
    assert [t["position"] for t in tactics] == [0, 1, 2]
    assert sum(Decimal(t["targetShare"]) for t in tactics) == Decimal(100)
    assert all(t["description"].startswith(marker) for t in tactics)

    # Step 2: two audiences to describe; their demographics are left to the user.
    audiences = strategy["audiences"]
    assert [a["name"] for a in audiences] == expected["audiences"]
    for audience in audiences:
        assert audience["description"].startswith(marker)
        assert audience["buyingNotes"].startswith(marker)
        empty = ("genders", "interests", "familyStatuses", "locations", "behaviours")
        assert [audience[field] for field in empty] == [[]] * len(empty)
        assert (audience["ageMin"], audience["ageMax"], audience["buyingProcess"]) == (None, None, None)

    # Step 3: no channels are made up; the workspace chooses its own.
    assert strategy["channels"] == []

    # Step 4: two KPIs with a placeholder target, no baseline, due at the strategy's end,
    # linked to the template's tactics and audiences (together they cover all of them).
    kpis = strategy["kpis"]
    assert sorted(k["name"] for k in kpis) == sorted(expected["kpis"])
    assert {k["metric"] for k in kpis} == {"REACH", "CONVERSIONS"}
    tactic_ids = {t["id"] for t in tactics}
    audience_ids = {a["id"] for a in audiences}
    for kpi in kpis:
        assert kpi["description"].startswith(marker)
        assert "Baseline" in kpi["description"]
        # The SMART check keeps pointing at what is still to fill in.
        assert kpi["smart"]["met"] is False
        assert {"code": "OPEN_PROMPT"} in kpi["smart"]["specific"]["reasons"]
        assert kpi["smart"]["measurable"]["reasons"] == [{"code": "NO_BASELINE"}]
        assert kpi["baseline"] is None
        assert Decimal(kpi["target"]) == 0
        assert (kpi["startsOn"], kpi["deadline"]) == ("2026-01-01", "2026-12-31")
        assert kpi["direction"] == "INCREASE"
        assert kpi["channel"] is None
        assert kpi["tactics"]
        assert {t["id"] for t in kpi["tactics"]} <= tactic_ids
        assert kpi["audiences"]
        assert {a["id"] for a in kpi["audiences"]} <= audience_ids
    assert {t["id"] for k in kpis for t in k["tactics"]} == tactic_ids
    assert {a["id"] for k in kpis for a in k["audiences"]} == audience_ids

    # The text is in the template's language only.
    texts = [strategy["purpose"], *(t["description"] for t in tactics), *(k["description"] for k in kpis)]
    texts += [a["description"] for a in audiences]
    other = FILL_IN_DA if marker == FILL_IN_EN else FILL_IN_EN
    assert not any(other in t for t in texts)
    if key == "FOUR_STEPS_DA":
        assert "målgruppe" in " ".join(texts)
        assert "audience" not in " ".join(texts)


async def test_without_a_period_the_kpis_have_no_deadline(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    payload = await create_from_template(gql, workspaceId=workspace, template="FOUR_STEPS", name="Open")
    assert payload["userErrors"] == []
    strategy = payload["strategy"]
    assert (strategy["startsOn"], strategy["endsOn"]) == (None, None)
    assert [(k["startsOn"], k["deadline"]) for k in strategy["kpis"]] == [(None, None)] * 2


async def test_a_one_day_strategy_leaves_the_kpi_start_open(gql: GraphQLClient) -> None:
    """A KPI's deadline must come after its start; the strategy's one day is the deadline."""
    workspace = await create_workspace(gql)
    payload = await create_from_template(
        gql,
        workspaceId=workspace,
        template="FOUR_STEPS",
        name="Launch day",
        startsOn="2026-03-01",
        endsOn="2026-03-01",
    )
    assert payload["userErrors"] == []
    assert [(k["startsOn"], k["deadline"]) for k in payload["strategy"]["kpis"]] == [(None, "2026-03-01")] * 2


async def test_each_creation_is_a_strategy_of_its_own(gql: GraphQLClient, db: Database) -> None:
    workspace = await create_workspace(gql)
    first = await create_from_template(gql, workspaceId=workspace, template="FOUR_STEPS", name="A")
    second = await create_from_template(gql, workspaceId=workspace, template="FOUR_STEPS_DA", name="B")
    assert first["strategy"]["id"] != second["strategy"]["id"]
    counts = await row_counts(db)
    assert {t: counts[t] for t in ("strategy", "tactic", "audience", "kpi")} == {
        "strategy": 2,
        "tactic": 6,
        "audience": 4,
        "kpi": 4,
    }


async def test_an_unknown_workspace_is_not_found_and_writes_nothing(gql: GraphQLClient, db: Database) -> None:
    await create_from_template(gql, workspaceId=await create_workspace(gql), template="FOUR_STEPS", name="A")
    before = await row_counts(db)
    payload = await create_from_template(
        gql, workspaceId=global_id("Workspace"), template="FOUR_STEPS", name="Lost"
    )
    assert codes(payload) == [(["workspaceId"], "NOT_FOUND")]
    assert payload["strategy"] is None
    assert await row_counts(db) == before

    payload = await create_from_template(gql, workspaceId="garbage", template="FOUR_STEPS", name="Lost")
    assert codes(payload) == [(["workspaceId"], "INVALID_ID")]
    assert await row_counts(db) == before


async def test_a_bad_name_or_period_is_refused_and_writes_nothing(gql: GraphQLClient, db: Database) -> None:
    workspace = await create_workspace(gql)
    before = await row_counts(db)
    cases: list[tuple[dict[str, Any], list[tuple[list[str] | None, str]]]] = [
        ({"startsOn": "2026-12-31", "endsOn": "2026-01-01"}, [(["endsOn"], "INVALID_PERIOD")]),
        ({"endsOn": "2300-01-01"}, [(["endsOn"], "OUT_OF_RANGE")]),
        (
            {"name": "  ", "startsOn": "2026-02-01", "endsOn": "2026-01-31"},
            [
                (["name"], "BLANK"),
                (["endsOn"], "INVALID_PERIOD"),
            ],
        ),
        ({"name": "x" * 201}, [(["name"], "TOO_LONG")]),
    ]
    for extra, expected in cases:
        for key in ("FOUR_STEPS", "FOUR_STEPS_DA"):
            input = {"workspaceId": workspace, "template": key, "name": "Plan", **extra}
            payload = await create_from_template(gql, **input)
            assert codes(payload) == expected, extra
            assert all(error["message"] for error in payload["userErrors"])
            assert payload["strategy"] is None
    assert await row_counts(db) == before


async def test_a_template_key_outside_the_enum_is_refused_by_graphql(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    body = await gql.post(CREATE, input={"workspaceId": workspace, "template": "NOPE", "name": "Plan"})
    assert body.get("data") is None
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_an_unknown_template_is_a_typed_error_with_every_other_problem(
    gql: GraphQLClient, db: Database
) -> None:
    """Callers of the domain (not GraphQL, whose enum stops them) get UNKNOWN_TEMPLATE."""
    workspace = ids.decode(await create_workspace(gql), "Workspace")
    before = await row_counts(db)
    with pytest.raises(DomainError) as refused:
        async with db.transaction(Scope.everything()) as session:
            await create_strategy_from_template(
                session, Scope.everything(), workspace, "NOPE", "", None, None
            )
    assert [(p.code, p.field) for p in refused.value.problems] == [
        (ErrorCode.UNKNOWN_TEMPLATE, ("template",)),
        (ErrorCode.BLANK, ("name",)),
    ]
    assert "FOUR_STEPS" in refused.value.problems[0].message
    assert await row_counts(db) == before

    async with db.transaction(Scope.everything()) as session:
        made = await create_strategy_from_template(
            session, Scope.everything(), workspace, "FOUR_STEPS_DA", "Plan", None, None
        )
    assert made.purpose.startswith(FILL_IN_DA)


async def test_a_workspace_outside_the_scope_is_not_found(gql: GraphQLClient, db: Database) -> None:
    workspace = ids.decode(await create_workspace(gql), "Workspace")
    other = ids.decode(await create_workspace(gql, "Other"), "Workspace")
    before = await row_counts(db)
    with pytest.raises(DomainError) as refused:
        async with db.transaction(Scope.everything()) as session:
            await create_strategy_from_template(session, Scope.of(other), workspace, "FOUR_STEPS", "Plan")
    assert [(p.code, p.field) for p in refused.value.problems] == [(ErrorCode.NOT_FOUND, ("workspace_id",))]
    assert await row_counts(db) == before


async def test_strategy_templates_lists_every_template(gql: GraphQLClient) -> None:
    listed = (await gql.data(TEMPLATE_LIST))["strategyTemplates"]
    assert [(t["key"], t["language"], t["promptMarker"]) for t in listed] == [
        ("FOUR_STEPS", "en", FILL_IN_EN),
        ("FOUR_STEPS_DA", "da", FILL_IN_DA),
    ]
    assert [t["key"] for t in listed] == [key.value for key in TEMPLATES]
    assert set(TEMPLATES) == set(TemplateKey)
    assert all(t["name"] and t["description"] for t in listed)
    assert listed[0]["name"] == "Four steps to a social media strategy"
    assert listed[1]["name"] == "Fire trin til en SoMe-strategi"
    assert FILL_IN_DA in listed[1]["description"]
    assert "strategi" in listed[1]["description"]


async def test_a_filled_in_text_is_no_longer_an_open_prompt(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    strategy = (await create_from_template(gql, workspaceId=workspace, template="FOUR_STEPS", name="A"))[
        "strategy"
    ]
    tactic = strategy["tactics"][0]
    assert is_open_prompt(tactic["description"])
    updated = await gql.mutate(
        "mutation($id: ID!) { updateTactic(input: {id: $id, version: 1, description: "
        '"Recipes that make weeknight cooking fun."}) '
        f"{{ tactic {{ description }} {ERRORS} }} }}",
        id=tactic["id"],
    )
    assert not is_open_prompt(updated["tactic"]["description"])
