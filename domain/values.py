"""Checks for the plain values every area accepts: text, decimals, dates, URLs.

Each check appends to a :class:`~domain.errors.Problems` collector and returns the
cleaned value, so a service reports every bad field of an input at once.

Every text a caller gives passes :func:`storable` (through :func:`name`, :func:`text`,
:func:`texts` and :func:`url`, or on its own): PostgreSQL stores no NUL character, and no
text can be encoded as UTF-8 with half of a surrogate pair, so such a text is refused
(INVALID_TEXT) before it reaches the database.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from decimal import Decimal
from typing import Final, TypeAlias, TypeVar, Union
from urllib.parse import urlsplit

from domain.errors import ErrorCode, Problems


class Unset(enum.Enum):
    """Marks a field an update leaves as it is (distinct from ``None``, which clears it)."""

    UNSET = "UNSET"


UNSET: Final = Unset.UNSET

T = TypeVar("T")
Maybe: TypeAlias = Union[T, Unset]  # noqa: UP007

NAME_MAX: Final = 200
SHORT_TEXT_MAX: Final = 2_000
LONG_TEXT_MAX: Final = 20_000
URL_MAX: Final = 2_048
LIST_MAX: Final = 100

#: Values and targets are stored as NUMERIC(20, 4).
DECIMAL_PLACES: Final = 4
DECIMAL_INTEGER_DIGITS: Final = 16

EARLIEST_DATE: Final = dt.date(1990, 1, 1)
LATEST_DATE: Final = dt.date(2199, 12, 31)

#: What no text can be stored with: NUL (PostgreSQL's text holds none) and lone surrogates (a
#: code point of U+D800–U+DFFF on its own, as an escaped "\ud800" gives; UTF-8 cannot encode one).
_UNSTORABLE: Final = re.compile(r"[\x00\ud800-\udfff]")

#: A decimal written out: an optional sign, ASCII digits with an optional decimal point, an
#: optional exponent (``-12.5``, ``.5``, ``1.5E+3``); or NaN or Infinity (any case, Infinity
#: signed or shortened to Inf), which are read so that a field can refuse them as NOT_FINITE.
#: ``\d`` and :class:`~decimal.Decimal` itself would also read other scripts' digits ("١٢٣").
_DECIMAL_TEXT: Final = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf(?:inity)?|nan)",
    re.IGNORECASE,
)


def storable(value: str) -> bool:
    """Whether a text can be stored: it holds no NUL character and no lone surrogate."""
    return _UNSTORABLE.search(value) is None


def check_storable(problems: Problems, value: str, field: str, *index: str) -> bool:
    """Whether a text can be stored (see :func:`storable`); if not, INVALID_TEXT at the field."""
    if storable(value):
        return True
    problems.add(
        ErrorCode.INVALID_TEXT,
        f"{_label(field)} holds a character that cannot be stored: a NUL character or half of a "
        "surrogate pair.",
        field,
        *index,
    )
    return False


def decimal_of(written: str) -> Decimal | None:
    """The decimal a text writes (see :data:`_DECIMAL_TEXT`); None when it writes none."""
    if _DECIMAL_TEXT.fullmatch(written) is None:
        return None
    return Decimal(written)


def required(changes: object, **needed: str) -> Problems:
    """The problems of a create so far: each field of ``changes`` named in ``needed`` and left
    unset is REQUIRED, with the message given for it."""
    problems = Problems()
    for field, message in needed.items():
        if isinstance(getattr(changes, field), Unset):
            problems.add(ErrorCode.REQUIRED, message, field)
    return problems


def name(problems: Problems, value: str | None, field: str, *, limit: int = NAME_MAX) -> str:
    """A required single-line name: trimmed, non-empty, at most ``limit`` characters."""
    cleaned = (value or "").strip()
    if not check_storable(problems, cleaned, field):
        return cleaned
    if not cleaned:
        problems.add(ErrorCode.BLANK, f"{_label(field)} must not be blank.", field)
    elif len(cleaned) > limit:
        problems.add(ErrorCode.TOO_LONG, f"{_label(field)} is longer than {limit} characters.", field)
    return cleaned


def text(problems: Problems, value: str | None, field: str, *, limit: int = SHORT_TEXT_MAX) -> str:
    """Optional free text; ``None`` becomes the empty string."""
    cleaned = (value or "").strip()
    if check_storable(problems, cleaned, field) and len(cleaned) > limit:
        problems.add(ErrorCode.TOO_LONG, f"{_label(field)} is longer than {limit} characters.", field)
    return cleaned


def texts(problems: Problems, values: list[str], field: str, *, limit: int = NAME_MAX) -> list[str]:
    """A short list of labels (interests, locations …): trimmed, blanks dropped, unique."""
    if len(values) > LIST_MAX:
        problems.add(ErrorCode.TOO_MANY, f"{_label(field)} holds more than {LIST_MAX} entries.", field)
        return []
    seen: dict[str, None] = {}
    for index, value in enumerate(values):
        cleaned = value.strip()
        if not check_storable(problems, cleaned, field, str(index)):
            continue
        if len(cleaned) > limit:
            problems.add(
                ErrorCode.TOO_LONG,
                f"{_label(field)} entry is longer than {limit} characters.",
                field,
                str(index),
            )
        elif cleaned:
            seen.setdefault(cleaned, None)
    return list(seen)


def decimal(
    problems: Problems,
    value: Decimal | None,
    field: str,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
) -> Decimal | None:
    """A finite decimal that fits NUMERIC(20, 4) and the optional bounds."""
    if value is None:
        return None
    if not value.is_finite():
        problems.add(ErrorCode.NOT_FINITE, f"{_label(field)} must be a finite number.", field)
        return None
    if abs(value) >= Decimal(10) ** DECIMAL_INTEGER_DIGITS:
        problems.add(ErrorCode.OUT_OF_RANGE, f"{_label(field)} is too large.", field)
        return None
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if exponent < -DECIMAL_PLACES and value != value.quantize(Decimal(1).scaleb(-DECIMAL_PLACES)):
        problems.add(
            ErrorCode.TOO_PRECISE, f"{_label(field)} has more than {DECIMAL_PLACES} decimal places.", field
        )
        return None
    if minimum is not None and value < minimum:
        problems.add(ErrorCode.OUT_OF_RANGE, f"{_label(field)} must be at least {minimum}.", field)
        return None
    if maximum is not None and value > maximum:
        problems.add(ErrorCode.OUT_OF_RANGE, f"{_label(field)} must be at most {maximum}.", field)
        return None
    return value


def date(problems: Problems, value: dt.date | None, field: str) -> dt.date | None:
    """A calendar date within a sensible range."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        problems.add(
            ErrorCode.OUT_OF_RANGE,
            f"{_label(field)} must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}.",
            field,
        )
        return None
    return value


def moment(problems: Problems, value: dt.datetime | None, field: str) -> dt.datetime | None:
    """A point in time within a sensible range; a naive time is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    if date(problems, value.date(), field) is None:
        return None
    return value


def url(problems: Problems, value: str | None, field: str) -> str | None:
    """An absolute http(s) URL, or nothing."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    if not check_storable(problems, cleaned, field):
        return None
    if len(cleaned) > URL_MAX:
        problems.add(ErrorCode.TOO_LONG, f"{_label(field)} is longer than {URL_MAX} characters.", field)
        return None
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.add(ErrorCode.INVALID_URL, f"{_label(field)} must be an absolute http(s) URL.", field)
        return None
    return cleaned


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()
