"""GS1 keys as EPC URNs (GS1-EPC-Format: Always_EPC_URN): the EPC Tag Data Standard's worked examples, and
round trips through the Digital Link form for generated keys (the existing URN → Digital Link conversion, which
the reference implementation's vectors check, as oracle)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ginseng_trace.epcis.epc import canonical
from ginseng_trace.epcis.urn import epc_urn, in_format

# EPC Tag Data Standard 2.0's examples of SGTIN, SSCC and LGTIN, and an EPC of GS1's EPCIS examples
TDS = [
    ("urn:epc:id:sgtin:0614141.812345.6789", "https://id.gs1.org/01/80614141123458/21/6789", "0614141"),
    ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908", "0614141"),
    ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877", "4012345"),
    # GS1's EPCIS example 9.6.1's EPC (the GTIN's check digit by the mod-10 rule: 1061414107346 -> 4)
    ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017", "0614141"),
]


@pytest.mark.parametrize(("urn", "link", "prefix"), TDS)
def test_the_standards_examples(urn: str, link: str, prefix: str) -> None:
    assert canonical(urn) == link
    assert epc_urn(link, [prefix]) == urn
    on_our_domain = link.replace("https://id.gs1.org", "https://trace.example.cn")
    assert epc_urn(on_our_domain, ["999999", prefix]) == urn


def test_the_prefix_decides_the_split_and_none_leaves_the_uri() -> None:
    link = "https://trace.example.cn/01/06975123400010/10/PK-2025-0931"
    assert epc_urn(link, ["6975123"]) == "urn:epc:class:lgtin:6975123.040001.PK-2025-0931"
    assert epc_urn(link, ["697512"]) == "urn:epc:class:lgtin:697512.0340001.PK-2025-0931"
    assert epc_urn(link, ["4012345"]) is None  # no registered prefix: not splittable
    assert epc_urn("https://trace.example.cn/lot/HV-2025-FS-0017", ["6975123"]) is None
    assert epc_urn("https://trace.example.cn/01/06975123400010", ["6975123"]) is None  # a GTIN alone is no EPC
    event = {"epcList": [link.replace("/10/", "/21/")], "quantityList": [{"epcClass": link, "quantity": 1}]}
    shown = in_format(event, "Always_EPC_URN", ["6975123"])
    assert shown["epcList"] == ["urn:epc:id:sgtin:6975123.040001.PK-2025-0931"]
    assert shown["quantityList"] == [{"epcClass": "urn:epc:class:lgtin:6975123.040001.PK-2025-0931", "quantity": 1}]
    assert in_format(event, "Always_GS1_Digital_Link", ["6975123"]) == event


def test_escaped_characters() -> None:
    # TDS §5: " % & / < > ? are escaped in a URN; the Digital Link percent-encodes what its path may not hold
    urn = "urn:epc:id:sgtin:0614141.112345.A%2Fb%22%25!"
    link = canonical(urn)
    assert link is not None
    assert epc_urn(link, ["0614141"]) == urn


_SERIAL = st.text(alphabet="ABCxyz0189-._!'()*+,:;=", min_size=1, max_size=20)


@given(
    length=st.integers(6, 12),
    digits=st.text(alphabet="0123456789", min_size=13, max_size=13),
    serial=_SERIAL,
    kind=st.sampled_from(["id:sgtin", "class:lgtin"]),
)
def test_a_urn_survives_its_digital_link(length: int, digits: str, serial: str, kind: str) -> None:
    prefix, reference = digits[:length], digits[length:]
    urn = f"urn:epc:{kind}:{prefix}.{reference}.{serial}"
    link = canonical(urn)
    assert link is not None
    assert epc_urn(link, [prefix]) == urn


@given(length=st.integers(6, 12), digits=st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_an_sscc_urn_survives_its_digital_link(length: int, digits: str) -> None:
    urn = f"urn:epc:id:sscc:{digits[:length]}.{digits[length:]}"
    link = canonical(urn)
    assert link is not None
    assert epc_urn(link, [digits[:length]]) == urn
