"""`generateReportEdition`: the GraphQL way to generate an edition now. schema.py merges
`ReportMutation` into its `Mutation`. Refusals carry their code (INVALID_REPORT_REQUEST,
FORBIDDEN, READ_MODEL_BUSY, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from pmo_kernel.errors import PmoError
from pmo_reporting.gateway import fields
from pmo_reporting.gateway.context import GatewayInfo
from pmo_reporting.gateway.errors import from_pmo_error
from pmo_reporting.reports.definitions import ReportAudience
from pmo_reporting.reports.editions import Edition, Editions, define
from pmo_reporting.reports.pages import edition_url
from pmo_reporting.reports.sources import Sources

strawberry.enum(ReportAudience, description="Who a periodic report is for")


@strawberry.type(description="One generated edition of a periodic report")
class ReportEdition:
    id: strawberry.ID
    audience: str
    period: str
    programme_id: strawberry.ID | None
    as_of: datetime = strawberry.field(description="The instant the edition's data is as of")
    positions: JSON = strawberry.field(
        description="Per feed (demand, portfolio, capacity): the events the read models had "
        "applied ({eventsApplied, lastEventId}) when the edition was read"
    )
    html_url: str = strawberry.field(description="The edition's HTML page (stable)")
    pdf_url: str = strawberry.field(description="The edition's PDF (stable)")
    html_sha256: str
    pdf_sha256: str

    @staticmethod
    def of(edition: Edition) -> ReportEdition:
        return ReportEdition(
            id=strawberry.ID(edition.id),
            audience=edition.audience.value,
            period=edition.period,
            programme_id=strawberry.ID(edition.programme_id) if edition.programme_id else None,
            as_of=edition.as_of,
            positions=cast(
                JSON,
                {
                    feed: {
                        "eventsApplied": at["events_applied"],
                        "lastEventId": at["last_event_id"],
                    }
                    for feed, at in edition.positions.items()
                },
            ),
            html_url=edition_url(edition.id, "html"),
            pdf_url=edition_url(edition.id, "pdf"),
            html_sha256=edition.html_sha256,
            pdf_sha256=edition.pdf_sha256,
        )


@strawberry.type
class ReportMutation:
    @fields.mutation(
        "Generate an edition of a periodic report from the read models now: audience, period "
        "(a month 2026-03 or a quarter 2026-Q1), for a sponsor the programme, optionally the "
        "sections (default: the audience's) and the instant the data is stated as of"
    )
    async def generate_report_edition(
        self,
        info: GatewayInfo,
        audience: ReportAudience,
        period: str,
        programme_id: strawberry.ID | None = None,
        sections: list[str] | None = None,
        as_of: datetime | None = None,
    ) -> ReportEdition:
        principal = info.context.principal()
        services = info.context.services
        editions = Editions(Sources(services.portfolio_read_model.engine))
        try:
            definition = define(
                audience,
                period,
                programme_id=str(programme_id) if programme_id else None,
                sections=sections,
            )
            edition = await editions.generate(definition, principal, as_of=as_of)
        except PmoError as exc:
            raise from_pmo_error(exc) from None
        return ReportEdition.of(edition)
