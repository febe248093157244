"""SQL building blocks the read models share: filter conditions and keyset-paged lists.

Only the conditions that are set appear in a statement's text, so each combination gets a plan
suited to it (a few texts: the statement cache holds them). Lists are ordered newest first by
(a time column, id) and paged by the last row seen (a `Keyset`), never by offset: a page stays
right while rows are added before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Keyset:
    """A place in a list ordered newest first by (time, id): the last row seen."""

    at: datetime
    id: str


@dataclass
class Conditions:
    """WHERE conditions with their positional arguments ($1, $2, ...)."""

    where: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def add(self, condition: str, *values: Any) -> None:
        """`condition` with a `?` per value, e.g. add("(t, id) < (?, ?)", t, id)."""
        for value in values:
            self.args.append(value)
            condition = condition.replace("?", f"${len(self.args)}", 1)
        self.where.append(condition)

    def copy(self) -> Conditions:
        return Conditions(list(self.where), list(self.args))

    @property
    def sql(self) -> str:
        return "WHERE " + " AND ".join(self.where) if self.where else ""


@dataclass(frozen=True)
class KeysetList:
    """Statements over `table` (schema-qualified), newest `time_column` first, ties by id."""

    table: str
    columns: str
    time_column: str

    def page(
        self, conditions: Conditions, first: int, after: Keyset | None
    ) -> tuple[str, list[Any]]:
        """Up to `first` rows after `after`."""
        found = conditions.copy()
        if after is not None:
            found.add(f"({self.time_column}, id) < (?, ?)", after.at, after.id)
        found.args.append(first)
        return (
            f"SELECT {self.columns} FROM {self.table} {found.sql} "
            f"ORDER BY {self.time_column} DESC, id DESC LIMIT ${len(found.args)}",
            found.args,
        )

    def any_before(self, conditions: Conditions, keyset: Keyset) -> tuple[str, list[Any]]:
        """Whether a row comes before `keyset` (hasPreviousPage)."""
        found = conditions.copy()
        found.add(f"({self.time_column}, id) >= (?, ?)", keyset.at, keyset.id)
        return f"SELECT EXISTS (SELECT 1 FROM {self.table} {found.sql})", found.args

    def count(self, conditions: Conditions) -> tuple[str, list[Any]]:
        return f"SELECT count(*) FROM {self.table} {conditions.sql}", list(conditions.args)


def escape_like(text: str) -> str:
    """The user's text matched literally: % and _ are not wildcards for them."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
