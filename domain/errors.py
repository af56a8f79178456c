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
    """Why an input was refused. Stable: clients switch on these."""

    INVALID_ID = "INVALID_ID"
    """Not an id, or the id of another type of record."""
    NOT_FOUND = "NOT_FOUND"
    """No such record that you may see."""
    REQUIRED = "REQUIRED"
    """A value is missing."""
    BLANK = "BLANK"
    """A text is empty or only spaces."""
    TOO_LONG = "TOO_LONG"
    """A text is longer than allowed."""
    INVALID_TEXT = "INVALID_TEXT"
    """A text holds a character no text can be stored with: a NUL character (U+0000), or half of a
    UTF-16 surrogate pair without its other half (U+D800 to U+DFFF, e.g. an escaped "\\ud800")."""
    TOO_MANY = "TOO_MANY"
    """A list, batch or file holds more entries than allowed."""
    DUPLICATE = "DUPLICATE"
    """The same entry is given twice, or the value is taken already."""
    OUT_OF_RANGE = "OUT_OF_RANGE"
    """A number or time lies outside what is allowed."""
    NOT_FINITE = "NOT_FINITE"
    """A number is infinite or not a number (NaN)."""
    TOO_PRECISE = "TOO_PRECISE"
    """A number has more decimal places than are kept."""
    INVALID_URL = "INVALID_URL"
    """Not an absolute http(s) URL."""
    INVALID_PERIOD = "INVALID_PERIOD"
    """A strategy's period ends before it starts."""
    DEADLINE_BEFORE_START = "DEADLINE_BEFORE_START"
    """A KPI's deadline does not come after its start."""
    INVALID_AGE_RANGE = "INVALID_AGE_RANGE"
    """An audience's youngest age is above its oldest."""
    WRONG_STRATEGY = "WRONG_STRATEGY"
    """The record belongs to another strategy."""
    PRIMARY_KPI_NOT_IN_KPIS = "PRIMARY_KPI_NOT_IN_KPIS"
    """The primary KPI is not among the KPIs listed."""
    TACTIC_IN_USE = "TACTIC_IN_USE"
    """Content uses the tactic: say whether to UNMAP or REASSIGN it."""
    KPI_IN_USE = "KPI_IN_USE"
    """Content serves the KPI: say whether to UNMAP or REASSIGN it."""
    CHANNEL_IN_USE = "CHANNEL_IN_USE"
    """Content uses the channel: say whether to UNMAP or REASSIGN it."""
    REASSIGN_TARGET_REQUIRED = "REASSIGN_TARGET_REQUIRED"
    """REASSIGN needs the record to move the content to."""
    INVALID_TRANSITION = "INVALID_TRANSITION"
    """The content workflow does not allow this step."""
    NOT_MAPPED = "NOT_MAPPED"
    """The content needs a tactic and a primary KPI first."""
    CONFLICT = "CONFLICT"
    """Someone else changed the record meanwhile; see `currentVersion`."""
    TRY_AGAIN = "TRY_AGAIN"
    """The change met other changes to the same records and was tried again a few times without
    getting through (a deadlock or a serialization failure); nothing was changed. Send it again."""
    UNKNOWN_SCENARIO = "UNKNOWN_SCENARIO"
    """No demo scenario of this name."""
    DEMO_WORKSPACES_DISABLED = "DEMO_WORKSPACES_DISABLED"
    """This deployment offers no demo workspaces."""
    DEMO_LIMIT_REACHED = "DEMO_LIMIT_REACHED"
    """As many demo workspaces exist as allowed at once."""
    KPI_COMPUTED_FROM_CONTENT = "KPI_COMPUTED_FROM_CONTENT"
    """The KPI's values are rolled up from its content's metrics."""
    SOURCE_RESERVED = "SOURCE_RESERVED"
    """CONTENT_ROLLUP is kept for values rolled up from content."""
    INVALID_ENCODING = "INVALID_ENCODING"
    """The file is not UTF-8 text."""
    EMPTY_FILE = "EMPTY_FILE"
    """The file has no header or no rows."""
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    """The file is larger than allowed."""
    MALFORMED_ROW = "MALFORMED_ROW"
    """A row of the file cannot be read."""
    MISSING_COLUMN = "MISSING_COLUMN"
    """The file's header lacks a required column."""
    UNKNOWN_COLUMN = "UNKNOWN_COLUMN"
    """The file's header names a column that is not known."""
    AMBIGUOUS_KPI = "AMBIGUOUS_KPI"
    """Several KPIs have this name; use the KPI's id."""
    INVALID_DATE = "INVALID_DATE"
    """Not a date like 2025-03-31."""
    NOT_A_NUMBER = "NOT_A_NUMBER"
    """Not a number."""
    UNKNOWN_TEMPLATE = "UNKNOWN_TEMPLATE"
    """No strategy template of this name."""
    ROLLUP_OUT_OF_RANGE = "ROLLUP_OUT_OF_RANGE"
    """A KPI computed from content would reach a value too large to keep."""
    FORBIDDEN = "FORBIDDEN"
    """You may see the record, but your role does not allow this."""
    COMMENT_REQUIRED = "COMMENT_REQUIRED"
    """Sending content back for changes needs a comment on what to change."""
    NOT_A_MEMBER = "NOT_A_MEMBER"
    """The member holds no role in the workspace or its organization."""
    LAST_OWNER = "LAST_OWNER"
    """The organization would be left without an OWNER."""
    AMBIGUOUS_TARGET = "AMBIGUOUS_TARGET"
    """Both an organization and a workspace are given; give one."""
    INVALID_MANIFEST = "INVALID_MANIFEST"
    """The file is not a manifest of GraphQL documents in a known format."""
    INVALID_DOCUMENT = "INVALID_DOCUMENT"
    """A GraphQL document does not parse, does not hold exactly one operation, or does not fit the schema."""
    DOCUMENT_ID_TAKEN = "DOCUMENT_ID_TAKEN"
    """Another document is registered with this id; a registered id keeps its document."""


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
