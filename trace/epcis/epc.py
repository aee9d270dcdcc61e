"""GS1 keys in EPCIS events, reduced to the constrained canonical GS1 Digital Link URI the CBV 2.0 event hash
uses (CBV 2.0 §8.9 step 5; EPC Tag Data Standard 2.0 §6 for the EPC URIs). Pure Python.

``canonical(uri)`` takes an EPC URI (``urn:epc:id:sgtin:…``), an EPC class URI (``urn:epc:class:lgtin:…``), an
EPC pattern URI naming a whole class (``urn:epc:idpat:sgtin:….*``) or a GS1 Digital Link URI on any domain, and
answers ``https://id.gs1.org/<primary key>[/<one key qualifier>]`` at the lowest level of identification (a
serial wins over a lot, the CPV is dropped, the query goes), or ``None`` for anything else, which the hash then
leaves as written. The behaviour follows the reference implementation (``epcis-event-hash-generator``), whose
vectors ``tests/epcis`` reproduce; a test compares the two on generated URIs.
"""

from __future__ import annotations

import re

from ..labels.digital_link import check_digit

_ID = "https://id.gs1.org/"

# the EPC URI escaped form of GS1 character set 82 (TDS §5 "GS3A3" component)
_C82 = r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[!')(*+,.0-9:;=A-Za-z_-])"
_C39 = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"


def _pairs(total: int, last_dot: bool = False) -> str:
    """Company prefix of 6 to 12 digits, a dot, then the rest of ``total`` digits (a prefix of 12 may leave none)."""
    options = [rf"\d{{{n}}}\.\d{{{total - n}}}" for n in range(6, 13) if total - n >= 0]
    if last_dot:
        options[-1] = r"\d{12}\."
    return "(" + "|".join(options) + ")"


def _percent(text: str) -> str:
    """Digital Link Table 7-1: the characters an EPC URI may hold literally but a DL path may not."""
    for char, code in (("!", "%21"), ("(", "%28"), (")", "%29"), ("*", "%2A"), ("+", "%2B"), (",", "%2C")):
        text = text.replace(char, code)
    return text.replace(":", "%3A")


def _key(prefix: str, reference: str, indicator_first: bool = False) -> str:
    """A GS1 key's digits with its check digit: the indicator (first digit of the reference) leads for GTINs."""
    body = reference[:1] + prefix + reference[1:] if indicator_first else prefix + reference
    return body + str(check_digit(body))


def _split(match: re.Match[str]) -> tuple[str, str]:
    prefix, _, reference = match.group(1).partition(".")
    return prefix, reference


_SERIAL_PATTERNS = {
    "sgtin": re.compile(rf"urn:epc:id:sgtin:{_pairs(13)}\.({_C82}{{1,20}})"),
    "sscc": re.compile(rf"urn:epc:id:sscc:{_pairs(17)}"),
    "sgln": re.compile(rf"urn:epc:id:sgln:{_pairs(12, True)}\.({_C82}{{1,20}})"),
    "grai": re.compile(rf"urn:epc:id:grai:{_pairs(12, True)}\.({_C82}{{1,16}})"),
    "giai": re.compile(r"urn:epc:id:giai:(\d{6,12})\.(" + _C82 + "+)"),
    "gsrn": re.compile(rf"urn:epc:id:gsrn:{_pairs(17)}"),
    "gsrnp": re.compile(rf"urn:epc:id:gsrnp:{_pairs(17)}"),
    # the reference takes up to 19 serial characters (the standard says 17): kept for equal hashes
    "gdti": re.compile(rf"urn:epc:id:gdti:{_pairs(12, True)}\.({_C82}{{1,19}})"),
    "cpi": re.compile(r"urn:epc:id:cpi:(\d{6,12})\.(" + _C39 + r"+)\.(\d{1,12})"),
    "sgcn": re.compile(rf"urn:epc:id:sgcn:{_pairs(12, True)}\.(\d{{1,12}})"),
    "ginc": re.compile(r"urn:epc:id:ginc:(\d{6,12})\.(" + _C82 + "+)"),
    "gsin": re.compile(rf"urn:epc:id:gsin:{_pairs(16)}"),
    "itip": re.compile(rf"urn:epc:id:itip:{_pairs(13)}\.(\d\d)\.(\d\d)\.({_C82}{{1,20}})"),
    "upui": re.compile(rf"urn:epc:id:upui:{_pairs(13)}\.({_C82}{{1,28}})"),
    "pgln": re.compile(rf"urn:epc:id:pgln:{_pairs(12, True)}"),
    "lgtin": re.compile(rf"urn:epc:class:lgtin:{_pairs(13)}\.({_C82}{{1,20}})"),
    "idpat:sgtin": re.compile(rf"urn:epc:idpat:sgtin:{_pairs(13)}\.\*"),
    "idpat:upui": re.compile(rf"urn:epc:idpat:upui:{_pairs(13)}\.\*"),
    "idpat:grai": re.compile(rf"urn:epc:idpat:grai:{_pairs(12, True)}\.\*"),
    "idpat:gdti": re.compile(rf"urn:epc:idpat:gdti:{_pairs(12, True)}\.\*"),
    "idpat:sgcn": re.compile(rf"urn:epc:idpat:sgcn:{_pairs(12, True)}\.\*"),
    "idpat:cpi": re.compile(r"urn:epc:idpat:cpi:(\d{6,12})\.(" + _C39 + r"+)\.\*"),
    "idpat:itip": re.compile(rf"urn:epc:idpat:itip:{_pairs(13)}\.(\d\d)\.(\d\d)\.\*"),
}
# GIAI, CPI and GINC limit the whole key (prefix + reference) to 30 characters (24 + 6 escaped counts as chars)
_LONG_LIMITS = {"giai": 30, "ginc": 30, "cpi": 30, "idpat:cpi": 30}


def _from_epc(uri: str) -> str | None:
    for scheme, pattern in _SERIAL_PATTERNS.items():
        m = pattern.fullmatch(uri)
        if m is None:
            continue
        if scheme in _LONG_LIMITS and not _within(m.group(1), m.group(2), _LONG_LIMITS[scheme]):
            return None
        prefix, reference = _split(m) if "." in m.group(1) else (m.group(1), "")
        if scheme in ("sgtin", "upui", "lgtin", "idpat:sgtin", "idpat:upui"):
            gtin = _key(prefix, reference, indicator_first=True)
            if scheme == "sgtin":
                return f"{_ID}01/{gtin}/21/{_percent(m.group(2))}"
            if scheme == "upui":
                return f"{_ID}01/{gtin}/235/{_percent(m.group(2))}"
            if scheme == "lgtin":
                return f"{_ID}01/{gtin}/10/{_percent(m.group(2))}"
            return f"{_ID}01/{gtin}"
        if scheme in ("itip", "idpat:itip"):
            gtin = _key(prefix, reference, indicator_first=True)
            tail = f"/21/{_percent(m.group(4))}" if scheme == "itip" else ""
            return f"{_ID}8006/{gtin}{m.group(2)}{m.group(3)}{tail}"
        if scheme == "sscc":
            return f"{_ID}00/{_key(prefix, reference, indicator_first=True)}"
        if scheme == "sgln":
            extension = m.group(2)
            gln = _ID + "414/" + _key(prefix, reference)
            return gln if extension == "0" else f"{gln}/254/{_percent(extension)}"
        if scheme in ("grai", "idpat:grai"):
            serial = _percent(m.group(2)) if scheme == "grai" else ""
            return f"{_ID}8003/{_key('0' + prefix, reference)}{serial}"
        if scheme in ("giai", "ginc"):
            return f"{_ID}{'8004' if scheme == 'giai' else '401'}/{m.group(1)}{_percent(m.group(2))}"
        if scheme in ("gsrn", "gsrnp"):
            return f"{_ID}{'8018' if scheme == 'gsrn' else '8017'}/{_key(prefix, reference)}"
        if scheme in ("gdti", "idpat:gdti"):
            serial = _percent(m.group(2)) if scheme == "gdti" else ""
            return f"{_ID}253/{_key(prefix, reference)}{serial}"
        if scheme in ("sgcn", "idpat:sgcn"):
            serial = m.group(2) if scheme == "sgcn" else ""
            return f"{_ID}255/{_key(prefix, reference)}{serial}"
        if scheme == "cpi":
            return f"{_ID}8010/{_percent(m.group(1) + m.group(2))}/8011/{m.group(3)}"
        if scheme == "idpat:cpi":
            return f"{_ID}8010/{_percent(m.group(1) + m.group(2))}"
        if scheme == "gsin":
            return f"{_ID}402/{_key(prefix, reference)}"
        if scheme == "pgln":
            return f"{_ID}417/{_key(prefix, reference)}"
    return None


def _within(prefix: str, reference: str, limit: int) -> bool:
    length = len(prefix) + len(re.sub(r"%[0-9A-Fa-f]{2}", "_", reference))
    return length <= limit


# --- Digital Link URIs --------------------------------------------------------------------------------------

_PRIMARY = "01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004"
_LOOSE = re.compile(
    r"https?:(//(([^/?#]*)@)?([^/?#:]*)(:([^/?#]*))?)?((([^?#]*)(/(01|gtin|8006|itip|8010|cpid|414|gln|417|party|"
    r"8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai)/)(\d{4}[^/]+)"
    r"(/[^/]+/[^/]+)?/?(\?([^?\n]*))?(#([^\n]*))?)|(/[A-Za-z_-]{10}$))"
)
_SHORT_NAMES = (
    ("gtin", "01"), ("itip", "8006"), ("cpid", "8010"), ("gln", "414"), ("party", "417"), ("gsrnp", "8017"),
    ("gsrn", "8018"), ("gcn", "255"), ("sscc", "00"), ("gdti", "253"), ("ginc", "401"), ("gsin", "402"),
    ("grai", "8003"), ("giai", "8004"), ("cpv", "22"), ("lot", "10"), ("ser", "21"),
)  # fmt: skip
_ON_ID = re.compile(rf"https://id.gs1.org/({_PRIMARY})/(\d{{4}}[^/]+)(/[^/]+/[^/]+)?/?(\?([^?\n]*))?(#([^\n]*))?")
_REBASE_ORDER = ("00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8017", "8018")
_V = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_CANONICAL = re.compile(
    "|".join(
        [
            r"https://id.gs1.org/00/\d{18}",
            rf"https://id.gs1.org/01/\d{{14}}(/21/{_V}{{0,20}}|/10/{_V}{{0,20}}|/235/{_V}{{0,28}})?",
            rf"https://id.gs1.org/253/\d{{13}}{_V}{{0,17}}",
            r"https://id.gs1.org/255/\d{13}\d{0,12}",
            rf"https://id.gs1.org/401/{_V}{{0,30}}",
            r"https://id.gs1.org/402/\d{17}",
            rf"https://id.gs1.org/414/\d{{13}}(/254/{_V}{{0,20}})?",
            r"https://id.gs1.org/417/\d{13}",
            rf"https://id.gs1.org/8003/\d{{14}}{_V}{{0,16}}",
            rf"https://id.gs1.org/8004/{_V}{{0,30}}",
            rf"https://id.gs1.org/8006/\d{{18}}(/21/{_V}{{0,20}}|/10/{_V}{{0,20}})?",
            r"https://id.gs1.org/8010/[\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30}(/8011/\d{0,12})?",
            r"https://id.gs1.org/801[78]/\d{18}",
        ]
    )
)
_CPV_ONLY = re.compile(rf"https://id.gs1.org/(8006/\d{{18}}|01/\d{{14}})/22/{_V}{{0,20}}")
_CPV_THEN = re.compile(
    r"https://id.gs1.org/(8006/\d{18}|01/\d{14})/22/[\x2F\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]{0,20}"
)
_LOT_AND_SERIAL = re.compile(rf"https://id.gs1.org/(8006/\d{{18}}|01/\d{{14}})/10/{_V}{{0,20}}/21/{_V}{{0,20}}")


def _from_digital_link(uri: str) -> str | None:
    if _LOOSE.match(uri) is None:
        return None
    uri = uri.split("?", 1)[0]
    for name, code in _SHORT_NAMES:
        uri = uri.replace(f"/{name}/", f"/{code}/")
    if _ON_ID.match(uri) is None:
        for code in _REBASE_ORDER:
            at = uri.find(f"/{code}/")
            if at != -1:
                uri = "https://id.gs1.org" + uri[at:]
                break
    gtin = re.match(r"https://id.gs1.org/01/(\d+)", uri)
    if gtin and len(gtin.group(1)) < 14:
        digits = len(gtin.group(1))
        pad = {13: "0", 12: "00"}.get(digits, "000000" if digits >= 8 else "")
        uri = uri.replace("/01/", "/01/" + pad) if pad else uri
    after_cpv = uri[uri.find("/22/") + 4 :]
    if _CPV_ONLY.fullmatch(uri):
        # a CPV and nothing after it: the link without the CPV
        uri = uri[: uri.find("/22/")] + after_cpv[after_cpv.find("/") : -1]
    if _CPV_THEN.fullmatch(uri):
        uri = uri[: uri.find("/22/")] + after_cpv[after_cpv.find("/") :]
    if _LOT_AND_SERIAL.fullmatch(uri):
        rest = uri[uri.find("/10/") + 4 :]
        uri = uri[: uri.find("/10/")] + rest[rest.find("/") :]
    return uri if _CANONICAL.fullmatch(uri) else None


def canonical(uri: str) -> str | None:
    """The constrained canonical GS1 Digital Link URI of a GS1 key, or ``None`` for anything else."""
    if "." not in uri:
        return None
    if uri.startswith("urn:epc:"):
        return _from_epc(uri)
    return _from_digital_link(uri)
