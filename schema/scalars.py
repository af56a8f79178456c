"""Scalars the schema reads its own way, and says which specification each follows.

``Date`` and ``DateTime`` are Strawberry's, read and written as they always were (ISO 8601,
Python's ``isoformat``), with the specification their values follow (``@specifiedBy``), so a
typed client (graphql-codegen's ``strictScalars``) can map them to strings of that form.

``Decimal``: Strawberry's own scalar hands any string to :class:`decimal.Decimal`, which also
reads digits of other scripts ("١٢٣" is 123), spaces around the number and underscores
between digits. Ours reads a decimal as the domain writes it (:func:`domain.values.decimal_of`:
ASCII digits, an optional sign, decimal point and exponent, or NaN and Infinity, which the
fields refuse as NOT_FINITE), or a JSON number; anything else is an error of the variables or
the document, which says what a Decimal looks like.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from domain import values

DECIMAL_FORM = (
    'a string of ASCII digits with an optional sign, decimal point and exponent ("-12.5", "1.5E+3")'
)


def parse_decimal(value: object) -> Decimal:
    """A variable's or a literal's value as a decimal (an int or float is a JSON number)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # str(): the float as written in JSON (2.5, 0.1), not its binary expansion; 1e400 is inf.
        return Decimal(str(value))
    parsed = values.decimal_of(value) if isinstance(value, str) else None
    if parsed is None:
        raise StrawberryInputCoercionError(
            f"Value cannot represent a Decimal: {_shown(value)}. Send {DECIMAL_FORM}, or a JSON number."
        )
    return parsed


def _shown(value: object) -> str:
    """The value as the message shows it: escaped (a message must be valid text) and cut short."""
    shown = repr(value)
    return shown if len(shown) <= 60 else f"{shown[:57]}..."


DECIMAL = ScalarDefinition(
    name="Decimal",
    description=(
        f"A decimal number: {DECIMAL_FORM}, or a JSON number. Digits of other scripts, spaces and "
        "thousands separators are not read. NaN and Infinity are read, and refused (NOT_FINITE) "
        "wherever a finite number is needed. Sent back as a string."
    ),
    # The numeric strings of the General Decimal Arithmetic specification, as Python's decimal reads them.
    specified_by_url="https://speleotrove.com/decimal/daconvs.html#refnumsyn",
    serialize=str,
    parse_value=parse_decimal,
    parse_literal=None,
    origin=Decimal,
)


DATE = dataclasses.replace(
    DateDefinition,
    description="A calendar date, as ISO 8601 / RFC 3339 writes it (full-date): 2026-03-31.",
    specified_by_url="https://www.rfc-editor.org/rfc/rfc3339#section-5.6",
)

DATE_TIME = dataclasses.replace(
    DateTimeDefinition,
    description=(
        "A moment, as ISO 8601 / RFC 3339 writes it, with its offset from UTC: "
        "2026-03-31T09:30:00+00:00 (fractions of a second when there are any)."
    ),
    specified_by_url="https://scalars.graphql.org/andimarek/date-time",
)
