"""Programmes: portfolio items grouped under one sponsor. Pure decisions and state, no I/O."""

from pmo_portfolio.domain.programmes.events import ProgrammeEstablished, ProgrammeEvent
from pmo_portfolio.domain.programmes.programme import Programme

__all__ = ["Programme", "ProgrammeEstablished", "ProgrammeEvent"]
