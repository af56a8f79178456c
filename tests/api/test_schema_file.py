"""The committed `schema.graphql` is the schema the code serves."""

from pathlib import Path

from schema.build import sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == sdl(), "schema.graphql is stale: run `make schema` and commit it"
