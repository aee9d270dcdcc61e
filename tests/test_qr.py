"""QR labels: each symbol is decoded by a real decoder (zxing-cpp) back to the Digital Link it encodes."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image, ImageDraw

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
    assert caption.getextrema()[0] < 128  # text was drawn


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


def test_a_packaging_run_prints_on_a4_sheets() -> None:
    links = [
        build("https://trace.example.cn", "06975123400010", lot="PK-2025-0931", serial=f"{n:04d}").uri()
        for n in range(1, 51)
    ]
    pages = qr.sheets([(link, link.rsplit("/", 1)[-1]) for link in links])
    assert len(pages) == 3  # 24 a page
    assert all('width="210mm" height="297mm"' in page for page in pages)
    assert pages[2].count("<path") == 2
    assert ">0049<" in pages[2]
