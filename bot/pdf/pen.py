"""The pen of the PDF: text measured and wrapped (CJK anywhere, Latin at spaces), shapes drawn.

The same code runs "dry" to measure a layout and then for real on an fpdf2 page, so what is
measured is what is drawn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fpdf import FPDF
from fpdf.enums import TextMode

from bot.pdf.fonts import FAMILY, Metrics, safe_text
from bot.pdf.page import (
    AMBER,
    BOTTOM,
    GREEN_MID,
    GREY_MARK,
    INK,
    MARGIN,
    PT,
    RGB,
    RULE,
    WHITE,
    Kind,
)

Run = tuple[str, str]  # (text, style) with style in body/strong/muted/accent
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.,%/'’&+\-_:~@#*=]*\s*|\s+|.", re.S)
_NO_START = set("，。、；：？！）》」』”’％…,.;:?!)]%·")
_NO_END = set("（《「『“‘([")


@dataclass
class Pen:
    """Draws on (or, when dry, only measures for) an FPDF page; y runs down the page."""

    metrics: Metrics
    pdf: FPDF | None = None
    dry: bool = True
    used: set[str] = field(default_factory=set)
    y: float = MARGIN
    allow_break: bool = False
    on_break: Callable[[], None] | None = None
    _unit: dict[str, float] = field(default_factory=dict)

    # -- text ------------------------------------------------------------------------------

    def width(self, text: str, size: float) -> float:
        """Return the width in mm of text at a size in pt."""
        total = 0.0
        unit = self._unit
        for ch in text:
            u = unit.get(ch)
            if u is None:
                name = self.metrics.cmap.get(ord(ch))
                u = unit[ch] = self.metrics.advance.get(name, 0.0) if name else 0.0
            total += u
        return total * size * PT

    def clean(self, text: str) -> str:
        """Make text drawable by the font."""
        return safe_text(text, self.metrics.cmap)

    def text(
        self, x: float, baseline: float, text: str, size: float, color: RGB = INK, style: str = "body"
    ) -> None:
        """Draw text on a baseline."""
        if not text:
            return
        self.used.update(text)
        pdf = self.pdf
        if self.dry or pdf is None:
            return
        pdf.set_font(FAMILY, size=size)
        pdf.set_text_color(*color)
        if style == "strong":
            # Noto Sans SC ships one weight: a thin outline in the text colour stands in for bold.
            pdf.text_mode = TextMode.FILL_STROKE
            pdf.set_draw_color(*color)
            pdf.set_line_width(size * 0.028 * PT)
        pdf.text(x, baseline, text)
        if style == "strong":
            pdf.text_mode = TextMode.FILL

    def fit(self, text: str, width: float, size: float) -> str:
        """Cut text with an ellipsis so it fits a width."""
        if self.width(text, size) <= width:
            return text
        room = width - self.width("…", size)
        used = 0.0
        for i, ch in enumerate(text):
            used += self.width(ch, size)
            if used > room:
                return text[:i].rstrip(" ，、,;；") + "…"
        return text

    def wrap(
        self, runs: Sequence[Run], width: float, size: float, max_lines: int | None = None
    ) -> list[list[Run]]:
        """Break styled runs into lines of at most width mm; CJK breaks anywhere, Latin at spaces."""
        tokens: list[Run] = []
        for text, style in runs:
            tokens.extend((t, style) for t in _TOKEN.findall(self.clean(text)))
        lines: list[list[Run]] = [[]]
        used = 0.0
        for tok, style in tokens:
            tw = self.width(tok.rstrip(), size)
            hang = tok[0] in _NO_START and len(lines[-1]) < 2
            if used + tw > width and lines[-1] and not hang:
                if tok.isspace():
                    continue
                carry: list[Run] = []
                if tok[0] in _NO_START:  # no closing mark at a line start: take the word before along
                    while len(lines[-1]) > 1 and lines[-1][-1][0][:1] in _NO_START:
                        carry.insert(0, lines[-1].pop())
                    if len(lines[-1]) > 1:
                        carry.insert(0, lines[-1].pop())
                while lines[-1] and lines[-1][-1][0] in _NO_END:
                    carry.insert(0, lines[-1].pop())
                lines.append(carry)
                used = sum(self.width(t, size) for t, _ in carry)
                while tw > width:  # a single word wider than the line: split it
                    cut = len(tok)
                    while cut > 1 and self.width(tok[:cut], size) > width - used:
                        cut -= 1
                    lines[-1].append((tok[:cut], style))
                    lines.append([])
                    used = 0.0
                    tok = tok[cut:]
                    tw = self.width(tok, size)
            if not lines[-1] and tok.isspace():
                continue
            lines[-1].append((tok, style))
            used += self.width(tok, size)
        merged: list[list[Run]] = []
        for line in lines:
            out: list[Run] = []
            for tok, style in line:
                if out and out[-1][1] == style:
                    out[-1] = (out[-1][0] + tok, style)
                else:
                    out.append((tok, style))
            if out:
                out[-1] = (out[-1][0].rstrip(), out[-1][1])
                merged.append(out)
        merged = merged or [[("", "body")]]
        if max_lines is not None and len(merged) > max_lines:
            merged = merged[:max_lines]
            last = merged[-1]
            head = sum(self.width(t, size) for t, _ in last[:-1])
            text, style = last[-1]
            last[-1] = (self.fit(text, width - head - self.width("…", size), size).rstrip("…") + "…", style)
        return merged

    def draw_line(
        self, x: float, baseline: float, line: Sequence[Run], size: float, colors: dict[str, RGB]
    ) -> None:
        """Draw one wrapped line of styled runs."""
        for text, style in line:
            self.text(
                x,
                baseline,
                text,
                size,
                colors.get(style, INK),
                "strong" if style in ("strong", "accent") else "body",
            )
            x += self.width(text, size)

    # -- shapes ----------------------------------------------------------------------------

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: RGB | None = None,
        line: RGB | None = None,
        radius: float = 0,
        lw: float = 0.2,
    ) -> None:
        """Draw a rectangle, filled and/or outlined, optionally rounded."""
        pdf = self.pdf
        if self.dry or pdf is None or w <= 0 or h <= 0:
            return
        style = ("F" if fill else "") + ("D" if line else "")
        if not style:
            return
        if fill:
            pdf.set_fill_color(*fill)
        if line:
            pdf.set_draw_color(*line)
            pdf.set_line_width(lw)
        pdf.rect(x, y, w, h, style=style, round_corners=radius > 0, corner_radius=radius)

    def line(self, x1: float, y1: float, x2: float, y2: float, color: RGB = RULE, lw: float = 0.2) -> None:
        """Draw a straight line."""
        pdf = self.pdf
        if self.dry or pdf is None:
            return
        pdf.set_draw_color(*color)
        pdf.set_line_width(lw)
        pdf.line(x1, y1, x2, y2)

    def mark(self, cx: float, cy: float, r: float, kind: Kind) -> None:
        """Draw the status mark: a green tick, a hollow tick, an amber question mark or a grey cross."""
        pdf = self.pdf
        if kind == "needs_info":
            self.used.add("?")
        if self.dry or pdf is None:
            return
        fill = {"eligible": GREEN_MID, "alternative": WHITE, "needs_info": AMBER, "ineligible": GREY_MARK}[
            kind
        ]
        pdf.set_fill_color(*fill)
        pdf.set_draw_color(*(GREEN_MID if kind == "alternative" else fill))
        pdf.set_line_width(0.25)
        pdf.circle(cx, cy, r, style="DF")
        ink = GREEN_MID if kind == "alternative" else WHITE
        pdf.set_draw_color(*ink)
        pdf.set_line_width(max(0.22, r * 0.22))
        if kind in ("eligible", "alternative"):
            pdf.polyline(
                [(cx - 0.5 * r, cy + 0.02 * r), (cx - 0.12 * r, cy + 0.42 * r), (cx + 0.52 * r, cy - 0.4 * r)]
            )
        elif kind == "ineligible":
            d = 0.38 * r
            pdf.line(cx - d, cy - d, cx + d, cy + d)
            pdf.line(cx - d, cy + d, cx + d, cy - d)
        else:
            size = r * 2.1 / PT
            self.text(cx - self.width("?", size) / 2, cy + 0.36 * size * PT, "?", size, WHITE)

    # -- flow ------------------------------------------------------------------------------

    def room(self, h: float, limit: float = BOTTOM) -> None:
        """Start a new page when h more mm would run past the limit and breaking is allowed."""
        if self.allow_break and self.y + h > limit:
            if not self.dry and self.pdf is not None:
                self.pdf.add_page()
            self.y = MARGIN
            if self.on_break is not None:
                self.on_break()


def baseline(top: float, height: float, size: float) -> float:
    """Return the baseline that centres a line of text of size pt in a box."""
    return top + height / 2 + 0.34 * size * PT
