"""An edition's data to HTML (Jinja2, charts as inline SVG) and to PDF (Typst, the same SVGs).

Both are pure functions of the stored data: no clock, no randomness, sections in the order
the definition lists them, the PDF's metadata fixed (title, author "pmo", no date) and only
Typst's embedded fonts used (system fonts ignored), so a rebuild gives the same bytes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import orjson
from markupsafe import Markup

from pmo_reporting.reports import charts
from pmo_reporting.reports.definitions import AUDIENCE_TITLES, ReportAudience
from pmo_reporting.reports.sections import SECTIONS

TEMPLATES = Path(__file__).parent / "templates"
_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Rendered:
    html: bytes
    pdf: bytes


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str
    summary: str
    svg: str | None
    columns: tuple[str, ...]
    rows: list[list[str]]


def _views(snapshot: dict[str, Any], step: Callable[[str], None]) -> list[SectionView]:
    views = []
    for key in snapshot["definition"]["sections"]:
        section = SECTIONS[key]
        data = snapshot["sections"][key]
        step(f"drawing {section.title.lower()}")
        spec = section.chart(data)
        drawn = charts.svg(spec, f"{key}-chart") if spec is not None else None
        table = section.table(data)
        views.append(
            SectionView(key, section.title, section.summary(data), drawn, table.columns, table.rows)
        )
    return views


def _header(snapshot: dict[str, Any]) -> dict[str, Any]:
    definition = snapshot["definition"]
    programme = definition.get("programme_id")
    name = snapshot.get("programme_name") or programme
    return {
        "title": AUDIENCE_TITLES[ReportAudience(definition["audience"])],
        "period": definition["period"],
        "period_kind": "Quarter" if "Q" in definition["period"] else "Month",
        "scope": f"Programme {name}" if programme else "Whole portfolio",
        "as_of": snapshot["as_of"],
        "edition": snapshot["edition_id"],
        "positions": snapshot["positions"],
        "positions_text": ", ".join(
            f"{feed} {at['events_applied']} events" for feed, at in snapshot["positions"].items()
        ),
    }


def render_html(snapshot: dict[str, Any], views: list[SectionView]) -> bytes:
    template = _environment.get_template("report.html.j2")
    sections = [{**view.__dict__, "svg": Markup(view.svg) if view.svg else None} for view in views]
    return template.render(**_header(snapshot), sections=sections).encode()


def render_pdf(snapshot: dict[str, Any], views: list[SectionView]) -> bytes:
    import typst  # a self-contained wheel; imported here so the gateway starts without it

    document = {
        **_header(snapshot),
        "sections": [
            {"title": v.title, "summary": v.summary, "columns": list(v.columns), "rows": v.rows,
             "chart": f"chart-{n}.svg" if v.svg else None}
            for n, v in enumerate(views)
        ],
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="pmo-report-") as folder:
        root = Path(folder)
        (root / "report.typ").write_bytes((TEMPLATES / "report.typ").read_bytes())
        (root / "data.json").write_bytes(orjson.dumps(document))
        for n, view in enumerate(views):
            if view.svg:
                (root / f"chart-{n}.svg").write_text(view.svg)
        pdf: bytes = typst.compile(
            str(root / "report.typ"), root=str(root), font_paths=[], ignore_system_fonts=True
        )
    return pdf


def render(snapshot: dict[str, Any], step: Callable[[str], None] = lambda _: None) -> Rendered:
    """The HTML and PDF of the edition `snapshot` describes (editions.py makes it)."""
    views = _views(snapshot, step)
    step("writing the HTML page")
    html = render_html(snapshot, views)
    step("typesetting the PDF")
    return Rendered(html, render_pdf(snapshot, views))
