"""Building a value from plain command arguments, a malformed one refused in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pmo_kernel.errors import DomainError

M = TypeVar("M", bound=BaseModel)


def validated(cls: type[M], context: str, /, **fields: Any) -> M:
    """Build `cls`, turning a validation error into a DomainError that says what and why.

    Commands take plain arguments from the application layer; a malformed one is the caller's
    business-rule problem (422), not a crash.
    """
    try:
        return cls.model_validate(fields)
    except ValidationError as error:
        problems = [_problem(detail) for detail in error.errors(include_url=False)]
        raise DomainError(f"{context}: " + "; ".join(problems), problems=problems) from None


def _problem(detail: Mapping[str, Any]) -> str:
    message = str(detail.get("msg", "invalid"))
    message = message.removeprefix("Value error, ")
    location = ".".join(str(part) for part in detail.get("loc", ()))
    return f"{location}: {message}" if location else message


__all__ = ["validated"]
