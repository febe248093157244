"""The editions' pages: GET /reports/editions/<id>.html and .pdf, stable for an edition's
life, role-checked like the GraphQL API (a caller who may not see the portfolio: 403; an
unknown edition or kind: 404), refusals as problem+json with their code (pmo_kernel.http)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from pmo_kernel.identity import prepare_keys, principal_from_header
from pmo_reporting.reports.editions import Editions
from pmo_reporting.reports.errors import EditionNotFound
from pmo_reporting.reports.sources import Sources

MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
router = APIRouter(tags=["reports"])


def edition_url(edition_id: str, kind: str) -> str:
    return f"/reports/editions/{edition_id}.{kind}"


@router.get(
    "/reports/editions/{file}",
    summary="A report edition as HTML (charts inline) or PDF: <id>.html or <id>.pdf",
    response_class=Response,
    responses={
        200: {"content": {t: {} for t in MEDIA_TYPES.values()}, "description": "The edition"},
        401: {"description": "No valid bearer token"},
        403: {"description": "The caller may not see what the edition reports on"},
        404: {"description": "No such edition, or not .html / .pdf"},
    },
)
async def edition_page(file: str, request: Request) -> Response:
    edition_id, _, kind = file.rpartition(".")
    if kind not in MEDIA_TYPES or not edition_id:
        raise EditionNotFound(f"no report edition file {file!r}: ask for <id>.html or <id>.pdf")
    settings = request.app.state.gateway.settings
    authorization = request.headers.get("authorization")
    await prepare_keys(settings, authorization)
    principal = principal_from_header(settings, authorization)
    editions = Editions(Sources(request.app.state.database))
    body = await editions.read(edition_id, principal, kind)
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    if kind == "pdf":
        headers["Content-Disposition"] = f'inline; filename="{edition_id}.pdf"'
    return Response(body, media_type=MEDIA_TYPES[kind], headers=headers)
