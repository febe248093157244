"""GET /dashboard (the page) and GET /dashboard/assets/<file> (its script, style and the
vendored Vega, Vega-Lite and vega-embed builds: static/vendor/README.md).

The page and its files hold no data, so they are served to anyone; the figures come from the
GraphQL KPI queries, asked with the caller's bearer token, which decide what the caller sees.
Only the files of `static/` listed at start-up are served (no path is ever joined from the
request), each with its media type and a policy that keeps the page to this origin.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from starlette.responses import Response

from pmo_kernel.errors import NotFound

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
# Vega compiles its expressions with `new Function` (hence 'unsafe-eval'); vega-embed styles
# its container inline. Everything else comes from this origin: no CDN is reached at run time.
POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'"
)
ASSETS = frozenset(
    path.relative_to(STATIC).as_posix()
    for path in STATIC.rglob("*")
    if path.suffix in (".js", ".css")
)
router = APIRouter(tags=["dashboard"])


class AssetNotFound(NotFound):
    code = "dashboard_asset_not_found"
    title = "Dashboard file not found"


@cache
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def _answer(name: str, cache_control: str) -> Response:
    return Response(
        _read(name),
        media_type=MEDIA_TYPES[Path(name).suffix],
        headers={
            "Cache-Control": cache_control,
            "Content-Security-Policy": POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/dashboard",
    summary="The portfolio dashboard: KPIs drawn from the GraphQL API with the caller's token",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "The page"}},
)
async def dashboard() -> Response:
    return _answer("dashboard.html", "no-cache")


@router.get(
    "/dashboard/assets/{name:path}",
    summary="A file of the dashboard: its script, style, or a vendored chart library",
    response_class=Response,
    responses={
        200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "The file"},
        404: {"description": "Not a file of the dashboard"},
    },
)
async def dashboard_asset(name: str) -> Response:
    if name not in ASSETS:
        raise AssetNotFound(f"the dashboard has no file {name[:80]!r}")
    vendored = name.startswith("vendor/")
    return _answer(name, "public, max-age=86400" if vendored else "no-cache")
