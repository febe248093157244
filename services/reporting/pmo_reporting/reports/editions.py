"""Report editions: generated from the read models, stored with the data they were drawn from
and the positions the read models had, rebuilt byte-identical from that data.

Consistency: the read models' positions are read before and after a section's data; if they
moved, the data is read again (at most three times), so an edition's data is the read models
at one set of positions. Rebuilding: the stored data renders the same bytes whenever
(`rebuild`); regenerating from the read models (`regenerate`) is refused with READ_MODEL_MOVED
once they applied more events, since they keep no history to go back to (time travel is a
later issue); at the same positions it reads the same data, and so the same bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from pmo_kernel.access import PORTFOLIO_READERS, person_key
from pmo_kernel.db import raw_connection
from pmo_kernel.errors import PermissionDenied
from pmo_kernel.identity import Principal
from pmo_reporting.reports.definitions import ReportAudience, ReportDefinition, parse_period
from pmo_reporting.reports.errors import (
    EditionNotFound,
    InvalidReportRequest,
    ReadModelBusy,
    ReadModelMoved,
)
from pmo_reporting.reports.render import Rendered, render
from pmo_reporting.reports.sections import DEFAULT_SECTIONS, SECTIONS
from pmo_reporting.reports.sources import Sources

Step = Callable[[str], None]
ATTEMPTS = 3
EDITION_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,200}$")
_SLUG = re.compile(r"[^a-z0-9]+")


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class Edition:
    id: str
    audience: ReportAudience
    period: str
    programme_id: str | None
    as_of: datetime
    positions: dict[str, Any]
    html_sha256: str
    pdf_sha256: str


@dataclass(frozen=True)
class Rebuilt:
    edition: Edition
    rendered: Rendered
    identical: bool  # both renderings equal the stored bytes


def define(
    audience: ReportAudience,
    period: str,
    *,
    programme_id: str | None = None,
    sections: list[str] | None = None,
) -> ReportDefinition:
    """The definition asked for, checked: INVALID_REPORT_REQUEST for an unknown period or
    section, a sponsor report without its programme or another report with one."""
    parsed = parse_period(period)
    if audience is ReportAudience.SPONSOR and not programme_id:
        raise InvalidReportRequest(
            "a sponsor report is about one programme", argument="programmeId"
        )
    if audience is not ReportAudience.SPONSOR and programme_id:
        raise InvalidReportRequest(
            "only a sponsor report is about one programme", argument="programmeId"
        )
    chosen = tuple(sections) if sections else DEFAULT_SECTIONS[audience]
    unknown = [key for key in chosen if key not in SECTIONS]
    if unknown or len(set(chosen)) != len(chosen):
        raise InvalidReportRequest(
            f"unknown or repeated sections {unknown or list(chosen)}; known: {', '.join(SECTIONS)}",
            argument="sections",
        )
    return ReportDefinition(audience, parsed, chosen, programme_id or None)


def edition_key(definition: ReportDefinition) -> str:
    parts = [definition.period.name.lower(), definition.audience.value.replace("_", "-")]
    if definition.programme_id:
        parts.append(_SLUG.sub("-", definition.programme_id.lower()).strip("-") or "programme")
    return ".".join(parts)


class Editions:
    """Generates, stores, reads and rebuilds editions, over the reporting read models."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.table = f"{sources.s}.report_editions"

    # -- who may ------------------------------------------------------------------------

    async def check_access(self, principal: Principal, programme_id: str | None) -> None:
        """Reports show the portfolio's figures: its readers see them all, a programme's
        sponsor its programme's. FORBIDDEN otherwise (also for a programme that does not
        exist, so ids cannot be probed)."""
        if principal.roles & PORTFOLIO_READERS:
            return
        if programme_id is not None:
            rows = await self.sources.portfolio.programmes_by_ids([programme_id])
            sponsor = person_key((rows.get(programme_id) or {}).get("sponsor"))
            if sponsor is not None and sponsor in {
                person_key(principal.subject),
                person_key(principal.name),
            }:
                return
        raise PermissionDenied(
            "reports need one of the roles " + ", ".join(sorted(PORTFOLIO_READERS))
            + " (or being the sponsor of the programme reported on)",
            required_roles=sorted(PORTFOLIO_READERS),
        )  # fmt: skip

    # -- generation ---------------------------------------------------------------------

    async def gather(
        self, definition: ReportDefinition, as_of: datetime, step: Step = _quiet
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(positions, sections' data), read at one set of positions."""
        for _ in range(ATTEMPTS):
            before = await self.sources.positions()
            data: dict[str, Any] = {}
            for key in definition.sections:
                section = SECTIONS[key]
                step(f"reading {section.title.lower()}")
                data[key] = await section.gather(self.sources, definition, as_of)
            if await self.sources.positions() == before:
                return before, data
        raise ReadModelBusy(f"the read models kept moving over {ATTEMPTS} reads; retry later")

    async def generate(
        self,
        definition: ReportDefinition,
        principal: Principal,
        *,
        as_of: datetime | None = None,
        step: Step = _quiet,
    ) -> Edition:
        await self.check_access(principal, definition.programme_id)
        if definition.programme_id is not None:
            programmes = await self.sources.portfolio.programmes_by_ids([definition.programme_id])
            if definition.programme_id not in programmes:
                raise InvalidReportRequest(
                    f"no programme {definition.programme_id}", argument="programmeId"
                )
            programme_name = str(programmes[definition.programme_id]["name"])
        else:
            programme_name = None
        stated = _stated(as_of, definition)
        positions, sections = await self.gather(definition, stated, step)
        key = edition_key(definition)
        async with raw_connection(self.sources.engine) as conn, conn.transaction():
            # One number per (definition, period), in order: editions of it are serialised.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"report:{key}")
            sequence = await conn.fetchval(
                f"SELECT COALESCE(max(sequence), 0) + 1 FROM {self.table} "
                f"WHERE audience = $1 AND period = $2 AND programme_id IS NOT DISTINCT FROM $3",
                definition.audience.value, definition.period.name, definition.programme_id,
            )  # fmt: skip
            edition_id = f"{key}.{sequence}"
            snapshot = {
                "edition_id": edition_id,
                "definition": definition.document(),
                "programme_name": programme_name,
                "as_of": stated.isoformat(),
                "positions": positions,
                "sections": sections,
            }
            canonical = orjson.dumps(snapshot, option=orjson.OPT_SORT_KEYS)
            rendered = await asyncio.to_thread(render, orjson.loads(canonical), step)
            step("storing the edition")
            edition = Edition(
                edition_id, definition.audience, definition.period.name,
                definition.programme_id, stated, positions,
                hashlib.sha256(rendered.html).hexdigest(), hashlib.sha256(rendered.pdf).hexdigest(),
            )  # fmt: skip
            await conn.execute(
                f"INSERT INTO {self.table} (id, audience, period, programme_id, sequence, as_of, "
                f"positions, data, html, pdf, html_sha256, pdf_sha256, generated_by) VALUES "
                f"($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13)",
                edition.id, edition.audience.value, edition.period, edition.programme_id,
                sequence, stated, orjson.dumps(positions).decode(), canonical.decode(),
                rendered.html, rendered.pdf, edition.html_sha256, edition.pdf_sha256,
                principal.subject,
            )  # fmt: skip
        return edition

    # -- reading ------------------------------------------------------------------------

    async def _row(self, edition_id: str, columns: str) -> dict[str, Any]:
        if not EDITION_ID.match(edition_id):
            raise EditionNotFound(f"no report edition {edition_id!r}")
        async with raw_connection(self.sources.engine) as conn:
            record = await conn.fetchrow(
                f"SELECT id, audience, period, programme_id, as_of, positions::text AS positions, "
                f"html_sha256, pdf_sha256, {columns} FROM {self.table} WHERE id = $1",
                edition_id,
            )
        if record is None:
            raise EditionNotFound(f"no report edition {edition_id!r}")
        return dict(record)

    async def read(self, edition_id: str, principal: Principal, kind: str) -> bytes:
        """The stored HTML or PDF of an edition the principal may read."""
        row = await self._row(edition_id, kind)
        await self.check_access(principal, row["programme_id"])
        body: bytes = row[kind]
        return body

    async def rebuild(self, edition_id: str) -> Rebuilt:
        """Render the edition again from its stored data, and compare with what is stored."""
        row = await self._row(edition_id, "data, html, pdf")
        rendered = await asyncio.to_thread(render, orjson.loads(row["data"]))
        same = rendered.html == bytes(row["html"]) and rendered.pdf == bytes(row["pdf"])
        return Rebuilt(_edition(row), rendered, same)

    async def regenerate(self, edition_id: str) -> Rebuilt:
        """Read the edition's data from the read models again and render it; refused with
        READ_MODEL_MOVED when they are no longer at the edition's positions."""
        row = await self._row(edition_id, "data, html, pdf")
        stored = orjson.loads(row["data"])
        if await self.sources.positions() != stored["positions"]:
            raise ReadModelMoved(
                f"edition {edition_id} was built at {stored['positions']}; the read models "
                f"moved since: rebuild it from its stored data instead",
                positions=stored["positions"],
            )
        doc = stored["definition"]
        definition = define(
            ReportAudience(doc["audience"]), doc["period"],
            programme_id=doc["programme_id"], sections=doc["sections"],
        )  # fmt: skip
        positions, sections = await self.gather(definition, datetime.fromisoformat(stored["as_of"]))
        if positions != stored["positions"]:
            raise ReadModelMoved(f"the read models moved while edition {edition_id} was read")
        again = orjson.loads(
            orjson.dumps({**stored, "sections": sections}, option=orjson.OPT_SORT_KEYS)
        )
        rendered = await asyncio.to_thread(render, again)
        same = rendered.html == bytes(row["html"]) and rendered.pdf == bytes(row["pdf"])
        return Rebuilt(_edition(row), rendered, same)


def _stated(as_of: datetime | None, definition: ReportDefinition) -> datetime:
    """The instant the edition states its data is as of: the one asked for, else the
    period's end when it is past, else now (to the second)."""
    if as_of is not None:
        if as_of.tzinfo is None:
            raise InvalidReportRequest("asOf needs a time zone", argument="asOf")
        return as_of.astimezone(UTC)
    now = datetime.now(UTC).replace(microsecond=0)
    return min(definition.period.end_at, now)


def _edition(row: dict[str, Any]) -> Edition:
    return Edition(
        row["id"], ReportAudience(row["audience"]), row["period"], row["programme_id"],
        row["as_of"], orjson.loads(row["positions"]), row["html_sha256"], row["pdf_sha256"],
    )  # fmt: skip
