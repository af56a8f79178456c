"""How failures reach a client.

* Bad input to a mutation: a ``userErrors`` entry with a code (:class:`UserError`).
* Bad arguments to a query field (a malformed cursor or id, ``first`` over 100):
  a GraphQL error whose ``extensions.code`` says why (:class:`QueryError`).
* A statement PostgreSQL cancelled (``STATEMENT_TIMEOUT``, ``LOCK_TIMEOUT``) or a database
  that cannot be reached (``SERVICE_UNAVAILABLE``): said as it is, with the request id.
* Anything unexpected: masked to "Unexpected error." with the request id, logged in full.
"""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError
from strawberry.extensions import MaskErrors
from strawberry.utils.str_converters import to_camel_case

from domain.errors import DomainError, ErrorCode, Problem
from domain.persistence.database import DatabaseUnavailable, sqlstate

log = logging.getLogger("redthread.graphql")


@strawberry.type(description="An input the server refused, and why.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the input field concerned, e.g. ['items', '2', 'tacticId'].", default=None
    )
    message: str = strawberry.field(description="What is wrong, in a sentence to show to the user.")
    code: ErrorCode = strawberry.field(description="Why, for a client to switch on.")
    current_version: int | None = strawberry.field(
        default=None,
        description=(
            "With CONFLICT: the record's version now. Nothing was changed: reload the record, apply "
            "your change to what you see, and send it with this version."
        ),
    )


def user_error(problem: Problem) -> UserError:
    return UserError(
        field=[to_camel_case(part) for part in problem.field] or None,
        message=problem.message,
        code=problem.code,
        current_version=problem.current_version,
    )


def user_errors(error: DomainError) -> list[UserError]:
    return [user_error(problem) for problem in error.problems]


class QueryError(GraphQLError):
    """A query argument the server cannot use. Shown to the client as it is."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


EXPECTED = (QueryError, DatabaseUnavailable)
#: PostgreSQL's codes for a statement it cancelled, and what the client is told.
TIMEOUTS = {
    "57014": ("STATEMENT_TIMEOUT", "The database took too long to answer; nothing was changed."),
    "55P03": ("LOCK_TIMEOUT", "The records are being changed by another request; nothing was changed."),
}


def _timeout(error: GraphQLError) -> tuple[str, str] | None:
    """The code and message of a statement PostgreSQL cancelled (a timeout), if it was one."""
    original = error.original_error
    if not isinstance(original, DBAPIError):
        return None
    return TIMEOUTS.get(sqlstate(original))


def _is_unexpected(error: GraphQLError) -> bool:
    """A resolver failed on its own (not a bad document or bad variables, which have no path)."""
    original = error.original_error
    return (
        original is not None
        and error.path is not None
        and not isinstance(original, EXPECTED)
        and _timeout(error) is None
    )


class MaskUnexpectedErrors(MaskErrors):
    """Hide unexpected failures from clients; log them with the request id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected, error_message="Unexpected error.")

    def _request_id(self) -> str | None:
        return getattr(self.execution_context.context, "request_id", None)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = self._request_id()
        log.error(
            "unexpected error in %s (request %s)",
            ".".join(str(p) for p in error.path or ()),
            request_id,
            exc_info=error.original_error,
            extra={"request_id": request_id, "operation": self.execution_context.operation_name},
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = super()._process_errors(errors)
        for error in processed:
            if (timeout := _timeout(error)) is not None:
                error.message = timeout[1]
                error.extensions = {"code": timeout[0], "requestId": self._request_id()}
            elif isinstance(error.original_error, DatabaseUnavailable):
                error.extensions = {"code": "SERVICE_UNAVAILABLE", "requestId": self._request_id()}
            elif not (error.extensions or {}).get("code"):
                # A document that does not parse or validate, or variables of the wrong type.
                error.extensions = {**(error.extensions or {}), "code": "GRAPHQL_VALIDATION_FAILED"}
        return processed
