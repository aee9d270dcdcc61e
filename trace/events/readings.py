"""English readings of Chinese names for the public page's English side. Pure Python.

The English page speaks English: a Chinese name it has no translation of is given as its Hanyu Pinyin
reading followed by the original in parentheses, "Ermaya (二马牙)"; a GB/T 2260 division as its pinyin
stem and its level in English, "Fusong County (抚松县)". The readings come from ``pypinyin`` (its phrase
dictionary picks the reading of a character by its word: 长春 is Changchun, 长白山 Changbaishan).
A name that has its own English part (an organisation registered as "抚松县王氏人参种植场 Wang ginseng
farm, Fusong") is split into its Chinese and English names by :func:`bilingual`.
"""

from __future__ import annotations

import re
from functools import cache

from .places import Division, division, divisions

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff][\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·]*")
"""A run of Han characters (the middle dot may join them, as in names)."""
SUFFIXES = (
    ("朝鲜族自治州", "Korean Autonomous Prefecture"),
    ("蒙古族自治县", "Mongol Autonomous County"),
    ("朝鲜族自治县", "Korean Autonomous County"),
    ("满族自治县", "Manchu Autonomous County"),
    ("自治县", "Autonomous County"),
    ("自治州", "Autonomous Prefecture"),
    ("省", "Province"),
    ("县", "County"),
    ("市", "City"),
    ("区", "District"),
    ("旗", "Banner"),
)
"""The levels of divisions and their English names, longest first."""
VOWELS = ("a", "o", "e")


def _word(syllables: list[str]) -> str:
    """Syllables as one pinyin word, an apostrophe before a syllable starting with a, o or e (Ji'an)."""
    text = ""
    for s in syllables:
        text += ("'" if text and s.startswith(VOWELS) else "") + s
    return text[:1].upper() + text[1:]


def load_readings() -> None:
    """Load the phrase dictionary now (a server, as it starts: not in its first English page's answer)."""
    pinyin("吉林")


@cache
def pinyin(han: str) -> str:
    """The reading of a run of Han characters: one word for a short name (二马牙: Ermaya), words split at the
    phrase dictionary's boundaries for a longer one, each capitalised."""
    # imported when first read: pypinyin's phrase dictionary costs half a second, which every process (each
    # command-line call) would pay at start whether it reads a name or not (a server loads it as it starts:
    # load_readings)
    from pypinyin import lazy_pinyin
    from pypinyin.seg.simpleseg import seg

    if len(han) <= 4:
        return _word(lazy_pinyin(han.replace("·", " ")))
    words = []
    for name in _division_names():  # a name led by a division's (吉林省…) reads it apart: not 省长 shengzhang
        if han.startswith(name) and len(han) > len(name):
            for suffix, _level in SUFFIXES:
                if name.endswith(suffix) and len(name) > len(suffix):
                    return f"{pinyin(name[: -len(suffix)])} {_word(lazy_pinyin(suffix))} {pinyin(han[len(name) :])}"
            return f"{pinyin(name)} {pinyin(han[len(name) :])}"
    for part in seg(han):
        words.append(_word(lazy_pinyin(part)))
    return " ".join(w for w in words if w)


@cache
def _division_names() -> tuple[str, ...]:
    """Jilin's division names, longest first (the names organisations' names start with)."""
    names = {d.name for d in divisions() if d.code.startswith("22")}
    return tuple(sorted(names, key=len, reverse=True))


def english(text: str) -> str:
    """``text`` for the English page: each Han run outside parentheses as its reading and, in parentheses,
    the original ("长白山人参 brand base" -> "Changbaishan Renshen (长白山人参) brand base")."""
    out, depth, at = [], 0, 0
    for match in HAN.finditer(text):
        before = text[at : match.start()]
        depth += before.count("(") + before.count("（") - before.count(")") - before.count("）")
        out.append(before)
        out.append(match.group() if depth > 0 else f"{pinyin(match.group())} ({match.group()})")
        at = match.end()
    out.append(text[at:])
    return "".join(out)


def division_name_en(found: Division) -> str:
    """A division's English name: its pinyin stem and its level (抚松县: Fusong County; 吉林省: Jilin
    Province; 延边朝鲜族自治州: Yanbian Korean Autonomous Prefecture)."""
    for suffix, level in SUFFIXES:
        if found.name.endswith(suffix) and len(found.name) > len(suffix):
            return f"{pinyin(found.name[: -len(suffix)])} {level}"
    return pinyin(found.name)


def place_en(code: str | None, county: str | None, prefecture: str | None) -> str:
    """A county for the English page, with its original: "Fusong County, Baishan City, Jilin Province
    (吉林省白山市抚松县)" from its GB/T 2260 code; a county named only in words as its reading."""
    found = division(code) if code else None
    if found is None or found.level != "county":
        return english(f"{prefecture or ''}{county or ''}")
    parts = [found, found.prefecture, found.province]
    names = ", ".join(dict.fromkeys(division_name_en(p) for p in parts if p is not None))
    return f"{names} ({found.full_name})"


def bilingual(name: str) -> tuple[str, str]:
    """A registered name's Chinese and English names: a name starting in Chinese and going on in Latin
    letters ("集安红参加工厂 Ji'an red ginseng works") is both; a name in one script only is that name for
    the Chinese page and, for the English page, its reading with the original."""
    match = re.match(r"^([^A-Za-z]*[\u4e00-\u9fff][^A-Za-z]*?)\s+([A-Za-z].*)$", name)
    if match:
        return match.group(1).strip(), match.group(2).strip()
    return name, english(name)
