"""Domain errors.

Every rule the domain enforces fails with a :class:`DomainError` that carries one
or more :class:`Problem` entries, each with a stable :class:`ErrorCode`, a message
for people and the path of the input field it concerns::

    DomainError
    ├── problems: list[Problem(code, message, field)]
    └── ConflictError   (a stale version: somebody else changed the record)

The API turns problems into ``userErrors``; nothing else in the domain raises for
bad input.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class ErrorCode(enum.Enum):
    """Why an input was refused (a :class:`Problem`'s code). Stable: clients switch on these. What
    each means is said to clients in the schema's ``UserErrorCode``."""

    INVALID_ID = "INVALID_ID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    BLANK = "BLANK"
    TOO_LONG = "TOO_LONG"
    INVALID_TEXT = "INVALID_TEXT"
    TOO_MANY = "TOO_MANY"
    DUPLICATE = "DUPLICATE"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    NOT_FINITE = "NOT_FINITE"
    TOO_PRECISE = "TOO_PRECISE"
    INVALID_URL = "INVALID_URL"
    INVALID_PERIOD = "INVALID_PERIOD"
    DEADLINE_BEFORE_START = "DEADLINE_BEFORE_START"
    INVALID_AGE_RANGE = "INVALID_AGE_RANGE"
    WRONG_STRATEGY = "WRONG_STRATEGY"
    PRIMARY_KPI_NOT_IN_KPIS = "PRIMARY_KPI_NOT_IN_KPIS"
    TACTIC_IN_USE = "TACTIC_IN_USE"
    KPI_IN_USE = "KPI_IN_USE"
    CHANNEL_IN_USE = "CHANNEL_IN_USE"
    REASSIGN_TARGET_REQUIRED = "REASSIGN_TARGET_REQUIRED"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    NOT_MAPPED = "NOT_MAPPED"
    CONFLICT = "CONFLICT"
    TRY_AGAIN = "TRY_AGAIN"
    UNKNOWN_SCENARIO = "UNKNOWN_SCENARIO"
    DEMO_WORKSPACES_DISABLED = "DEMO_WORKSPACES_DISABLED"
    DEMO_LIMIT_REACHED = "DEMO_LIMIT_REACHED"
    KPI_COMPUTED_FROM_CONTENT = "KPI_COMPUTED_FROM_CONTENT"
    SOURCE_RESERVED = "SOURCE_RESERVED"
    INVALID_ENCODING = "INVALID_ENCODING"
    EMPTY_FILE = "EMPTY_FILE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    MALFORMED_ROW = "MALFORMED_ROW"
    MISSING_COLUMN = "MISSING_COLUMN"
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    AMBIGUOUS_KPI = "AMBIGUOUS_KPI"
    INVALID_DATE = "INVALID_DATE"
    NOT_A_NUMBER = "NOT_A_NUMBER"
    UNKNOWN_TEMPLATE = "UNKNOWN_TEMPLATE"
    ROLLUP_OUT_OF_RANGE = "ROLLUP_OUT_OF_RANGE"
    FORBIDDEN = "FORBIDDEN"
    COMMENT_REQUIRED = "COMMENT_REQUIRED"
    NOT_A_MEMBER = "NOT_A_MEMBER"
    LAST_OWNER = "LAST_OWNER"
    AMBIGUOUS_TARGET = "AMBIGUOUS_TARGET"
    INVALID_MANIFEST = "INVALID_MANIFEST"
    INVALID_DOCUMENT = "INVALID_DOCUMENT"
    DOCUMENT_ID_TAKEN = "DOCUMENT_ID_TAKEN"


Field = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    code: ErrorCode
    message: str
    field: Field = ()
    #: With CONFLICT: the version the record has now.
    current_version: int | None = None

    def under(self, *prefix: str) -> Problem:
        """The same problem, placed under ``prefix`` (e.g. the n-th item of a batch)."""
        return Problem(self.code, self.message, (*prefix, *self.field), self.current_version)


class DomainError(Exception):
    """Input that breaks a rule. Carries every problem found, never a partial write."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("a DomainError needs at least one problem")
        self.problems = list(problems)
        super().__init__("; ".join(p.message for p in self.problems))

    @classmethod
    def of(cls, code: ErrorCode, message: str, *field: str) -> DomainError:
        return cls([Problem(code, message, tuple(field))])


class ConflictError(DomainError):
    """The record changed since the caller last read it."""

    def __init__(self, kind: str, current_version: int) -> None:
        self.current_version = current_version
        super().__init__(
            [
                Problem(
                    ErrorCode.CONFLICT,
                    f"This {kind} was changed by someone else; it is now at version "
                    f"{current_version}. Reload it and apply your change again.",
                    ("version",),
                    current_version,
                )
            ]
        )


class Problems:
    """Collects problems while validating, then raises them all at once."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, code: ErrorCode, message: str, *field: str) -> None:
        self.items.append(Problem(code, message, tuple(field)))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(self.items)
