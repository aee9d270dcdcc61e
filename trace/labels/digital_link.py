"""GS1 Digital Link URIs: a strict parser and builder. Pure Python.

Driven by the GS1 Barcode Syntax Dictionary (``gs1-syntax-dictionary.txt``,
vendored verbatim from GS1, Apache-2.0): each AI's format (N numeric, X the
82-character set, Y the 39-character set, Z base64url; fixed or ranged
lengths; optional trailing components), its check-digit linter, whether it
is a Digital Link primary key and which key qualifiers it takes in which
order, and whether it may be a query attribute.

Strict, as ``../shared/STANDARDS.md`` asks: numeric AI codes only (no short
names such as ``/gtin/``); GTINs as 14 digits with a valid check digit (no
unpadded GTIN-8/12/13); key qualifiers only in their order (``/10/`` before
``/21/``); no duplicate AI; no AI in the query that belongs in the path; no
trailing slash. Each refusal names what is wrong.

The query string follows GS1 Digital Link 1.2 (the ABNF's ``queryStringComp``,
``queryStringParam`` and ``extensionParameter``): parameters are separated by
``&`` or ``;``; empty parameters (``&&``), parameters without ``=`` (``?foo``)
and parameters without a name are ignored, as GS1's syntax engine does; a key
of digits only (as written, not percent-decoded) is an AI, must be a known one
and its value must fit its format; any other key is an extension parameter
(``linkType``, ``lang``, tracking parameters), kept in ``params`` and never an
error; the query is form-encoded, so ``+`` is a space there (``%2B`` a plus),
while in the path ``+`` is itself. A key qualifier may stand in the query only
where it could not stand in the path: ``/01/<gtin>?10=L`` is refused (``/10/``
fits after ``/01/``) but ``/01/<gtin>/235/<tpx>?10=L`` is not (no qualifier path
of ``01`` has both ``235`` and ``10``), the rule GS1's syntax engine applies to
each qualifier path of the dictionary. Anything that is not RFC 3986 URI
characters, a ``%`` not followed by two hex digits, and a NUL anywhere are
refused too (part ``path`` or ``query``).

Linters implemented: ``csum`` (GS1 mod-10), ``yymmdd``/``yymmd0`` (dates).
Other linters of the dictionary (company-prefix position, alphanumeric check
pairs, …) are not applied; the AIs this project issues (01, 10, 21, 00, 17)
need only these.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import quote, unquote, unquote_plus, urlsplit

from ..chain.errors import Error

_CSET82 = re.compile(r"[!\"%-?A-Z_a-z]*")
_CSET39 = re.compile(r"[#\-/0-9A-Z]*")
_BASE64URL = re.compile(r"[A-Za-z0-9_\-=]*")
_DIGITS = re.compile(r"[0-9]*")


_CHARSETS = {
    "N": "digits only",
    "X": "GS1 character set 82 only (ASCII letters, digits and !\"%&'()*+,-./:;<=>?_; no Chinese characters)",
    "Y": "GS1 character set 39 only (upper-case letters, digits, # - /)",
    "Z": "base64url only",
}


class DigitalLinkError(Error):
    """A URI that is not a valid GS1 Digital Link; ``part`` names the piece at fault (an AI, ``path``, ``query``)."""

    def __init__(self, part: str, detail: str) -> None:
        self.part = part
        self.detail = detail
        super().__init__(f"{part}: {detail}")


@dataclass(frozen=True)
class Component:
    kind: str  # N, X, Y or Z
    low: int
    high: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True)
class AI:
    code: str
    components: tuple[Component, ...]
    attribute: bool  # may be a Digital Link data attribute (query parameter)
    primary_key: bool
    qualifiers: tuple[tuple[str, ...], ...]  # alternative ordered sequences of optional qualifier AIs
    title: str


def _component(text: str) -> Component:
    optional = text.startswith("[")  # "[N3],iso3166": the type in brackets, its linters after
    text = text.replace("[", "").replace("]", "")
    kind_len, *linters = text.split(",")
    kind, length = kind_len[0], kind_len[1:]
    if length.startswith(".."):
        low, high = 1, int(length[2:])
    else:
        low = high = int(length)
    return Component(kind, low, high, optional, tuple(linters))


@cache
def dictionary() -> Mapping[str, AI]:
    """Every AI of the vendored GS1 syntax dictionary, by code (ranges expanded)."""
    text = resources.files(__package__).joinpath("gs1-syntax-dictionary.txt").read_text(encoding="utf-8")
    table: dict[str, AI] = {}
    for raw in text.splitlines():
        line, _, title = raw.partition("#")
        fields = line.split()
        if not fields:
            continue
        codes, rest = fields[0], fields[1:]
        flags = ""
        if rest and not rest[0][0].isalpha() and not rest[0].startswith("["):
            flags, rest = rest[0], rest[1:]
        spec = [f for f in rest if f[0] in "NXYZ[" and "=" not in f and f != "dlpkey"]
        attributes = [f for f in rest if f not in spec]
        primary, qualifiers = False, tuple[tuple[str, ...], ...]()
        for attribute in attributes:
            if attribute == "dlpkey" or attribute.startswith("dlpkey="):
                primary = True
                if "=" in attribute:
                    qualifiers = tuple(tuple(seq.split(",")) for seq in attribute.split("=", 1)[1].split("|"))
        first, _, last = codes.partition("-")
        for number in range(int(first), int(last or first) + 1):
            code = str(number).zfill(len(first))
            table[code] = AI(code, tuple(_component(s) for s in spec), "?" in flags, primary, qualifiers, title.strip())
    return table


def check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _valid_date(text: str, *, day_zero: bool) -> bool:
    month, day = int(text[2:4]), int(text[4:6])
    if not 1 <= month <= 12:
        return False
    if day == 0:
        return day_zero
    year = 2000 + int(text[:2])
    days = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return day <= days


def check_value(ai: str, value: str) -> None:
    """Raise :class:`DigitalLinkError` unless ``value`` is a valid element string for ``ai``."""
    spec = dictionary().get(ai)
    if spec is None:
        raise DigitalLinkError(ai, "not a GS1 Application Identifier")
    rest = value
    name = spec.title or ai
    for index, component in enumerate(spec.components):
        if not rest:
            if component.optional:
                break
            raise DigitalLinkError(ai, f"{name} is too short")
        part = rest if index == len(spec.components) - 1 else rest[: component.high]
        rest = rest[len(part) :]
        if not component.low <= len(part) <= component.high:
            size = f"{component.low}" if component.low == component.high else f"{component.low} to {component.high}"
            raise DigitalLinkError(ai, f"{name} needs {size} characters here, got {len(part)}")
        pattern = {"N": _DIGITS, "X": _CSET82, "Y": _CSET39, "Z": _BASE64URL}[component.kind]
        if not pattern.fullmatch(part):
            raise DigitalLinkError(ai, f"{name} {part!r}: {_CHARSETS[component.kind]}")
        if "csum" in component.linters and int(part[-1]) != check_digit(part[:-1]):
            raise DigitalLinkError(ai, f"{name} {part}: check digit should be {check_digit(part[:-1])}")
        for linter in ("yymmdd", "yymmd0"):
            if linter in component.linters and not _valid_date(part, day_zero=linter == "yymmd0"):
                raise DigitalLinkError(ai, f"{name} {part}: not a date YYMMDD")


@dataclass(frozen=True)
class DigitalLink:
    """A parsed GS1 Digital Link: where it resolves, its primary key, key qualifiers and data attributes."""

    base: str  # scheme, host and any path stem, without a trailing slash
    key: tuple[str, str]  # (AI, value), e.g. ("01", "06975123400010")
    qualifiers: tuple[tuple[str, str], ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    params: tuple[tuple[str, str], ...] = ()  # other query parameters, e.g. linkType

    def __post_init__(self) -> None:
        _check_structure(self)

    @property
    def elements(self) -> dict[str, str]:
        """Every AI and its value."""
        return dict((self.key, *self.qualifiers, *self.attributes))

    def path(self) -> str:
        """The identifying path: ``/01/<gtin>[/22/…][/10/…][/21/…]`` (percent-encoded)."""
        return "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in (self.key, *self.qualifiers))

    def uri(self) -> str:
        query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in (*self.attributes, *self.params))
        return self.base + self.path() + (f"?{query}" if query else "")

    def __str__(self) -> str:
        return self.uri()


def _check_structure(link: DigitalLink) -> None:
    table = dictionary()
    key_ai, key_value = link.key
    spec = table.get(key_ai)
    if spec is None or not spec.primary_key:
        raise DigitalLinkError(key_ai, "not a GS1 Digital Link primary key")
    check_value(key_ai, key_value)
    order = [ai for ai, _ in link.qualifiers]
    if order and not any(_in_order(order, sequence) for sequence in spec.qualifiers):
        allowed = " or ".join("/".join(seq) for seq in spec.qualifiers) or "none"
        raise DigitalLinkError(
            "path", f"key qualifiers {'/'.join(order)} after {key_ai}: allowed in this order only: {allowed}"
        )
    for ai, value in link.qualifiers:
        check_value(ai, value)
    seen = {key_ai, *order}
    for ai, value in link.attributes:
        attribute = table.get(ai)
        if not _AI_CODE.fullmatch(ai) or attribute is None:
            raise DigitalLinkError(ai, "not a GS1 Application Identifier")
        if ai in seen:
            raise DigitalLinkError(ai, "appears twice")
        if _fits_the_path(spec, order, ai):
            raise DigitalLinkError(ai, "belongs in the path, not in the query")
        if not attribute.attribute:
            raise DigitalLinkError(ai, "is not a GS1 Digital Link data attribute")
        check_value(ai, value)
        seen.add(ai)
    for name, _value in link.params:
        if not name or _NUMERIC.fullmatch(name):
            raise DigitalLinkError("query", f"{name!r}: a numeric key is an AI, not an extension parameter")


def _fits_the_path(spec: AI, order: Sequence[str], ai: str) -> bool:
    """Whether ``ai`` inserted anywhere after the primary key makes a valid key-qualifier path (then it
    must stand there, not in the query)."""
    return any(
        _in_order([*order[:i], ai, *order[i:]], sequence) for i in range(len(order) + 1) for sequence in spec.qualifiers
    )


def _in_order(order: Sequence[str], sequence: Sequence[str]) -> bool:
    """Whether ``order`` is a subsequence of ``sequence`` (each at most once, in that order)."""
    position = 0
    for ai in order:
        try:
            position = sequence.index(ai, position) + 1
        except ValueError:
            return False
    return True


_AI_CODE = re.compile(r"[0-9]{2,4}")
_NUMERIC = re.compile(r"[0-9]+")
_URI_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+)(:[0-9]*)?")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def parse(uri: str) -> DigitalLink:
    """Parse ``uri`` strictly; raise :class:`DigitalLinkError` naming what is wrong."""
    bad = next((i for i, c in enumerate(uri) if not _URI_CHARACTERS.fullmatch(c)), None)
    if bad is not None:  # (before urlsplit, which silently drops tabs and newlines)
        path_at = uri.find("/", uri.find("://") + 3) if "://" in uri else -1
        query_at = uri.find("?")
        part = "query" if -1 < query_at < bad else "path" if -1 < path_at <= bad else "uri"
        raise DigitalLinkError(part, f"{uri[bad]!r} is not a URI character (percent-encode it)")
    try:
        parts = urlsplit(uri)
    except ValueError as exc:  # e.g. an unclosed [ of an IPv6 host
        raise DigitalLinkError("uri", str(exc)) from None
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise DigitalLinkError("uri", "must be an absolute http or https URI")
    if parts.fragment:
        raise DigitalLinkError("uri", "must not have a fragment")
    if not _HOST.fullmatch(parts.netloc) or _BAD_PERCENT.search(parts.netloc):
        raise DigitalLinkError("uri", f"{parts.netloc!r} is not a host with an optional port")
    for name, raw in (("path", parts.path), ("query", parts.query)):
        if _BAD_PERCENT.search(raw):
            raise DigitalLinkError(name, "a % must be followed by two hex digits")
        if "\x00" in unquote(raw):
            raise DigitalLinkError(name, "must not contain a NUL character (%00)")
    segments = parts.path.split("/")[1:]
    if not segments or segments[-1] == "":
        raise DigitalLinkError("path", "must not end with a slash" if segments else "is empty")
    table = dictionary()
    start = next(
        (
            i
            for i in range(len(segments) - 1)
            if _AI_CODE.fullmatch(segments[i])
            and segments[i] in table
            and table[segments[i]].primary_key
            and (len(segments) - i) % 2 == 0
        ),
        None,
    )
    if start is None:
        short = next((s for s in segments if s in {"gtin", "lot", "ser", "sscc", "cpv", "gln"}), None)
        if short is not None:
            raise DigitalLinkError("path", f"/{short}/: use the numeric AI, not a short name")
        raise DigitalLinkError("path", "no GS1 primary key (such as /01/<GTIN-14>) followed by its value")
    stem = "/".join(segments[:start])
    base = f"{parts.scheme}://{parts.netloc}" + (f"/{stem}" if stem else "")
    pairs = [(segments[i], unquote(segments[i + 1])) for i in range(start, len(segments), 2)]
    for ai, _value in pairs:
        if not _AI_CODE.fullmatch(ai) or ai not in table:
            raise DigitalLinkError("path", f"/{ai}/ is not a GS1 Application Identifier")
    seen: set[str] = set()
    for ai, _value in pairs:
        if ai in seen:
            raise DigitalLinkError(ai, "appears twice")
        seen.add(ai)
    attributes, params = _query(parts.query)
    return DigitalLink(base, pairs[0], tuple(pairs[1:]), attributes, params)


def _query(query: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """The query's data attributes (numeric keys) and extension parameters, form-decoded."""
    table = dictionary()
    attributes: list[tuple[str, str]] = []
    params: list[tuple[str, str]] = []
    for item in re.split("[&;]", query):
        key, eq, raw = item.partition("=")
        if not eq or not key:
            continue  # empty (&&), valueless (?foo) or nameless (?=x): not a parameter, ignored
        value = unquote_plus(raw)
        if not _NUMERIC.fullmatch(key):
            name = unquote_plus(key)
            if name and not _NUMERIC.fullmatch(name):  # (``%31%37`` is an extension key: no AI, no name to keep)
                params.append((name, value))
        elif key not in table:
            raise DigitalLinkError("query", f"{key}: a numeric key is an AI, and {key} is not a GS1 AI")
        elif not value:
            raise DigitalLinkError(key, "has no value")
        else:
            attributes.append((key, value))
    return tuple(attributes), tuple(params)


def build(base: str, gtin: str, *, lot: str | None = None, serial: str | None = None, **attributes: str) -> DigitalLink:
    """A GTIN-keyed link on ``base`` (e.g. ``https://trace.example.cn``); data attributes by AI,
    e.g. ``**{"17": "281024"}``."""
    qualifiers = tuple((ai, v) for ai, v in (("10", lot), ("21", serial)) if v is not None)
    return DigitalLink(base.rstrip("/"), ("01", gtin), qualifiers, tuple(attributes.items()))
