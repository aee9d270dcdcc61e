"""QR codes for Digital Link URIs: PNG and SVG for one label, SVG sheets for a packaging run.

The symbol comes from the ``qrcode`` library (ISO/IEC 18004 encoding, error
correction M by default, the 4-module quiet zone the standard requires); the
code text is printed under it so a person can type it when a camera fails.
SVG is written here from the module matrix (one path, no per-module
elements), so a sheet of thousands of labels stays small and fast.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

QUIET_ZONE = 4
"""Modules of light margin around the symbol (ISO/IEC 18004)."""

ERROR_LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}


def matrix(data: str, error: str = "M") -> list[list[bool]]:
    """The symbol's modules (True = dark), with the quiet zone."""
    code = qrcode.QRCode(error_correction=ERROR_LEVELS[error], border=QUIET_ZONE)
    code.add_data(data.encode("utf-8"))
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def png(data: str, *, caption: str | None = None, scale: int = 8, error: str = "M") -> bytes:
    """A PNG of the symbol, ``scale`` pixels a module, with ``caption`` (default: the data) under it."""
    modules = matrix(data, error)
    size = len(modules)
    symbol = Image.new("1", (size, size), 1)
    symbol.putdata([0 if dark else 1 for row in modules for dark in row])
    symbol = symbol.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    text = data if caption is None else caption
    font = ImageFont.load_default(size=max(10, scale * 2))
    lines = _wrap(text, max(8, size * scale // max(6, scale)))
    line_height = max(12, scale * 2 + 4)
    page = Image.new("L", (size * scale, size * scale + line_height * len(lines) + scale), 255)
    page.paste(symbol.convert("L"), (0, 0))
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        width = draw.textlength(line, font=font)
        draw.text(((size * scale - width) / 2, size * scale + i * line_height), line, fill=0, font=font)
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def _path(modules: Sequence[Sequence[bool]], x0: float = 0, y0: float = 0, unit: float = 1) -> str:
    """One SVG path drawing every dark module, runs of a row merged into one rectangle."""
    parts = []
    for y, row in enumerate(modules):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(
                    f"M{x0 + start * unit:g} {y0 + y * unit:g}h{(x - start) * unit:g}v{unit:g}h{-(x - start) * unit:g}z"
                )
            else:
                x += 1
    return "".join(parts)


def svg(data: str, *, caption: str | None = None, error: str = "M") -> str:
    """An SVG of the symbol (one unit a module) with ``caption`` (default: the data) under it."""
    modules = matrix(data, error)
    size = len(modules)
    text = escape(data if caption is None else caption)
    height = size + 4
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {height}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{height}" fill="#fff"/><path d="{_path(modules)}" fill="#000"/>'
        f'<text x="{size / 2:g}" y="{size + 2.5:g}" font-family="monospace" font-size="1.6" text-anchor="middle"'
        f' textLength="{size - 2}" lengthAdjust="spacingAndGlyphs">{text}</text></svg>'
    )


@dataclass(frozen=True)
class Sheet:
    """A label sheet layout in millimetres (A4 portrait by default)."""

    width_mm: float = 210
    height_mm: float = 297
    columns: int = 4
    rows: int = 6
    margin_mm: float = 10

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


def sheets(labels: Sequence[tuple[str, str]], layout: Sheet = Sheet(), *, error: str = "M") -> list[str]:
    """Print-ready SVG pages for ``labels`` (``(data, caption)`` pairs), ``layout.per_page`` to a page."""
    cell_w = (layout.width_mm - 2 * layout.margin_mm) / layout.columns
    cell_h = (layout.height_mm - 2 * layout.margin_mm) / layout.rows
    pages = []
    for first in range(0, len(labels), layout.per_page):
        body = []
        for n, (data, caption) in enumerate(labels[first : first + layout.per_page]):
            modules = matrix(data, error)
            size = len(modules)
            side = min(cell_w, cell_h - 6)
            unit = side / size
            x0 = layout.margin_mm + (n % layout.columns) * cell_w + (cell_w - side) / 2
            y0 = layout.margin_mm + (n // layout.columns) * cell_h
            body.append(f'<path d="{_path(modules, x0, y0, unit)}"/>')
            body.append(
                f'<text x="{x0 + side / 2:.2f}" y="{y0 + side + 3.5:.2f}" font-size="2.6" text-anchor="middle"'
                f' font-family="monospace">{escape(caption)}</text>'
            )
        pages.append(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width_mm:g}mm" height="{layout.height_mm:g}mm"'
            f' viewBox="0 0 {layout.width_mm:g} {layout.height_mm:g}" shape-rendering="crispEdges">'
            f'<rect width="100%" height="100%" fill="#fff"/><g fill="#000">{"".join(body)}</g></svg>'
        )
    return pages
