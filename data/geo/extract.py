"""Make red-river-delta.geojson: Vietnam's outline from Natural Earth 1:10m (npm world-atlas 2.0.2,
countries-10m.json, Natural Earth 4.1.0), clipped to the Red River Delta. Run once, by hand:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python data/geo/extract.py package/countries-10m.json > data/geo/red-river-delta.geojson
"""

import json
import sys

BOX = (105.45, 19.95, 107.15, 21.45)  # west, south, east, north (degrees)


def arcs_of(topo: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def clip(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sutherland–Hodgman against BOX."""
    w, s, e, n = BOX
    edges = [(lambda p: p[0] >= w, lambda a, b: (w, a[1] + (b[1] - a[1]) * (w - a[0]) / (b[0] - a[0]))),
             (lambda p: p[0] <= e, lambda a, b: (e, a[1] + (b[1] - a[1]) * (e - a[0]) / (b[0] - a[0]))),
             (lambda p: p[1] >= s, lambda a, b: (a[0] + (b[0] - a[0]) * (s - a[1]) / (b[1] - a[1]), s)),
             (lambda p: p[1] <= n, lambda a, b: (a[0] + (b[0] - a[0]) * (n - a[1]) / (b[1] - a[1]), n))]
    for inside, cut in edges:
        src, points = points, []
        for i, cur in enumerate(src):
            prev = src[i - 1]
            if inside(cur):
                if not inside(prev):
                    points.append(cut(prev, cur))
                points.append(cur)
            elif inside(prev):
                points.append(cut(prev, cur))
        if not points:
            return []
    return points


def main() -> None:
    topo = json.load(open(sys.argv[1]))
    arcs = arcs_of(topo)
    vn = next(g for g in topo["objects"]["countries"]["geometries"] if g["properties"]["name"] == "Vietnam")
    polygons = vn["arcs"] if vn["type"] == "MultiPolygon" else [vn["arcs"]]
    out = []
    for polygon in polygons:
        outer = clip(ring(arcs, polygon[0]))
        if len(outer) >= 3:
            outer.append(outer[0])
            out.append([[[round(x, 4), round(y, 4)] for x, y in outer]])
    json.dump({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"name": "Vietnam", "source": "Natural Earth 1:10m Admin 0 countries, v4.1.0, via npm "
                       "world-atlas 2.0.2", "licence": "public domain", "bbox": list(BOX)},
        "geometry": {"type": "MultiPolygon", "coordinates": out}}]}, sys.stdout, separators=(",", ":"))


main()
