"""One symbol drawn: a PNG or an SVG of one label, its code text printed under it.

SVG is written here from the module matrix (one path, no per-module elements); ``dark_runs`` and
``svg_path`` are shared with ``sheets``, which draws many symbols a page the same way.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from .encoding import symbol


def png(data: str, *, caption: str | None = None, scale: int = 8, error: str = "M") -> bytes:
    """A PNG of the symbol, ``scale`` pixels a module, with ``caption`` (default: the data) under it."""
    modules = symbol(data, error)
    size = len(modules)
    image = Image.fromarray(np.where(modules, 0, 255).astype(np.uint8), mode="L")
    image = image.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    text = data if caption is None else caption
    font = ImageFont.load_default(size=max(10, scale * 2))
    lines = _wrap(text, max(8, size * scale // max(6, scale)))
    line_height = max(12, scale * 2 + 4)
    page = Image.new("L", (size * scale, size * scale + line_height * len(lines) + scale), 255)
    page.paste(image, (0, 0))
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        width = draw.textlength(line, font=font)
        draw.text(((size * scale - width) / 2, size * scale + i * line_height), line, fill=0, font=font)
    out = io.BytesIO()
    page.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def dark_runs(
    modules: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Each horizontal run of dark modules: its row, first column and length."""
    edges = np.diff(np.pad(modules, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    return rows, starts, ends - starts


def svg_path(modules: npt.NDArray[np.bool_]) -> str:
    """One SVG path drawing every dark module (one unit each), runs of a row merged into one rectangle."""
    rows, starts, lengths = dark_runs(modules)
    return "".join(
        f"M{x} {y}h{n}v1h-{n}z" for y, x, n in zip(rows.tolist(), starts.tolist(), lengths.tolist(), strict=True)
    )


def svg(data: str, *, caption: str | None = None, error: str = "M") -> str:
    """An SVG of the symbol (one unit a module) with ``caption`` (default: the data) under it."""
    modules = symbol(data, error)
    size = len(modules)
    text = escape(data if caption is None else caption)
    height = size + 4
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {height}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{height}" fill="#fff"/><path d="{svg_path(modules)}" fill="#000"/>'
        f'<text x="{size / 2:g}" y="{size + 2.5:g}" font-family="monospace" font-size="1.6" text-anchor="middle"'
        f' textLength="{size - 2}" lengthAdjust="spacingAndGlyphs">{text}</text></svg>'
    )
