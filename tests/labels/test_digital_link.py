"""GS1 Digital Link: the strict parser and builder, against the grammar and the syntax dictionary."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.labels.digital_link import DigitalLinkError, build, check_digit, dictionary, parse

BASE = "https://trace.example.cn"
GTIN = "06975123400010"


@pytest.mark.parametrize(
    ("uri", "elements", "params"),
    [
        (f"{BASE}/01/{GTIN}", {"01": GTIN}, ()),
        (f"{BASE}/01/{GTIN}/10/PK-2025-0931", {"01": GTIN, "10": "PK-2025-0931"}, ()),
        (f"{BASE}/01/{GTIN}/10/PK-2025-0931/21/0007", {"01": GTIN, "10": "PK-2025-0931", "21": "0007"}, ()),
        (f"{BASE}/01/{GTIN}/22/V1/21/0007", {"01": GTIN, "22": "V1", "21": "0007"}, ()),
        (f"{BASE}/01/{GTIN}/235/ABC", {"01": GTIN, "235": "ABC"}, ()),
        (f"{BASE}/01/{GTIN}/21/0007?17=281024", {"01": GTIN, "21": "0007", "17": "281024"}, ()),
        (f"{BASE}/01/{GTIN}?linkType=all", {"01": GTIN}, (("linkType", "all"),)),
        (f"{BASE}/stem/deeper/01/{GTIN}/10/A%2FB", {"01": GTIN, "10": "A/B"}, ()),
        (f"{BASE}/00/069751234000000010", {"00": "069751234000000010"}, ()),
        (f"{BASE}/414/6975123400003/254/DOCK-1", {"414": "6975123400003", "254": "DOCK-1"}, ()),
    ],
)
def test_valid_links_parse(uri: str, elements: dict[str, str], params: tuple[tuple[str, str], ...]) -> None:
    link = parse(uri)
    assert link.elements == elements
    assert link.params == params
    assert parse(link.uri()) == link


@pytest.mark.parametrize(
    ("uri", "part", "says"),
    [
        (f"{BASE}/01/06975123400011", "01", "check digit should be 0"),
        (f"{BASE}/01/6975123400010", "01", "needs 14 characters"),  # unpadded GTIN-13
        (f"{BASE}/01/12345670", "01", "needs 14 characters"),  # GTIN-8
        (f"{BASE}/01/0697512340001A", "01", "digits only"),
        (f"{BASE}/gtin/{GTIN}", "path", "use the numeric AI"),
        (f"{BASE}/01/{GTIN}/", "path", "must not end with a slash"),
        (f"{BASE}/01/{GTIN}/21/0007/10/PK", "path", "allowed in this order only"),
        (f"{BASE}/01/{GTIN}/22/V/235/X", "path", "allowed in this order only"),  # don't mix alternatives
        (f"{BASE}/01/{GTIN}/10/A/10/B", "10", "appears twice"),
        (f"{BASE}/01/{GTIN}?10=PK", "10", "belongs in the path"),
        (f"{BASE}/01/{GTIN}?01={GTIN}", "01", "appears twice"),
        (f"{BASE}/01/{GTIN}?21=7", "21", "belongs in the path"),
        (f"{BASE}/01/{GTIN}?17=281024&17=281025", "17", "appears twice"),
        (f"{BASE}/01/{GTIN}?17=281340", "17", "not a date"),
        (f"{BASE}/01/{GTIN}?17=2810", "17", "needs 6 characters"),
        (f"{BASE}/01/{GTIN}/10/%E4%BA%BA%E5%8F%82", "10", "no Chinese characters"),
        (f"{BASE}/01/{GTIN}/10/ABCDEFGHIJKLMNOPQRSTU", "10", "needs 1 to 20 characters"),
        (f"{BASE}/01/{GTIN}/10/A%20B", "10", "character set 82"),
        (f"{BASE}/01/{GTIN}/99/X", "path", "allowed in this order only"),  # a real AI, but not a qualifier
        (f"{BASE}/01/{GTIN}/5/X", "path", "not a GS1 Application Identifier"),
        (f"{BASE}/10/PK-1", "path", "no GS1 primary key"),
        (f"{BASE}/", "path", "must not end with a slash"),
        ("ftp://x.cn/01/06975123400010", "uri", "absolute http"),
        (f"{BASE}/01/{GTIN}#top", "uri", "fragment"),
    ],
)
def test_invalid_links_are_refused_naming_the_fault(uri: str, part: str, says: str) -> None:
    with pytest.raises(DigitalLinkError) as caught:
        parse(uri)
    assert caught.value.part == part
    assert says in str(caught.value)


def test_the_dictionary_is_read_whole() -> None:
    table = dictionary()
    assert len(table) > 500
    assert table["01"].qualifiers == (("22", "10", "21"), ("235",))
    assert table["10"].attribute
    assert not table["21"].attribute
    assert table["8003"].primary_key
    assert [c.optional for c in table["423"].components] == [False, True, True, True, True]


DIGITS = st.text("0123456789", min_size=13, max_size=13)
CSET82 = st.text(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=20
)


@given(DIGITS, st.one_of(st.none(), CSET82), st.one_of(st.none(), CSET82))
def test_build_then_parse_round_trips(body: str, lot: str | None, serial: str | None) -> None:
    gtin = body + str(check_digit(body))
    link = build(BASE, gtin, lot=lot, serial=serial)
    assert parse(link.uri()) == link
    assert parse(link.uri()).elements == {k: v for k, v in (("01", gtin), ("10", lot), ("21", serial)) if v}


@given(DIGITS, st.integers(0, 13), st.integers(1, 9))
def test_any_single_digit_error_breaks_the_check_digit(body: str, position: int, shift: int) -> None:
    gtin = body + str(check_digit(body))
    wrong = gtin[:position] + str((int(gtin[position]) + shift) % 10) + gtin[position + 1 :]
    with pytest.raises(DigitalLinkError, match="check digit"):
        parse(f"{BASE}/01/{wrong}")
