"""The raw baseline of the served benchmark: the content map page without GraphQL.

A bare ASGI app under uvicorn (one worker, the logging of ``redthread serve``) that answers
``POST /graphql`` with the page :data:`tests.bench.content_page.QUERY` asks for, in the JSON the
GraphQL response carries it in (``data.strategy.contentItems.edges[].node`` with ``id title status
tactic kpis channel audiences``, global ids, lists in the API's order), from two SELECTs on one
pooled asyncpg connection — the page, then every relation of its items — encoded with orjson,
as the server's responses are.

It connects as the service role, as the server does, so row-level security holds: the one
workspace it serves is bound once per connection (startup settings) rather than per transaction.
It reads no credentials and the variables' ``id`` only; it checks nothing. It is the floor a
GraphQL server cannot go below, not a server.

    python -m tests.bench.baseline --port 8001 --database postgresql://… --workspace <uuid>
"""

from __future__ import annotations

import argparse
import base64
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import asyncpg
import orjson
import uvicorn

from api import logs

ENCODER = "orjson"
dumps = orjson.dumps
loads = orjson.loads

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PAGE_SIZE = 50
#: The page, in the content plan's order (planned time, unplanned last; the index of the API).
PAGE = f"""
SELECT id, title, status::text AS status, tactic_id, channel_id
FROM content_item
WHERE strategy_id = $1
ORDER BY planned_sort, id
LIMIT {PAGE_SIZE}
"""
#: Every relation of the page's items, each list in the API's order (created_at, id).
RELATIONS = """
SELECT 0 AS kind, l.content_item_id AS item, k.id, k.name, k.created_at
  FROM content_item_kpi l JOIN kpi k ON k.id = l.kpi_id WHERE l.content_item_id = ANY($1::uuid[])
UNION ALL
SELECT 1, l.content_item_id, a.id, a.name, a.created_at
  FROM content_item_audience l JOIN audience a ON a.id = l.audience_id
  WHERE l.content_item_id = ANY($1::uuid[])
UNION ALL
SELECT 2, NULL, t.id, t.name, t.created_at FROM tactic t WHERE t.id = ANY($2::uuid[])
UNION ALL
SELECT 3, NULL, c.id, c.name, c.created_at FROM channel c WHERE c.id = ANY($3::uuid[])
ORDER BY 1, 2, 5, 3
"""
KPI, AUDIENCE, TACTIC, CHANNEL = range(4)
TYPES = {KPI: "Kpi", AUDIENCE: "Audience", TACTIC: "Tactic", CHANNEL: "Channel"}
JSON_HEADERS = [(b"content-type", b"application/json")]


def global_id(type_name: str, id_: uuid.UUID) -> str:
    """As :func:`schema.ids.encode` writes it (not imported: the baseline loads no schema)."""
    return base64.urlsafe_b64encode(f"{type_name}:{id_}".encode()).decode().rstrip("=")


def database_id(value: str) -> uuid.UUID:
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    return uuid.UUID(raw.partition(":")[2])


class Baseline:
    """The ASGI app: ``POST /graphql`` (any body whose ``variables.id`` names a strategy), ``GET /ready``."""

    def __init__(self, dsn: str, workspace_id: uuid.UUID, pool_size: int = 10) -> None:
        self.dsn = dsn
        self.workspace_id = workspace_id
        self.pool_size = pool_size
        self.pool: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] == "/ready":
            await _respond(send, 200, b'{"status":"ready"}')
            return
        if scope["path"] != "/graphql" or scope["method"] != "POST":
            await _respond(send, 404, b'{"errors":[{"message":"Not found."}]}')
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        strategy_id = database_id(loads(body)["variables"]["id"])
        await _respond(send, 200, dumps(await self.page(strategy_id)))

    async def page(self, strategy_id: uuid.UUID) -> dict[str, Any]:
        async with self.pool.acquire() as connection:
            items = await connection.fetch(PAGE, strategy_id)
            ids = [item["id"] for item in items]
            tactics = list({item["tactic_id"] for item in items if item["tactic_id"] is not None})
            channels = list({item["channel_id"] for item in items if item["channel_id"] is not None})
            related = await connection.fetch(RELATIONS, ids, tactics, channels)
        lists: dict[tuple[int, uuid.UUID], list[dict[str, str]]] = {}
        one: dict[tuple[int, uuid.UUID], dict[str, str]] = {}
        for row in related:
            node = {"id": global_id(TYPES[row["kind"]], row["id"]), "name": row["name"]}
            if row["item"] is None:
                one[row["kind"], row["id"]] = node
            else:
                lists.setdefault((row["kind"], row["item"]), []).append(node)
        edges = [
            {
                "node": {
                    "id": global_id("ContentItem", item["id"]),
                    "title": item["title"],
                    "status": item["status"],
                    "tactic": one.get((TACTIC, item["tactic_id"])) if item["tactic_id"] else None,
                    "kpis": lists.get((KPI, item["id"]), []),
                    "channel": one.get((CHANNEL, item["channel_id"])) if item["channel_id"] else None,
                    "audiences": lists.get((AUDIENCE, item["id"]), []),
                }
            }
            for item in items
        ]
        return {"data": {"strategy": {"contentItems": {"edges": edges}}}}

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.pool = await asyncpg.create_pool(
                    self.dsn,
                    min_size=1,
                    max_size=self.pool_size,
                    server_settings={
                        "jit": "off",
                        "redthread.workspace_ids": "{" + str(self.workspace_id) + "}",
                        "redthread.all_workspaces": "off",
                    },
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _respond(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": JSON_HEADERS})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True, help="postgresql://… as the service role")
    parser.add_argument("--workspace", type=uuid.UUID, required=True, help="the workspace it serves")
    parser.add_argument("--log-level", default="info", help="as `redthread serve` logs (default: info)")
    args = parser.parse_args()
    app = Baseline(args.database, args.workspace)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        log_level=args.log_level,
        log_config=logs.log_config(args.log_level),
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
