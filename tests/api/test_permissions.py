"""Every mutation declares what it does, and the README prints the permission matrix as the code has it."""

from __future__ import annotations

from click.testing import CliRunner

from api.cli import MATRIX_END, MATRIX_START, README, main
from schema.build import schema
from schema.mutation import ACTIONS
from schema.permissions import permissions_markdown


def test_every_mutation_declares_its_action() -> None:
    mutation_type = schema.get_type_by_name("Mutation")
    fields = {field.python_name for field in mutation_type.fields}  # type: ignore[union-attr]
    assert fields, "the schema has mutations"
    assert fields == set(ACTIONS), "a mutation without @performs, or a declaration without a mutation"


def test_the_readme_prints_the_matrix_of_the_code() -> None:
    readme = README.read_text()
    start = readme.index(MATRIX_START) + len(MATRIX_START)
    end = readme.index(MATRIX_END)
    assert readme[start:end] == permissions_markdown(), "run `make schema` to rewrite it"


def test_the_command_line_prints_it_too() -> None:
    result = CliRunner().invoke(main, ["permissions"])
    assert result.exit_code == 0
    assert result.output == permissions_markdown()
