"""The written strategy: Strategy.document over GraphQL and the same file over plain HTTP."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from domain.persistence.database import Database
from tests.api import demo_ids
from tests.api.builders import global_id
from tests.api.helpers import create, create_workspace
from tests.client import GraphQLClient
from tests.conftest import DEMO_DAY
from tests.known_strategy import KNOWN

SNAPSHOT = Path(__file__).parent / "snapshots" / "known_strategy.md"
DOCUMENT = """
query($id: ID!, $asOf: Date) { strategy(id: $id) { document(format: MARKDOWN, asOf: $asOf) } }
"""


async def _document(gql: GraphQLClient, strategy: str) -> str:
    text: str = (await gql.data(DOCUMENT, id=strategy, asOf=DEMO_DAY.isoformat()))["strategy"]["document"]
    return text


@pytest.mark.demo
async def test_the_document_of_a_seeded_strategy_holds_each_part(db: Database, gql: GraphQLClient) -> None:
    demo = await demo_ids.load(db, gql)
    text = await _document(gql, demo.strategy)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## 1. Purpose",
        "## 2. Tactics",
        "## 3. Audiences",
        "## 4. Channels",
        "## 5. KPIs",
        "## 6. Content plan",
        "## 7. Open findings",
    ]
    assert text.startswith(f"# {KNOWN.strategy}\n")
    assert KNOWN.purpose in text
    for tactic in KNOWN.tactics:
        assert f"### {tactic.name}" in text
        assert tactic.description in text
    for audience in KNOWN.audiences:
        assert f"### {audience.name}" in text
    for channel in KNOWN.channels:
        if channel.chosen:
            assert channel.name in text
            assert channel.role in text
            assert channel.rationale in text
    for kpi in KNOWN.kpis:
        assert f"### {kpi.name}" in text
    assert text.count("- **SMART:**") == text.count("- **Progress:**") == len(KNOWN.kpis)
    assert f"{len(KNOWN.content)} content items" in text


@pytest.mark.demo
async def test_document_snapshot(db: Database, gql: GraphQLClient) -> None:
    demo = await demo_ids.load(db, gql)
    text = await _document(gql, demo.strategy)
    if os.environ.get("REDTHREAD_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert text == SNAPSHOT.read_text(encoding="utf-8"), "run with REDTHREAD_UPDATE_SNAPSHOTS=1 to accept"


@pytest.mark.demo
async def test_the_same_document_downloads_over_http(db: Database, gql: GraphQLClient) -> None:
    demo = await demo_ids.load(db, gql)
    response = await gql.http.get(
        f"/strategies/{demo.strategy}/document.md", params={"asOf": DEMO_DAY.isoformat()}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="LinkedIn-strategy-2030.md"'
    )
    assert response.text == await _document(gql, demo.strategy)


async def test_download_of_an_unknown_or_malformed_id_is_not_found(gql: GraphQLClient) -> None:
    for strategy in (global_id("Strategy"), global_id("Tactic"), "not-an-id"):
        response = await gql.http.get(f"/strategies/{strategy}/document.md")
        assert response.status_code == 404
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_download_with_a_bad_day_is_refused(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    strategy = await create(gql, "createStrategy", "strategy", {"workspaceId": workspace, "name": "Plan"})
    for day, code in (("30-06-2030", "INVALID_DATE"), ("1800-01-01", "OUT_OF_RANGE")):
        response = await gql.http.get(f"/strategies/{strategy['id']}/document.md", params={"asOf": day})
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == code


async def test_an_empty_strategy_reads_as_what_is_still_to_write(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    strategy = await create(
        gql, "createStrategy", "strategy", {"workspaceId": workspace, "name": "Ny strategi"}
    )
    text = await _document(gql, strategy["id"])
    assert "_Not written yet._" in text
    assert "_No tactics yet: the method asks for 2–3._" in text
    assert "_No content planned yet._" in text
    assert "The strategy has 0 tactics" in text
    response = await gql.http.get(f"/strategies/{strategy['id']}/document.md")
    assert "filename*=UTF-8''Ny%20strategi.md" in response.headers["content-disposition"]


async def test_a_name_cannot_break_the_structure_of_the_document(gql: GraphQLClient) -> None:
    workspace = await create_workspace(gql)
    name = "Plan\n## 7. Open findings\nNone"
    strategy = await create(gql, "createStrategy", "strategy", {"workspaceId": workspace, "name": name})
    text = await _document(gql, strategy["id"])
    assert text.splitlines()[0] == "# Plan ## 7. Open findings None"
    assert text.count("\n## 7. Open findings") == 1
