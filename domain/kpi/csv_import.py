"""Import KPI measurements from a CSV file.

The file is UTF-8 text (a byte order mark is fine) with a header row. Its columns are
``kpi`` (the KPI's name in the strategy, or its id), ``observed_on`` (an ISO date),
``value`` (a plain decimal number with ``.``) and, optionally, ``note``; names are
matched without regard to case or surrounding spaces. Cells are separated by commas,
semicolons or tabs, whichever the header uses.

Every row is checked before anything is written. Each problem names the row (its line in
the file, the header being line 1) and the column, e.g. ``("rows", "7", "value")`` with
the message "Row 7, column value: …"; if there is any, nothing is recorded. Good files
are recorded with source IMPORT, so importing the same file twice changes nothing.
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

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import records
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
_PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity"})

KpiIdOf = Callable[[str], uuid.UUID | None]
"""Turns the text of a ``kpi`` cell into a KPI id, or None if it is no id."""


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    cells: dict[str, str]


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
    rows = _read(data, problems)
    strategy = await records.get(session, Strategy, strategy_id, scope, "strategy_id")
    kpis_named = await _kpis_by_name(session, strategy.id)
    entries: list[MeasurementEntry] = []
    lines: list[int] = []
    for row in rows:
        entry = _entry(problems, row, kpis_named, kpi_id_of)
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


def _read(data: bytes, problems: _RowProblems) -> list[_Row]:
    """The data rows of the file (blank lines left out).

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
    first_line = text.lstrip("\r\n").partition("\n")[0]
    delimiter = max(DELIMITERS, key=first_line.count)
    parsed = _records(text, delimiter)
    header_line, header = next(parsed)
    columns = _columns(header)
    rows: list[_Row] = []
    seen = 0
    for line, cells in parsed:
        seen += 1
        if seen > ROWS_MAX:
            raise DomainError.of(ErrorCode.TOO_MANY, f"A file holds at most {ROWS_MAX:,} rows.", "rows")
        if len(cells) > len(columns):
            message = f"it has {len(cells)} cells, the header names {len(columns)} columns."
            problems.add(ErrorCode.MALFORMED_ROW, line, None, message)
            continue
        rows.append(_Row(line, dict(zip(columns, (cell.strip() for cell in cells), strict=False))))
    if not seen:
        raise DomainError.of(
            ErrorCode.EMPTY_FILE, f"The file has a header (row {header_line}) but no rows.", "rows"
        )
    return rows


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
    columns = [name.strip().lower() for name in header]
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


async def _kpis_by_name(session: AsyncSession, strategy_id: uuid.UUID) -> dict[str, list[uuid.UUID]]:
    stmt = select(func.lower(func.btrim(Kpi.name)), Kpi.id).where(Kpi.strategy_id == strategy_id)
    named: dict[str, list[uuid.UUID]] = {}
    for name, id_ in await session.execute(stmt):
        named.setdefault(name, []).append(id_)
    return named


def _entry(
    problems: _RowProblems, row: _Row, kpis_named: dict[str, list[uuid.UUID]], kpi_id_of: KpiIdOf
) -> MeasurementEntry | None:
    kpi_id = _kpi(problems, row, kpis_named, kpi_id_of)
    observed_on = _date(problems, row)
    value = _value(problems, row)
    if kpi_id is None or observed_on is None or value is None:
        return None
    return MeasurementEntry(kpi_id, observed_on, value, MeasurementSource.IMPORT, row.cells.get("note"))


def _kpi(
    problems: _RowProblems, row: _Row, kpis_named: dict[str, list[uuid.UUID]], kpi_id_of: KpiIdOf
) -> uuid.UUID | None:
    cell = row.cells.get("kpi", "")
    if not cell:
        problems.add(ErrorCode.REQUIRED, row.line, "kpi", "the KPI is missing (give its name or id).")
        return None
    named = kpis_named.get(cell.lower(), [])
    if len(named) > 1:
        message = f"{len(named)} KPIs of this strategy are named '{cell}'; use the KPI's id instead."
        problems.add(ErrorCode.AMBIGUOUS_KPI, row.line, "kpi", message)
        return None
    if named:
        return named[0]
    id_ = kpi_id_of(cell)
    if id_ is None:
        problems.add(ErrorCode.NOT_FOUND, row.line, "kpi", f"this strategy has no KPI named '{cell}'.")
    return id_


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


def _value(problems: _RowProblems, row: _Row) -> Decimal | None:
    cell = row.cells.get("value", "")
    if not cell:
        problems.add(ErrorCode.REQUIRED, row.line, "value", "the value is missing.")
        return None
    if cell.lower().lstrip("+-") in _NOT_FINITE:
        problems.add(ErrorCode.NOT_FINITE, row.line, "value", f"'{cell}' is not a finite number.")
        return None
    if not _PLAIN_DECIMAL.fullmatch(cell):
        message = f"'{cell}' is not a number like 1234.5 (digits, '.' for decimals, no thousands separators)."
        problems.add(ErrorCode.NOT_A_NUMBER, row.line, "value", message)
        return None
    try:
        return Decimal(cell)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
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
