"""The committed `schema.graphql` is the schema the code serves."""

from pathlib import Path

from graphql import GraphQLEnumType, build_schema

from schema.build import sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    assert SCHEMA_FILE.read_text() == sdl(), "schema.graphql is stale: run `make schema` and commit it"


def test_every_user_error_code_and_access_enum_value_is_described() -> None:
    """A client switching on a code, a role or an actor's kind finds what it means in the schema."""
    served = build_schema(sdl())
    for name in ("UserErrorCode", "Role", "KeyScope", "ApiKeyStatus", "ActorKind", "ActivityAction"):
        kind = served.get_type(name)
        assert isinstance(kind, GraphQLEnumType), name
        undescribed = [value for value, definition in kind.values.items() if not definition.description]
        assert not undescribed, (name, undescribed)
