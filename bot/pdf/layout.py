"""The page of the PDF laid out: header, profile and total, table, lists, disclaimer; the density chosen.

Every block is measured before it is drawn (the same code path runs once "dry"), so the densest
layout that still fits on one A4 page can be chosen; the document and clause lists are shortened,
with a pointer to ``/detail``, before a second page is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.pdf.content import Content, Item
from bot.pdf.page import (
    AMBER,
    AMBER_SOFT,
    BOTTOM,
    CONTENT_W,
    DENSITIES,
    GREEN,
    GREEN_MID,
    GREEN_PALE,
    GREEN_SOFT,
    INK,
    MARGIN,
    MIN_FLOW,
    MUTED,
    PAGE_W,
    PT,
    RULE,
    WHITE,
    Density,
)
from bot.pdf.pen import Pen, Run
from bot.pdf.table import TableBlocks
from dialogs.messages import t


@dataclass
class Plan:
    """Heights of the blocks for one density, and how much of the lists to show."""

    fixed: float = 0.0
    docs: float = 0.0
    cites: float = 0.0
    docs_budget: float | None = None
    cites_budget: float | None = None


class Layout(TableBlocks):
    """Place the content on the page at one density."""

    def header(self) -> None:
        """Draw the green title band with the document number and the evaluation date."""
        pen, c = self.pen, self.c
        h = 25.0
        pen.rect(0, 0, PAGE_W, h, fill=GREEN)
        pen.rect(0, h, PAGE_W, 1.1, fill=GREEN_MID)
        title = 17.0 if c.lang != "en" else 16.0
        pen.text(MARGIN, 11.8, c.w["title"], title, WHITE, "strong")
        sub = f"{c.w['area']} · {c.doc_no}" if c.doc_no else c.w["area"]
        pen.text(MARGIN, 19.0, pen.fit(pen.clean(sub), CONTENT_W - 52, 8.5), 8.5, GREEN_PALE)
        right = PAGE_W - MARGIN
        on = f"{c.w['on']} {c.on}"
        pen.text(right - pen.width(on, 9.5), 11.8, on, 9.5, WHITE, "strong")
        made = c.w["made"]
        pen.text(right - pen.width(made, 7.5), 19.0, made, 7.5, GREEN_PALE)
        pen.y = h + 1.1 + self.d.gap

    def summary(self) -> None:
        """Draw the profile (left) and the total (right) side by side."""
        pen, c, d = self.pen, self.c, self.d
        top = pen.y
        right_w = 66.0
        left_w = CONTENT_W - right_w - 4.0
        pad = 3.2
        size = d.body
        lead = size * PT * d.lead
        label_w = max(pen.width(c.w[k], size) for k in ("zone", "kinds", "projects")) + 2.5
        text_w = left_w - 2 * pad - label_w
        head = d.body + 1.2
        y = top + pad
        names = [pen.clean(n).strip() for n in c.projects]
        count = t("pdf.project_count", c.lang, n=len(names))
        sep = t("pdf.sep.list", c.lang)
        project_runs: list[Run] = (
            [(count, "muted"), (sep.join(names), "body")] if names else [(c.w["none"], "body")]
        )
        zone = pen.wrap([(c.zone, "body")], text_w, size, 2)
        kinds = pen.wrap([(c.kinds, "body")], text_w, size, None) if c.kinds else []
        projects = pen.wrap(project_runs, text_w, size, None)
        big = 21.0 if c.lang != "en" else 17.0
        small = max(6.6, d.body - 0.8)
        total_lines = [x for x in (c.total_exact, c.w["dedup"], c.stats, c.pending) if x]
        right_h = pad + head * PT * 1.5 + big * PT * 1.15 + len(total_lines) * small * PT * 1.45 + pad
        # the profile may use the height the total box needs anyway, beyond its own line allowance
        spare = int((right_h - 2 * pad - head * PT * 1.5) // lead) - len(zone)
        n_kinds = min(len(kinds), max(2, spare - min(len(projects), d.project_lines)))
        n_projects = min(len(projects), max(d.project_lines, spare - n_kinds))
        if 0 < n_kinds < len(kinds):
            kinds = pen.wrap([(c.kinds, "body")], text_w, size, n_kinds)
        if n_projects < len(projects):
            projects = pen.wrap(project_runs, text_w, size, n_projects)
        blocks = [(c.w["zone"], zone), (c.w["kinds"], kinds), (c.w["projects"], projects)]
        blocks = [(label, lines) for label, lines in blocks if label != c.w["kinds"] or c.kinds]
        left_h = pad + head * PT * 1.5 + sum(len(lines) for _, lines in blocks) * lead + pad
        box_h = max(left_h, right_h)
        pen.rect(MARGIN, top, left_w, box_h, fill=None, line=RULE, radius=1.6, lw=0.3)
        pen.text(MARGIN + pad, y + head * PT, c.w["profile"], head, GREEN, "strong")
        y += head * PT * 1.5
        colors = {"body": INK, "muted": MUTED}
        for label, lines in blocks:
            for i, line in enumerate(lines):
                base = y + size * PT * 1.02
                if i == 0:
                    pen.text(MARGIN + pad, base, label, size, MUTED)
                pen.draw_line(MARGIN + pad + label_w, base, line, size, colors)
                y += lead
        rx = MARGIN + left_w + 4.0
        pen.rect(rx, top, right_w, box_h, fill=GREEN_SOFT, radius=1.6)
        pen.rect(rx, top, 1.4, box_h, fill=GREEN_MID)
        ty = top + pad
        pen.text(rx + pad + 1.4, ty + head * PT, c.w["total"], head, GREEN, "strong")
        ty += head * PT * 1.5
        total = pen.fit(c.total, right_w - 2 * pad - 1.4, big)
        pen.text(rx + pad + 1.4, ty + big * PT * 0.92, total, big, GREEN, "strong")
        ty += big * PT * 1.15
        for i, note in enumerate(total_lines):
            shown = pen.fit(note, right_w - 2 * pad - 1.4, small)
            pen.text(
                rx + pad + 1.4,
                ty + small * PT * 1.05,
                shown,
                small,
                INK if i == 0 and c.total_exact else MUTED,
            )
            ty += small * PT * 1.45
        pen.y = top + box_h + d.gap

    def items(
        self, title: str, items: Sequence[Item], budget: float | None, more: str, bullets: bool = False
    ) -> float:
        """Draw a labelled list (documents or clauses) within a height budget; return the height used."""
        pen, d = self.pen, self.d
        if not items:
            return 0.0
        start = pen.y
        self.section_title(title)
        size = d.body
        lead = size * PT * d.lead
        label_w = max(pen.width(it.label, size) for it in items) + 3.0
        text_w = CONTENT_W - label_w - 1.0
        limit = None if budget is None else start + budget
        for n, it in enumerate(items):
            lines = self._item_lines(it, text_w, size, bullets and self.d.bullets)
            need = len(lines) * lead
            rest = len(items) - n - 1
            if limit is not None:
                # keep one line free for the pointer to /detail when more items follow
                reserve = lead if rest else 0.0
                free = limit - pen.y - reserve
                if need > free:
                    fit = int(free // lead)
                    if fit < 1:
                        self._more(more.format(n=len(items) - n), size, lead)
                        return pen.y - start
                    lines = lines[:fit]
                    indent, last = lines[-1]
                    text = "".join(t for t, _ in last)
                    lines[-1] = (indent, [(pen.fit(text + "……", text_w - indent, size), last[0][1])])
            for j, (indent, line) in enumerate(lines):
                pen.room(lead)
                base = pen.y + size * PT * 1.0
                if j == 0:
                    pen.text(MARGIN + 0.6, base, it.label, size, GREEN, "strong")
                if line and line[0][1] == "bullet":
                    pen.text(MARGIN + label_w, base, "•", size, GREEN_MID)
                    line = line[1:]
                pen.draw_line(MARGIN + label_w + indent, base, line, size, {"body": INK, "muted": MUTED})
                pen.y += lead
            if limit is not None and rest and len(lines) and pen.y + lead * 2 > limit:
                self._more(more.format(n=rest), size, lead)
                return pen.y - start
        return pen.y - start

    def _item_lines(
        self, it: Item, width: float, size: float, bullets: bool
    ) -> list[tuple[float, list[Run]]]:
        """Wrap one list entry: one bullet per document when the page has room, else a run-on line."""
        pen = self.pen
        if not bullets:
            runs: list[Run] = [(it.sep.join(it.parts), "body")]
            if it.note:
                runs.append((it.note, "muted"))
            return [(0.0, line) for line in pen.wrap(runs, width, size, None)]
        indent = pen.width("• ", size) + 0.4
        out: list[tuple[float, list[Run]]] = []
        for part in it.parts:
            for j, line in enumerate(pen.wrap([(part, "body")], width - indent, size, None)):
                out.append((indent, [("", "bullet"), *line] if j == 0 else line))
        if it.note:
            out.extend(
                (indent, line)
                for line in pen.wrap([(it.note.strip(" —（）()"), "muted")], width - indent, size, None)
            )
        return out

    def _more(self, text: str, size: float, lead: float) -> None:
        """Say that the list goes on in the bot."""
        pen = self.pen
        pen.text(MARGIN + 0.6, pen.y + size * PT, pen.fit(text, CONTENT_W, size - 0.4), size - 0.4, MUTED)
        pen.y += lead

    def footer_height(self) -> float:
        """Return the height of the disclaimer box."""
        return self.footer(measure_only=True)

    def footer(self, measure_only: bool = False, top: float | None = None) -> float:
        """Draw the disclaimer (the bureaus' 办事指南 are final) in a box at the bottom of the page."""
        pen, c, d = self.pen, self.c, self.d
        size = max(6.8, d.body - 0.6)
        pad = 2.4
        icon = size * PT * 1.6
        lines = pen.wrap([(c.disclaimer, "body")], CONTENT_W - 2 * pad - icon - 1.5, size, None)
        lead = size * PT * 1.45
        h = 2 * pad + len(lines) * lead
        if measure_only:
            return h
        y = top if top is not None else pen.y
        pen.rect(MARGIN, y, CONTENT_W, h, fill=AMBER_SOFT, radius=1.4)
        isize = icon / 2.3 * 1.6 / PT
        if not pen.dry and pen.pdf is not None:
            pen.pdf.set_fill_color(*AMBER)
            pen.pdf.circle(MARGIN + pad + icon / 2, y + pad + lead / 2, icon / 2.3, style="F")
        pen.text(
            MARGIN + pad + icon / 2 - pen.width("i", isize) / 2,
            y + pad + lead / 2 + 0.36 * isize * PT,
            "i",
            isize,
            WHITE,
            "strong",
        )
        for j, line in enumerate(lines):
            pen.draw_line(
                MARGIN + pad + icon + 1.5, y + pad + lead * j + size * PT * 1.0, line, size, {"body": INK}
            )
        return h


def draw(pen: Pen, c: Content, d: Density, plan: Plan | None) -> Plan:
    """Lay the page out at one density; dry runs only measure. Return the heights found."""
    lay = Layout(pen, c, d)
    out = Plan()
    pen.y = MARGIN
    lay.header()
    if c.message:
        lay.paragraph([(c.message, "body")], d.body + 1, MARGIN, CONTENT_W, None)
        pen.y += d.gap
        if c.cites:  # outside the scope: the clause that says so
            lay.items(c.w["cites"], c.cites, None, c.w["more_cites"])
        lay.footer(top=max(pen.y, BOTTOM - lay.footer_height()))
        return out
    lay.summary()
    lay.table()
    out.fixed = pen.y - MARGIN
    footer_h = lay.footer_height()
    docs_budget = plan.docs_budget if plan else None
    cites_budget = plan.cites_budget if plan else None
    y0 = pen.y
    lay.items(c.w["docs"], c.docs, docs_budget, c.w["more_docs"], bullets=True)
    out.docs = pen.y - y0
    if c.docs:
        pen.y += d.gap * 0.6
        out.docs += d.gap * 0.6
    y0 = pen.y
    lay.items(c.w["cites"], c.cites, cites_budget, c.w["more_cites"])
    out.cites = pen.y - y0
    out.fixed += footer_h + d.gap
    pen.room(footer_h + d.gap)  # on a page of its own only when a second page is allowed
    lay.footer(top=max(BOTTOM - footer_h, pen.y + d.gap * 0.5))
    return out


def choose(pen: Pen, c: Content) -> tuple[Density, Plan, bool]:
    """Pick the roomiest density whose page fits; shorten the lists, then allow a 2nd page, if none does."""
    avail = BOTTOM - MARGIN
    last = Plan()
    for d in DENSITIES:
        pen.dry, pen.allow_break = True, False
        last = draw(pen, c, d, None)
        if last.fixed + last.docs + last.cites <= avail:
            return d, Plan(), False
    d = DENSITIES[-1]
    room = avail - last.fixed
    if room < MIN_FLOW:
        return d, Plan(), True
    # Give the clause quotes at least 40% of the room when they need it, the documents the rest.
    cites = min(last.cites, max(room * 0.4, room - last.docs))
    docs = room - cites
    return d, Plan(docs_budget=docs, cites_budget=cites), False
