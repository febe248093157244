"""`pmo run` tells people where everything is: every installed write service's API and feed."""

from __future__ import annotations

from pmo_kernel.cli import main as cli
from pmo_kernel.plugin import discover
from pmo_kernel.settings import Settings


def test_the_welcome_lists_each_write_service_api_and_event_feed() -> None:
    settings = Settings(demand_url="http://127.0.0.1:9001", portfolio_url="http://127.0.0.1:9002")

    with cli.console.capture() as captured:
        cli._print_welcome(settings, discover())

    shown = captured.get()
    for line in (
        "http://127.0.0.1:8000/graphql",
        "http://127.0.0.1:9001/docs",
        "http://127.0.0.1:9001/events",
        "http://127.0.0.1:9002/docs",
        "http://127.0.0.1:9002/events",
    ):
        assert line in shown
