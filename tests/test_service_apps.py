"""Every HTTP service answers its requests on the event loop: FastAPI runs a plain `def`
endpoint or dependency in its thread pool, two thread hand-offs per call that cost the demand
API a sixth of its CPU under load (docs/benchmarks.md, e2e)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from pmo_capacity.bootstrap import create_app as capacity_app
from pmo_demand.bootstrap import create_app as demand_app
from pmo_portfolio.bootstrap import create_app as portfolio_app
from pmo_reporting.gateway.app import create_app as gateway_app
from tests.support import UNUSED_DATABASE_URL, settings_for


def thread_pool_calls(app: FastAPI) -> Iterator[str]:
    """The endpoints and dependencies of `app` that FastAPI would call in its thread pool."""
    yield from _routes_calls(app.routes)


def _routes_calls(routes: Sequence[BaseRoute]) -> Iterator[str]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield from _sync_calls(route.dependant, f"{sorted(route.methods or ())} {route.path}")
        # FastAPI 0.16x keeps an included router as one entry wrapping the router itself.
        included = getattr(route, "original_router", None)
        if isinstance(included, APIRouter):
            yield from _routes_calls(included.routes)


def _sync_calls(dependant: Dependant, where: str) -> Iterator[str]:
    call = dependant.call
    if call is not None and not _runs_on_the_loop(call):
        yield f"{where}: {getattr(call, '__qualname__', call)!r}"
    for sub in dependant.dependencies:
        yield from _sync_calls(sub, where)


def _runs_on_the_loop(call: Callable[..., Any]) -> bool:
    target = call if inspect.isroutine(call) else getattr(call, "__call__", call)  # noqa: B004
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


@pytest.mark.parametrize(
    "build",
    [demand_app, portfolio_app, capacity_app, gateway_app],
    ids=["demand", "portfolio", "capacity", "reporting-gateway"],
)
def test_no_endpoint_or_dependency_runs_in_the_thread_pool(
    build: Callable[[Any], FastAPI],
) -> None:
    app = build(settings_for(UNUSED_DATABASE_URL))
    assert list(thread_pool_calls(app)) == []


def _plain_dependency() -> int:
    return 1


def test_the_check_sees_a_plain_def_dependency_in_an_included_router() -> None:
    router = APIRouter()

    @router.get("/x")
    async def endpoint(value: Annotated[int, Depends(_plain_dependency)]) -> int:
        return value

    app = FastAPI()
    app.include_router(router)
    assert list(thread_pool_calls(app)) == ["['GET'] /x: '_plain_dependency'"]
