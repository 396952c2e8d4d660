"""The base of the PDF's blocks: the pen, the content and the density, with headings and paragraphs."""

from __future__ import annotations

from collections.abc import Sequence

from bot.pdf.content import Content
from bot.pdf.page import GREEN, GREEN_MID, INK, MARGIN, MUTED, PT, Density
from bot.pdf.pen import Pen, Run, baseline


class Sheet:
    """Place the content on the page at one density."""

    def __init__(self, pen: Pen, c: Content, d: Density) -> None:
        self.pen, self.c, self.d = pen, c, d
        self.w = c.w

    def section_title(self, text: str) -> None:
        """Draw a section heading with a short green rule before it."""
        pen, d = self.pen, self.d
        size = d.body + 1.4
        h = size * PT * 1.7
        pen.room(h + d.row * PT * d.row_lead)
        pen.rect(MARGIN, pen.y + h * 0.22, 1.2, h * 0.56, fill=GREEN_MID)
        pen.text(MARGIN + 2.8, baseline(pen.y, h, size), text, size, GREEN, "strong")
        pen.y += h

    def paragraph(
        self,
        runs: Sequence[Run],
        size: float,
        x: float,
        width: float,
        max_lines: int | None,
        top_gap: float = 0.0,
    ) -> None:
        """Draw a wrapped paragraph at the pen."""
        pen = self.pen
        lines = pen.wrap(runs, width, size, max_lines)
        lead = size * PT * self.d.lead
        pen.y += top_gap
        for line in lines:
            pen.room(lead)
            pen.draw_line(
                x,
                pen.y + size * PT * 1.0,
                line,
                size,
                {"body": INK, "muted": MUTED, "strong": INK, "accent": GREEN},
            )
            pen.y += lead
