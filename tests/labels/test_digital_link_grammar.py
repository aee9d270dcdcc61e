"""GS1 Digital Link 1.2 conformance: the parser against the standard's own ABNF grammar (issue 14).

The grammar (``tests/vectors/digital-link/``, copied from ``../shared/standards/digital-link/``) is loaded by the
``abnf`` package and used as an oracle: each rule of the query string is tried on example URIs, URIs are
generated from the grammar's productions (with the check digits and dates the grammar cannot express), and
one-character corruptions of them are tried. Two quirks of the grammar are worked around when loading it:
``DoubleQuote = '"'`` is not ABNF (read as ``%x22``), and its own DIGIT, ALPHA and HEXDIG are RFC 5234's core
rules (dropped, the core ones used). The grammar has no path stem (``customURIstem`` is scheme and host), so
generated URIs have none.

What the grammar does not decide: its ``everythingExceptDigitsAndEquals`` includes ``unreserved``, which
includes DIGIT, so the ABNF itself reads ``?5=x`` or ``?17=28+1024`` as an extension parameter, and a
key of digits only, its AI value and where a key qualifier belongs are the standard's prose rules (and
GS1's syntax engine's); the ``in_grammar`` column says what the ABNF alone says of each example.
"""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path

import pytest
from abnf.parser import ParseError, Rule
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ginseng_trace.labels.digital_link import DigitalLink, DigitalLinkError, check_digit, parse

GRAMMAR = Path(__file__).parents[1] / "vectors/digital-link/GS1_Digital_Link_Grammar_1_2.abnf"
BASE = "https://trace.example.cn"
GTIN = "06975123400010"
LINK = f"{BASE}/01/{GTIN}"


class DigitalLinkGrammar(Rule):
    """The rules of the GS1 Digital Link 1.2 ABNF."""


@cache
def grammar() -> Rule:
    lines: list[str] = []
    dropped = False
    for line in GRAMMAR.read_text(encoding="utf-8").replace("'\"'", "%x22").splitlines():
        if line and not line[0].isspace():
            dropped = re.match(r"(DIGIT|ALPHA|HEXDIG)\s*=", line) is not None
        if not dropped:
            lines.append(line)
    DigitalLinkGrammar.load_grammar("\r\n".join(lines) + "\r\n")
    return DigitalLinkGrammar("uncompressedCustomGS1webURI")


def grammatical(uri: str) -> bool:
    try:
        grammar().parse_all(uri)
    except ParseError:
        return False
    return True


@pytest.mark.parametrize(
    ("uri", "in_grammar", "elements", "params"),
    [
        # non-AI parameters are extension parameters: kept, never an error
        (f"{LINK}?linkType=gs1%3Aepcis&utm_source=x", True, {}, (("linkType", "gs1:epcis"), ("utm_source", "x"))),
        # ';' separates parameters as '&' does
        (f"{LINK}?17=281024;lang=en", True, {"17": "281024"}, (("lang", "en"),)),
        # empty parameters (&&), valueless (?foo) and nameless ones (?=x): tolerated, ignored (the grammar's loose
        # extensionKey even reads '&&17' and 'foo&17' as keys)
        (f"{LINK}?&&17=281024&&", True, {"17": "281024"}, ()),
        (f"{LINK}?foo&17=281024", True, {"17": "281024"}, ()),
        (f"{LINK}?17", False, {}, ()),  # no '=': not a parameter at all, as GS1's syntax engine reads it
        (f"{LINK}?=x", False, {}, ()),
        # a key of digits as written is an AI; a percent-encoded one is an extension key, dropped (no AI, no name)
        (f"{LINK}?%31%37=x", True, {}, ()),
        # in the query '+' is a space, '%2B' a plus
        (f"{LINK}?lang=zh+CN&240=A%2BB", True, {"240": "A+B"}, (("lang", "zh CN"),)),
        # a key qualifier may stand in the query where no qualifier path of the key takes it beside the others
        (f"{LINK}/235/TPX1?10=L1", True, {"235": "TPX1", "10": "L1"}, ()),
        # in the path '+' is itself (the grammar wants it as %2B)
        (f"{LINK}/10/A%2BB", True, {"10": "A+B"}, ()),
        (f"{LINK}/10/A+B", False, {"10": "A+B"}, ()),
    ],
)
@pytest.mark.slow
def test_query_rules_against_the_grammar(
    uri: str, in_grammar: bool, elements: dict[str, str], params: tuple[tuple[str, str], ...]
) -> None:
    assert grammatical(uri) is in_grammar
    link = parse(uri)
    assert link.elements == {"01": GTIN, **elements}
    assert link.params == params
    assert parse(link.uri()) == link
    assert grammatical(link.uri())  # what the builder writes is always in the grammar


@pytest.mark.parametrize(
    ("uri", "in_grammar", "part", "says"),
    [
        # a numeric key that is no AI (the standard's rule: the grammar's extensionKey lets digits through)
        (f"{LINK}?5=x", True, "query", "5 is not a GS1 AI"),
        (f"{LINK}?0017=281024", True, "query", "0017 is not a GS1 AI"),
        (f"{LINK}?17=", True, "17", "has no value"),
        # '+' is a space in the query, so it is not a character of an AI value there
        (f"{LINK}?17=28+1024", True, "17", "needs 6 characters"),
        (f"{LINK}?240=A+B", True, "240", "character set 82"),
        # a key qualifier that fits the path must be there (the grammar allows ?10=, DL 1.2's rules do not)
        (f"{LINK}?10=L1", True, "10", "belongs in the path"),
        (f"{LINK}/21/S1?10=L1", True, "10", "belongs in the path"),
        (f"{LINK}/10/L1?22=V1", True, "22", "belongs in the path"),
        (f"{LINK}?21=S1", True, "21", "belongs in the path"),
        (f"{LINK}/235/TPX1?21=S1", True, "21", "not a GS1 Digital Link data attribute"),
        (f"{BASE}/414/6975123400003?254=DOCK", True, "254", "belongs in the path"),
        # malformed: characters outside RFC 3986, a bad percent-encoding, a NUL
        (f"{LINK}/10/A B", False, "path", "not a URI character"),
        (f"{LINK}?lang=z h", False, "query", "not a URI character"),
        (f"{LINK}/10/A%zz", False, "path", "two hex digits"),
        (f"{LINK}?lang=%g0", False, "query", "two hex digits"),
        (f"{LINK}/10/A%00", False, "path", "NUL"),
        (f"{LINK}?city=%00", True, "query", "NUL"),  # the grammar allows %00; no resolver can keep it
    ],
)
def test_malformed_queries_are_refused_naming_the_part(uri: str, in_grammar: bool, part: str, says: str) -> None:
    assert grammatical(uri) is in_grammar
    with pytest.raises(DigitalLinkError) as caught:
        parse(uri)
    assert caught.value.part == part
    assert says in str(caught.value)


# --- generated from the grammar's productions --------------------------------------------------------------

# XCHAR: the grammar's 82-character set, its symbols percent-encoded (DoubleQuote, raw in the grammar and
# so never a URI character, left out)
XCHAR = string.ascii_letters + string.digits + "-._!%&+,/*()';:<=>?"
DATES = st.builds(lambda y, m, d: f"{y:02d}{m:02d}{d:02d}", st.integers(0, 99), st.integers(1, 12), st.integers(1, 28))


def with_check_digit(length: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=length - 1, max_size=length - 1).map(lambda b: b + str(check_digit(b)))


def xchars(high: int) -> st.SearchStrategy[str]:
    return st.text(XCHAR, min_size=1, max_size=high)


PATHS: dict[str, tuple[st.SearchStrategy[str], dict[str, st.SearchStrategy[str]], list[tuple[str, ...]]]] = {
    # key: (its value, its qualifiers' values, the qualifier paths of gs1path)
    "01": (
        with_check_digit(14),
        {"22": xchars(20), "10": xchars(20), "21": xchars(20), "235": xchars(28)},
        [("22", "10", "21"), ("235",)],
    ),
    "414": (with_check_digit(13), {"254": xchars(20)}, [("254",)]),
    "00": (with_check_digit(18), {}, [()]),
    "8004": (xchars(30), {}, [()]),
}
ATTRIBUTES = {  # data attributes of the grammar's queryStringParam, with their formats
    "17": DATES,
    "11": DATES,
    "15": DATES,
    "3103": st.text("0123456789", min_size=6, max_size=6),
    "30": st.text("0123456789", min_size=1, max_size=8),
    "240": xchars(30),
    "7007": DATES,
}
EXTENSION_KEYS = st.text(string.ascii_letters + "_-.~", min_size=1, max_size=8).filter(lambda k: not k.isdigit())
EXTENSION_VALUES = st.text(string.ascii_letters + string.digits + " +/:%&=?人参", max_size=10)


@st.composite
def links(draw: st.DrawFn) -> DigitalLink:
    key = draw(st.sampled_from(sorted(PATHS)))
    value, qualifier_values, sequences = PATHS[key]
    sequence = draw(st.sampled_from(sequences))
    chosen = [ai for ai in sequence if draw(st.booleans())]
    qualifiers = tuple((ai, draw(qualifier_values[ai])) for ai in chosen)
    attributes = draw(st.lists(st.sampled_from(sorted(ATTRIBUTES)), unique=True, max_size=3))
    if key == "01" and chosen and chosen[0] == "235" and draw(st.booleans()):
        attributes.append("10")  # the lot may stand in the query beside a TPX: no qualifier path has both
    values = tuple((ai, draw(ATTRIBUTES.get(ai, xchars(20)))) for ai in attributes if key == "01" or ai != "10")
    params = tuple(draw(st.lists(st.tuples(EXTENSION_KEYS, EXTENSION_VALUES), max_size=2)))
    host = draw(st.sampled_from([BASE, "http://127.0.0.1:8000", "https://id.gs1.org"]))
    return DigitalLink(host, (key, draw(value)), qualifiers, values, params)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(links(), st.sampled_from(["", "&", "&&", "&foo", "&=x"]))
def test_generated_links_are_in_the_grammar_and_round_trip(link: DigitalLink, noise: str) -> None:
    uri = link.uri()
    assert grammatical(uri), uri
    assert parse(uri) == link
    # the tolerated non-parameters change nothing
    noisy = uri + (noise if "?" in uri else "?" + noise.lstrip("&")) if noise else uri
    assert parse(noisy) == link


def corruptions(uri: str) -> st.SearchStrategy[str]:
    """One character of ``uri`` replaced, inserted or deleted (after the host)."""
    start = uri.index("/", len("https://"))
    characters = st.sampled_from(string.printable + "人\x00")
    position = st.integers(start, len(uri) - 1)
    return st.one_of(
        st.builds(lambda i, c: uri[:i] + c + uri[i + 1 :], position, characters),
        st.builds(lambda i, c: uri[:i] + c + uri[i:], position, characters),
        st.builds(lambda i: uri[:i] + uri[i + 1 :], position),
    )


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), links())
def test_one_character_corruptions_are_refused_or_stay_in_the_grammar(data: st.DataObject, link: DigitalLink) -> None:
    """Any corruption is refused with DigitalLinkError (the resolver's 400) or read as a link whose canonical
    form is in the grammar: nothing else is ever raised, nothing outside the grammar is read as a link."""
    corrupted = data.draw(corruptions(link.uri()))
    part: str | None
    try:
        read = parse(corrupted)
    except DigitalLinkError as refused:
        part = refused.part
    else:
        part = None
    if part is not None:
        assert part in {"uri", "path", "query"} or part.isdigit()
        return
    assert grammatical(read.uri()), (corrupted, read.uri())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), links())
@pytest.mark.slow
def test_corruptions_that_break_the_key_or_the_characters_are_refused(data: st.DataObject, link: DigitalLink) -> None:
    """The corruptions that can never leave a valid link are always refused: a digit of a check-digited key
    changed, a character outside RFC 3986 inserted into the path or the query."""
    uri = link.uri()
    key, value = link.key
    if key != "8004":
        at = uri.index(f"/{key}/{value}") + len(key) + 2 + data.draw(st.integers(0, len(value) - 1))
        digit = str((int(uri[at]) + data.draw(st.integers(1, 9))) % 10)
        with pytest.raises(DigitalLinkError, match="check digit"):
            parse(uri[:at] + digit + uri[at + 1 :])
    at = data.draw(st.integers(uri.index("/", len("https://")), len(uri)))
    bad = data.draw(st.sampled_from([" ", '"', "<", ">", "\\", "^", "`", "{", "|", "}", "人", "\x00", "\x7f"]))
    with pytest.raises(DigitalLinkError) as caught:
        parse(uri[:at] + bad + uri[at:])
    assert caught.value.part in {"path", "query", "uri"}


@pytest.mark.parametrize("host", ["trace.example.cn%", "trace.example%2", "trace%zz.example.cn", "%"])
def test_a_stray_percent_in_the_host_is_refused(host: str) -> None:
    """CI's hypothesis run found ``https://trace.example.cn%/00/…`` read as a link: RFC 3986's reg-name allows a
    % only as the start of pct-encoded, so the host is refused as the path and the query are."""
    with pytest.raises(DigitalLinkError) as caught:
        parse(f"https://{host}/00/000000000000000000")
    assert caught.value.part == "uri"
    assert grammatical("https://trace.example.cn%41/00/000000000000000000")
    assert parse("https://trace.example.cn%41/00/000000000000000000").key == ("00", "000000000000000000")
