"""The QR symbol of a text: segments, version, codewords, module placement and mask choice.

``qrcode`` segments the data, picks the version and holds the standard's tables; the rest is computed
here with table look-ups and numpy over a stack of symbols (see ``symbols``), module for module the
same as ``qrcode``'s own. Drawing the modules is ``rendering``'s and ``sheets``' job.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import qrcode
from qrcode import LUT, base, util
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q
from qrcode.exceptions import DataOverflowError

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
    at about 10 ms a symbol. ``tests/labels/test_qr.py`` asserts the modules equal
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
