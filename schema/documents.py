"""Whether a trusted document fits the schema, and which path will answer it: the checks
`redthread documents import` runs.

A document is validated with the rules Strawberry validates a request's document with
(:data:`RULES`: graphql-core's specified rules plus Strawberry's own). The request path's
limits (size, depth, cost …) are not the schema's and are checked when the document runs.
"""

from __future__ import annotations

from graphql import ASTValidationRule, GraphQLError, parse, specified_rules, validate
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from domain.documents.manifests import located
from schema.build import schema
from schema.compiled.plan import Planner

#: The rules a request's document is validated with (as ``strawberry.schema.schema.validate_document``).
RULES: tuple[type[ASTValidationRule], ...] = (
    *specified_rules,
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)


def validate_document(body: str) -> list[str]:
    """Why the document does not fit the schema, one message per reason; empty when it fits."""
    try:
        document = parse(body)
        errors = validate(schema._schema, document, RULES)
    except GraphQLError as error:
        return [located(error)]
    except RecursionError:
        return ["The document nests too deeply."]
    return [located(error) for error in errors]


_PLANNER = Planner(schema._schema)


def answered_by(body: str) -> str:
    """Which path answers the (valid) document's operation: ``compiled plan``, or ``executor``
    and why (the first field plans cannot read, or ``mutation``). Judged on its widest
    selection (:meth:`~schema.compiled.plan.Planner.verdicts`)."""
    verdicts = _PLANNER.verdicts(parse(body))
    reasons = [reason for reason in verdicts.values() if reason is not None]
    return f"executor: {reasons[0]}" if reasons else "compiled plan"
