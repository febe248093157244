"""Report editions from a small portfolio: every audience renders to HTML (inline SVG charts)
and PDF (read back with pypdf: pages, title, section headings, figures), a rebuilt edition is
byte-identical, a regeneration after the read models moved is refused, and the pages and the
GraphQL mutation check who asks and what."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pypdf
import pytest
import pytest_asyncio
from pypdf.generic import Destination
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from pmo_kernel.cli.main import add_service_commands
from pmo_kernel.cli.main import app as pmo
from pmo_kernel.db import create_engine
from pmo_kernel.errors import PermissionDenied
from pmo_kernel.identity import Principal
from pmo_kernel.rebuild import rebuild_read_models
from pmo_kernel.settings import Settings
from pmo_reporting.operations import KEPT_TABLES
from pmo_reporting.projector import MIGRATIONS, SCHEMA
from pmo_reporting.reports import charts
from pmo_reporting.reports.definitions import ReportAudience
from pmo_reporting.reports.editions import Editions, define
from pmo_reporting.reports.errors import ReadModelMoved
from pmo_reporting.reports.schedule import generate_due
from pmo_reporting.reports.sections import SECTIONS
from pmo_reporting.reports.sources import Sources
from tests.reporting.portfolio_factory import Item, project_portfolio
from tests.reporting.report_fixture import SPONSOR, seed
from tests.reporting.support import error_codes, graphql

pytestmark = pytest.mark.integration
AS_OF = datetime(2026, 4, 1, tzinfo=UTC)
ANALYST = Principal(subject="bob", roles=frozenset({"pmo_analyst"}))


@pytest_asyncio.fixture(loop_scope="session")
async def editions(reporting_db: str) -> AsyncIterator[Editions]:
    await seed(reporting_db)
    engine: AsyncEngine = create_engine(reporting_db, pool_size=2)
    try:
        yield Editions(Sources(engine))
    finally:
        await engine.dispose()


def pdf_of(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def outline(reader: pypdf.PdfReader) -> list[str]:
    """The titles of the PDF's bookmarks: Typst makes one per heading."""
    return [str(entry.title) for entry in reader.outline if isinstance(entry, Destination)]


def figures_in(reader: pypdf.PdfReader) -> int:
    """The charts placed in the PDF: Typst embeds each SVG as a form XObject."""
    count = 0
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        count += len(xobjects)
    return count


@pytest.mark.parametrize(
    ("audience", "programme"),
    [
        (ReportAudience.EXECUTIVE_COMMITTEE, None),
        (ReportAudience.PORTFOLIO_REVIEW, None),
        (ReportAudience.SPONSOR, "PG-1"),
    ],
)
async def test_every_report_type_renders_its_sections_as_html_and_pdf(
    editions: Editions, audience: ReportAudience, programme: str | None
) -> None:
    period = "2026-Q1" if audience is ReportAudience.PORTFOLIO_REVIEW else "2026-03"
    definition = define(audience, period, programme_id=programme)
    edition = await editions.generate(definition, ANALYST, as_of=AS_OF)

    html = (await editions.read(edition.id, ANALYST, "html")).decode()
    pdf = pdf_of(await editions.read(edition.id, ANALYST, "pdf"))
    titles = [SECTIONS[key].title for key in definition.sections]
    assert edition.id == f"{period.lower()}.{audience.value.replace('_', '-')}" + (
        ".pg-1.1" if programme else ".1"
    )
    assert all(f"<h2>{title}</h2>" in html for title in titles)
    assert html.count("<svg") == len(titles)  # each section here has data to chart
    assert pdf.metadata is not None
    assert pdf.metadata.title == f"{definition.title} · {period}"
    assert outline(pdf) == [f"{n}. {title}" for n, title in enumerate(titles, 1)]
    assert figures_in(pdf) >= len(titles)
    text = "".join(page.extract_text() for page in pdf.pages)
    assert definition.title in text
    assert all(title in text for title in titles)
    assert edition.positions["portfolio"]["events_applied"] > 0
    assert edition.positions["capacity"]["events_applied"] > 0


async def test_the_executive_report_shows_the_portfolio_figures(editions: Editions) -> None:
    edition = await editions.generate(
        define(ReportAudience.EXECUTIVE_COMMITTEE, "2026-03"), ANALYST, as_of=AS_OF
    )
    html = (await editions.read(edition.id, ANALYST, "html")).decode()
    # Budget 2026: P-1 60,000 + P-2 130,000 = 190,000 against 150,000: over by 40,000.
    assert "190,000.00 EUR" in html
    assert "40,000.00 EUR" in html
    # Bob: 50 h allocated of 40 in March's weeks W12-W13: the architects are over 100 %.
    assert "Over-allocated roles, 2026-03 to 2026-08: architect." in html
    # March 2026: the investment committee approved P-1 and rejected P-3, the steering one P-2.
    assert "3 decisions by 2 bodies in the period." in html


async def test_a_rebuilt_edition_is_byte_identical_to_the_stored_one(editions: Editions) -> None:
    edition = await editions.generate(
        define(ReportAudience.EXECUTIVE_COMMITTEE, "2026-03"), ANALYST, as_of=AS_OF
    )
    charts.clear_cache()  # draw every chart again

    rebuilt = await editions.rebuild(edition.id)
    regenerated = await editions.regenerate(edition.id)

    assert rebuilt.identical
    assert regenerated.identical
    assert rebuilt.rendered.pdf == await editions.read(edition.id, ANALYST, "pdf")


async def test_regenerating_after_the_read_models_moved_is_refused(
    editions: Editions, reporting_db: str
) -> None:
    edition = await editions.generate(
        define(ReportAudience.PORTFOLIO_REVIEW, "2026-Q1"), ANALYST, as_of=AS_OF
    )
    await project_portfolio(reporting_db, Item("P-9").registered("Late arrival").events)

    with pytest.raises(ReadModelMoved) as refused:
        await editions.regenerate(edition.id)
    assert refused.value.code == "read_model_moved"
    assert (await editions.rebuild(edition.id)).identical  # the stored data still rebuilds


async def test_only_portfolio_readers_and_the_programme_sponsor_generate_reports(
    editions: Editions,
) -> None:
    requester = Principal(subject="alice", roles=frozenset({"requester"}))
    sponsor = Principal(subject=SPONSOR, roles=frozenset({"requester"}))
    with pytest.raises(PermissionDenied):
        await editions.generate(define(ReportAudience.EXECUTIVE_COMMITTEE, "2026-03"), requester)
    with pytest.raises(PermissionDenied):  # the sponsor of PG-1 and PG-2, not of PG-9
        await editions.generate(
            define(ReportAudience.SPONSOR, "2026-03", programme_id="PG-9"), sponsor
        )
    edition = await editions.generate(
        define(ReportAudience.SPONSOR, "2026-03", programme_id="PG-1"), sponsor, as_of=AS_OF
    )
    assert edition.programme_id == "PG-1"


@pytest.fixture
def edition_gateway(gateway: httpx.AsyncClient, editions: Editions) -> httpx.AsyncClient:
    return gateway


async def test_the_gateway_serves_a_generated_edition_at_its_stable_urls_to_readers_only(
    edition_gateway: httpx.AsyncClient, settings: Settings, analyst_headers: dict[str, str],
    requester_headers: dict[str, str],
) -> None:  # fmt: skip
    body = await graphql(
        edition_gateway,
        """mutation { generateReportEdition(audience: EXECUTIVE_COMMITTEE, period: "2026-03",
             asOf: "2026-04-01T00:00:00Z") { id htmlUrl pdfUrl positions } }""",
        headers=analyst_headers,
    )
    made = body["data"]["generateReportEdition"]
    html = await edition_gateway.get(made["htmlUrl"], headers=analyst_headers)
    pdf = await edition_gateway.get(made["pdfUrl"], headers=analyst_headers)
    refused = await edition_gateway.get(made["pdfUrl"], headers=requester_headers)
    anonymous = await edition_gateway.get(made["htmlUrl"])
    unknown = await edition_gateway.get(
        "/reports/editions/2026-03.nope.1.html", headers=analyst_headers
    )
    wrong_kind = await edition_gateway.get(
        f"/reports/editions/{made['id']}.docx", headers=analyst_headers
    )

    assert made["htmlUrl"] == f"/reports/editions/{made['id']}.html"
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert made["positions"]["portfolio"]["eventsApplied"] > 0
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert anonymous.status_code == 401
    assert (unknown.status_code, unknown.json()["code"]) == (404, "report_edition_not_found")
    assert wrong_kind.status_code == 404


async def test_generating_a_report_for_an_unknown_period_is_a_coded_error(
    edition_gateway: httpx.AsyncClient, analyst_headers: dict[str, str],
    requester_headers: dict[str, str],
) -> None:  # fmt: skip
    mutation = """mutation($period: String!, $programme: ID) {
        generateReportEdition(audience: SPONSOR, period: $period, programmeId: $programme) {
            id } }"""
    bad_period = await graphql(
        edition_gateway, mutation, {"period": "2026-13", "programme": "PG-1"}, analyst_headers
    )
    no_programme = await graphql(edition_gateway, mutation, {"period": "2026-03"}, analyst_headers)
    unknown = await graphql(
        edition_gateway, mutation, {"period": "2026-03", "programme": "PG-9"}, analyst_headers
    )
    forbidden = await graphql(
        edition_gateway, mutation, {"period": "2026-03", "programme": "PG-1"}, requester_headers
    )

    assert error_codes(bad_period) == ["INVALID_REPORT_REQUEST"]
    assert error_codes(no_programme) == ["INVALID_REPORT_REQUEST"]
    assert error_codes(unknown) == ["INVALID_REPORT_REQUEST"]
    assert error_codes(forbidden) == ["FORBIDDEN"]


def test_pmo_report_generate_stores_an_edition_and_rebuild_finds_it_identical(
    editions: Editions, reporting_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("REPORTING_DATABASE_URL", reporting_db)
    add_service_commands()  # as `pmo` does: the reporting plugin's `report` commands
    runner = CliRunner()

    made = runner.invoke(
        pmo, ["report", "generate", "--audience", "portfolio-review", "--period", "2026-Q1",
              "--as-of", "2026-04-01T00:00:00", "--out", str(tmp_path)],
    )  # fmt: skip
    rebuilt = runner.invoke(pmo, ["report", "rebuild", "2026-q1.portfolio-review.1"])
    refused = runner.invoke(
        pmo, ["report", "generate", "--audience", "board", "--period", "2026-03"]
    )

    assert made.exit_code == 0, made.output
    assert "2026-q1.portfolio-review.1" in made.stdout
    assert (tmp_path / "2026-q1.portfolio-review.1.pdf").read_bytes().startswith(b"%PDF")
    assert rebuilt.exit_code == 0
    assert "byte-identical" in rebuilt.output
    assert refused.exit_code == 2
    assert "invalid_report_request" in refused.output


async def test_rebuilding_the_read_models_keeps_the_report_editions(
    editions: Editions, reporting_db: str
) -> None:
    edition = await editions.generate(
        define(ReportAudience.EXECUTIVE_COMMITTEE, "2026-03"), ANALYST, as_of=AS_OF
    )
    stored = await editions.read(edition.id, ANALYST, "pdf")

    await rebuild_read_models(
        editions.sources.engine, reporting_db, live_schema=SCHEMA, migrations=MIGRATIONS,
        sources=[], handlers={}, switchover_lock="test-rebuild", kept_tables=KEPT_TABLES,
    )  # fmt: skip

    assert await editions.read(edition.id, ANALYST, "pdf") == stored


async def test_the_schedule_makes_what_is_due_once_however_often_it_wakes(
    editions: Editions,
) -> None:
    due = datetime(2026, 4, 1, 6, tzinfo=UTC)  # opens a quarter: the month's and the quarter's

    first = await generate_due(editions, due, only_missing=True)
    again = await generate_due(editions, due, only_missing=True)

    assert first == ["2026-03.executive-committee.1", "2026-q1.portfolio-review.1"]
    assert again == []
