"""QR labels: each symbol is decoded by a real decoder (zxing-cpp) back to the Digital Link it encodes."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from qrcode.exceptions import DataOverflowError

from ginseng_trace.labels import qr
from ginseng_trace.labels.digital_link import build, parse

LINK = build("https://trace.example.cn", "06975123400010", lot="PK-2025-0931", serial="0007").uri()


def decode(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("error", ["L", "M", "Q", "H"])
def test_a_png_label_decodes_to_its_link(error: str) -> None:
    data = qr.png(LINK, error=error)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert decode(image) == [LINK]
    assert parse(decode(image)[0]).elements["21"] == "0007"


def test_the_png_has_its_quiet_zone_and_caption() -> None:
    modules = qr.matrix(LINK)
    assert not any(modules[0])
    assert not any(row[0] for row in modules)
    assert not any(any(row[:4]) or any(row[-4:]) for row in modules)
    image = Image.open(io.BytesIO(qr.png(LINK, scale=4))).convert("L")
    side = len(modules) * 4
    assert image.size[0] == side
    assert image.size[1] > side  # the caption below
    caption = image.crop((0, side, side, image.size[1]))
    assert caption.getextrema()[0] < 128  # type: ignore[operator]  # text was drawn (one band: an int)


def rasterise(svg_text: str, scale: int = 8) -> Image.Image:
    """Draw the SVG's one path (runs of dark modules) with PIL: a second, independent reading of the SVG."""
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg_text).groups())  # type: ignore[union-attr]
    image = Image.new("L", (int(width * scale), int(height * scale)), 255)
    draw = ImageDraw.Draw(image)
    for x, y, w in re.findall(r"M([\d.]+) ([\d.]+)h([\d.]+)v", svg_text):
        x0, y0 = float(x) * scale, float(y) * scale
        draw.rectangle((x0, y0, x0 + float(w) * scale - 1, y0 + scale - 1), fill=0)
    return image


def test_an_svg_label_decodes_to_its_link() -> None:
    text = qr.svg(LINK)
    assert text.startswith("<svg")
    assert LINK.replace("&", "&amp;") in text
    assert decode(rasterise(text)) == [LINK]


RUN = [
    build("https://trace.example.cn", "06975123400010", lot="PK-2025-0931", serial=f"{n:04d}").uri()
    for n in range(1, 51)
]


def test_a_packaging_run_prints_on_a4_sheets() -> None:
    pages = qr.sheets([(link, link.rsplit("/", 1)[-1]) for link in RUN])
    assert len(pages) == 3  # 24 a page
    assert all('width="210mm" height="297mm"' in page for page in pages)
    assert pages[2].count("<path") == 2
    assert ">0049<" in pages[2]


def test_a_pdf_sheet_printed_and_scanned_gives_back_every_label() -> None:
    """PDFium (Chromium's PDF engine) renders each page at printer resolution; zxing reads every label."""
    import pypdfium2

    data = qr.sheets_pdf([(link, f"PK-2025-0931 {link.rsplit('/', 1)[-1]}") for link in RUN])
    assert data.startswith(b"%PDF-")
    document = pypdfium2.PdfDocument(data)
    assert len(document) == 3
    found: list[str] = []
    for page in document:
        assert (round(page.get_width() / qr.MM), round(page.get_height() / qr.MM)) == (210, 297)  # A4
        found += decode(page.render(scale=300 / 72).to_pil())
        text = page.get_textpage().get_text_range()
        assert "PK-2025-0931 00" in text
    assert sorted(found) == RUN
    assert "PK-2025-0931 0050" in document[2].get_textpage().get_text_range()


def test_a_sheet_layout_that_could_not_print_readable_codes_cannot_exist() -> None:
    from ginseng_trace.chain.errors import MalformedError

    assert qr.Sheet(columns=3, rows=4).per_page == 12
    assert qr.Sheet(columns=19).side_mm == pytest.approx(qr.MIN_SIDE_MM)  # 190 mm / 19: just enough
    assert qr.Sheet(rows=17).side_mm > qr.MIN_SIDE_MM  # 277 mm / 17 - 6 mm for the caption
    for bad, pointer in (
        ({"columns": 0}, "/columns"),
        ({"rows": 21}, "/rows"),
        ({"columns": 2.5}, "/columns"),
        ({"margin_mm": -1}, "/margin"),
        ({"margin_mm": 105}, "/margin"),
        ({"columns": 20}, "/columns"),  # 9.5 mm a code
        ({"rows": 20}, "/rows"),  # 7.8 mm a code
    ):
        with pytest.raises(MalformedError) as refused:
            qr.Sheet(**bad)
        assert [p.pointer for p in refused.value.problems] == [pointer], bad


def test_several_workers_draw_the_same_pages() -> None:
    labels = [(link, link[-4:]) for link in RUN] * 3  # 150 labels, 7 pages
    assert qr.sheets(labels, workers=2) == qr.sheets(labels)
    assert qr.sheets_pdf(labels, workers=2) == qr.sheets_pdf(labels)


def qrcode_reference(data: str, error: str) -> list[list[bool]]:
    """The symbol exactly as the qrcode library makes it, mask selection and all."""
    import qrcode

    code = qrcode.QRCode(error_correction=qr.ERROR_LEVELS[error], border=qr.QUIET_ZONE)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


@settings(max_examples=150, deadline=None)
@given(
    data=st.one_of(
        st.text(alphabet="0123456789", min_size=1, max_size=300),  # numeric segments
        st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", min_size=1, max_size=300),  # alphanumeric
        st.text(min_size=1, max_size=300),  # bytes, any Unicode as UTF-8
        st.builds(
            lambda lot, serial: build("https://trace.example.cn", "06975123400010", lot=lot, serial=serial).uri(),
            st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-", min_size=1, max_size=20),
            st.text(alphabet="0123456789", min_size=1, max_size=20),
        ),
    ),
    error=st.sampled_from("LMQH"),
)
@pytest.mark.slow
def test_our_modules_equal_the_qrcode_librarys_own(data: str, error: str) -> None:
    """The fast path (codewords, placement and mask choice with tables and numpy) makes exactly qrcode's symbol."""
    assert qr.matrix(data, error) == qrcode_reference(data, error)


@pytest.mark.slow
def test_every_version_and_level_equals_the_qrcode_librarys_own() -> None:
    capacity = {"L": 2953, "M": 2331, "Q": 1663, "H": 1273}  # bytes at version 40
    for error, most in capacity.items():
        for length in (1, 17, 50, 120, 300, 700, 1200, most):
            data = "".join(chr(0x41 + (i * 7 + length) % 58) for i in range(length))
            assert qr.matrix(data, error) == qrcode_reference(data, error), (error, length)
    with pytest.raises(DataOverflowError):
        qr.matrix("x" * 3000, "L")


def test_a_run_drawn_at_once_equals_each_symbol_drawn_alone() -> None:
    """symbols() works on all symbols of one version together; mixed versions and levels come out each
    exactly as qrcode makes it alone."""
    data = [*RUN[:30], "short", "x" * 200, RUN[30], "0123456789" * 20]
    for error in "LH":
        together = qr.symbols(data, error)
        assert len(together) == len(data)
        for one, drawn in zip(data, together, strict=True):
            assert drawn.tolist() == qrcode_reference(one, error)
