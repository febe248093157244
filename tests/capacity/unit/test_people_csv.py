"""People as CSV: each row read as a RegisterPerson, or rejected naming its row and column."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pmo_capacity.application.people_csv import (
    MAX_ROWS,
    ImportRejected,
    RejectedRow,
    TooManyRows,
    parse_people,
)
from pmo_capacity.domain import PersonRole, Skill

HEADER = (
    "name,line_manager,team,roles,skills,cost_rate_per_day,currency,calendar_id,part_time_percent\n"
)
ANN = "Ann Peeters,marc,Delivery,project_manager;business_analyst,Prince2:4;SQL:2,650,EUR,BE,\n"


def test_a_row_is_read_as_the_person_it_registers() -> None:
    parsed = parse_people(HEADER + ANN + '"Dupont, Luc",marc,Data,developer,,580.50,eur,FR,80\n')

    assert parsed.rejected == []
    (row_2, ann), (row_3, luc) = parsed.people
    assert (row_2, row_3) == (2, 3)
    assert ann.roles == [PersonRole.PROJECT_MANAGER, PersonRole.BUSINESS_ANALYST]
    assert ann.skills == [Skill(name="Prince2", level=4), Skill(name="SQL", level=2)]
    assert ann.part_time_percent == Decimal(100)
    assert (luc.name, luc.skills, luc.part_time_percent) == ("Dupont, Luc", [], Decimal(80))
    assert (luc.cost_rate_per_day.amount, luc.cost_rate_per_day.currency) == (
        Decimal("580.50"), "EUR",
    )  # fmt: skip


def test_every_bad_cell_is_named_by_its_row_and_column() -> None:
    parsed = parse_people(
        HEADER
        + ANN
        + "Bob,marc,Delivery,wizard,Python:6,-5,EUR,BE,\n"
        + "Cleo,marc,Delivery,tester,Python,500,XXX,BE,0\n"
    )

    assert [p[0] for p in parsed.people] == [2]
    assert {(r.row, r.column) for r in parsed.rejected} == {
        (3, "roles"), (3, "skills"), (3, "cost_rate_per_day"),
        (4, "skills"), (4, "currency"), (4, "part_time_percent"),
    }  # fmt: skip
    (rate,) = [r for r in parsed.rejected if r.column == "cost_rate_per_day"]
    assert "may not be negative" in rate.message


def test_a_row_with_more_or_fewer_values_than_columns_is_rejected_whole() -> None:
    parsed = parse_people(HEADER + ANN.rstrip("\n") + ",extra\n" + "Bob,marc\n")

    assert parsed.people == []
    assert [(r.row, r.column) for r in parsed.rejected] == [(2, None), (3, None)]


def test_a_header_missing_a_column_or_with_an_unknown_one_is_refused() -> None:
    with pytest.raises(ImportRejected) as refused:
        parse_people(HEADER.replace("team,", "squad,") + ANN)

    assert refused.value.extensions["rejected_rows"] == [
        RejectedRow(1, "team", "missing column").as_json(),
        RejectedRow(1, "squad", "unknown column").as_json(),
    ]


def test_a_header_naming_a_column_twice_is_refused() -> None:
    with pytest.raises(ImportRejected) as refused:
        parse_people(HEADER.replace("\n", ",team\n") + ANN.replace("\n", ",Data\n"))

    assert refused.value.extensions["rejected_rows"] == [
        RejectedRow(1, "team", "column given twice").as_json()
    ]


def test_a_csv_without_people_is_refused() -> None:
    with pytest.raises(ImportRejected):
        parse_people(HEADER)


def test_more_rows_than_the_limit_are_refused_as_too_large() -> None:
    with pytest.raises(TooManyRows) as refused:
        parse_people(HEADER + ANN * (MAX_ROWS + 1))

    assert refused.value.status == 413
