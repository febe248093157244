"""GraphQL on the items' registers through the gateway app: the 5×5 risk matrix, the top risks,
an item's risks, issues and benefits, benefits realised against planned, and who may see them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from pmo_kernel.settings import Settings
from tests.reporting.portfolio_factory import Item, decision, project_portfolio
from tests.reporting.portfolio_planning_factory import assigned, programme
from tests.reporting.register_factory import BenefitRegister, RiskRegister
from tests.reporting.support import error_codes, graphql
from tests.support import bearer

pytestmark = pytest.mark.integration

Headers = dict[str, str]


@pytest.fixture
async def seeded(reporting_db: str) -> None:
    """P-1 (alice's, Finance, 100 000 EUR, delivered, in programme PG-1): R1 4×5 answered to
    2×3, R2 closed, R3 3×3, an issue; a 120 000 EUR benefit and a percentage one. P-2 (erin's,
    HR, no programme): R1 5×5."""
    p1 = Item("P-1").registered(requester="alice")
    p1.decided("DEC-1", made=decision("DEC-1", "P-1", gate="G2"))
    assigned(p1, "PG-1")
    p2 = Item("P-2").registered("Payroll", department="HR", requester="erin")
    risks1 = RiskRegister("P-1").risk("R1", 4, 5).answered("R1", 2, 3).risk("R2", 2, 2)
    risks1.closed("R2").risk("R3", 3, 3).issue("I1", from_risk_id="R2")
    risks2 = RiskRegister("P-2").risk("R1", 5, 5)
    benefits = BenefitRegister("P-1").benefit("B1", target="120000").benefit("B2", unit="%")
    benefits.realised("B1", "2026-02", "15000")
    streams = [programme("PG-1"), p1, p2, risks1, risks2, benefits]
    await project_portfolio(reporting_db, [e for s in streams for e in s.events])


async def ask(client: httpx.AsyncClient, query: str, headers: Headers, **variables: Any) -> Any:
    body = await graphql(client, query, variables, headers)
    assert "errors" not in body, body
    return body["data"]


MATRIX = """
query ($programme: ID, $rating: RiskRatingKind) {
  riskMatrix(programme: $programme, rating: $rating) {
    openRisks cells { probability impact count } bands { band count }
  }
}"""


def counted(matrix: dict[str, Any]) -> dict[tuple[int, int], int]:
    return {(c["probability"], c["impact"]): c["count"] for c in matrix["cells"] if c["count"]}


async def test_the_matrix_counts_a_programmes_open_risks_inherent_or_residual(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    inherent = (await ask(gateway, MATRIX, analyst_headers, programme="PG-1"))["riskMatrix"]
    residual = (await ask(gateway, MATRIX, analyst_headers, programme="PG-1", rating="RESIDUAL"))[
        "riskMatrix"
    ]

    assert (counted(inherent), inherent["openRisks"]) == ({(4, 5): 1, (3, 3): 1}, 2)
    assert counted(residual) == {(2, 3): 1, (3, 3): 1}
    assert {b["band"]: b["count"] for b in inherent["bands"] if b["count"]} == {
        "CRITICAL": 1,
        "MEDIUM": 1,
    }
    assert len(inherent["cells"]) == 25


ITEM_RISKS = "query ($id: ID!) { portfolioItem(id: $id) { risks(openOnly: true) { id } } }"


async def test_the_whole_matrix_adds_up_to_the_open_risks_of_every_item(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    matrix = (await ask(gateway, MATRIX, analyst_headers))["riskMatrix"]
    open_risks = 0
    for item_id in ("P-1", "P-2"):
        item = (await ask(gateway, ITEM_RISKS, analyst_headers, id=item_id))["portfolioItem"]
        open_risks += len(item["risks"])

    assert sum(c["count"] for c in matrix["cells"]) == matrix["openRisks"] == open_risks == 3
    assert sum(b["count"] for b in matrix["bands"]) == open_risks


async def test_top_risks_rank_by_residual_then_inherent_score(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    query = "query { topRisks(first: 2) { itemId id residual { score } inherent { score } } }"
    top = (await ask(gateway, query, analyst_headers))["topRisks"]

    assert [(r["itemId"], r["id"], r["residual"]["score"]) for r in top] == [
        ("P-2", "R1", 25),
        ("P-1", "R3", 9),
    ]


ITEM = """
query ($id: ID!) {
  portfolioItem(id: $id) {
    risks { id open response inherent { band } residual { band } }
    issues { id open fromRiskId }
    benefits { id monetary baseline target realised { period value } figuresHidden }
  }
}"""


async def test_an_item_shows_its_risks_issues_and_benefits(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    item = (await ask(gateway, ITEM, analyst_headers, id="P-1"))["portfolioItem"]

    assert [(r["id"], r["open"], r["residual"]["band"]) for r in item["risks"]] == [
        ("R1", True, "MEDIUM"),
        ("R2", False, "LOW"),
        ("R3", True, "MEDIUM"),
    ]
    assert item["risks"][0]["inherent"]["band"] == "CRITICAL"
    assert item["issues"] == [{"id": "I1", "open": True, "fromRiskId": "R2"}]
    b1, b2 = item["benefits"]
    assert (b1["target"], b1["realised"], b1["figuresHidden"]) == (
        "120000",
        [{"period": "2026-02", "value": "15000"}],
        False,
    )
    assert (b2["monetary"], b2["target"]) == (False, "1200")


REALISED = """
query ($item: ID!, $through: String!) {
  benefitsRealised(item: $item, through: $through) {
    currency counted months { month planned realised }
    plannedBenefit realisedBenefit plannedRoi realisedRoi
  }
}"""


async def test_benefits_realised_against_planned_per_month_with_the_roi(
    seeded: None, gateway: httpx.AsyncClient, analyst_headers: Headers
) -> None:
    found = (await ask(gateway, REALISED, analyst_headers, item="P-1", through="2026-03"))[
        "benefitsRealised"
    ]

    assert (found["currency"], found["counted"]) == ("EUR", ["B1"])  # the % benefit is no money
    assert found["months"] == [
        {"month": "2026-01", "planned": "0.00", "realised": None},
        {"month": "2026-02", "planned": "10909.09", "realised": "15000.00"},
        {"month": "2026-03", "planned": "21818.18", "realised": "15000.00"},
    ]
    assert (found["plannedBenefit"], found["realisedBenefit"]) == ("120000.00", "15000.00")
    assert (found["plannedRoi"], found["realisedRoi"]) == ("0.2000", "-0.8500")


async def test_only_portfolio_readers_see_the_matrix_and_top_risks_and_others_no_figures(
    seeded: None, gateway: httpx.AsyncClient, settings: Settings, requester_headers: Headers
) -> None:
    for query in (MATRIX, "query { topRisks { id } }"):
        body = await graphql(gateway, query, {}, requester_headers)
        assert error_codes(body) == ["FORBIDDEN"]

    erin = bearer(settings, "erin", "requester", department="HR")
    assert (await ask(gateway, ITEM, erin, id="P-1"))["portfolioItem"] is None
    hidden = await ask(gateway, REALISED, erin, item="P-1", through="2026-03")
    assert hidden["benefitsRealised"] is None

    manager = bearer(settings, "frank", "project_manager", department="HR")  # P-1 is delivered
    item = (await ask(gateway, ITEM, manager, id="P-1"))["portfolioItem"]
    b1, b2 = item["benefits"]
    assert (b1["target"], b1["realised"][0]["value"], b1["figuresHidden"]) == (None, None, True)
    assert (b2["target"], b2["figuresHidden"]) == ("1200", False)
    summary = (await ask(gateway, REALISED, manager, item="P-1", through="2026-03"))[
        "benefitsRealised"
    ]
    assert (summary["months"], summary["realisedRoi"]) == ([], None)
