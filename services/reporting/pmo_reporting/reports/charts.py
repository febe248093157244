"""Vega-Lite specs to SVG with vl-convert (a self-contained wheel: its own JavaScript engine,
no browser, no network). The same spec gives the same SVG bytes; text is measured with the
fonts vl-convert finds, so editions rebuild byte-identical on the machine (image) that built
them. A small cache keeps the SVGs of specs drawn lately (a spec says everything drawn).

Vega numbers the ids it gives gradients and clip paths with counters that live as long as its
engine (gradient_0, then gradient_1 for the same chart drawn again): `svg` renames them in
order of appearance under the chart's own prefix, so a drawing does not depend on what was
drawn before, and two charts inline in one page never share an id."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import orjson

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
CONFIG = {
    "font": "DejaVu Sans",
    "background": "white",
    "view": {"stroke": None},
    "axis": {"labelFontSize": 10, "titleFontSize": 11},
    "legend": {"labelFontSize": 10, "titleFontSize": 11},
}
_CACHE_SIZE = 64
_cache: OrderedDict[bytes, str] = OrderedDict()
_ID = re.compile(r'\bid="([^"]+)"')


def svg(spec: dict[str, Any], prefix: str = "chart") -> str:
    """The chart `spec` draws, as an SVG document, its ids starting with `prefix`."""
    import vl_convert  # loads its JavaScript engine (about 2 s) on first use

    full = {"$schema": SCHEMA, "config": CONFIG, **spec}
    key = orjson.dumps(full, option=orjson.OPT_SORT_KEYS)
    found = _cache.get(key)
    if found is None:
        found = str(vl_convert.vegalite_to_svg(full))
        _cache[key] = found
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return _renamed(found, prefix)


def _renamed(drawn: str, prefix: str) -> str:
    names: dict[str, str] = {}
    for found in _ID.finditer(drawn):
        names.setdefault(found[1], f"{prefix}-{len(names)}")
    for old, new in names.items():
        for form in ('id="{}"', "url(#{})", 'href="#{}"'):
            drawn = drawn.replace(form.format(old), form.format(new))
    return drawn


def clear_cache() -> None:
    _cache.clear()
