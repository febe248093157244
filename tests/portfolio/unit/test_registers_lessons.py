"""Lessons learned: recorded per item with a category and tags, searchable across items."""

from __future__ import annotations

from datetime import timedelta

from pmo_portfolio.domain.delivery.registers.events import LessonRecorded
from pmo_portfolio.domain.delivery.registers.lessons import LessonsRegister, search_lessons
from pmo_portfolio.domain.delivery.registers.values import LessonCategory
from tests.portfolio.unit.registers_helpers import ITEM, NOW, PM


def test_a_lesson_is_recorded_with_its_category_and_tags_once_each() -> None:
    register = LessonsRegister(ITEM)

    lesson_id = register.record_lesson(
        title="Book testers early",
        description="Shared testers were never free.",
        category=LessonCategory.PEOPLE,
        tags=["Testing", "staffing", "testing"],
        actor_id=PM,
        now=NOW,
    )

    assert lesson_id == "L1"
    assert register.pending == (
        LessonRecorded(
            item_id=ITEM,
            lesson_id="L1",
            title="Book testers early",
            description="Shared testers were never free.",
            category=LessonCategory.PEOPLE,
            tags=("testing", "staffing"),
            recorded_by=PM,
            recorded_at=NOW,
        ),
    )


def test_lessons_are_found_across_items_by_category_every_tag_and_words_newest_first() -> None:
    registers = [LessonsRegister(item_id) for item_id in ("crm", "erp")]
    specs = [
        (0, "Fix the supplier's dates in the contract", LessonCategory.SUPPLIERS, ["contract"]),
        (1, "Penalties keep suppliers on time", LessonCategory.SUPPLIERS, ["contract", "sla"]),
        (1, "Estimate integration separately", LessonCategory.ESTIMATION, ["contract"]),
    ]
    for hours, (index, title, category, tags) in enumerate(specs):
        registers[index].record_lesson(
            title=title,
            description=f"{title}.",
            category=category,
            tags=tags,
            actor_id=PM,
            now=NOW + timedelta(hours=hours),
        )
    every = [lesson for r in registers for lesson in r.lessons.values()]

    def titles(**criteria: object) -> list[str]:
        return [lesson.title for lesson in search_lessons(every, **criteria)]  # type: ignore[arg-type]

    assert titles(category=LessonCategory.SUPPLIERS) == [
        "Penalties keep suppliers on time",
        "Fix the supplier's dates in the contract",
    ]
    assert titles(tags=["contract", "SLA"]) == ["Penalties keep suppliers on time"]
    assert titles(words="INTEGRATION estimate") == ["Estimate integration separately"]
    assert titles(category=LessonCategory.RISK) == []
