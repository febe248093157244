"""The skills catalogue: names unique case-insensitively; unknown skills named."""

from __future__ import annotations

import pytest

from pmo_capacity.domain import SkillAdded, SkillCatalogue, UnknownSkills
from pmo_kernel.errors import InvalidTransition


def catalogue(*names: str) -> SkillCatalogue:
    given = SkillCatalogue()
    for name in names:
        given.add(name, None, "rita")
    given.mark_saved(len(names), None)
    return given


def test_a_skill_added_is_in_the_catalogue_with_who_added_it() -> None:
    skills = catalogue()

    skills.add("Python", "The language", "rita")

    (added,) = skills.pending
    assert isinstance(added, SkillAdded)
    assert (added.name, added.description, added.added_by) == ("Python", "The language", "rita")
    assert skills.unknown(["python", "PYTHON"]) == []


def test_a_name_already_in_the_catalogue_in_another_case_is_refused() -> None:
    skills = catalogue("Python")

    with pytest.raises(InvalidTransition) as refused:
        skills.add("PYTHON", None, "rita")

    assert refused.value.extensions == {"skill": "Python"}
    assert skills.pending == ()


def test_requiring_unknown_skills_names_each_of_them_once() -> None:
    skills = catalogue("Python", "SQL")

    with pytest.raises(UnknownSkills) as refused:
        skills.require_known(["sql", "Cobol", "Rust", "Cobol"], "registering Ann")

    assert refused.value.status == 422
    assert refused.value.extensions == {"unknown_skills": ["Cobol", "Rust"]}


def test_known_skills_whatever_their_case_pass() -> None:
    catalogue("Python", "SQL").require_known(["python", "Sql"], "registering Ann")
