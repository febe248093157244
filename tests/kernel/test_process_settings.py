"""What every service process sets up from its settings before it starts working."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from pmo_kernel import process
from pmo_kernel.process import process_settings
from pmo_kernel.settings import GC_YOUNG_THRESHOLD


@pytest.fixture(autouse=True)
def no_global_logging_or_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test run keeps its own log handlers and tracer."""
    monkeypatch.setattr(process, "configure_logging", lambda *args, **kwargs: None)
    monkeypatch.setattr(process, "configure_tracing", lambda *args, **kwargs: None)


@pytest.fixture
def restored_gc_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


@pytest.mark.usefixtures("restored_gc_thresholds")
def test_a_service_process_collects_young_objects_at_the_configured_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gc.set_threshold(700, 10, 10)
    monkeypatch.setenv("GC_YOUNG_THRESHOLD", "20000")

    process_settings("demand", "api")

    assert gc.get_threshold() == (20000, 10, 10)


@pytest.mark.usefixtures("restored_gc_thresholds")
def test_by_default_a_service_process_raises_cpythons_young_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gc.set_threshold(700, 10, 10)
    monkeypatch.delenv("GC_YOUNG_THRESHOLD", raising=False)

    settings = process_settings("demand", "relay")

    assert settings.gc_young_threshold == GC_YOUNG_THRESHOLD > 700
    assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD


def test_a_threshold_too_small_to_mean_anything_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GC_YOUNG_THRESHOLD", "5")

    with pytest.raises(ValueError, match="gc_young_threshold"):
        process_settings("demand", "api")
