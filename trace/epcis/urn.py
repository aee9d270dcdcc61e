"""GS1 keys as EPC URNs (EPC Tag Data Standard 2.0 §6: ``urn:epc:id:sgtin:…``, ``urn:epc:class:lgtin:…``,
``urn:epc:id:sscc:…``), for the ``GS1-EPC-Format: Always_EPC_URN`` a client may ask for. Pure Python.

A URN splits the key's digits at the end of the GS1 company prefix, which the digits alone do not tell: the
prefixes are those organisations registered (``gs1_company_prefixes``). A key under no registered prefix, or a
URI naming no GS1 key (``<base>/lot/<lot>``), stays a URI as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from .epc import canonical
from .index import CLASS_FIELDS, EPC_FIELDS

FORMATS = ("No_Preference", "Always_GS1_Digital_Link", "Always_EPC_URN", "Never_Translates")
DEFAULT_FORMAT = "Always_GS1_Digital_Link"
_GTIN = re.compile(r"https?://[^/?#]+(?:/[^?#]*)?/01/(\d{14})(?:/(10|21)/([^/?#]+))?")
_SSCC = re.compile(r"https?://[^/?#]+(?:/[^?#]*)?/00/(\d{18})")
_ESCAPE = {'"': "%22", "%": "%25", "&": "%26", "/": "%2F", "<": "%3C", ">": "%3E", "?": "%3F"}


def _escaped(value: str) -> str:
    """An AI value as the EPC URN writes it (TDS §5: these seven characters percent-escaped)."""
    return "".join(_ESCAPE.get(c, c) for c in value)


def _prefix_of(digits: str, prefixes: Sequence[str]) -> str | None:
    """The registered company prefix the key's digits (after the indicator or extension digit) begin with."""
    found = [p for p in prefixes if 6 <= len(p) <= 12 and digits[1:].startswith(p)]
    return max(found, key=len) if found else None


def epc_urn(uri: str, prefixes: Sequence[str]) -> str | None:
    """``uri`` (a GS1 Digital Link on any domain, or already a URN) as an EPC URN; ``None`` when it cannot be."""
    if uri.startswith("urn:epc:"):
        return uri
    key = canonical(uri) or uri.split("?", 1)[0].split("#", 1)[0]
    m = _GTIN.fullmatch(key)
    if m is not None:
        gtin, qualifier, value = m.groups()
        prefix = _prefix_of(gtin, prefixes)
        if prefix is None or qualifier is None:
            return None
        reference = gtin[0] + gtin[1 + len(prefix) : 13]
        scheme = "id:sgtin" if qualifier == "21" else "class:lgtin"
        return f"urn:epc:{scheme}:{prefix}.{reference}.{_escaped(unquote(value))}"
    m = _SSCC.fullmatch(key)
    if m is not None:
        sscc = m.group(1)
        prefix = _prefix_of(sscc, prefixes)
        if prefix is None:
            return None
        return f"urn:epc:id:sscc:{prefix}.{sscc[0]}{sscc[1 + len(prefix) : 17]}"
    return None


def in_format(event: Mapping[str, Any], epc_format: str, prefixes: Sequence[str]) -> dict[str, Any]:
    """``event`` with its EPCs and EPC classes as ``epc_format`` asks: EPC URNs for ``Always_EPC_URN`` (where a
    registered prefix allows), as mapped (GS1 Digital Links) otherwise."""
    out = dict(event)
    if epc_format != "Always_EPC_URN":
        return out

    def urn(uri: Any) -> Any:
        return (epc_urn(uri, prefixes) or uri) if isinstance(uri, str) else uri

    for name in EPC_FIELDS:
        value = out.get(name)
        if isinstance(value, list):
            out[name] = [urn(v) for v in value]
        elif isinstance(value, str):
            out[name] = urn(value)
    for name in CLASS_FIELDS:
        value = out.get(name)
        if isinstance(value, list):
            out[name] = [
                {**q, "epcClass": urn(q.get("epcClass"))} if isinstance(q, dict) and "epcClass" in q else q
                for q in value
            ]
    return out
