"""QR codes for Digital Link URIs: PNG and SVG for one label, SVG sheets for a packaging run.

The symbol comes from the ``qrcode`` library (ISO/IEC 18004 encoding, error
correction M by default, the 4-module quiet zone the standard requires); the
code text is printed under it so a person can type it when a camera fails.
SVG is written here from the module matrix (one path, no per-module
elements), so a sheet of thousands of labels stays small and fast.
"""

from __future__ import annotations

import io
from bisect import bisect_left
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt
import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode import LUT, base, util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q
from qrcode.exceptions import DataOverflowError

from ..chain.errors import FieldProblem, MalformedError

QUIET_ZONE = 4
"""Modules of light margin around the symbol (ISO/IEC 18004)."""

ERROR_LEVELS = {"L": ERROR_CORRECT_L, "M": ERROR_CORRECT_M, "Q": ERROR_CORRECT_Q, "H": ERROR_CORRECT_H}


def matrix(data: str, error: str = "M") -> list[list[bool]]:
    """The symbol's modules (True = dark), with the quiet zone."""
    return [[bool(m) for m in row] for row in symbol(data, error)]


def symbol(data: str, error: str = "M") -> npt.NDArray[np.bool_]:
    """The symbol's modules as a boolean array (True = dark), with the quiet zone."""
    return symbols([data], error)[0]


def symbols(data: Sequence[str], error: str = "M") -> list[npt.NDArray[np.bool_]]:
    """The symbols of many data at once (a packaging run), each as ``symbol`` makes it.

    ``qrcode`` segments the data, picks the version and holds the standard's
    tables (Reed-Solomon blocks, generator polynomials, format bits); the bit
    stream, the error correction codewords, the module placement and the mask
    choice are then computed here by exactly ``qrcode``'s rules (ISO/IEC 18004
    placement, the eight masks scored by the four penalty rules, the first
    lowest score wins), with table look-ups and numpy over all symbols of one
    version together, because ``qrcode`` does them bit by bit in pure Python
    at about 10 ms a symbol. ``tests/test_qr.py`` asserts the modules equal
    ``qrcode``'s own for many data, versions and levels."""
    level = ERROR_LEVELS[error]
    by_version: dict[int, list[tuple[int, list[int]]]] = {}
    for i, text in enumerate(data):
        segments = list(util.optimal_data_chunks(text.encode("utf-8"), minimum=20))  # as QRCode.add_data
        version = _fit(segments, level)
        by_version.setdefault(version, []).append((i, _codewords(version, level, segments)))
    found: dict[int, npt.NDArray[np.bool_]] = {}
    for version, items in by_version.items():
        layout = _layout(version, level)
        count, size = len(items), layout.function.shape[0]
        bits = np.unpackbits(np.array([codewords for _, codewords in items], dtype=np.uint8), axis=1).astype(bool)
        placed = np.zeros((count, layout.cells), dtype=bool)
        placed[:, : min(layout.cells, bits.shape[1])] = bits[:, : layout.cells]
        grid = np.zeros((count, size, size), dtype=bool)
        grid[:, layout.order[0], layout.order[1]] = placed
        candidates = (grid[:, None] ^ layout.masks[None]) & ~layout.function  # (count, 8, n, n)
        scores = _penalties((candidates | layout.scored).reshape(count * 8, size, size)).reshape(count, 8)
        best = np.argmin(scores, axis=1)  # argmin: the first lowest, as qrcode
        modules = candidates[np.arange(count), best] | layout.finished[best]
        padded = np.pad(modules, ((0, 0), (QUIET_ZONE, QUIET_ZONE), (QUIET_ZONE, QUIET_ZONE)))
        found.update((i, padded[j]) for j, (i, _) in enumerate(items))
    return [found[i] for i in range(len(data))]


def _fit(segments: Sequence[util.QRData], level: int, start: int = 1) -> int:
    """The smallest version that holds the segments, as ``qrcode.QRCode.best_fit`` finds it."""
    sizes = util.mode_sizes_for_version(start)
    needed = sum(4 + sizes[s.mode] + _data_bits(s) for s in segments)
    version = bisect_left(util.BIT_LIMIT_TABLE[level], needed, start)
    if version == 41:
        raise DataOverflowError()
    if sizes is not util.mode_sizes_for_version(version):  # longer length fields: try again from there
        return _fit(segments, level, version)
    return version


def _data_bits(segment: util.QRData) -> int:
    count = len(segment)
    if segment.mode == util.MODE_NUMBER:
        return 10 * (count // 3) + (0, 4, 7)[count % 3]
    if segment.mode == util.MODE_ALPHA_NUM:
        return 11 * (count // 2) + 6 * (count % 2)
    return 8 * count


def _codewords(version: int, level: int, segments: Sequence[util.QRData]) -> list[int]:
    """The data and error correction codewords, interleaved, as ``qrcode.util.create_data`` makes them."""
    stream, length = 0, 0

    def put(value: int, bits: int) -> None:
        nonlocal stream, length
        stream, length = (stream << bits) | value, length + bits

    for segment in segments:
        put(segment.mode, 4)
        put(len(segment), util.length_in_bits(segment.mode, version))
        text = segment.data
        if segment.mode == util.MODE_NUMBER:
            for i in range(0, len(text), 3):
                put(int(text[i : i + 3]), util.NUMBER_LENGTH[len(text[i : i + 3])])
        elif segment.mode == util.MODE_ALPHA_NUM:
            for i in range(0, len(text), 2):
                pair = text[i : i + 2]
                value = util.ALPHA_NUM.find(pair[:1])
                put(value * 45 + util.ALPHA_NUM.find(pair[1:]) if len(pair) > 1 else value, 11 if len(pair) > 1 else 6)
        else:
            put(int.from_bytes(text, "big"), 8 * len(text))
    blocks = base.rs_blocks(version, level)
    limit = sum(block.data_count * 8 for block in blocks)
    if length > limit:
        raise DataOverflowError(f"Code length overflow. Data size ({length}) > size available ({limit})")
    put(0, min(limit - length, 4))  # terminator
    put(0, -length % 8)
    data = list(stream.to_bytes(length // 8, "big"))
    data += [util.PAD0 if i % 2 == 0 else util.PAD1 for i in range((limit - length) // 8)]
    dc: list[list[int]] = []
    ec: list[list[int]] = []
    offset = 0
    for block in blocks:
        dc.append(data[offset : offset + block.data_count])
        offset += block.data_count
        ec.append(_remainder(dc[-1], block.total_count - block.data_count))
    return [b[i] for i in range(max(map(len, dc))) for b in dc if i < len(b)] + [
        b[i] for i in range(max(map(len, ec))) for b in ec if i < len(b)
    ]


def _remainder(message: Sequence[int], degree: int) -> list[int]:
    """The Reed-Solomon remainder of ``message`` by the generator polynomial of ``degree`` over GF(256)."""
    products = _generator_products(degree)
    rest = [0] * degree
    for byte in message:
        factor = byte ^ rest[0]
        rest = [*rest[1:], 0]
        if factor:
            rest = [r ^ g for r, g in zip(rest, products[factor], strict=True)]
    return rest


@cache
def _generator_products(degree: int) -> list[list[int]]:
    """For each byte value f, f times each coefficient of the generator below its leading 1."""
    generator = LUT.rsPoly_LUT[degree][1:]
    exp, log = base.EXP_TABLE, base.LOG_TABLE
    return [[0] * degree] + [[exp[(log[f] + log[g]) % 255] if g else 0 for g in generator] for f in range(1, 256)]


@dataclass(frozen=True)
class _Layout:
    """What every symbol of one version and error level shares."""

    function: npt.NDArray[np.bool_]  # (n, n): finder, timing, alignment, format and version modules
    scored: npt.NDArray[np.bool_]  # (n, n): the function modules as qrcode scores masks (format info light)
    finished: npt.NDArray[np.bool_]  # (8, n, n): the function modules of the final symbol, per mask
    masks: npt.NDArray[np.bool_]  # (8, n, n): where each mask pattern inverts a module
    order: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]  # data module coordinates in placement order
    cells: int


@cache
def _layout(version: int, level: int) -> _Layout:
    n = version * 4 + 17
    code = qrcode.QRCode(version=version, error_correction=level, border=0)
    code.modules_count = n

    def function_modules(test: bool, mask: int) -> list[list[bool | None]]:
        code.modules = [[None] * n for _ in range(n)]
        for row, col in ((0, 0), (n - 7, 0), (0, n - 7)):
            code.setup_position_probe_pattern(row, col)
        code.setup_position_adjust_pattern()
        code.setup_timing_pattern()
        code.setup_type_info(test, mask)
        if version >= 7:
            code.setup_type_number(test)
        return code.modules

    scoring = function_modules(True, 0)
    function = np.array([[m is not None for m in row] for row in scoring])
    scored = np.array([[m is True for m in row] for row in scoring])
    finished = np.array([[[m is True for m in row] for row in function_modules(False, p)] for p in range(8)])
    i, j = np.indices((n, n))
    masks = np.array(
        [
            (i + j) % 2 == 0,
            i % 2 == 0,
            j % 3 == 0,
            (i + j) % 3 == 0,
            (i // 2 + j // 3) % 2 == 0,
            (i * j) % 2 + (i * j) % 3 == 0,
            ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            ((i * j) % 3 + (i + j) % 2) % 2 == 0,
        ]
    )
    rows: list[int] = []
    cols: list[int] = []
    upward = True
    col = n - 1
    while col > 0:  # two columns at a time from the right, skipping the vertical timing pattern
        if col == 6:
            col -= 1
        for row in range(n - 1, -1, -1) if upward else range(n):
            for c in (col, col - 1):
                if not function[row, c]:
                    rows.append(row)
                    cols.append(c)
        upward = not upward
        col -= 2
    order = (np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp))
    return _Layout(function, scored, finished, masks, order, len(rows))


_FINDER_LIKE = (0b10111010000, 0b00001011101)


def _penalties(symbols: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """ISO/IEC 18004 penalty scores N1-N4 of each symbol in a (k, n, n) stack, as ``qrcode`` computes them."""
    k, n, _ = symbols.shape
    score = np.zeros(k, dtype=np.int64)
    for grid in (symbols, symbols.transpose(0, 2, 1)):  # rows, then columns
        # N1: each run of five or more same-coloured modules costs its length - 2
        # (a run starts at each change of colour and at each line's end, so no run spans two lines)
        starts = np.ones((k, n, n + 1), dtype=bool)
        starts[:, :, 1:n] = grid[:, :, 1:] != grid[:, :, :-1]
        at = np.flatnonzero(starts)
        runs = np.diff(at)
        long = runs >= 5
        score += np.bincount(at[:-1][long] // (n * (n + 1)), weights=runs[long] - 2, minlength=k).astype(np.int64)
        # N3: 40 for each 1:1:3:1:1 finder-like pattern with four light modules on one side
        window = np.zeros((k, n, n - 10), dtype=np.uint16)
        for offset in range(11):
            window <<= 1
            window |= grid[:, :, offset : offset + n - 10]
        score += 40 * ((window == _FINDER_LIKE[0]) | (window == _FINDER_LIKE[1])).sum(axis=(1, 2))
    # N2: 3 for each 2x2 block of one colour
    corner = symbols[:, :-1, :-1]
    blocks = (corner == symbols[:, 1:, :-1]) & (corner == symbols[:, :-1, 1:]) & (corner == symbols[:, 1:, 1:])
    score += 3 * blocks.sum(axis=(1, 2))
    # N4: 10 for each full 5 % the dark share departs from 50 %
    dark = symbols.sum(axis=(1, 2))
    score += (np.abs(dark / (n * n) * 100 - 50) / 5).astype(np.int64) * 10  # the same float steps as qrcode
    return score


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


def _runs(modules: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Each horizontal run of dark modules: its row, first column and length."""
    edges = np.diff(np.pad(modules, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    return rows, starts, ends - starts


def _path(modules: npt.NDArray[np.bool_]) -> str:
    """One SVG path drawing every dark module (one unit each), runs of a row merged into one rectangle."""
    rows, starts, lengths = _runs(modules)
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
        f'<rect width="{size}" height="{height}" fill="#fff"/><path d="{_path(modules)}" fill="#000"/>'
        f'<text x="{size / 2:g}" y="{size + 2.5:g}" font-family="monospace" font-size="1.6" text-anchor="middle"'
        f' textLength="{size - 2}" lengthAdjust="spacingAndGlyphs">{text}</text></svg>'
    )


CAPTION_MM = 6.0
"""The height below each symbol kept for its caption."""

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
            f'<path transform="translate({x0:.3f} {y0:.3f}) scale({side / len(modules):.5f})" d="{_path(modules)}"/>'
        )
        body.append(
            f'<text x="{x0 + side / 2:.2f}" y="{y0 + side + 3.5:.2f}" font-size="2.6" text-anchor="middle"'
            f' font-family="monospace">{escape(caption)}</text>'
        )
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
        rows, starts, lengths = _runs(modules)
        # in module units, origin at the symbol's bottom left corner: row y spans size - y - 1 to size - y
        ops.append(f"q {unit:.5f} 0 0 {unit:.5f} {left:.3f} {top - side * MM:.3f} cm")
        ops += [
            f"{x} {size - y - 1} {n} 1 re"
            for y, x, n in zip(rows.tolist(), starts.tolist(), lengths.tolist(), strict=True)
        ]
        ops.append("f Q")
        text = caption.encode("latin-1", "replace").decode("latin-1")
        font_size = 7.4
        width = 0.6 * font_size * len(text)  # Courier: every glyph 600/1000 em wide
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        baseline = top - side * MM - 3.5 * MM
        ops.append(f"BT /F1 {font_size} Tf {left + side * MM / 2 - width / 2:.3f} {baseline:.3f} Td ({escaped}) Tj ET")
    return "\n".join(ops) + "\n"
