"""Building blocks for API tests: create a strategy graph through GraphQL."""

from __future__ import annotations

from typing import Any

from tests.client import GraphQLClient

ERRORS = "userErrors { field message code }"


async def create_workspace(gql: GraphQLClient, name: str = "Client") -> str:
    org = await gql.mutate(
        "mutation($n: String!) { createOrganization(input: {name: $n}) "
        f"{{ organization {{ id }} {ERRORS} }} }}",
        n=f"{name} agency",
    )
    workspace = await gql.mutate(
        "mutation($o: ID!, $n: String!) { createWorkspace(input: {organizationId: $o, name: $n}) "
        f"{{ workspace {{ id }} {ERRORS} }} }}",
        o=org["organization"]["id"],
        n=name,
    )
    workspace_id: str = workspace["workspace"]["id"]
    return workspace_id


async def create(gql: GraphQLClient, mutation: str, field: str, input: dict[str, Any]) -> dict[str, Any]:
    """Run ``mutation(input:)`` and return the created object's id and version."""
    type_name = mutation[0].upper() + mutation[1:] + "Input"
    payload = await gql.mutate(
        f"mutation($input: {type_name}!) {{ {mutation}(input: $input) "
        f"{{ {field} {{ id version }} {ERRORS} }} }}",
        input=input,
    )
    created: dict[str, Any] = payload[field]
    return created


async def strategy_graph(gql: GraphQLClient, name: str = "Client") -> dict[str, Any]:
    """A workspace with a strategy, two tactics, two KPIs, an audience and a channel."""
    workspace = await create_workspace(gql, name)
    strategy = await create(
        gql,
        "createStrategy",
        "strategy",
        {
            "workspaceId": workspace,
            "name": f"{name} strategy",
            "purpose": "We want to help the customer to …",
        },
    )
    tactics = [
        (await create(gql, "createTactic", "tactic", {"strategyId": strategy["id"], "name": n, "kind": k}))[
            "id"
        ]
        for n, k in (("Inspire", "INSPIRE"), ("Educate", "EDUCATE"))
    ]
    kpis = [
        (
            await create(
                gql,
                "createKpi",
                "kpi",
                {"strategyId": strategy["id"], "name": n, "metric": m, "target": "100", "tacticIds": [t]},
            )
        )["id"]
        for n, m, t in (("Reach", "REACH", tactics[0]), ("Leads", "LEADS", tactics[1]))
    ]
    audience = await create(
        gql, "createAudience", "audience", {"strategyId": strategy["id"], "name": "Buyers"}
    )
    channel = await create(
        gql,
        "createChannel",
        "channel",
        {"workspaceId": workspace, "platform": "LINKEDIN", "name": "LinkedIn"},
    )
    return {
        "workspace": workspace,
        "strategy": strategy["id"],
        "tactics": tactics,
        "kpis": kpis,
        "audience": audience["id"],
        "channel": channel["id"],
    }


async def content_item(gql: GraphQLClient, graph: dict[str, Any], title: str, **extra: Any) -> dict[str, Any]:
    return await create(
        gql,
        "createContentItem",
        "contentItem",
        {"strategyId": graph["strategy"], "title": title, "format": "POST", **extra},
    )


async def measure(gql: GraphQLClient, kpi: str, day: str, value: str, source: str = "MANUAL") -> None:
    """Record one value of a KPI, which must succeed."""
    await create(
        gql,
        "createKpiMeasurement",
        "kpiMeasurement",
        {"kpiId": kpi, "observedOn": day, "value": value, "source": source},
    )


RECORD = f"""
mutation($input: RecordKpiMeasurementsInput!) {{
  recordKpiMeasurements(input: $input) {{ created updated unchanged {ERRORS} }}
}}
"""
RECORD_METRICS = f"""
mutation($input: RecordContentMetricsInput!) {{
  recordContentMetrics(input: $input) {{ created updated unchanged {ERRORS} }}
}}
"""
MEASUREMENTS = """
query($id: ID!) {
  node(id: $id) {
    ... on Kpi { measurements(first: 100) { nodes { observedOn value source note version updatedAt } } }
  }
}
"""
METRICS = """
query($id: ID!) {
  node(id: $id) {
    ... on ContentItem { metrics(first: 100) { nodes { metric observedOn value version updatedAt } } }
  }
}
"""


async def record(gql: GraphQLClient, strategy: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Run ``recordKpiMeasurements``; GraphQL errors fail the test, user errors do not."""
    data = await gql.data(RECORD, input={"strategyId": strategy, "measurements": entries})
    payload: dict[str, Any] = data["recordKpiMeasurements"]
    return payload


async def record_metrics(gql: GraphQLClient, strategy: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Run ``recordContentMetrics``; GraphQL errors fail the test, user errors do not."""
    data = await gql.data(RECORD_METRICS, input={"strategyId": strategy, "metrics": entries})
    payload: dict[str, Any] = data["recordContentMetrics"]
    return payload


async def measurements(gql: GraphQLClient, kpi: str) -> list[dict[str, Any]]:
    """The first 100 measurements of a KPI."""
    found: list[dict[str, Any]] = (await gql.data(MEASUREMENTS, id=kpi))["node"]["measurements"]["nodes"]
    return found


async def metrics_of(gql: GraphQLClient, item: str) -> list[dict[str, Any]]:
    """The first 100 metrics of a content item."""
    found: list[dict[str, Any]] = (await gql.data(METRICS, id=item))["node"]["metrics"]["nodes"]
    return found


def counts(payload: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    """What a batch created, updated and left unchanged."""
    return payload["created"], payload["updated"], payload["unchanged"]
