"""The portfolio dashboard page: served by the gateway with its script, style and vendored
chart libraries; its GraphQL document asks every KPI query and is valid against the schema;
and, where Chromium is installed, a headless browser opens it and draws every chart."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import uvicorn

from pmo_kernel.settings import Settings
from pmo_reporting.dashboard.page import STATIC
from pmo_reporting.gateway.app import create_app
from pmo_reporting.gateway.kpi_queries import KpiQuery
from tests.reporting import kpi_fixture
from tests.reporting.support import graphql
from tests.support import bearer

pytestmark = pytest.mark.integration

SCRIPT = (STATIC / "dashboard.js").read_text()
KPI_FIELDS = sorted(
    re.sub(r"_([a-z])", lambda m: m[1].upper(), name)
    for name in vars(KpiQuery)
    if name.endswith("_kpi")
)


def dashboard_query() -> str:
    found = re.search(r"const QUERY = `(.*?)`;", SCRIPT, re.S)
    assert found, "dashboard.js keeps its GraphQL document in QUERY"
    return found[1]


async def test_the_page_and_its_files_are_served(gateway: httpx.AsyncClient) -> None:
    page = await gateway.get("/dashboard")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="(/dashboard/assets/[^"]+)"', page.text)
    assert {Path(s).name for s in sources} == {
        "dashboard.css", "dashboard.js", "vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
    }  # fmt: skip
    for source in sources:
        answer = await gateway.get(source)
        assert answer.status_code == 200, source
        assert answer.content == (STATIC / source.removeprefix("/dashboard/assets/")).read_bytes()
        kind = "text/css" if source.endswith(".css") else "text/javascript"
        assert answer.headers["content-type"].startswith(kind)


@pytest.mark.parametrize("name", ["nope.js", "..%2Fpage.py", "vendor/LICENSE", "dashboard.html"])
async def test_nothing_else_is_served_from_the_assets(
    name: str, gateway: httpx.AsyncClient
) -> None:
    answer = await gateway.get(f"/dashboard/assets/{name}")
    assert answer.status_code == 404
    assert answer.json()["code"] == "dashboard_asset_not_found"


async def test_the_page_asks_every_kpi_query_in_one_valid_document(
    reporting_db: str, gateway: httpx.AsyncClient, analyst_headers: dict[str, str]
) -> None:
    await kpi_fixture.seed(reporting_db)
    query = dashboard_query()
    asked = set(re.findall(r"(\w+Kpi)\(filter: \$f", query))
    assert asked == set(KPI_FIELDS)
    assert len(KPI_FIELDS) == 7

    body = await graphql(gateway, query, {"f": {"period": "2026"}}, analyst_headers)
    assert "errors" not in body, body
    assert body["data"]["demandPipelineKpi"]["total"] == len(kpi_fixture.LIVES)


# -- in a browser ---------------------------------------------------------------------------

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome")
     if (found := shutil.which(name))),
    None,
)  # fmt: skip
NEEDS_CHROMIUM = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine: apt-get install chromium to run it"
)
CHARTS = ("pipeline", "decisions", "value", "budget", "capacity", "benefits")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest_asyncio.fixture(loop_scope="session")
async def served(settings: Settings, reporting_db: str) -> AsyncIterator[str]:
    """The gateway app on a real port (a browser needs one), on the KPI fixture's data."""
    await kpi_fixture.seed(reporting_db)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
        if task.done():
            task.result()
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def rendered_dom(url: str) -> str:
    assert CHROMIUM is not None
    browser = await asyncio.create_subprocess_exec(
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--virtual-time-budget=20000", "--dump-dom", url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(browser.communicate(), timeout=120)
    return out.decode()


@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"
)
async def test_a_browser_draws_every_chart_with_the_callers_token(
    served: str, settings: Settings
) -> None:
    token = bearer(settings, "bob", "pmo_analyst")["Authorization"].removeprefix("Bearer ")
    dom = await rendered_dom(f"{served}/dashboard#token={token}&period=2026")

    assert 'data-state="rendered"' in dom.split("<main>")[0], dom[:2000]
    for chart in CHARTS:
        section = dom.split(f'id="chart-{chart}"')[1].split("</section>")[0]
        assert "<svg" in section, f"{chart} has no chart"
    assert "R3" in dom.split('id="table-risks"')[1], "the worst risk is listed"


@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"
)
async def test_a_browser_shows_a_refused_kpi_and_draws_the_others(
    served: str, settings: Settings
) -> None:
    token = bearer(settings, "alice", "requester", department="Finance")["Authorization"]
    dom = await rendered_dom(f"{served}/dashboard#token={token.removeprefix('Bearer ')}")

    budget = dom.split('id="budget"')[1].split("</section>")[0]
    assert 'data-state="refused"' in budget.split(">")[0], "the section's own tag"
    assert "FORBIDDEN" in budget
    assert "<svg" in dom.split('id="chart-pipeline"')[1].split("</section>")[0]
