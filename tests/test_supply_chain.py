"""Dependency floors keep out versions with known vulnerabilities."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent

# package -> the newest vulnerable version, and why
KNOWN_VULNERABLE = {
    "strawberry-graphql": ("0.242.9", "CVE-2024-47082: CSRF through multipart uploads"),
}


def requirements() -> list[tuple[str, Requirement]]:
    found = []
    for pyproject in [ROOT / "pyproject.toml", *sorted(ROOT.glob("*/**/pyproject.toml"))]:
        if ".venv" in pyproject.parts:
            continue
        project = tomllib.loads(pyproject.read_text()).get("project", {})
        for line in project.get("dependencies", []):
            found.append((str(pyproject.relative_to(ROOT)), Requirement(line)))
    return found


@pytest.mark.parametrize("package", sorted(KNOWN_VULNERABLE))
def test_no_package_admits_a_version_with_a_known_vulnerability(package: str) -> None:
    vulnerable, why = KNOWN_VULNERABLE[package]
    declared = [(where, r) for where, r in requirements() if r.name == package]

    assert declared, f"{package} is not required anywhere"
    for where, requirement in declared:
        assert not requirement.specifier.contains(vulnerable), f"{where} admits {why}"
