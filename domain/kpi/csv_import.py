"""Import KPI measurements from a CSV file.

The file is UTF-8 text (a byte order mark is fine) with a header row. Its columns are
``kpi`` (the KPI's name in the strategy, or its id: the global id or the database UUID),
``observed_on`` (an ISO date, 2025-03-31), ``value`` (a plain decimal number: ASCII digits,
``.`` for decimals, no thousands separators) and, optionally, ``note``. Column names and
KPI names are matched without regard to case (``str.casefold``) or surrounding spaces.
Cells are separated by commas, semicolons or tabs, whichever the header uses.

What spreadsheets write is accepted too:

* a first line ``sep=;`` (or ``sep=,``, ``sep=<tab>``) names the separator; the header
  follows on the next line;
* empty columns at the end of the header (a separator ending the header line) are left
  out, and so are empty cells past the last column (a separator ending a row);
* with semicolons or tabs as separators, ``value`` may use a decimal comma (``1234,5``);
  a number may hold one decimal mark, so ``1.234,5`` (thousands separators) is refused.

Every row is checked before anything is written. Each problem names the row (its line in
the file: the header, or the ``sep=`` line before it, is line 1) and the column, e.g.
``("rows", "7", "value")`` with the message "Row 7, column value: …"; if there is any,
nothing is recorded. Good files are recorded with source IMPORT, so importing the same
file twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records, values
from domain.errors import DomainError, ErrorCode, Problem
from domain.kpi.measurements import (
    MEASUREMENTS_MAX,
    MeasurementEntry,
    check_measurements,
    record_measurements,
)
from domain.kpi.models import Kpi, MeasurementSource
from domain.scope import Scope
from domain.strategy.models import Strategy
from domain.upsert import Counts

#: The largest file accepted.
FILE_MAX_BYTES = 5 * 1024 * 1024
#: The most data rows a file may hold.
ROWS_MAX = MEASUREMENTS_MAX

REQUIRED_COLUMNS = ("kpi", "observed_on", "value")
OPTIONAL_COLUMNS = ("note",)
DELIMITERS = (",", ";", "\t")

#: Which column a field of a measurement comes from.
_COLUMN_OF_FIELD = {"kpi_id": "kpi", "observed_on": "observed_on", "value": "value", "note": "note"}
#: Digits are ASCII digits only: ``\d`` would admit other scripts' digits, which Decimal reads.
_PLAIN_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_COMMA_DECIMAL = re.compile(r"[+-]?([0-9]+(,[0-9]*)?|,[0-9]+)")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: A first line naming the separator, as spreadsheets write it (``sep=;``).
_SEPARATOR_LINE = re.compile(r"sep=(.)\s*", re.IGNORECASE)
#: Separators with which ``value`` may use a decimal comma.
_DECIMAL_COMMA_DELIMITERS = (";", "\t")
_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})

KpiIdOf = Callable[[str], uuid.UUID | None]
"""Turns the text of a ``kpi`` cell that is a global id into a KPI id; None if it is no global id.

Raises :class:`DomainError` (INVALID_ID) for the global id of something other than a KPI.
"""


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class _Table:
    rows: list[_Row]
    delimiter: str


class _RowProblems:
    """Problems of the rows, each placed at ("rows", line, column) and saying so in its message."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, code: ErrorCode, line: int, column: str | None, message: str) -> None:
        where = f"Row {line}" if column is None else f"Row {line}, column {column}"
        field = ("rows", str(line)) if column is None else ("rows", str(line), column)
        self.items.append(Problem(code, f"{where}: {message}", field))


async def import_measurements(
    session: AsyncSession, scope: Scope, strategy_id: uuid.UUID, data: bytes, kpi_id_of: KpiIdOf
) -> Counts:
    """Record every measurement in the CSV ``data`` for a strategy's KPIs, or none if any row is bad."""
    problems = _RowProblems()
    table = _read(data, problems)
    strategy = await records.get(
        session, Strategy, strategy_id, scope, "strategy_id", lock=records.Lock.REFER
    )
    kpis_named = await _kpis_by_name(session, strategy.id)
    entries: list[MeasurementEntry] = []
    lines: list[int] = []
    for row in table.rows:
        entry = _entry(problems, row, table.delimiter, kpis_named, kpi_id_of)
        if entry is not None:
            entries.append(entry)
            lines.append(row.line)
    try:
        if not problems.items:
            return await record_measurements(session, scope, strategy.id, entries)
        if entries:
            await check_measurements(session, scope, strategy.id, entries)
    except DomainError as error:
        problems.items.extend(_at_rows(error.problems, lines))
    problems.items.sort(key=_row_order)
    raise DomainError(problems.items)


def _read(data: bytes, problems: _RowProblems) -> _Table:
    """The data rows of the file (blank lines left out) and the separator of its cells.

    A file that cannot be read as a table (encoding, header, broken quoting, too many rows)
    is refused at once; a row with more cells than columns is noted and left out.
    """
    if len(data) > FILE_MAX_BYTES:
        raise DomainError.of(
            ErrorCode.FILE_TOO_LARGE, f"The file is larger than {FILE_MAX_BYTES // (1024 * 1024)} MB.", "file"
        )
    text = _decode(data)
    if not text.strip():
        raise DomainError.of(
            ErrorCode.EMPTY_FILE, "The file is empty; it needs a header row and rows.", "file"
        )
    text, delimiter = _delimiter(text)
    parsed = _records(text, delimiter)
    header = next(parsed, None)
    if header is None:
        raise DomainError.of(
            ErrorCode.EMPTY_FILE,
            "The file holds no header row, only empty cells; it needs a header and rows.",
            "file",
        )
    header_line, names = header
    columns = _columns(names)
    rows: list[_Row] = []
    seen = 0
    for line, cells in parsed:
        seen += 1
        if seen > ROWS_MAX:
            raise DomainError.of(ErrorCode.TOO_MANY, f"A file holds at most {ROWS_MAX:,} rows.", "rows")
        if any(cell.strip() for cell in cells[len(columns) :]):
            message = f"it has {len(cells)} cells, the header names {len(columns)} columns."
            problems.add(ErrorCode.MALFORMED_ROW, line, None, message)
            continue
        rows.append(_Row(line, dict(zip(columns, (cell.strip() for cell in cells), strict=False))))
    if not seen:
        raise DomainError.of(
            ErrorCode.EMPTY_FILE, f"The file has a header (row {header_line}) but no rows.", "rows"
        )
    return _Table(rows, delimiter)


def _delimiter(text: str) -> tuple[str, str]:
    """The separator of the cells, and the text with a ``sep=`` line blanked (lines keep their numbers).

    Without a ``sep=`` line, the separator is the one the header uses most.
    """
    start = len(text) - len(text.lstrip("\r\n"))
    first_line = text[start:].partition("\n")[0].rstrip("\r")
    named = _SEPARATOR_LINE.fullmatch(first_line)
    if named is None:
        return text, max(DELIMITERS, key=first_line.count)
    delimiter = named.group(1)
    if delimiter not in DELIMITERS:
        line = text.count("\n", 0, start) + 1
        raise DomainError.of(
            ErrorCode.MALFORMED_ROW,
            f"Row {line}: the separator '{delimiter}' is not one of comma, semicolon or tab.",
            "rows",
            str(line),
        )
    return text[:start] + text[start + len(first_line) :], delimiter


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DomainError.of(
            ErrorCode.INVALID_ENCODING,
            f"Row {line}: the file is not UTF-8 text (byte 0x{data[error.start]:02X} at position "
            f"{error.start}). Save it as UTF-8 (CSV UTF-8) and import it again.",
            "rows",
            str(line),
        ) from error


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank record with the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            message = f"Row {reader.line_num}: this is not valid CSV ({error})."
            raise DomainError.of(ErrorCode.MALFORMED_ROW, message, "rows", str(reader.line_num)) from error
        if any(cell.strip() for cell in cells):
            yield line, cells
        line = reader.line_num + 1


def _columns(header: Sequence[str]) -> list[str]:
    """The column names of the header, less the empty ones it ends with."""
    columns = [name.strip().casefold() for name in header]
    while columns and not columns[-1]:
        columns.pop()
    problems: list[Problem] = []
    known = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    for name in dict.fromkeys(columns):
        if name not in known:
            problems.append(
                Problem(
                    ErrorCode.UNKNOWN_COLUMN,
                    f"Unknown column '{name}'; the columns are {', '.join(known)}.",
                    ("columns", name),
                )
            )
        elif columns.count(name) > 1:
            problems.append(
                Problem(ErrorCode.DUPLICATE, f"The column '{name}' appears twice.", ("columns", name))
            )
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(
                Problem(ErrorCode.MISSING_COLUMN, f"The header has no '{name}' column.", ("columns", name))
            )
    if problems:
        raise DomainError(problems)
    return columns


def _fold(name: str) -> str:
    """A name as it is matched: surrounding spaces and case left out."""
    return name.strip().casefold()


async def _kpis_by_name(session: AsyncSession, strategy_id: uuid.UUID) -> dict[str, list[uuid.UUID]]:
    """The ids of the strategy's KPIs by folded name (see :func:`_fold`)."""
    named: dict[str, list[uuid.UUID]] = {}
    for name, id_ in await session.execute(select(Kpi.name, Kpi.id).where(Kpi.strategy_id == strategy_id)):
        named.setdefault(_fold(name), []).append(id_)
    return named


def _entry(
    problems: _RowProblems,
    row: _Row,
    delimiter: str,
    kpis_named: dict[str, list[uuid.UUID]],
    kpi_id_of: KpiIdOf,
) -> MeasurementEntry | None:
    unstorable = [column for column, cell in row.cells.items() if not values.storable(cell)]
    for column in unstorable:
        problems.add(
            ErrorCode.INVALID_TEXT,
            row.line,
            column,
            "the cell holds a NUL character, which cannot be stored.",
        )
    if unstorable:
        return None
    kpi_id = _kpi(problems, row, kpis_named, kpi_id_of)
    observed_on = _date(problems, row)
    value = _value(problems, row, delimiter)
    if kpi_id is None or observed_on is None or value is None:
        return None
    return MeasurementEntry(kpi_id, observed_on, value, MeasurementSource.IMPORT, row.cells.get("note"))


def _kpi(
    problems: _RowProblems, row: _Row, kpis_named: dict[str, list[uuid.UUID]], kpi_id_of: KpiIdOf
) -> uuid.UUID | None:
    """The KPI a cell names: by name first, then by database UUID, then by global id."""
    cell = row.cells.get("kpi", "")
    if not cell:
        problems.add(ErrorCode.REQUIRED, row.line, "kpi", "the KPI is missing (give its name or id).")
        return None
    named = kpis_named.get(_fold(cell), [])
    if len(named) > 1:
        message = f"{len(named)} KPIs of this strategy are named '{cell}'; use the KPI's id instead."
        problems.add(ErrorCode.AMBIGUOUS_KPI, row.line, "kpi", message)
        return None
    if named:
        return named[0]
    database_id = _uuid(cell)
    if database_id is not None:
        return database_id  # an id of no KPI of the strategy is judged with the other measurements
    try:
        id_ = kpi_id_of(cell)
    except DomainError as error:
        for problem in error.problems:
            problems.add(problem.code, row.line, "kpi", _sentence(problem.message))
        return None
    if id_ is None:
        problems.add(ErrorCode.NOT_FOUND, row.line, "kpi", f"this strategy has no KPI named '{cell}'.")
    return id_


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _sentence(message: str) -> str:
    """A message continued after "Row n, column c: "."""
    return message[:1].lower() + message[1:]


def _date(problems: _RowProblems, row: _Row) -> dt.date | None:
    cell = row.cells.get("observed_on", "")
    if not cell:
        problems.add(ErrorCode.REQUIRED, row.line, "observed_on", "the day is missing.")
        return None
    try:
        if _ISO_DATE.fullmatch(cell):
            return dt.date.fromisoformat(cell)
    except ValueError:
        pass
    problems.add(ErrorCode.INVALID_DATE, row.line, "observed_on", f"'{cell}' is not a date like 2025-03-31.")
    return None


def _value(problems: _RowProblems, row: _Row, delimiter: str) -> Decimal | None:
    cell = row.cells.get("value", "")
    if not cell:
        problems.add(ErrorCode.REQUIRED, row.line, "value", "the value is missing.")
        return None
    if cell.lower().lstrip("+-") in _NOT_FINITE:
        problems.add(ErrorCode.NOT_FINITE, row.line, "value", f"'{cell}' is not a finite number.")
        return None
    comma = delimiter in _DECIMAL_COMMA_DELIMITERS
    if comma and _COMMA_DECIMAL.fullmatch(cell):
        cell = cell.replace(",", ".")
    elif not _PLAIN_DECIMAL.fullmatch(cell):
        like = "1234.5 or 1234,5 (digits, one '.' or ','" if comma else "1234.5 (digits, '.'"
        message = f"'{cell}' is not a number like {like} for decimals, no thousands separators)."
        problems.add(ErrorCode.NOT_A_NUMBER, row.line, "value", message)
        return None
    try:
        return Decimal(cell)
    except InvalidOperation:  # pragma: no cover - the patterns admit only plain decimals
        problems.add(ErrorCode.NOT_A_NUMBER, row.line, "value", f"'{cell}' is not a number.")
        return None


def _at_rows(problems: Sequence[Problem], lines: Sequence[int]) -> list[Problem]:
    """Place the problems of the n-th measurement at its row and column in the file."""
    placed: list[Problem] = []
    for problem in problems:
        if len(problem.field) >= 2 and problem.field[0] == "measurements":
            line = lines[int(problem.field[1])]
            column = _COLUMN_OF_FIELD.get(problem.field[2] if len(problem.field) > 2 else "", "kpi")
            placed.append(
                Problem(
                    problem.code,
                    f"Row {line}, column {column}: {problem.message}",
                    ("rows", str(line), column),
                )
            )
        else:
            placed.append(problem)
    return placed


def _row_order(problem: Problem) -> tuple[int, int]:
    if len(problem.field) >= 2 and problem.field[0] == "rows" and problem.field[1].isdigit():
        column = problem.field[2] if len(problem.field) > 2 else ""
        order = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
        return int(problem.field[1]), order.index(column) if column in order else -1
    return 0, 0
