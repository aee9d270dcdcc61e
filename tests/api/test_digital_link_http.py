"""The resolver reads a scanned GS1 Digital Link as DL 1.2 says (issue 14), over real HTTP on both engines:
parameters it does not use never refuse a valid code, a malformed path or query answers 400 naming the part
(a NUL too: 400, not the API's 422), and the path is read as sent (``%2F`` is not a slash)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ginseng_trace.service import Services

BOX = "/01/06975123400010/10/PK-2025-0931/21/0007"
JSON = {"Accept": "application/json"}


@pytest.fixture
def site(demo_site: tuple[httpx.Client, Services]) -> httpx.Client:
    return demo_site[0]


VALID_QUERIES = [
    "",
    "?&&",
    "?foo",
    "?foo&&linkType=&utm_source=label+sheet",
    "?17=281024",
    "?17=281024;lang=en",
    "?%31%37=anything",  # a percent-encoded key is an extension key, not an AI
    "?=x&17",
]
MALFORMED = [
    (f"{BOX}?5=x", "query"),  # a numeric key that is no AI
    (f"{BOX}?17=28+1024", "17"),  # '+' is a space in the query
    (f"{BOX}?17=", "17"),
    (f"{BOX}?22=V1", "22"),  # fits the path (/22/ before /10/): must be there
    ("/01/06975123400010/21/0007?10=PK-2025-0931", "10"),
    (f"{BOX}%00", "path"),  # a NUL: 400 naming the part, not the API's 422
    (f"{BOX}?city=%E9%95%BF%00", "query"),
    (f"{BOX}?lang=%zz", "query"),
    ("/lot/PK%00", "path"),
    ("/lot/PK-2025-0931?city=%00", "query"),
]


@pytest.mark.slow
def test_parameters_the_resolver_does_not_use_never_refuse_a_valid_code(site: httpx.Client) -> None:
    for query in VALID_QUERIES:
        answer = site.get(BOX + query, headers=JSON)
        assert answer.status_code == 200, (query, answer.text)
        assert answer.json()["lot"]["lot_id"] == "PK-2025-0931"


@pytest.mark.slow
def test_a_malformed_code_is_refused_with_400_naming_the_part(site: httpx.Client) -> None:
    for path, part in MALFORMED:
        answer = site.get(path, headers=JSON)
        assert answer.status_code == 400, (path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["part"] == part, path
        page = site.get(path)  # a browser gets the page, with the same status
        assert page.status_code == 400, path
        assert "text/html" in page.headers["content-type"]


def test_the_path_is_read_as_sent(site: httpx.Client) -> None:
    """``/10/A%2FB`` is the lot ``A/B`` (a valid code the ledger does not know), not two path segments."""
    answer = site.get("/01/06975123400010/10/A%2FB/21/0007", headers=JSON)
    assert answer.status_code == 404, answer.text
    assert "A%2FB" in answer.json()["code"]


def test_a_lot_in_the_query_beside_a_tpx_is_no_box_of_ours(site: httpx.Client) -> None:
    """DL 1.2 lets ``?10=`` stand beside ``/235/`` (no qualifier path has both): valid, but it names a
    third party's item, not the labelled box."""
    answer = site.get("/01/06975123400010/235/TPX1?10=PK-2025-0931", headers=JSON)
    assert answer.status_code == 404, answer.text


def corrupt(text: str, at: int, how: int, character: str) -> str:
    return [text[:at] + character + text[at + 1 :], text[:at] + character + text[at:], text[:at] + text[at + 1 :]][how]


@pytest.mark.slow
def test_one_character_corruptions_of_the_box_code_never_make_a_server_error(site: httpx.Client) -> None:
    target = BOX + "?17=281024&linkType=gs1%3Apip"

    @given(st.integers(1, len(target) - 1), st.integers(0, 2), st.sampled_from("0123456789AZaz-_.~%+&=?/;:人 \x00"))
    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def answers(at: int, how: int, character: str) -> None:
        path = corrupt(target, at, how, character)
        try:
            answer = site.get(path, headers=JSON)
        except httpx.InvalidURL:
            return  # not even a URL a phone could send
        assert answer.status_code in {200, 400, 404}, (path, answer.text[:200])
        if answer.status_code == 400:
            body: dict[str, Any] = answer.json()
            assert body["part"], body

    answers()


@pytest.mark.slow
def test_a_changed_digit_of_the_gtin_is_refused_naming_the_gtin(site: httpx.Client) -> None:
    for at in range(len("/01/"), len("/01/06975123400010")):
        digit = str((int(BOX[at]) + 3) % 10)
        answer = site.get(BOX[:at] + digit + BOX[at + 1 :], headers=JSON)
        assert answer.status_code == 400, at
        assert answer.json()["part"] == "01"
        assert "check digit" in answer.json()["detail"]
