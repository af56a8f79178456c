"""mapContentItems maps every item or none of them."""

from __future__ import annotations

from tests.api.helpers import content_item, strategy_graph
from tests.client import GraphQLClient

MAP_MANY = """
mutation($input: MapContentItemsInput!) {
  mapContentItems(input: $input) {
    contentItems { id mapped tactic { id } primaryKpi { id } kpis { id } }
    userErrors { field message code }
  }
}
"""
READ = "query($id: ID!) { contentItem(id: $id) { version tactic { id } primaryKpi { id } kpis { id } } }"


async def test_a_failed_batch_leaves_every_item_as_it_was(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql, "Mine")
    other = await strategy_graph(gql, "Other")
    mapped = await content_item(
        gql, graph, "Mapped", tacticId=graph["tactics"][0], primaryKpiId=graph["kpis"][0]
    )
    idea = await content_item(gql, graph, "Idea")
    before = [await gql.data(READ, id=item["id"]) for item in (mapped, idea)]

    body = await gql.data(
        MAP_MANY,
        input={
            "items": [
                {"id": idea["id"], "tacticId": graph["tactics"][1], "primaryKpiId": graph["kpis"][1]},
                {"id": mapped["id"], "tacticId": other["tactics"][0], "primaryKpiId": graph["kpis"][1]},
            ]
        },
    )

    payload = body["mapContentItems"]
    assert payload["contentItems"] is None
    assert payload["userErrors"] == [
        {
            "field": ["items", "1", "tacticId"],
            "message": "This tactic belongs to another strategy.",
            "code": "WRONG_STRATEGY",
        }
    ]
    after = [await gql.data(READ, id=item["id"]) for item in (mapped, idea)]
    assert after == before


async def test_a_good_batch_maps_every_item(gql: GraphQLClient) -> None:
    graph = await strategy_graph(gql)
    items = [await content_item(gql, graph, f"Idea {n}") for n in range(3)]
    body = await gql.data(
        MAP_MANY,
        input={
            "items": [
                {
                    "id": item["id"],
                    "tacticId": graph["tactics"][0],
                    "primaryKpiId": graph["kpis"][0],
                    "kpiIds": graph["kpis"],
                    "version": item["version"],
                }
                for item in items
            ]
        },
    )
    payload = body["mapContentItems"]
    assert payload["userErrors"] == []
    assert [i["mapped"] for i in payload["contentItems"]] == [True, True, True]
    assert all(len(i["kpis"]) == 2 for i in payload["contentItems"])
