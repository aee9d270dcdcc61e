"""Label sheets for a packaging run: the A4 layout ``Sheet``, SVG pages and one PDF, optionally drawn
by worker processes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from xml.sax.saxutils import escape

from ...chain.errors import FieldProblem, MalformedError
from .encoding import symbols
from .rendering import dark_runs, svg_path

CAPTION_MM = 6.0
"""The height below each symbol kept for its caption: a line, and a second one (a national trace code) 2.4 mm below."""

MIN_SIDE_MM = 10.0
"""The smallest symbol a sheet may print: a version-4 code at 10 mm has modules of about 0.3 mm, which
phone cameras still read at arm's length; a finer grid is refused rather than printed unreadable."""

MAX_GRID = 20


@dataclass(frozen=True)
class Sheet:
    """A label sheet layout in millimetres (A4 portrait, 4 x 6 labels, by default). A grid whose symbols
    would be smaller than ``MIN_SIDE_MM`` cannot be made: ``MalformedError`` names the field."""

    width_mm: float = 210
    height_mm: float = 297
    columns: int = 4
    rows: int = 6
    margin_mm: float = 10

    def __post_init__(self) -> None:
        problems = [
            FieldProblem(f"/{name}", f"must be a whole number from 1 to {MAX_GRID}, not {value!r}")
            for name, value in (("columns", self.columns), ("rows", self.rows))
            if not (isinstance(value, int) and 1 <= value <= MAX_GRID)
        ]
        if not 0 <= self.margin_mm < min(self.width_mm, self.height_mm) / 2:
            detail = f"must be from 0 to under half the sheet, not {self.margin_mm!r} mm"
            problems.append(FieldProblem("/margin", detail))
        if problems:
            raise MalformedError(problems)
        if self.side_mm < MIN_SIDE_MM:
            raise MalformedError(
                FieldProblem(
                    "/columns" if self.cell_mm[0] < self.cell_mm[1] - CAPTION_MM else "/rows",
                    f"a {self.columns} x {self.rows} grid leaves {max(self.side_mm, 0):.1f} mm a code; "
                    f"codes need at least {MIN_SIDE_MM:g} mm to scan",
                )
            )

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def cell_mm(self) -> tuple[float, float]:
        """A label's width and height."""
        return (
            (self.width_mm - 2 * self.margin_mm) / self.columns,
            (self.height_mm - 2 * self.margin_mm) / self.rows,
        )

    @property
    def side_mm(self) -> float:
        """The side of each printed symbol: the largest square that fits a cell above its caption."""
        cell_w, cell_h = self.cell_mm
        return min(cell_w, cell_h - CAPTION_MM)


MM = 72 / 25.4
"""PDF points in a millimetre."""


def sheets(
    labels: Sequence[tuple[str, str]], layout: Sheet = Sheet(), *, error: str = "M", workers: int = 1
) -> list[str]:
    """Print-ready SVG pages for ``labels`` (``(data, caption)`` pairs), ``layout.per_page`` to a page;
    ``workers`` processes share the pages of a long run."""
    return _pages(_svg_page, labels, layout, error, workers)


def sheets_pdf(
    labels: Sequence[tuple[str, str]], layout: Sheet = Sheet(), *, error: str = "M", workers: int = 1
) -> bytes:
    """The same pages as one print-ready PDF: every module a filled vector rectangle, captions in Courier.
    ``pikepdf`` (qpdf) writes the document; each page's content stream is drawn here."""
    import pikepdf

    pdf = pikepdf.Pdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Courier,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    size = pikepdf.Rectangle(0, 0, layout.width_mm * MM, layout.height_mm * MM)
    for content in _pages(_pdf_page, labels, layout, error, workers):
        page = pdf.add_blank_page(page_size=(size.width, size.height))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(content.encode("latin-1"))
    out = io.BytesIO()
    pdf.save(out, compress_streams=True, deterministic_id=True)
    return out.getvalue()


def _pages(
    draw: Callable[[Sequence[tuple[str, str]], Sheet, str], str],
    labels: Sequence[tuple[str, str]],
    layout: Sheet,
    error: str,
    workers: int,
) -> list[str]:
    chunks = [labels[first : first + layout.per_page] for first in range(0, len(labels), layout.per_page)]
    if workers <= 1 or len(chunks) < 2 * workers:
        return [draw(chunk, layout, error) for chunk in chunks]
    with ProcessPoolExecutor(workers) as pool:
        return list(
            pool.map(draw, chunks, repeat(layout), repeat(error), chunksize=max(1, len(chunks) // (4 * workers)))
        )


def _cells(layout: Sheet, count: int) -> list[tuple[float, float, float]]:
    """Where each label of a page goes: its symbol's left and top edges and its side, in millimetres."""
    cell_w, cell_h = layout.cell_mm
    side = layout.side_mm
    return [
        (
            layout.margin_mm + (n % layout.columns) * cell_w + (cell_w - side) / 2,
            layout.margin_mm + (n // layout.columns) * cell_h,
            side,
        )
        for n in range(count)
    ]


def _svg_page(labels: Sequence[tuple[str, str]], layout: Sheet, error: str) -> str:
    body = []
    drawn = symbols([data for data, _ in labels], error)
    for (_data, caption), modules, (x0, y0, side) in zip(labels, drawn, _cells(layout, len(labels)), strict=True):
        body.append(
            f'<path transform="translate({x0:.3f} {y0:.3f}) scale({side / len(modules):.5f})" d="{svg_path(modules)}"/>'
        )
        body += [
            f'<text x="{x0 + side / 2:.2f}" y="{y0 + side + 3.5 + 2.4 * n:.2f}" font-size="2.6" text-anchor="middle"'
            f' font-family="monospace">{escape(line)}</text>'
            for n, line in enumerate(caption.split("\n"))
        ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{layout.width_mm:g}mm" height="{layout.height_mm:g}mm"'
        f' viewBox="0 0 {layout.width_mm:g} {layout.height_mm:g}" shape-rendering="crispEdges">'
        f'<rect width="100%" height="100%" fill="#fff"/><g fill="#000">{"".join(body)}</g></svg>'
    )


def _pdf_page(labels: Sequence[tuple[str, str]], layout: Sheet, error: str) -> str:
    """A PDF content stream (PDF 1.7 operators, points, origin bottom left) drawing one page of labels."""
    height = layout.height_mm * MM
    ops = ["0 g"]
    drawn = symbols([data for data, _ in labels], error)
    for (_data, caption), modules, (x0, y0, side) in zip(labels, drawn, _cells(layout, len(labels)), strict=True):
        size = len(modules)
        unit = side / size * MM
        left, top = x0 * MM, height - y0 * MM
        rows, starts, lengths = dark_runs(modules)
        # in module units, origin at the symbol's bottom left corner: row y spans size - y - 1 to size - y
        ops.append(f"q {unit:.5f} 0 0 {unit:.5f} {left:.3f} {top - side * MM:.3f} cm")
        ops += [
            f"{x} {size - y - 1} {n} 1 re"
            for y, x, n in zip(rows.tolist(), starts.tolist(), lengths.tolist(), strict=True)
        ]
        ops.append("f Q")
        for n, line in enumerate(caption.split("\n")):
            # Courier draws Latin-1 only: a line's other characters (追溯码 before a trace code) are left out
            text = "".join(c for c in line if ord(c) < 256).strip()
            font_size = 7.4
            width = 0.6 * font_size * len(text)  # Courier: every glyph 600/1000 em wide
            escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            baseline = top - side * MM - (3.5 + 2.4 * n) * MM
            ops.append(
                f"BT /F1 {font_size} Tf {left + side * MM / 2 - width / 2:.3f} {baseline:.3f} Td ({escaped}) Tj ET"
            )
    return "\n".join(ops) + "\n"
