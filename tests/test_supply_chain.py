"""Dependency floors keep out versions with known vulnerabilities; uv.lock pins what each
pyproject declares, and is never older than the pyprojects."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "uv.lock"
# make install puts uv next to the interpreter; the tests run from that virtualenv.
UV = Path(sys.executable).parent / "uv"

# package -> the newest vulnerable version, and why
KNOWN_VULNERABLE = {
    "strawberry-graphql": ("0.242.9", "CVE-2024-47082: CSRF through multipart uploads"),
}


def pyprojects() -> list[Path]:
    found = [ROOT / "pyproject.toml", *sorted(ROOT.glob("*/**/pyproject.toml"))]
    return [p for p in found if ".venv" not in p.parts]


def requirements() -> list[tuple[str, Requirement]]:
    found = []
    for pyproject in pyprojects():
        project = tomllib.loads(pyproject.read_text()).get("project", {})
        for line in project.get("dependencies", []):
            found.append((str(pyproject.relative_to(ROOT)), Requirement(line)))
    return found


def declared() -> list[tuple[str, str, Requirement]]:
    """(package, extra or "", requirement) for every runtime and optional dependency."""
    found = []
    for pyproject in pyprojects():
        project = tomllib.loads(pyproject.read_text())["project"]
        for line in project.get("dependencies", []):
            found.append((project["name"], "", Requirement(line)))
        for extra, lines in project.get("optional-dependencies", {}).items():
            found.extend((project["name"], extra, Requirement(line)) for line in lines)
    return found


def locked() -> dict[str, list[dict[str, Any]]]:
    """Name -> its lock entries: more than one where versions differ by Python version."""
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in tomllib.loads(LOCK.read_text())["package"]:
        found.setdefault(canonicalize_name(entry["name"]), []).append(entry)
    return found


def uv_lock_check(workspace: Path) -> subprocess.CompletedProcess[str]:
    assert UV.is_file(), f"uv is missing from {UV.parent}: run `make install`"
    return subprocess.run(
        [str(UV), "lock", "--check", "--offline", "--no-progress"],
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("package", sorted(KNOWN_VULNERABLE))
def test_no_package_admits_a_version_with_a_known_vulnerability(package: str) -> None:
    vulnerable, why = KNOWN_VULNERABLE[package]
    declared = [(where, r) for where, r in requirements() if r.name == package]

    assert declared, f"{package} is not required anywhere"
    for where, requirement in declared:
        assert not requirement.specifier.contains(vulnerable), f"{where} admits {why}"


@pytest.mark.parametrize("package", sorted(KNOWN_VULNERABLE))
def test_the_lock_pins_no_version_with_a_known_vulnerability(package: str) -> None:
    vulnerable, why = KNOWN_VULNERABLE[package]

    pinned = [Version(e["version"]) for e in locked()[canonicalize_name(package)]]

    assert min(pinned) > Version(vulnerable), f"uv.lock pins {package} {min(pinned)}: {why}"


def test_the_lock_is_up_to_date_with_every_pyproject() -> None:
    result = uv_lock_check(ROOT)

    assert result.returncode == 0, f"uv.lock is stale, run `uv lock`:\n{result.stderr}"


def test_a_pyproject_edited_without_relocking_makes_the_lock_stale(tmp_path: Path) -> None:
    for pyproject in pyprojects():
        copy = tmp_path / pyproject.relative_to(ROOT)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(pyproject, copy)
    shutil.copy(LOCK, tmp_path / "uv.lock")
    assert uv_lock_check(tmp_path).returncode == 0, "the copied workspace should start in sync"
    demand = tmp_path / "services" / "demand" / "pyproject.toml"
    demand.write_text(demand.read_text().replace('version = "0.1.0"', 'version = "0.1.1"', 1))

    result = uv_lock_check(tmp_path)

    assert result.returncode != 0
    assert "uv.lock" in result.stderr or "lockfile" in result.stderr


def test_every_workspace_package_is_in_the_lock() -> None:
    lock = locked()

    for pyproject in pyprojects():
        name = tomllib.loads(pyproject.read_text())["project"]["name"]
        entries = lock.get(canonicalize_name(name), [])
        assert len(entries) == 1, f"{name} ({pyproject.relative_to(ROOT)}) is not in uv.lock"
        assert entries[0]["source"] == {"editable": str(pyproject.parent.relative_to(ROOT)) or "."}


@pytest.mark.parametrize(
    ("package", "extra", "requirement"),
    declared(),
    ids=[f"{p}[{e}]:{r.name}" if e else f"{p}:{r.name}" for p, e, r in declared()],
)
def test_every_declared_dependency_is_locked_at_a_version_it_admits(
    package: str, extra: str, requirement: Requirement
) -> None:
    lock = locked()
    name = canonicalize_name(requirement.name)
    (entry,) = lock[canonicalize_name(package)]
    edges = (
        entry.get("optional-dependencies", {}).get(extra, []) if extra else entry["dependencies"]
    )

    edge = next((e for e in edges if canonicalize_name(e["name"]) == name), None)

    assert edge is not None, f"uv.lock does not record {package} -> {requirement}"
    # An extra the locked version no longer defines (testcontainers 4.15 has no [postgres]) is
    # a no-op that uv drops; the ones it defines must reach the lock.
    defined = {x for e in lock[name] for x in e.get("optional-dependencies", {})}
    wanted = {canonicalize_name(x) for x in requirement.extras} & defined
    assert wanted <= set(edge.get("extra", [])), f"uv.lock lacks extras of {requirement}"
    assert name in lock, f"{requirement.name} is not pinned in uv.lock"
    for pinned in [e["version"] for e in lock[name]]:
        assert requirement.specifier.contains(pinned, prereleases=True), (
            f"uv.lock pins {requirement.name} {pinned}, outside {package}'s {requirement}"
        )
