"""The LessonsRegister aggregate: the lessons one portfolio item taught, on the stream
("lessons-learned", item id), numbered L1, L2, …; and the search across every item's lessons by
category, tag and words, a pure function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from pmo_kernel.aggregate import Aggregate
from pmo_kernel.events import DomainEvent, utcnow
from pmo_portfolio.domain.delivery.registers.events import LessonRecorded
from pmo_portfolio.domain.delivery.registers.values import LessonCategory


@dataclass(frozen=True)
class Lesson:
    item_id: str
    lesson_id: str
    title: str
    description: str
    category: LessonCategory
    tags: tuple[str, ...]
    recorded_by: str
    recorded_at: dt.datetime


class LessonsRegister(Aggregate):
    stream_type = "lessons-learned"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.lessons: dict[str, Lesson] = {}

    def record_lesson(
        self, *, title: str, description: str, category: LessonCategory,
        tags: Collection[str] = (), actor_id: str, now: dt.datetime | None = None,
    ) -> str:  # fmt: skip
        """Record a lesson; its tags are kept once each, in the order given."""
        lesson_id = f"L{len(self.lessons) + 1}"
        self._record(
            LessonRecorded(
                item_id=self.id, lesson_id=lesson_id, title=title, description=description,
                category=category, tags=tuple(dict.fromkeys(t.strip().lower() for t in tags)),
                recorded_by=actor_id, recorded_at=now or utcnow(),
            )
        )  # fmt: skip
        return lesson_id

    def apply(self, event: DomainEvent) -> None:
        match event:
            case LessonRecorded():
                self.lessons[event.lesson_id] = Lesson(
                    event.item_id, event.lesson_id, event.title, event.description,
                    event.category, event.tags, event.recorded_by, event.recorded_at,
                )  # fmt: skip
            case _:
                raise TypeError(f"{type(event).__name__} is not a lessons-learned event")


def search_lessons(
    lessons: Iterable[Lesson], *, category: LessonCategory | None = None,
    tags: Collection[str] = (), words: str | None = None,
) -> list[Lesson]:  # fmt: skip
    """The lessons of `category` that carry every tag of `tags` and every word of `words` in
    their title or description (case-insensitive), the newest first."""
    wanted = {tag.strip().lower() for tag in tags}
    terms = (words or "").lower().split()
    found = [
        lesson
        for lesson in lessons
        if (category is None or lesson.category is category)
        and wanted <= set(lesson.tags)
        and all(term in f"{lesson.title} {lesson.description}".lower() for term in terms)
    ]
    return sorted(found, key=lambda x: (x.recorded_at, x.item_id, x.lesson_id), reverse=True)


__all__ = ["Lesson", "LessonsRegister", "search_lessons"]
