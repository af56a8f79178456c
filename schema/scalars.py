"""Scalars the schema reads its own way.

``Decimal``: Strawberry's own scalar hands any string to :class:`decimal.Decimal`, which also
reads digits of other scripts ("١٢٣" is 123), spaces around the number and underscores
between digits. Ours reads a decimal as the domain writes it (:func:`domain.values.decimal_of`:
ASCII digits, an optional sign, decimal point and exponent, or NaN and Infinity, which the
fields refuse as NOT_FINITE), or a JSON number; anything else is an error of the variables or
the document, which says what a Decimal looks like.
"""

from __future__ import annotations

from decimal import Decimal

from strawberry.exceptions import StrawberryInputCoercionError
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
    specified_by_url=None,
    serialize=str,
    parse_value=parse_decimal,
    parse_literal=None,
    origin=Decimal,
)
