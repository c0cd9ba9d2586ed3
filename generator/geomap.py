"""A locator map drawn at build time: inline SVG from a GeoJSON outline in `data/geo/` and places with lat/lon.

No tiles, no requests, no script, no inline style (classes only, for the CSP): a local equirectangular
projection around the outline's middle latitude, outlines simplified (Douglas–Peucker) to what shows at the
map's size, numbered markers linking to their pages, labels in the page's language, and the same places as a
list for readers who cannot see the map. Everything here is pure but `load_outline`, which is cached.
"""

from __future__ import annotations

import functools
import html
import json
import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WIDTH = 640.0
OUTLINE = Path("data") / "geo" / "red-river-delta.geojson"
TOLERANCE = 0.6  # px: outline points closer than this to the simplified line go

Ring = list[tuple[float, float]]


@dataclass(frozen=True)
class Place:
    """A point on the map: its label in the page's language, position, kind and page (if it has one)."""

    name: str
    lat: float
    lon: float
    kind: str = "park"  # park, port, airport, city
    url: str | None = None


@dataclass(frozen=True)
class Outline:
    """Land polygons (lon, lat) within a box, and where they come from."""

    polygons: tuple[tuple[Ring, ...], ...]
    box: tuple[float, float, float, float]  # west, south, east, north
    source: str
    licence: str


@functools.lru_cache(maxsize=8)
def _read(path: str, mtime: int) -> Outline | None:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        polygons: list[tuple[Ring, ...]] = []
        props: dict[str, Any] = {}
        for feature in doc.get("features", []):
            props = props or dict(feature.get("properties") or {})
            geometry = feature["geometry"]
            parts = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            for part in parts:
                polygons.append(tuple([(float(x), float(y)) for x, y, *_ in ring] for ring in part))
        box = props.get("bbox") or _bbox(p for poly in polygons for ring in poly for p in ring)
        w, s, e, n = (float(v) for v in box)
        return Outline(tuple(polygons), (w, s, e, n), str(props.get("source", "")), str(props.get("licence", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load_outline(root: Path) -> Outline | None:
    """The site's map outline (data/geo/red-river-delta.geojson), or None when it has none."""
    path = root / OUTLINE
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return None
    return _read(str(path), mtime)


def _bbox(points: Iterable[tuple[float, float]]) -> tuple[float, float, float, float]:
    xs, ys = zip(*points, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


class Projection:
    """Equirectangular around the box's middle latitude (true to scale there): lon/lat → SVG px."""

    def __init__(self, box: tuple[float, float, float, float], width: float = WIDTH) -> None:
        self.west, self.south, self.east, self.north = box
        self.k = math.cos(math.radians((self.south + self.north) / 2))
        self.scale = width / ((self.east - self.west) * self.k)
        self.width = width
        self.height = round((self.north - self.south) * self.scale, 1)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - self.west) * self.k * self.scale, 1), round((self.north - lat) * self.scale, 1))

    def inside(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


def simplify(points: Sequence[tuple[float, float]], tolerance: float = TOLERANCE) -> list[tuple[float, float]]:
    """Douglas–Peucker, iterative (a long coast does not recurse deeply)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, index = -1.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm if norm else math.hypot(x - x1, y - y1)
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _path(polygons: Iterable[tuple[Ring, ...]], project: Projection) -> str:
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = simplify([project(x, y) for x, y in ring])
            if len(points) >= 3:
                parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in points) + "Z")
    return "".join(parts)


def draw(places: Sequence[Place], outline: Outline, title: str, ident: str, links_label: str = "") -> str:
    """The map: an SVG picture (`role="img"`, titled) of the land and each place inside the box as a numbered
    marker with its label, under a second, transparent SVG of the same size whose links (one per place with
    a page) lie over the markers; a picture may not hold links (its content is presentational). Numbers
    follow the order of `places`, as in the list beside the map."""
    esc = html.escape
    project = Projection(outline.box)
    box = f'viewBox="0 0 {project.width:g} {project.height:g}"'
    out = [f'<div class="locator-map"><svg xmlns="http://www.w3.org/2000/svg" {box} role="img" '
           f'aria-labelledby="{ident}-title" class="locator-svg">',
           f'<title id="{ident}-title">{esc(title)}</title>',
           f'<rect class="sea" width="{project.width:g}" height="{project.height:g}"/>',
           f'<path class="land" d="{_path(outline.polygons, project)}"/>']
    links = []
    shown = [(number, place, project(place.lon, place.lat)) for number, place in enumerate(places, start=1)
             if project.inside(place.lon, place.lat)]
    labels = place_labels([(p.name, xy) for _, p, xy in shown], project.width, project.height)
    for (number, place, (x, y)), (lx, ly, anchor) in zip(shown, labels, strict=True):
        kind = "park" if place.kind == "park" else "place"
        out.append(f'<g class="marker {kind}"><circle cx="{x:g}" cy="{y:g}" r="9"/>'
                   f'<text class="num" x="{x:g}" y="{y:g}">{number}</text>'
                   f'<text class="label" x="{lx:g}" y="{ly:g}"'
                   + (f' text-anchor="{anchor}"' if anchor != "start" else "") + f">{esc(place.name)}</text></g>")
        if place.url:
            links.append(f'<a href="{esc(place.url)}"><title>{number}. {esc(place.name)}</title>'
                         f'<circle class="hit" cx="{x:g}" cy="{y:g}" r="11"/></a>')
    out.append("</svg>")
    if links:
        out.append(f'<svg xmlns="http://www.w3.org/2000/svg" {box} class="locator-links" '
                   f'aria-label="{esc(links_label or title)}">' + "".join(links) + "</svg>")
    out.append("</div>")
    return "".join(out)


LABEL_SIZE = 14.0  # px, as the theme sets `.locator .marker text.label` (media.css)
Box = tuple[float, float, float, float]  # left, top, right, bottom


def _text_width(text: str) -> float:
    """About how wide a label is drawn: a CJK character is a full em, other letters a little over half."""
    return sum(LABEL_SIZE if unicodedata.east_asian_width(c) in "WF" else LABEL_SIZE * 0.58 for c in text)


def place_labels(items: Sequence[tuple[str, tuple[float, float]]], width: float,
                 height: float) -> list[tuple[float, float, str]]:
    """Where each marker's label goes: (x, y, text-anchor). Each takes the first place, of right, left,
    above and below its marker, that stays on the map and covers no marker and no label placed before it
    (or, when none does, the one that covers least), so that close places keep readable names."""
    marks = [(x - 10, y - 10, x + 10, y + 10) for _, (x, y) in items]
    placed: list[Box] = []
    out = []
    for name, (x, y) in items:
        w, h = _text_width(name), LABEL_SIZE
        options = [((x + 12, y + 5, "start"), (x + 12, y - h + 5, x + 12 + w, y + 5)),
                   ((x - 12, y + 5, "end"), (x - 12 - w, y - h + 5, x - 12, y + 5)),
                   ((x, y - 13, "middle"), (x - w / 2, y - 13 - h, x + w / 2, y - 13)),
                   ((x, y + 24, "middle"), (x - w / 2, y + 24 - h, x + w / 2, y + 24))]
        blocking = placed + marks
        (lx, ly, anchor), box = min(options, key=lambda option: _cost(option[1], blocking, width, height))
        placed.append(box)
        out.append((round(lx, 1), round(ly, 1), anchor))
    return out


def _cost(box: Box, others: Sequence[Box], width: float, height: float) -> float:
    """How much of a label's box falls off the map or on others (0: none; the first such place is taken)."""
    off = max(0.0, -box[0]) + max(0.0, box[2] - width) + max(0.0, -box[1]) + max(0.0, box[3] - height)
    return off * LABEL_SIZE + sum(_overlap(box, other) for other in others)


def _overlap(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def places_from_data(data: Any, lang: str, fallback: str, kinds: Sequence[str] | None = None) -> list[Place]:
    """The places of data/places.yaml (`places: [{id, kind, lat, lon, name: {lang: …}}]`), named in `lang`."""
    items = data.get("places") if isinstance(data, Mapping) else data
    out = []
    for item in items or ():
        if not isinstance(item, Mapping) or not _number(item.get("lat")) or not _number(item.get("lon")):
            continue
        if kinds is not None and item.get("kind") not in kinds:
            continue
        names = item.get("name")
        name = (names.get(lang) or names.get("en") or names.get(fallback) or "") if isinstance(names, Mapping) \
            else str(names or "")
        out.append(Place(str(name), float(item["lat"]), float(item["lon"]), str(item.get("kind", "city"))))
    return out


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def park_place(title: str, url: str, params: Mapping[str, Any]) -> Place | None:
    """A park page's place, when its `park:` mapping has `lat` and `lon`."""
    park = params.get("park")
    if isinstance(park, Mapping) and _number(park.get("lat")) and _number(park.get("lon")):
        return Place(title, float(park["lat"]), float(park["lon"]), "park", url)
    return None
