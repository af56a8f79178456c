"""Running a document the HTTP layer has already parsed and validated.

The HTTP layer checks every document before it runs (limits, validation, cost) and keeps the
outcome per document; this extension hands that syntax tree to the executor instead of
parsing and validating the text again. Without a prepared document in the context (a direct
call of the schema), Strawberry parses and validates as usual.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension


class PreparedDocument(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        document = getattr(self.execution_context.context, "document", None)
        if document is not None:
            self.execution_context.graphql_document = document
        yield

    def on_validate(self) -> Iterator[None]:
        if getattr(self.execution_context.context, "document", None) is not None:
            self.execution_context.pre_execution_errors = []
        yield
