"""QR codes for Digital Link URIs: PNG and SVG for one label, SVG and PDF sheets for a packaging run.

The symbol comes from the ``qrcode`` library (ISO/IEC 18004 encoding, error
correction M by default, the 4-module quiet zone the standard requires); the
code text is printed under it so a person can type it when a camera fails.
SVG is written here from the module matrix (one path, no per-module
elements), so a sheet of thousands of labels stays small and fast.

Three rooms: ``encoding`` computes the symbol's modules, ``rendering`` draws
one symbol, ``sheets`` lays many out on pages. Callers use the names below.
Note that ``qr.sheets`` is the function (it shadows the submodule of that
name); reach the module itself as ``importlib.import_module(__name__ + ".sheets")``.
"""

from .encoding import ERROR_LEVELS, QUIET_ZONE, matrix, symbol, symbols
from .rendering import png, svg
from .sheets import CAPTION_MM, MAX_GRID, MIN_SIDE_MM, MM, Sheet, sheets, sheets_pdf

__all__ = [
    "CAPTION_MM",
    "ERROR_LEVELS",
    "MAX_GRID",
    "MIN_SIDE_MM",
    "MM",
    "QUIET_ZONE",
    "Sheet",
    "matrix",
    "png",
    "sheets",
    "sheets_pdf",
    "svg",
    "symbol",
    "symbols",
]
