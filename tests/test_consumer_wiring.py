"""Every consumer process takes its offset commit interval from the configuration."""

from __future__ import annotations

import pytest

from pmo_capacity.__main__ import cli
from pmo_capacity.bootstrap import build as build_capacity
from pmo_capacity.bootstrap import build_planned_items
from pmo_capacity.plugin import plugin as capacity_plugin
from pmo_kernel.plugin import discover
from pmo_portfolio.__main__ import cli as portfolio_cli
from pmo_portfolio.bootstrap import build, build_capacity_feed, build_intake
from pmo_portfolio.plugin import plugin as portfolio_plugin
from pmo_reporting.projector import consumer_settings
from tests.support import UNUSED_DATABASE_URL, settings_for


def test_the_consumers_commit_offsets_at_the_configured_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONSUMER_COMMIT_INTERVAL_SECONDS", "2.5")
    settings = settings_for(UNUSED_DATABASE_URL)

    intake = build_intake(settings, build(settings))
    capacity_feed = build_capacity_feed(settings, build(settings))
    planned_items = build_planned_items(settings, build_capacity(settings))

    assert [
        consumer_settings(settings, "demand").commit_interval_seconds,
        consumer_settings(settings, "portfolio").commit_interval_seconds,
        intake.settings.commit_interval_seconds,
        capacity_feed.settings.commit_interval_seconds,
        planned_items.settings.commit_interval_seconds,
    ] == [2.5, 2.5, 2.5, 2.5, 2.5]


def test_by_default_offsets_are_committed_at_most_every_second() -> None:
    assert consumer_settings(settings_for(UNUSED_DATABASE_URL)).commit_interval_seconds == 1.0


def test_every_service_that_consumes_declares_its_consumers_to_the_command_line() -> None:
    # `pmo dlq list` / `pmo dlq replay` see only the consumers a plugin declares.
    declared = {}
    for plugin in discover():
        hook = plugin.consumers_hook()
        assert (hook is not None) == bool(plugin.consumes), plugin.name
        if hook is not None:
            settings = settings_for(UNUSED_DATABASE_URL)
            declared[plugin.name] = {spec.name: spec.topics for spec in hook(settings)}

    settings = settings_for(UNUSED_DATABASE_URL)
    intake = build_intake(settings, build(settings))
    capacity_feed = build_capacity_feed(settings, build(settings))
    assert declared["portfolio"] == {
        intake.handler.name: intake.settings.topics,
        capacity_feed.handler.name: ("pmo.capacity.events",),
    }
    assert capacity_feed.settings.topics == ("pmo.capacity.events",)
    assert set(declared["reporting"]) == {
        "reporting.demands",
        "reporting.portfolio",
        "reporting.capacity",
    }
    planned_items = build_planned_items(settings, build_capacity(settings))
    assert declared["capacity"] == {planned_items.handler.name: ("pmo.portfolio.events",)}
    assert planned_items.settings.topics == ("pmo.portfolio.events",)


def test_the_capacity_service_runs_its_planned_items_consumer_as_a_process() -> None:
    # `make run` / `pmo run` start every ProcessSpec; `python -m pmo_capacity <name>` runs it.
    assert "planned-items" in {spec.name for spec in capacity_plugin.processes}
    assert "planned-items" in {command.name for command in cli.registered_commands}
    settings = settings_for(UNUSED_DATABASE_URL)
    runner = build_planned_items(settings, build_capacity(settings))
    assert runner.settings.group_id not in {
        build_intake(settings, build(settings)).settings.group_id,
        consumer_settings(settings, "portfolio").group_id,
        consumer_settings(settings, "capacity").group_id,
    }


def test_the_portfolio_runs_its_capacity_feed_as_a_process_in_its_own_group() -> None:
    assert "capacity-feed" in {spec.name for spec in portfolio_plugin.processes}
    assert "capacity-feed" in {command.name for command in portfolio_cli.registered_commands}
    settings = settings_for(UNUSED_DATABASE_URL)
    feed = build_capacity_feed(settings, build(settings))
    assert feed.settings.group_id == "pmo-portfolio-capacity"
    assert feed.settings.group_id not in {
        build_intake(settings, build(settings)).settings.group_id,
        build_planned_items(settings, build_capacity(settings)).settings.group_id,
    }
