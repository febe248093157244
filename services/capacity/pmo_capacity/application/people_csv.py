"""People as CSV, for `POST /people/import`: one person a row, validated with the rules of
`POST /people` (RegisterPerson), each error named by its row and column.

Columns (a header row first, in any order): name, line_manager, team, roles (`;`-separated
PersonRole values), skills (`name:level;name:level`, may be empty), cost_rate_per_day,
currency, calendar_id, part_time_percent (empty: 100). Row 1 is the header, so the first
person is row 2.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from pmo_capacity.domain import RegisterPerson
from pmo_kernel.errors import DomainError, PmoError

MAX_ROWS = 5_000
COLUMNS = (
    "name", "line_manager", "team", "roles", "skills", "cost_rate_per_day", "currency",
    "calendar_id", "part_time_percent",
)  # fmt: skip
HEADER_ROW = 1


@dataclass(frozen=True)
class RejectedRow:
    row: int
    column: str | None  # None: the row as a whole
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(DomainError):
    """Some rows cannot be registered: nothing is, and every rejected row is listed."""

    code = "import_rejected"
    status = 422
    title = "People import rejected"

    def __init__(self, rejected: list[RejectedRow]) -> None:
        rows = sorted({r.row for r in rejected})
        super().__init__(
            f"{len(rows)} row(s) rejected ({', '.join(map(str, rows[:20]))}"
            f"{'…' if len(rows) > 20 else ''}): nobody was registered",
            rejected_rows=[r.as_json() for r in rejected],
        )


class TooManyRows(PmoError):
    code = "too_many_rows"
    status = 413
    title = "Too many rows"


@dataclass(frozen=True)
class ParsedPeople:
    people: list[tuple[int, RegisterPerson]]  # (row, command) of the rows that validate alone
    rejected: list[RejectedRow]


def parse_people(text: str) -> ParsedPeople:
    """Each row as a RegisterPerson, or the reasons it is not one."""
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = reader.fieldnames
        rows = list(reader)
    except csv.Error as error:
        raise ImportRejected([RejectedRow(reader.line_num, None, f"not CSV: {error}")]) from None
    _check_header(header)
    if not rows:
        raise ImportRejected([RejectedRow(HEADER_ROW, None, "no people after the header")])
    if len(rows) > MAX_ROWS:
        raise TooManyRows(
            f"{len(rows)} people in one import: at most {MAX_ROWS}", max_rows=MAX_ROWS
        )
    people: list[tuple[int, RegisterPerson]] = []
    rejected: list[RejectedRow] = []
    for number, row in enumerate(rows, start=HEADER_ROW + 1):
        errors = _row_errors(row)
        if not errors:  # the cells are where the header says: validate each of them
            body, errors = _body(row)
            try:
                person = RegisterPerson.model_validate(body)
            except ValidationError as invalid:
                errors.extend(_column_errors(invalid))
            if not errors:
                people.append((number, person))
        rejected.extend(RejectedRow(number, column, message) for column, message in errors)
    return ParsedPeople(people, rejected)


def _check_header(header: Any) -> None:
    columns = [str(c).strip() for c in header or []]
    missing = [c for c in COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in COLUMNS]
    twice = sorted({c for c in columns if columns.count(c) > 1})
    problems = (
        [RejectedRow(HEADER_ROW, c, "missing column") for c in missing]
        + [RejectedRow(HEADER_ROW, c, "unknown column") for c in unknown]
        + [RejectedRow(HEADER_ROW, c, "column given twice") for c in twice]
    )
    if problems:
        raise ImportRejected(problems)


def _row_errors(row: dict[str | Any, Any]) -> list[tuple[str | None, str]]:
    if None in row:  # DictReader's key for the values beyond the header's columns
        return [(None, f"{len(COLUMNS) + len(row[None])} values for {len(COLUMNS)} columns")]
    if any(value is None for value in row.values()):
        return [(None, "fewer values than columns")]
    return []


def _body(row: dict[str | Any, Any]) -> tuple[dict[str, Any], list[tuple[str | None, str]]]:
    """The RegisterPerson body of a row (pydantic validates it), and the cells that cannot be
    part of one (a skill without its level is left out of the body, reported here)."""
    value = {str(k).strip(): (v or "").strip() for k, v in row.items() if k is not None}
    errors: list[tuple[str | None, str]] = []
    skills = []
    for entry in _list(value.get("skills", "")):
        name, colon, level = entry.rpartition(":")
        if not colon or not name.strip():
            errors.append(("skills", f"{entry!r} is not name:level"))
        else:
            skills.append({"name": name.strip(), "level": level.strip()})
    body: dict[str, Any] = {
        "name": value.get("name", ""),
        "line_manager": value.get("line_manager", ""),
        "team": value.get("team", ""),
        "roles": _list(value.get("roles", "")),
        "skills": skills,
        "cost_rate_per_day": {
            "amount": value.get("cost_rate_per_day", ""),
            "currency": value.get("currency", ""),
        },
        "calendar_id": value.get("calendar_id", ""),
    }
    if value.get("part_time_percent"):
        body["part_time_percent"] = value["part_time_percent"]
    return body, errors


def _list(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _column_errors(invalid: ValidationError) -> list[tuple[str | None, str]]:
    errors: list[tuple[str | None, str]] = []
    for error in invalid.errors(include_url=False):
        loc = error["loc"]
        column = str(loc[0]) if loc else None
        if loc[:2] == ("cost_rate_per_day", "currency"):  # the money's two columns
            column = "currency"
        errors.append((column, _message(error["msg"], error.get("input"))))
    return errors


def _message(message: str, given: Any) -> str:
    text = message.removeprefix("Value error, ")
    return text if isinstance(given, (dict, list)) else f"{text} (got {given!r})"
