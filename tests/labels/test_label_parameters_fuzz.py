"""Label parameters fuzzed over real HTTP on both engines (issue 15): whatever a client puts in a label's serial,
the resolver's path and query (GTIN, lot, serial, position, city) or a label sheet's numbers (scale, page,
columns, rows) — 4,301 digits, Arabic-Indic or full-width digits, signs, exponents, any text — the answer is
never a server error, and every refusal is a problem document that names the field it refuses."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ginseng_trace.api import create_app
from ginseng_trace.service import Services

from ..conftest import LiveServer

BOX = "/01/06975123400010/10/PK-2025-0931"
LABEL = "/api/v1/lots/PK-2025-0931"
JSON = {"Accept": "application/json"}

digits = st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "۰۱۲۳۴۵۶۷۸۹", "²³¹", "0123456789.-+e,_ "])
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    digits.flatmap(lambda alphabet: st.text(alphabet, min_size=1, max_size=30)),
    st.integers(min_value=4290, max_value=4400).map(lambda n: "7" * n),  # past int()'s 4,300-digit limit
    st.text(max_size=40),
)
serial_values = st.one_of(
    numbers,
    st.integers(min_value=4290, max_value=4400).map(lambda n: "٣" * n),  # one long parameter: URLs have a limit
    st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.just("0007"),
)
positions = st.one_of(
    st.tuples(numbers, numbers).map(",".join), st.floats(allow_nan=True).map(lambda f: f"{f},{f}"), numbers
)

EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def names_its_field(answer: httpx.Response, *fields: str) -> None:
    assert answer.status_code < 500, (answer.request.url, answer.status_code, answer.text[:300])
    if answer.status_code < 400 or answer.status_code == 404:
        return
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.request.url
    problem: dict[str, Any] = answer.json()
    said = " ".join([problem.get("detail", ""), *(e.get("pointer", "") for e in problem.get("errors", []))])
    assert any(field in said for field in fields), (fields, problem)


@pytest.mark.slow  # about 500 requests on each engine
def test_label_parameters_never_make_a_server_error(demo: Services) -> None:
    with LiveServer(create_app(demo)) as server, httpx.Client(base_url=server.url, timeout=30) as client:

        @given(serial=serial_values, scale=numbers)
        @EXAMPLES
        def one_label(serial: str, scale: str) -> None:
            names_its_field(client.get(f"{LABEL}/label.svg", params={"serial": serial}), "/serial")
            answer = client.get(f"{LABEL}/label.png", params={"serial": "0007", "scale": scale})
            names_its_field(answer, "/scale")

        @given(page=numbers, columns=numbers, rows=numbers, pdf=st.booleans())
        @EXAMPLES
        def sheets(page: str, columns: str, rows: str, pdf: bool) -> None:
            params = {"page": page, "columns": columns, "rows": rows}
            answer = client.get(f"{LABEL}/labels.{'pdf' if pdf else 'svg'}", params=params)
            names_its_field(answer, "/page", "/columns", "/rows")

        @given(serial=serial_values, gtin=numbers, near=positions, city=st.text(max_size=50), html=st.booleans())
        @EXAMPLES
        def resolver(serial: str, gtin: str, near: str, city: str, html: bool) -> None:
            headers = {} if html else JSON
            path = f"{BOX}/21/{quote(serial, safe='')}"
            names_its_field(client.get(path, headers=JSON), "21:", "path")
            names_its_field(client.get(f"/01/{quote(gtin, safe='')}/10/PK-2025-0931", headers=JSON), "01:", "path")
            answer = client.get(f"{BOX}/21/0007", params={"place": "1", "near": near}, headers=headers)
            assert answer.status_code < 500, (near, answer.text[:300])
            if answer.status_code >= 400:
                assert "near" in answer.text
            answer = client.get(f"{BOX}/21/0007", params={"place": "1", "city": city}, headers=headers)
            assert answer.status_code < 500, (city, answer.text[:300])

        one_label()
        sheets()
        resolver()


def test_positions_take_ascii_digits_only(demo: Services) -> None:
    with LiveServer(create_app(demo)) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        for near in ("٤٣.٩,١٢٥.٣", "４３.９,１２５.３", "43.9,125.3" + "3" * 4301):
            answer = client.get(f"{BOX}/21/0007", params={"place": "1", "near": near}, headers=JSON)
            assert answer.status_code == 400, near
            assert answer.json()["detail"].startswith("near:")
        assert client.get(f"{BOX}/21/0007", params={"place": "1", "near": "43.9,125.3"}, headers=JSON).is_success
