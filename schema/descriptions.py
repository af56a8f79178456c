"""What many parts of the schema say alike, written once: a record's version and times, the
``input`` of a mutation and what its payload says back, and the rules every input value follows."""

from __future__ import annotations

from typing import Annotated, TypeVar

import strawberry

from domain import values

T = TypeVar("T")

#: The rules of input values, for a description to end with ("The tactic's name: {NAME}.").
NAME = f"1–{values.NAME_MAX} characters, trimmed (else BLANK or TOO_LONG)"
TEXT = f"at most {values.SHORT_TEXT_MAX:,} characters, trimmed (else TOO_LONG)"
LABELS = (
    f"at most {values.LIST_MAX} labels of at most {values.NAME_MAX} characters (else TOO_MANY or TOO_LONG); "
    "trimmed, blanks and repeats dropped"
)
_DAYS = f"between {values.EARLIEST_DATE} and {values.LATEST_DATE}"
DAY = f"a day {_DAYS} (else OUT_OF_RANGE)"
MOMENT = f"a time on a day {_DAYS} (else OUT_OF_RANGE), in UTC when it has no offset"
NUMBER = (
    f"a finite number (else NOT_FINITE) with at most {values.DECIMAL_PLACES} decimal places (else "
    f"TOO_PRECISE), below 10^{values.DECIMAL_INTEGER_DIGITS} in size (else OUT_OF_RANGE)"
)
URL = f"an absolute http(s) URL of at most {values.URL_MAX:,} characters (else INVALID_URL or TOO_LONG)"

VERSION = (
    "The record's version: it goes up with every change. Send it back with an update; if the record "
    "changed meanwhile, the update is refused with CONFLICT."
)
GIVEN_VERSION = (
    "The `version` you last read. If the record changed since, nothing is changed and the error is "
    "CONFLICT, with the record's `currentVersion`."
)
CREATED_AT = "When the record was created."
UPDATED_AT = "When the record last changed."

USER_ERRORS = (
    "Why the input was refused, one entry per problem; empty when the mutation went through. When "
    "there is any, nothing was changed."
)
DELETED_ID = "The global ID of the deleted record; null when the deletion was refused."

#: The one argument of every mutation: ``input: Input[CreateKpiInput]``.
Input = Annotated[
    T,
    strawberry.argument(
        description=(
            "What to do. An input the server refuses comes back in the payload's `userErrors`, and "
            "nothing is changed."
        )
    ),
]
