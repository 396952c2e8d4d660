"""The page of the PDF: A4 geometry, colours, and the densities the layout tries in turn."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

# Page geometry, millimetres (A4 portrait).
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 12.0
CONTENT_W = PAGE_W - 2 * MARGIN
BOTTOM = PAGE_H - 9.0
PT = 25.4 / 72  # one point in millimetres

RGB = tuple[int, int, int]
INK: RGB = (33, 37, 41)
MUTED: RGB = (108, 117, 125)
FAINT: RGB = (173, 181, 189)
RULE: RGB = (222, 226, 230)
ZEBRA: RGB = (242, 246, 243)
GREEN: RGB = (27, 94, 59)
GREEN_MID: RGB = (46, 139, 87)
GREEN_SOFT: RGB = (232, 243, 236)
GREEN_PALE: RGB = (190, 222, 203)
AMBER: RGB = (214, 137, 16)
AMBER_SOFT: RGB = (253, 243, 224)
GREY_MARK: RGB = (150, 156, 163)
WHITE: RGB = (255, 255, 255)

Kind = Literal["eligible", "alternative", "needs_info", "ineligible"]


@dataclass(frozen=True)
class Density:
    """How tightly the page is set; the first density whose content fits is used."""

    body: float  # pt, profile and lists
    row: float  # pt, table rows
    row_lead: float  # row height / font height
    lead: float  # line height / font height for flowing text
    gap: float  # mm between blocks
    title_lines: int  # lines a measure title may take in the table
    fold_ineligible: bool  # list the ineligible measures on one line instead of rows
    project_lines: int
    bullets: bool = False  # one line per document instead of a run-on paragraph
    calc_rows: bool = True  # each calculation under its row instead of one run-on paragraph


_SETTINGS = (
    Density(9.5, 9.0, 2.0, 1.55, 6.0, 2, False, 3),
    Density(8.8, 8.4, 1.9, 1.5, 5.0, 2, False, 3),
    Density(8.2, 7.8, 1.8, 1.48, 4.5, 2, False, 2),
    Density(7.6, 7.2, 1.7, 1.45, 4.0, 1, False, 2),
    Density(7.0, 6.8, 1.62, 1.42, 3.5, 1, True, 2),
    Density(7.0, 6.8, 1.62, 1.42, 3.5, 1, True, 2, calc_rows=False),
    Density(6.6, 6.5, 1.55, 1.38, 3.0, 1, True, 1, calc_rows=False),
)
# A document list with one line per document reads best, so it is tried at the three roomier
# settings before any run-on list; the last (tightest) setting is the fallback.
DENSITIES = (*(replace(d, bullets=True) for d in _SETTINGS[:3]), *_SETTINGS)
MIN_FLOW = 30.0  # mm the document and clause lists need at the least before a 2nd page is used
