"""strawberry's field decorators, typed for `mypy --strict`.

strawberry types `@strawberry.field(description=...)` (the decorator form with options) as
returning Any, which strict mypy refuses ("untyped decorator"). These wrappers say what is true
for type checking (the method keeps its signature); strawberry still gets its field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

F = TypeVar("F", bound=Callable[..., Any])


def field(description: str) -> Callable[[F], F]:
    return cast("Callable[[F], F]", strawberry.field(description=description))


def mutation(description: str) -> Callable[[F], F]:
    return cast("Callable[[F], F]", strawberry.mutation(description=description))


def subscription(description: str) -> Callable[[F], F]:
    return cast("Callable[[F], F]", strawberry.subscription(description=description))
