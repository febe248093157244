"""The constrained values every governance record is built from: ids, texts, version numbers,
quarters, amounts and business-case snapshots. The bottom layer of the governance package: it
imports nothing of it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints

from pmo_kernel.money import Money

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PersonId = Id
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1_000)
]
Rationale = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
]
ConditionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)
]
RuleId = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9-]*$"
    ),
]
VersionNumber = Annotated[int, Field(ge=1)]
ActorId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Timestamp = AwareDatetime
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Purpose = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _not_negative(money: Money) -> Money:
    if money.amount < 0:
        raise ValueError(f"amount must not be negative, got {money}")
    return money


Quarter = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^\d{4}-Q[1-4]$")]
NonNegativeMoney = Annotated[Money, AfterValidator(_not_negative)]


# -- JSON snapshots ------------------------------------------------------------------------------


def _json_only(value: Any, path: str = "") -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, list | tuple):
        for index, element in enumerate(value):
            _json_only(element, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, element in value.items():
            if not isinstance(key, str):
                raise ValueError(
                    f"business case snapshot: key {key!r} at {path or 'top'} is not a string"
                )
            _json_only(element, f"{path}.{key}" if path else key)
        return
    # Floats do not round-trip byte for byte and Decimals come back as strings: both would make a
    # replayed snapshot differ from the one decided on.
    raise ValueError(
        f"business case snapshot: {path or 'the value'} is a {type(value).__name__}; a snapshot "
        "holds JSON values only (strings, integers, booleans, null, lists, objects): write "
        "amounts as strings"
    )


def _snapshot(value: dict[str, Any]) -> dict[str, Any]:
    _json_only(value)
    return value


Snapshot = Annotated[dict[str, Any], AfterValidator(_snapshot)]

__all__ = [
    "ActorId",
    "ConditionText",
    "Description",
    "Id",
    "NonNegativeMoney",
    "PersonId",
    "Purpose",
    "Quarter",
    "Rationale",
    "RuleId",
    "ShortText",
    "Snapshot",
    "Timestamp",
    "Title",
    "VersionNumber",
]
