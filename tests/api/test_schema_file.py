"""The committed `schema.graphql` is the schema the code serves, described in every part, and it
breaks no client of the schema on the main line."""

import os
import subprocess
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    build_schema,
    find_breaking_changes,
    specified_scalar_types,
)

from schema.build import sdl

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schema.graphql"


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _base_schema() -> tuple[str, str]:
    """The schema clients are built against, and where it comes from: `schema.graphql` at
    REDTHREAD_SCHEMA_BASE (a git revision), else where this branch left main, else as
    committed here."""
    for base in (os.environ.get("REDTHREAD_SCHEMA_BASE"), "main", "origin/main"):
        if not base:
            continue
        fork = (_git("merge-base", "HEAD", base) or "").strip()
        text = _git("show", f"{fork}:schema.graphql") if fork else None
        if text is not None:
            return text, f"schema.graphql at {base} ({fork[:10]})"
    return SCHEMA_FILE.read_text(), "the committed schema.graphql"


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


def undescribed_parts() -> list[str]:
    """Every type, field, argument, input field and enum value of the served schema without a
    description, named as a reader would look it up (``Kpi.progress(asOf:)``, ``Metric.REACH``)."""
    served = build_schema(sdl())
    missing: list[str] = []
    for name, kind in sorted(served.type_map.items()):
        if name.startswith("__") or name in specified_scalar_types:
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing.extend(
                    f"{name}.{field_name}({argument_name}:)"
                    for argument_name, argument in field.args.items()
                    if not argument.description
                )
        elif isinstance(kind, GraphQLInputObjectType):
            missing.extend(
                f"{name}.{field_name}" for field_name, field in kind.fields.items() if not field.description
            )
        elif isinstance(kind, GraphQLEnumType):
            missing.extend(
                f"{name}.{value_name}" for value_name, value in kind.values.items() if not value.description
            )
    return missing


def test_every_part_of_the_schema_is_described() -> None:
    """A strategist reading the schema, or a front end built on it, finds what every part means."""
    missing = undescribed_parts()
    assert not missing, f"{len(missing)} parts of the schema have no description:\n" + "\n".join(missing)


def test_the_schema_breaks_no_client_of_the_main_line() -> None:
    """A field, argument, type or enum value a client may use is never removed or retyped, and no
    argument or input field becomes required: the schema grows by additions only."""
    text, source = _base_schema()
    breaking = find_breaking_changes(build_schema(text), build_schema(sdl()))
    assert not breaking, f"against {source}: " + "; ".join(
        f"{change.type.name}: {change.description}" for change in breaking
    )
