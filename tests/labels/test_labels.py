"""The consumer's scan, as a person makes it: a QR label printed from the demo data is decoded by a real
decoder (zxing-cpp), the decoded GS1 Digital Link is followed over real HTTP, and the page shows the lot's
history; invalid and unknown codes get helpful pages; the page never shows private data."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import Engine

from ginseng_trace.api import create_app
from ginseng_trace.api.pages import VERIFY_FALLBACK
from ginseng_trace.chain import SignerKey
from ginseng_trace.demo import load_demo
from ginseng_trace.events import private_fields
from ginseng_trace.labels.signals import ScanPolicy
from ginseng_trace.service import Services
from ginseng_trace.store import Store

from ..conftest import OPERATOR, LiveServer, enrol

GTIN = "06975123400010"


class Site:
    """The service on a loopback port, its labels pointing at that port (a tight scan policy for the test)."""

    def __init__(self, ledger: Services) -> None:
        policy = ScanPolicy(max_scans=3, max_cities=1)
        self.server = LiveServer(factory=lambda url: create_app(ledger, public_base=url, scan_policy=policy))

    def __enter__(self) -> httpx.Client:
        self.server.__enter__()
        self.client = httpx.Client(base_url=self.server.url, follow_redirects=False)
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.server.__exit__(*exc)


@pytest.fixture
def site(demo: Services) -> Iterator[httpx.Client]:
    with Site(demo) as client:
        yield client


def from_phone(site: httpx.Client, n: int, url: str, **kwargs: Any) -> httpx.Response:
    """GET ``url`` from shopper ``n``'s phone: a client of its own loopback address (127.0.0.n), as the scan
    counter tells clients apart (``site`` itself is 127.0.0.1)."""
    transport = httpx.HTTPTransport(local_address=f"127.0.0.{n}")
    with httpx.Client(base_url=site.base_url, transport=transport, follow_redirects=False) as phone:
        return phone.get(url, **kwargs)


def scan_label(client: httpx.Client, serial: str) -> str:
    """Fetch the box's printed label and read it as a phone would: decode the QR image."""
    png = client.get("/api/v1/lots/PK-2025-0931/label.png", params={"serial": serial})
    assert png.status_code == 200
    [decoded] = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))]
    assert decoded == png.headers["x-digital-link"]
    return decoded


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.slow
def test_a_scanned_label_opens_the_lots_history(site: httpx.Client) -> None:
    url = scan_label(site, "0007")
    assert url == f"{site.base_url}/01/{GTIN}/10/PK-2025-0931/21/0007"
    page = site.get(url)
    assert page.status_code == 200
    assert page.headers["content-language"] == "zh"
    text = text_of(page.text)
    for fact in (
        "红参（园参）",
        "白山市抚松县",
        "5 年",
        "2025-09-18",
        "吉林省中药材检测中心",
        "合格",
        "changchun-herb-shop",
        "记录完整",
    ):
        assert fact in text, fact
    assert 'rel="linkset"' in page.headers["link"]
    english = site.get(url, headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert english.headers["content-language"] == "en"
    assert "red ginseng (garden ginseng)" in english.text
    assert "Root age" in english.text
    assert "lang=zh" in english.text  # a link back to Chinese


@pytest.mark.slow
def test_the_page_pins_its_scripts_and_the_readme_names_the_verifiers_digest(site: httpx.Client) -> None:
    import base64
    import hashlib

    page = site.get(f"/01/{GTIN}/10/PK-2025-0931/21/0007").text
    for script in ("verify-authority.js", "verify-crypto.js", "verify-core.js", "verify.js", "place.js"):
        body = site.get(f"/static/{script}").content
        pinned = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
        assert f'src="/static/{script}" integrity="{pinned}"' in page
        if script != "place.js":  # what an auditor compares with the scripts they read
            assert pinned in (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    # the fallback for browsers without WebCrypto's Ed25519, loaded only there (verify.js), pinned the same way
    fallback = VERIFY_FALLBACK
    body = site.get(f"/static/{fallback}").content
    pinned = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
    assert f'data-fallback="/static/{fallback}" data-fallback-integrity="{pinned}"' in page
    assert pinned in (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_verifiers_fallback_is_package_data_pinned_and_licensed() -> None:
    """The fallback for browsers without WebCrypto's Ed25519 ships with the package (a plain ``pip install``
    serves it), at the bytes ``scripts/vendor_js.sh`` builds and pins, each library's licence beside it."""
    import fnmatch
    import hashlib
    import tomllib

    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    vendor = root / "trace" / "api" / "static" / "vendor"
    for name in (VERIFY_FALLBACK, "vendor/noble-ed25519-3.2.0.LICENSE", "vendor/noble-hashes-2.4.0.LICENSE"):
        assert any(fnmatch.fnmatch(f"static/{name}", pattern) for pattern in patterns["ginseng_trace.api"]), name
        assert (vendor.parent / name).is_file(), name
    digest = hashlib.sha256((vendor.parent / VERIFY_FALLBACK).read_bytes()).hexdigest()
    assert f"bundle_sha256={digest}" in (root / "scripts" / "vendor_js.sh").read_text()
    for licence in vendor.glob("noble-*.LICENSE"):
        assert "MIT License" in licence.read_text()
        assert "Paul Miller" in licence.read_text()


@pytest.mark.slow
def test_json_linkset_and_the_resolver_description(site: httpx.Client) -> None:
    url = f"/01/{GTIN}/10/PK-2025-0931/21/0007"
    body = site.get(url, headers={"Accept": "application/json"}).json()
    assert body["lot"]["origins"][0]["county"] == "抚松县"
    assert body["server_verified"] is True
    assert body["bundle"] == "/api/v1/lots/PK-2025-0931/bundle"
    linkset = site.get(url, params={"linkType": "linkset"})
    assert linkset.headers["content-type"] == "application/linkset+json"
    links = linkset.json()["linkset"][0]
    assert {"https://gs1.org/voc/traceability", "https://gs1.org/voc/epcis", "https://gs1.org/voc/pip"} <= set(links)
    assert site.get(url, params={"linkType": "all"}).json() == linkset.json()
    epcis = site.get(url, params={"linkType": "gs1:epcis"})
    assert (epcis.status_code, epcis.headers["location"]) == (307, "/api/v1/lots/PK-2025-0931/history")
    assert site.get("/.well-known/gs1resolver").json()["supportedPrimaryKeys"] == ["01"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        (f"/01/{GTIN}/10/PK-2025-0931/21/0999", 404, "可能是假冒"),  # outside the packaging run
        (f"/01/{GTIN}/10/PK-2099-0001/21/0001", 404, "可能是假冒"),  # no such lot
        ("/01/06975123400027/10/PK-2025-0931/21/0001", 404, "可能是假冒"),  # another GTIN
        (f"/01/{GTIN}", 404, "可能是假冒"),
        ("/01/06975123400011/10/PK-2025-0931", 400, "check digit should be 0"),
        (f"/01/{GTIN}/21/0001/10/PK-2025-0931", 400, "allowed in this order only"),
        (f"/01/{GTIN}/10/PK-2025-0931/", 400, "must not end with a slash"),
    ],
)
def test_unknown_and_invalid_codes_get_helpful_pages(site: httpx.Client, path: str, status: int, says: str) -> None:
    page = site.get(path)
    assert page.status_code == status
    assert says in page.text
    problem = site.get(path, headers={"Accept": "application/json"})
    assert problem.status_code == status
    assert problem.headers["content-type"] == "application/problem+json"


def demo_secrets() -> list[str]:
    """Every private value of the demo data as text (each coordinate, note, invoice reference), and the keys."""
    from ginseng_trace.demo import ACTORS, _events

    secrets = ["polygon", "signer_key", "PRIVATE"] + [a.key.text().split("+")[-1] for a in ACTORS]
    for _actor, event in _events():
        for name in private_fields(event["type"]) & set(event["payload"]):
            value = event["payload"][name]
            if name == "location":
                secrets += [str(c) for point in value["polygon"] for c in point]
            else:
                secrets += [str(value), json.dumps(value)]
    return secrets


def test_the_demo_has_private_data_to_keep() -> None:
    kinds = {
        s
        for s in demo_secrets()
        if s in ("127.09", "FP-22010093147", "two-year seedlings moved from the nursery beds to production beds")
    }
    assert len(kinds) == 3


@pytest.fixture
def logged_site(engine: Engine) -> Iterator[httpx.Client]:
    """The demo on a ledger with a log key, so that it serves proof bundles."""
    ledger = Services(Store(engine), operator=OPERATOR, log_signer=SignerKey("ginseng.test/log", bytes(range(32))))
    ledger.checkpointer.adopt_log_key()
    load_demo(ledger)
    ledger.checkpointer.publish()
    with Site(ledger) as client:
        yield client


@pytest.mark.slow
def test_the_page_its_json_and_the_bundle_it_verifies_never_carry_private_data(logged_site: httpx.Client) -> None:
    site, secrets = logged_site, demo_secrets()
    bundle = site.get("/api/v1/lots/PK-2025-0931/bundle")
    assert bundle.status_code == 200
    assert '\\"_sd\\"' in bundle.text  # the private members are there, as digests (in the events' JSON text)
    for serial in ("0007", "0100"):
        for lang in ("zh", "en"):
            page = site.get(f"/01/{GTIN}/10/PK-2025-0931/21/{serial}", params={"lang": lang})
            json_page = site.get(f"/01/{GTIN}/10/PK-2025-0931/21/{serial}", headers={"Accept": "application/json"})
            for secret in secrets:
                assert not carries(page.text, secret)
                assert not carries(json_page.text, secret)
                assert not carries(bundle.text, secret)


def carries(text: str, secret: str) -> bool:
    """Whether text holds the secret; a coordinate counts only as a number of its own, so 42.4 is found in
    [126.9,42.4] but not in the time 09:28:42.477635Z (which made this test fail by chance)."""
    if re.fullmatch(r"\d+\.\d+", secret):
        return re.search(rf"(?<![\d.:]){re.escape(secret)}(?![\d])", text) is not None
    return secret in text


def test_carries_finds_a_coordinate_as_a_number_and_not_inside_a_time() -> None:
    assert carries('"polygon":[[126.81,42.4]]', "42.4")
    assert carries("lat 42.4 N", "42.4")
    assert not carries('"recorded_at":"2026-11-23T09:28:42.477635Z"', "42.4")
    assert not carries("142.40", "42.4")
    assert carries("FP-22010093147", "FP-22010093147")


@pytest.mark.slow
def test_scans_are_counted_and_a_copied_label_is_flagged(site: httpx.Client) -> None:
    """Scans count distinct clients a day: shoppers' phones each add one, one phone's repeated scans none."""
    url = f"/01/{GTIN}/10/PK-2025-0931/21/0042"
    first = site.get(url, headers={"Accept": "application/json"}).json()["scans"]
    assert (first["count"], first["alerts"]) == (1, [])
    from_phone(site, 2, url, params={"city": "长春"})
    third = from_phone(site, 3, url, params={"city": "广州"}, headers={"Accept": "application/json"}).json()["scans"]
    assert third["count"] == 3
    assert third["first"] == first["first"]
    assert third["alerts"] == ["在多个城市被扫码：广州、长春", "在相距 2559 公里的两地被扫码：广州、长春"]
    fourth = from_phone(site, 4, url, params={"lang": "en"})
    assert "scanned 4 times (usually at most 3)" in fourth.text
    assert (
        site.get(f"/01/{GTIN}/10/PK-2025-0931/21/0043", headers={"Accept": "application/json"}).json()["scans"]["count"]
        == 1
    )


@pytest.mark.slow
def test_one_client_counts_once_a_day_and_tells_one_city(demo: Services) -> None:
    """A few requests from one client (a shopper's reloads, or a script) cannot make a genuine box look
    copied: it counts once a day and names at most one city (its first) for the label that day; nothing
    kept names the client's address."""
    url = f"/01/{GTIN}/10/PK-2025-0931/21/0050"
    with Site(demo) as site:
        for _ in range(10):
            page = site.get(url, headers={"Accept": "application/json"}).json()["scans"]
        assert (page["count"], page["alerts"]) == (1, [])
        site.get(url, params={"city": "长春"})
        site.get(url, params={"place": "1", "city": "广州"})
        demo.scans.flush()  # the next answers count from the stored scans too
        again = site.get(url, params={"city": "上海"}, headers={"Accept": "application/json"}).json()["scans"]
        assert (again["count"], again["alerts"]) == (1, [])
        other = from_phone(site, 9, url, headers={"Accept": "application/json"}).json()["scans"]
        assert other["count"] == 2
    demo.scans.flush()
    report = {row[2]: row[3] for row in demo.scans.report("PK-2025-0931")}
    assert (report["0050"].count, sorted(report["0050"].cities)) == (1 + 1, ["长春"])
    stored = demo.store.read(lambda repo: repo.scans.visitors(GTIN, "PK-2025-0931", "0050", since="2000-01-01"))
    assert len(stored) == 2
    assert all(re.fullmatch(r"[0-9a-f]{32}", visitor) for visitor in stored)
    assert not any("127.0.0" in str(v) for v in stored)


def test_a_recalled_lot_shows_the_banner(demo: Services) -> None:
    from ..conftest import Actor

    regulator = Actor("jilin-regulator")
    enrol(demo, regulator, ["regulator"])
    demo.events.append(
        regulator.sign(
            "RG-2025-0931", "recall", occurred_at="2025-11-21T00:00:00Z", payload={"reason": "Cd above limit"}
        )
    )
    with Site(demo) as client:
        page = client.get(f"/01/{GTIN}/10/PK-2025-0931/21/0007")
    assert "本批次已召回" in page.text
    assert "Cd above limit" in page.text


@pytest.mark.slow
def test_label_sheets_for_a_packaging_run(site: httpx.Client) -> None:
    first = site.get("/api/v1/lots/PK-2025-0931/labels.svg")
    assert first.status_code == 200
    assert first.headers["x-pages"] == "9"  # 200 boxes, 24 a page
    assert "PK-2025-0931 0001" in first.text
    last = site.get("/api/v1/lots/PK-2025-0931/labels.svg", params={"page": 9})
    assert "PK-2025-0931 0200" in last.text
    assert site.get("/api/v1/lots/PK-2025-0931/labels.svg", params={"page": 10}).status_code == 404
    assert ">PK-2025-0931 0025<" in site.get("/api/v1/lots/PK-2025-0931/labels.svg", params={"page": 2}).text
    assert site.get("/api/v1/lots/PK-2025-0931/label.svg", params={"serial": "0201"}).status_code == 404
    assert site.get("/api/v1/lots/HV-2025-FS-0017/label.png", params={"serial": "1"}).status_code == 404


@pytest.mark.slow
def test_the_whole_run_as_one_pdf_whose_labels_open_their_pages(site: httpx.Client) -> None:
    import pypdfium2

    whole = site.get("/api/v1/lots/PK-2025-0931/labels.pdf")
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "application/pdf"
    assert whole.headers["x-pages"] == "9"
    document = pypdfium2.PdfDocument(whole.content)
    assert len(document) == 9
    read = [r.text for r in zxingcpp.read_barcodes(document[8].render(scale=300 / 72).to_pil())]
    assert len(read) == 8  # 200 = 8 x 24 + 8
    assert site.get(sorted(read)[-1]).status_code == 200  # the last box's label opens its page
    assert sorted(read)[-1].endswith("/21/0200")
    one = pypdfium2.PdfDocument(site.get("/api/v1/lots/PK-2025-0931/labels.pdf", params={"page": 2}).content)
    assert len(one) == 1
    assert "PK-2025-0931 0025" in one[0].get_textpage().get_text_range()
    assert site.get("/api/v1/lots/PK-2025-0931/labels.pdf", params={"page": 0}).status_code == 422


@pytest.mark.slow
def test_the_sheets_grid_is_chosen_by_the_printer_and_refused_when_codes_would_be_too_small(
    site: httpx.Client,
) -> None:
    import pypdfium2

    run = "/api/v1/lots/PK-2025-0931/labels"
    three = site.get(f"{run}.pdf", params={"columns": 3, "rows": 4})
    assert three.headers["x-pages"] == "17"  # 200 boxes, 12 a page
    document = pypdfium2.PdfDocument(three.content)
    read = sorted(r.text for r in zxingcpp.read_barcodes(document[16].render(scale=300 / 72).to_pil()))
    assert [link[-4:] for link in read] == ["0193", "0194", "0195", "0196", "0197", "0198", "0199", "0200"]
    svg = site.get(f"{run}.svg", params={"columns": 2, "rows": 2, "page": 50})
    assert svg.headers["x-pages"] == "50"
    assert svg.text.count("<path") == 4
    for params, field in (({"columns": 0}, "/columns"), ({"rows": 21}, "/rows"), ({"columns": 20}, "/columns")):
        refused = site.get(f"{run}.pdf", params=params)
        assert refused.status_code == 422, params
        assert refused.headers["content-type"] == "application/problem+json"
        assert [e["pointer"] for e in refused.json()["errors"]] == [field]
    assert "codes need at least 10 mm" in site.get(f"{run}.svg", params={"rows": 20}).json()["detail"]


@pytest.mark.slow
def test_a_lot_without_a_gtin_has_a_local_label_and_page(site: httpx.Client) -> None:
    png = site.get("/api/v1/lots/HV-2025-FS-0017/label.png")
    [decoded] = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))]
    assert decoded == f"{site.base_url}/lot/HV-2025-FS-0017"
    page = site.get(decoded)
    assert page.status_code == 200
    assert "白山市抚松县" in text_of(page.text)
    assert 'rel="linkset"' not in page.text  # no GS1 key, no linkset
    assert site.get(decoded, headers={"Accept": "application/json"}).json()["lot"]["kind"] == "harvest_lot"
    assert "可能是假冒" in site.get("/lot/HV-2099-0001").text
    assert site.get("/lot/HV-2099-0001").status_code == 404
    assert site.get("/lot/%E4%BA%BA").status_code == 400


@pytest.mark.slow
def test_labels_on_the_command_line(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ..tools.test_cli import run

    monkeypatch.setenv("TRACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRACE_PUBLIC_BASE", "https://trace.example.cn")
    db = f"--database-url={database_url}"
    assert run("demo", db).returncode == 0
    one = run("label", db, "--lot", "PK-2025-0931", "--serial", "0150", "-o", str(tmp_path / "one.png"))
    assert one.stdout.strip() == f"https://trace.example.cn/01/{GTIN}/10/PK-2025-0931/21/0150"
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(tmp_path / "one.png"))]
    assert decoded == [one.stdout.strip()]
    sheets = run("label", db, "--lot", "PK-2025-0931", "--sheets", "-o", str(tmp_path / "run.svg"))
    assert sheets.stdout.startswith("200 labels on 9 A4 page(s)")
    assert (tmp_path / "run-009.svg").read_text().count("PK-2025-0931 0") == 8
    pdf = run("label", db, "--lot", "PK-2025-0931", "--sheets", "--workers", "2", "-o", str(tmp_path / "run.pdf"))
    assert pdf.stdout.strip() == f"200 labels on 9 A4 page(s) of 4 x 6: {tmp_path / 'run.pdf'}"
    assert (tmp_path / "run.pdf").read_bytes().startswith(b"%PDF-")
    grid = ["--sheets", "--columns", "5", "--rows", "8", "--margin", "8"]
    wide = run("label", db, "--lot", "PK-2025-0931", *grid, "-o", str(tmp_path / "wide.svg"))
    assert wide.stdout.startswith("200 labels on 5 A4 page(s) of 5 x 8")
    assert (tmp_path / "wide-005.svg").read_text().count("<path") == 200 - 4 * 40
    fine = run("label", db, "--lot", "PK-2025-0931", "--sheets", "--columns", "20", "-o", str(tmp_path / "f.pdf"))
    assert (fine.returncode, fine.stderr.count("\n")) == (2, 1)
    assert "/columns: a 20 x 6 grid leaves 9.5 mm a code; codes need at least 10 mm to scan" in fine.stderr
    assert not (tmp_path / "f.pdf").exists()
    bad = run("label", db, "--lot", "HV-2025-FS-0017", "-o", str(tmp_path / "x.png"))
    assert (bad.returncode, bad.stderr.count("\n")) == (2, 1)


def test_scans_are_written_behind_and_counted_once(demo: Services) -> None:
    first = demo.scans.record(GTIN, "PK-2025-0931", "0001", "长春")
    second = demo.scans.record(GTIN, "PK-2025-0931", "0001", None)
    assert (first.count, second.count, second.first, sorted(second.cities)) == (1, 2, first.first, ["长春"])
    assert demo.scans.flush() == 2
    assert demo.scans.flush() == 0
    third = demo.scans.record(GTIN, "PK-2025-0931", "0001", "吉林")  # two stored, one pending
    assert (third.count, third.first, sorted(third.cities)) == (3, first.first, ["吉林", "长春"])
    assert third.last is not None
    assert third.cities["吉林"] == third.last
    assert demo.scans.flush() == 1
    assert demo.scans.record(GTIN, "PK-2025-0931", "0002", None).count == 1


def test_a_failed_scan_write_keeps_the_counts_for_the_next_flush(
    demo: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ginseng_trace.store.scans import ScanRepository

    def broken(_self: object, _rows: object) -> None:
        raise OSError("disk full")

    demo.scans.record(GTIN, "PK-2025-0931", "0003", None)
    with monkeypatch.context() as patch:
        patch.setattr(ScanRepository, "add", broken)
        with pytest.raises(OSError, match="disk full"):
            demo.scans.flush()
        demo.scans._flush_in_background()  # the background path logs instead of raising
    assert demo.scans.record(GTIN, "PK-2025-0931", "0003", None).count == 2
    assert demo.scans.flush() == 2


def test_a_repeated_scan_reads_nothing_and_other_processes_scans_show_within_seconds(
    demo: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A label's tally is read once and kept (a scan burst costs no reads); a second ledger on the same
    database (another worker process) sees this one's scans once they are written and its cache expires."""
    from sqlalchemy import event

    statements: list[str] = []
    event.listen(demo.store.engine, "before_cursor_execute", lambda *a: statements.append(str(a[2])))
    demo.scans.record(GTIN, "PK-2025-0931", "0009", "长春")
    reads = len(statements)
    for _ in range(5):
        assert demo.scans.record(GTIN, "PK-2025-0931", "0009", None).count > 1
    assert len(statements) == reads  # five scans, no statement
    other = Services(Store(demo.store.engine), operator=OPERATOR)
    assert other.scans.record(GTIN, "PK-2025-0931", "0009", None).count == 1  # nothing written yet
    assert demo.scans.flush() == 6
    assert other.scans.record(GTIN, "PK-2025-0931", "0009", None).count == 2  # its own tally, still cached
    for counter in (demo.scans, other.scans):  # every tally is due to be read again
        monkeypatch.setattr(counter._tallies, "max_age", 0.0)
    assert other.scans.record(GTIN, "PK-2025-0931", "0009", None).count == 9  # 6 written + its own 3
    assert demo.scans.record(GTIN, "PK-2025-0931", "0009", None).count == 7  # 6 of its own, written, + 1
    assert other.scans.flush() == 3
    assert demo.scans.record(GTIN, "PK-2025-0931", "0009", None).count == 11


def test_scans_counted_while_flushes_write_are_each_counted_once(demo: Services) -> None:
    """Threads scanning four labels while another thread flushes: no scan is lost or counted twice."""
    import threading

    labels = [f"{n:04d}" for n in range(20, 24)]
    seen: dict[tuple[str, int], list[int]] = {(serial, k): [] for serial in labels for k in range(2)}

    def scanner(serial: str, k: int) -> None:
        for _ in range(60):
            seen[serial, k].append(demo.scans.record(GTIN, "PK-2025-0931", serial, None).count)

    stop = threading.Event()

    def flusher() -> None:
        while not stop.is_set():
            demo.scans.flush()

    threads = [threading.Thread(target=scanner, args=key) for key in seen]
    background = threading.Thread(target=flusher)
    background.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    background.join()
    demo.scans.flush()
    for counts in seen.values():
        # each thread's own scans: every tally counts all scans before it (a concurrent one may be in it
        # already), so they rise strictly, from at least 1 to at most the 120 scans of the label
        assert all(a < b for a, b in pairwise(counts))
        assert counts[0] >= 1
        assert counts[-1] <= 120
    for serial in labels:
        assert demo.scans.record(GTIN, "PK-2025-0931", serial, None).count == 121
    report = {serial: scans.count for _g, _lot, serial, scans in demo.scans.report("PK-2025-0931")}
    assert all(report[serial] == 121 for serial in labels)


def test_a_scan_never_waits_for_a_flush_that_is_writing(demo: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """A label already tallied answers from that tally while a flush holds the database (its commit may
    take tens of milliseconds on PostgreSQL), counting this process's scans all the same."""
    import threading

    demo.scans.record(GTIN, "PK-2025-0931", "0050", "长春")
    monkeypatch.setattr(demo.scans._tallies, "max_age", 0.0)  # every tally is due to be read again
    answers: list[Any] = []
    with demo.scans._flush_lock:  # a flush writing
        scanning = threading.Thread(target=lambda: answers.append(demo.scans.record(GTIN, "PK-2025-0931", "0050")))
        scanning.start()
        scanning.join(5)
        waited = scanning.is_alive()
    scanning.join(5)
    assert not waited, "the scan waited for the flush"
    [scans] = answers
    assert (scans.count, sorted(scans.cities)) == (2, ["长春"])
    assert demo.scans.flush() == 2


@pytest.mark.slow
def test_a_recall_shows_at_once_even_before_the_log_has_signed_it(engine: Engine) -> None:
    """The page shows the lot as the latest checkpoint has it, but a hold or recall recorded since is shown
    at once, marked as not yet checkable on the device; once logged, it is the verified banner."""
    from ..conftest import Actor

    ledger = Services(Store(engine), operator=OPERATOR, log_signer=SignerKey("ginseng.test/log", bytes(range(32))))
    load_demo(ledger)
    regulator = Actor("jilin-regulator")
    enrol(ledger, regulator, ["regulator"])
    recall = regulator.sign("RG-2025-0931", "recall", occurred_at="2025-11-21T00:00:00Z", payload={"reason": "Pb 9"})
    ledger.events.append(recall)
    with Site(ledger) as client:
        page = client.get(f"/01/{GTIN}/10/PK-2025-0931/21/0007")
        assert "本批次已召回" in page.text
        assert 'data-unlogged="1"' in page.text
        assert "Pb 9" in page.text
        doc = client.get(f"/01/{GTIN}/10/PK-2025-0931/21/0007", headers={"Accept": "application/json"}).json()
        assert doc["unlogged_status"] == {"status": "recall", "reason": "Pb 9"}
        assert doc["lot"]["status"] is None  # not in the logged history yet
        ledger.checkpointer.publish()
        logged = client.get(f"/01/{GTIN}/10/PK-2025-0931/21/0007")
        assert "本批次已召回" in logged.text
        assert "data-unlogged" not in logged.text
