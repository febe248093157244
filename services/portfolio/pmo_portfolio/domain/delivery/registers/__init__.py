"""The delivery registers: each portfolio item's risks and issues (`RiskRegister`) and benefit
plans (`BenefitRegister`), with the 5×5 matrix, the portfolio roll-up and the benefits' value
(ROI, payback) as pure functions. Pure decisions and state, no I/O; attached to a portfolio
item by its id, importing nothing of the other sub-domains.
"""

from pmo_portfolio.domain.delivery.registers import events
from pmo_portfolio.domain.delivery.registers.benefit_register import Benefit, BenefitRegister
from pmo_portfolio.domain.delivery.registers.matrix import Rating, band, band_of
from pmo_portfolio.domain.delivery.registers.risk_register import Action, Issue, Risk, RiskRegister
from pmo_portfolio.domain.delivery.registers.values import (
    Band,
    Response,
    RiskCategory,
    Severity,
)

__all__ = [
    "Action",
    "Band",
    "Benefit",
    "BenefitRegister",
    "Issue",
    "Rating",
    "Response",
    "Risk",
    "RiskCategory",
    "RiskRegister",
    "Severity",
    "band",
    "band_of",
    "events",
]
