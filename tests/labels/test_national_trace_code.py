"""The national trace code (追溯码, MOFCOM's 中药材流通追溯体系) beside the GS1 Digital Link: a packaging run's
code on its label sheets (SVG and PDF) and on every unit's scan page, a sale's code on the page of each unit
it sold; refused when it is not a code; over real HTTP on both engines."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ginseng_trace.chain.errors import MalformedError
from ginseng_trace.events.catalogue import check_payload
from ginseng_trace.service import Services

from ..conftest import example_payload
from .test_labels import Site, text_of

RUN_CODE = "22062120251025093100"  # the demo's packaging run of PK-2025-0931
SALE_CODE = "22010220251120000708"  # the demo shop's sale of boxes 0007 and 0008
GTIN = "06975123400010"


@pytest.fixture
def site(demo: Services) -> Iterator[httpx.Client]:
    with Site(demo) as client:
        yield client


def test_the_label_sheets_print_the_runs_trace_code_under_each_label(site: httpx.Client) -> None:
    import pypdfium2

    sheet = site.get("/api/v1/lots/PK-2025-0931/labels.svg").text
    assert sheet.count(f">追溯码 {RUN_CODE}</text>") == 24  # one per label of the page
    assert sheet.count(">PK-2025-0931 00") == 24
    pdf = pypdfium2.PdfDocument(site.get("/api/v1/lots/PK-2025-0931/labels.pdf", params={"page": 1}).content)
    text = pdf[0].get_textpage().get_text_range()
    assert text.count(RUN_CODE) == 24  # Courier draws the code; 追溯码 is in the SVG sheet only
    assert "?" not in text
    plain = site.get("/api/v1/lots/HV-2025-FS-0017/label.svg")
    assert plain.status_code == 200
    assert RUN_CODE not in plain.text


@pytest.mark.slow
def test_the_scan_page_shows_the_runs_code_and_the_sales(site: httpx.Client) -> None:
    sold = f"/01/{GTIN}/10/PK-2025-0931/21/0007"
    zh = text_of(site.get(sold).text)
    assert f"国家追溯码 {RUN_CODE} · 销售追溯码 {SALE_CODE}" in zh
    en = text_of(site.get(sold, params={"lang": "en"}).text)
    assert f"National trace code {RUN_CODE} · trace code of the sale {SALE_CODE}" in en
    data = site.get(sold, headers={"Accept": "application/json"}).json()
    assert data["lot"]["national_trace_code"] == RUN_CODE
    assert [s["national_trace_code"] for s in data["sold"]] == [SALE_CODE]
    unsold = text_of(site.get(f"/01/{GTIN}/10/PK-2025-0931/21/0001").text)
    assert f"国家追溯码 {RUN_CODE}" in unsold
    assert SALE_CODE not in unsold
    harvest = site.get("/lot/HV-2025-FS-0017").text
    assert 'id="national-trace-code"' not in harvest  # a lot no business reported: nothing shown


@pytest.mark.parametrize("event_type", ["package", "sell"])
@pytest.mark.parametrize("code", ["追溯码1234567", "1234567", "x" * 41, "2206-2120-2510", ""])
def test_what_is_not_a_trace_code_is_refused_naming_the_field(event_type: str, code: str) -> None:
    payload = example_payload(event_type) | {"national_trace_code": code}
    with pytest.raises(MalformedError) as refused:
        check_payload(event_type, payload)
    assert [p.pointer for p in refused.value.problems] == ["/event/payload/national_trace_code"]
    check_payload(event_type, payload | {"national_trace_code": "ABC12345"})
