"""Importing KPI measurements from a CSV file: over HTTP as a multipart upload, and from the CLI."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api import cli
from domain.persistence.database import Database
from schema import ids
from tests.api.builders import codes, global_id
from tests.api.helpers import ERRORS, counts, create, measurements, strategy_graph
from tests.client import GraphQLClient

IMPORT = f"""
mutation($input: ImportKpiMeasurementsInput!) {{
  importKpiMeasurements(input: $input) {{ created updated unchanged {ERRORS} }}
}}
"""
PREFLIGHT = {"Apollo-Require-Preflight": "true"}


async def upload(
    gql: GraphQLClient,
    strategy: str,
    data: bytes,
    headers: dict[str, str] | None = None,
    expect_status: int = 200,
) -> dict[str, Any]:
    """Post the import as a GraphQL multipart request, as an upload client does."""
    operations = {"query": IMPORT, "variables": {"input": {"strategyId": strategy, "file": None}}}
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": ("measurements.csv", data, "text/csv")},
        headers=PREFLIGHT if headers is None else headers,
    )
    assert response.status_code == expect_status, response.text
    if expect_status != 200:
        return {}
    body = response.json()
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"]["importKpiMeasurements"]
    return payload


def values(rows: list[dict[str, Any]]) -> list[tuple[str, Decimal, str, str]]:
    return [(row["observedOn"], Decimal(row["value"]), row["source"], row["note"]) for row in rows]


async def test_a_good_file_is_recorded_and_a_second_import_changes_nothing(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    reach, leads = graph["kpis"]
    data = (
        "\ufeffKPI, Observed_On ,value,note\r\n"
        "reach,2025-03-01,1200,first week\r\n"
        "  REACH  ,2025-03-08,1350.25,\r\n"
        "\r\n"
        f'{leads},2025-03-08,-3,"quoted, with a comma"\r\n'
    ).encode()
    first = await upload(gql, graph["strategy"], data)
    assert first["userErrors"] == []
    assert counts(first) == (3, 0, 0)
    recorded = await measurements(gql, reach)
    assert values(recorded) == [
        ("2025-03-01", Decimal(1200), "IMPORT", "first week"),
        ("2025-03-08", Decimal("1350.25"), "IMPORT", ""),
    ]
    assert values(await measurements(gql, leads)) == [
        ("2025-03-08", Decimal(-3), "IMPORT", "quoted, with a comma")
    ]

    again = await upload(gql, graph["strategy"], data)
    assert counts(again) == (0, 0, 3)
    assert await measurements(gql, reach) == recorded

    changed = await upload(gql, graph["strategy"], b"kpi,observed_on,value\nReach,2025-03-01,1300\n")
    assert counts(changed) == (0, 1, 0)
    assert [row["version"] for row in await measurements(gql, reach)] == [2, 1]


async def test_semicolons_and_tabs_separate_cells_too(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    semicolons = await upload(
        gql, graph["strategy"], b"kpi;observed_on;value;note\nReach;2025-03-01;12.5;a, b\n"
    )
    assert counts(semicolons) == (1, 0, 0)
    tabs = await upload(gql, graph["strategy"], b"observed_on\tvalue\tkpi\n2025-03-02\t13\tReach\n")
    assert counts(tabs) == (1, 0, 0)
    assert values(await measurements(gql, graph["kpis"][0])) == [
        ("2025-03-01", Decimal("12.5"), "IMPORT", "a, b"),
        ("2025-03-02", Decimal(13), "IMPORT", ""),
    ]


async def test_every_bad_row_is_reported_with_its_row_and_column_and_nothing_is_written(
    gql: GraphQLClient,
) -> None:
    graph = await strategy_graph(gql)
    await create(
        gql,
        "createKpi",
        "kpi",
        {"strategyId": graph["strategy"], "name": "leads ", "metric": "LEADS", "target": 5},
    )
    lines = [
        "kpi,observed_on,value,note",  # 1
        "Reach,2025-03-01,10,fine",  # 2
        "Followers,2025-03-01,10,",  # 3: no such KPI
        "Reach,31/03/2025,10,",  # 4: not an ISO date
        "Reach,2025-02-30,10,",  # 5: no such day
        'Reach,2025-03-02,"1,5",',  # 6: decimal comma
        "Reach,2025-03-03,NaN,",  # 7
        "Reach,2025-03-04,,",  # 8: no value
        "Reach,1980-01-01,10,",  # 9: out of range
        "Reach,2025-03-05,1.23456,",  # 10: too precise
        "Reach,2025-03-01,11,",  # 11: same KPI and day as row 2
        "Leads,2025-03-01,1,",  # 12: two KPIs named leads
        "Reach,2025-03-06,1,2,3",  # 13: more cells than columns
        f"{graph['tactics'][0]},2025-03-07,1,",  # 14: an id, but of a tactic
        f"{global_id('Kpi')},2025-03-07,1,",  # 15: the id of no KPI
    ]
    payload = await upload(gql, graph["strategy"], ("\n".join(lines) + "\n").encode())
    assert codes(payload) == [
        (["rows", "3", "kpi"], "NOT_FOUND"),
        (["rows", "4", "observed_on"], "INVALID_DATE"),
        (["rows", "5", "observed_on"], "INVALID_DATE"),
        (["rows", "6", "value"], "NOT_A_NUMBER"),
        (["rows", "7", "value"], "NOT_FINITE"),
        (["rows", "8", "value"], "REQUIRED"),
        (["rows", "9", "observed_on"], "OUT_OF_RANGE"),
        (["rows", "10", "value"], "TOO_PRECISE"),
        (["rows", "11", "observed_on"], "DUPLICATE"),
        (["rows", "12", "kpi"], "AMBIGUOUS_KPI"),
        (["rows", "13"], "MALFORMED_ROW"),
        (["rows", "14", "kpi"], "INVALID_ID"),
        (["rows", "15", "kpi"], "NOT_FOUND"),
    ]
    for error in payload["userErrors"]:
        row = error["field"][1]
        where = f"Row {row}, column {error['field'][2]}: " if len(error["field"]) == 3 else f"Row {row}: "
        assert error["message"].startswith(where), error["message"]
    assert counts(payload) == (None, None, None)
    assert await measurements(gql, graph["kpis"][0]) == []


async def test_a_file_that_is_not_utf8_is_refused_at_its_row(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    data = "kpi,observed_on,value,note\nReach,2025-03-01,1,ok\nReach,2025-03-02,2,Kæmpe uge\n".encode(
        "latin-1"
    )
    payload = await upload(gql, graph["strategy"], data)
    assert codes(payload) == [(["rows", "3"], "INVALID_ENCODING")]
    assert payload["userErrors"][0]["message"].startswith("Row 3: ")
    assert await measurements(gql, graph["kpis"][0]) == []


async def test_a_cell_holding_a_nul_character_is_refused_at_its_row_and_column(gql: GraphQLClient) -> None:
    """UTF-8 may hold NUL, which PostgreSQL stores in no text (encoded surrogates are no UTF-8)."""
    graph = await strategy_graph(gql)
    data = b"kpi,observed_on,value,note\nReach,2025-03-01,1,fine\nRe\x00ach,2025-03-02,2,ok\n"
    data += b"Reach,2025-03-03,3,a\x00b\n"
    payload = await upload(gql, graph["strategy"], data)
    assert codes(payload) == [(["rows", "3", "kpi"], "INVALID_TEXT"), (["rows", "4", "note"], "INVALID_TEXT")]
    assert payload["userErrors"][0]["message"].startswith("Row 3, column kpi: ")
    assert await measurements(gql, graph["kpis"][0]) == []


async def test_the_header_must_name_the_columns(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    missing = await upload(gql, graph["strategy"], b"KPI;Value\nReach;1\n")
    assert codes(missing) == [(["columns", "observed_on"], "MISSING_COLUMN")]
    unknown = await upload(
        gql, graph["strategy"], b"kpi,date,value,observed_on,kpi\nReach,x,1,2025-01-01,y\n"
    )
    assert codes(unknown) == [(["columns", "kpi"], "DUPLICATE"), (["columns", "date"], "UNKNOWN_COLUMN")]
    empty = await upload(gql, graph["strategy"], b"")
    assert codes(empty) == [(["file"], "EMPTY_FILE")]
    header_only = await upload(gql, graph["strategy"], b"kpi,observed_on,value\r\n\r\n")
    assert codes(header_only) == [(["rows"], "EMPTY_FILE")]
    for only_empty_cells in (b",,,\n", b'""\n', b"\r\n;;\r\n\r\n", b"sep=;\n"):
        no_header = await upload(gql, graph["strategy"], only_empty_cells)
        assert codes(no_header) == [(["file"], "EMPTY_FILE")], only_empty_cells
    assert all(error["message"] for error in [*missing["userErrors"], *header_only["userErrors"]])


async def test_limits_of_the_file(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    too_large = await upload(gql, graph["strategy"], b"kpi,observed_on,value\n" + b" " * (5 * 1024 * 1024))
    assert codes(too_large) == [(["file"], "FILE_TOO_LARGE")]
    rows = "".join(f"Reach,{2000 + n // 365}-01-01,{n}\n" for n in range(10_001))
    too_many = await upload(gql, graph["strategy"], ("kpi,observed_on,value\n" + rows).encode())
    assert codes(too_many) == [(["rows"], "TOO_MANY")]
    await upload(gql, graph["strategy"], b"x" * (7 * 1024 * 1024), expect_status=413)
    unknown = await upload(gql, global_id("Strategy"), b"kpi,observed_on,value\nReach,2025-01-01,1\n")
    assert codes(unknown) == [(["strategyId"], "NOT_FOUND")]


async def test_a_multipart_request_needs_a_preflight_header(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    data = b"kpi,observed_on,value\nReach,2025-03-01,1\n"
    await upload(gql, graph["strategy"], data, headers={}, expect_status=400)
    await upload(gql, graph["strategy"], data, headers={"Apollo-Require-Preflight": " "}, expect_status=400)
    assert await measurements(gql, graph["kpis"][0]) == []
    accepted = await upload(gql, graph["strategy"], data, headers={"X-Apollo-Operation-Name": "Import"})
    assert counts(accepted) == (1, 0, 0)


async def test_a_file_sent_as_json_is_refused(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    body = await gql.post(IMPORT, input={"strategyId": graph["strategy"], "file": "kpi,observed_on,value"})
    assert codes(body["data"]["importKpiMeasurements"]) == [(["file"], "REQUIRED")]


async def test_the_cli_imports_a_file_and_lists_problems(
    db: Database, gql: GraphQLClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db.url.replace("+asyncpg", ""))
    graph = await strategy_graph(gql)
    good = tmp_path / "good.csv"
    good.write_bytes(b"kpi;observed_on;value\nReach;2025-03-01;10\nLeads;2025-03-01;2\n")
    runner = CliRunner()
    command = ["import-measurements", graph["strategy"], str(good)]
    imported = await asyncio.to_thread(runner.invoke, cli.main, command)
    assert imported.exit_code == 0, imported.output
    assert imported.stdout == "created 2, updated 0, unchanged 0\n"
    again = await asyncio.to_thread(runner.invoke, cli.main, command)
    assert again.stdout == "created 0, updated 0, unchanged 2\n"

    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        b"kpi,observed_on,value\nReach,2025-03-02,10\nReach,2025-03-03,ten\nNobody,2025-03-04,1\n"
    )
    refused = await asyncio.to_thread(
        runner.invoke, cli.main, ["import-measurements", graph["strategy"], str(bad)]
    )
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert "NOT_A_NUMBER: Row 3, column value:" in refused.stderr
    assert "NOT_FOUND: Row 4, column kpi:" in refused.stderr
    assert "nothing was recorded (2 problem(s))" in refused.stderr
    assert len(await measurements(gql, graph["kpis"][0])) == 1

    unknown = await asyncio.to_thread(runner.invoke, cli.main, ["import-measurements", "nonsense", str(good)])
    assert unknown.exit_code == 2


async def test_kpi_names_are_matched_case_folded(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    street = await create(
        gql,
        "createKpi",
        "kpi",
        {"strategyId": graph["strategy"], "name": "Straße visits", "metric": "WEBSITE_VISITS", "target": 5},
    )
    data = "kpi,observed_on,value\nSTRASSE VISITS,2025-03-01,4\n straße Visits ,2025-03-02,5\n".encode()
    payload = await upload(gql, graph["strategy"], data)
    assert payload["userErrors"] == []
    assert counts(payload) == (2, 0, 0)
    assert [row["observedOn"] for row in await measurements(gql, street["id"])] == [
        "2025-03-01",
        "2025-03-02",
    ]


async def test_numbers_and_dates_take_ascii_digits_only(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    data = "kpi,observed_on,value\nReach,2025-03-01,١٢٣\nReach,٢٠٢٥-٠٣-٠٢,1\nReach,2025-03-03,１２\n".encode()
    payload = await upload(gql, graph["strategy"], data)
    assert codes(payload) == [
        (["rows", "2", "value"], "NOT_A_NUMBER"),
        (["rows", "3", "observed_on"], "INVALID_DATE"),
        (["rows", "4", "value"], "NOT_A_NUMBER"),
    ]
    assert await measurements(gql, graph["kpis"][0]) == []


async def test_what_spreadsheets_write_is_read(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    reach = graph["kpis"][0]
    semicolons = (
        "sep=;\r\n"  # 1
        "kpi;observed_on;value;note;;\r\n"  # 2
        "Reach;2025-03-01;1234,5;første uge;;\r\n"  # 3
        "Reach;2025-03-02;-0,25;;;\r\n"  # 4
        "Reach;2025-03-03;7;\r\n"  # 5
    ).encode()
    payload = await upload(gql, graph["strategy"], semicolons)
    assert payload["userErrors"] == []
    assert counts(payload) == (3, 0, 0)
    tabs = b"kpi\tobserved_on\tvalue\t\nReach\t2025-03-04\t0,5\t\n"
    assert counts(await upload(gql, graph["strategy"], tabs)) == (1, 0, 0)
    commas = b"sep=,\nkpi,observed_on,value,\nReach,2025-03-05,2.5,\n"
    assert counts(await upload(gql, graph["strategy"], commas)) == (1, 0, 0)
    assert values(await measurements(gql, reach)) == [
        ("2025-03-01", Decimal("1234.5"), "IMPORT", "første uge"),
        ("2025-03-02", Decimal("-0.25"), "IMPORT", ""),
        ("2025-03-03", Decimal(7), "IMPORT", ""),
        ("2025-03-04", Decimal("0.5"), "IMPORT", ""),
        ("2025-03-05", Decimal("2.5"), "IMPORT", ""),
    ]

    refused = (
        b"sep=;\n"  # 1
        b"kpi;observed_on;value;\n"  # 2
        b"Reach;2025-03-06;1.234,5;\n"  # 3: a thousands separator
        b"Reach;2025-03-07;1 234;\n"  # 4: so is a space
        b"Reach;2025-03-08;1,2,3;\n"  # 5
        b"Reach;2025-03-09;1;x\n"  # 6: a cell past the last column
    )
    payload = await upload(gql, graph["strategy"], refused)
    assert codes(payload) == [
        (["rows", "3", "value"], "NOT_A_NUMBER"),
        (["rows", "4", "value"], "NOT_A_NUMBER"),
        (["rows", "5", "value"], "NOT_A_NUMBER"),
        (["rows", "6"], "MALFORMED_ROW"),
    ]
    assert "1234,5" in payload["userErrors"][0]["message"]
    unknown_separator = await upload(gql, graph["strategy"], b"sep=|\nkpi|observed_on|value\n")
    assert codes(unknown_separator) == [(["rows", "1"], "MALFORMED_ROW")]
    empty_in_the_middle = await upload(
        gql, graph["strategy"], b"kpi;;observed_on;value\nReach;;2025-03-10;1\n"
    )
    assert codes(empty_in_the_middle) == [(["columns", ""], "UNKNOWN_COLUMN")]
    assert len(await measurements(gql, reach)) == 5


async def test_a_kpi_may_be_named_by_its_database_id(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    other = await strategy_graph(gql, "Other")
    reach = graph["kpis"][0]
    raw = ids.decode(reach, "Kpi")
    lines = [
        "kpi,observed_on,value",
        f"{raw},2025-03-01,1",  # 2
        f"{str(raw).upper()},2025-03-02,2",  # 3
        f"{ids.decode(other['kpis'][0], 'Kpi')},2025-03-01,1",  # 4: a KPI of another strategy
        f"{ids.decode(global_id('Kpi'), 'Kpi')},2025-03-01,1",  # 5: no KPI at all
        f"{graph['audience']},2025-03-01,1",  # 6: the global id of an audience
    ]
    refused = await upload(gql, graph["strategy"], ("\n".join(lines) + "\n").encode())
    assert codes(refused) == [
        (["rows", "4", "kpi"], "WRONG_STRATEGY"),
        (["rows", "5", "kpi"], "NOT_FOUND"),
        (["rows", "6", "kpi"], "INVALID_ID"),
    ]
    assert refused["userErrors"][2]["message"].startswith("Row 6, column kpi: expected the id of a Kpi")
    payload = await upload(gql, graph["strategy"], ("\n".join(lines[:3]) + "\n").encode())
    assert counts(payload) == (2, 0, 0)
    assert [row["observedOn"] for row in await measurements(gql, reach)] == ["2025-03-01", "2025-03-02"]
