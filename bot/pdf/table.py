"""The measures table of the PDF: ranked rows with a status mark, payout and bar; folded refusals; legend."""

from __future__ import annotations

from collections.abc import Sequence

from bot.pdf.content import Row, measure_no
from bot.pdf.page import (
    AMBER,
    AMBER_SOFT,
    CONTENT_W,
    FAINT,
    GREEN,
    GREEN_MID,
    GREEN_PALE,
    GREEN_SOFT,
    INK,
    MARGIN,
    MUTED,
    PT,
    RULE,
    ZEBRA,
    Kind,
)
from bot.pdf.pen import Run, baseline
from bot.pdf.sheet import Sheet
from dialogs.messages import t


class TableBlocks(Sheet):
    """Draw the measures table and what goes under it."""

    def _columns(self) -> tuple[float, float, float, float, float, float]:
        """Return the column widths: mark, number, measure, amount, payout, bar."""
        pen, d, c = self.pen, self.d, self.c
        mark = d.row * PT * 1.25
        number = pen.width(measure_no(40, c.lang), d.row) + 2.0
        amount = max(pen.width(r.amount, d.row) for r in c.rows) + 3.0 if c.rows else 20.0
        amount = max(amount, pen.width(c.w["h_amount"], d.row - 0.8) + 2.0, 18.0)
        bar = 28.0
        payout = 47.0 if c.lang != "en" else 50.0
        measure = CONTENT_W - mark - number - amount - payout - bar
        return mark, number, measure, amount, payout, bar

    def table_head(self) -> None:
        """Draw the column headings of the measures table."""
        pen, d, c = self.pen, self.d, self.c
        mark, number, measure, amount, payout, _bar = self._columns()
        size = d.row - 0.8
        h = size * PT * 1.9
        top = pen.y
        pen.rect(MARGIN, top, CONTENT_W, h, fill=GREEN_SOFT)
        base = baseline(top, h, size)
        x = MARGIN + mark
        pen.text(x + 0.8, base, c.w["h_no"], size, GREEN)
        x += number
        pen.text(x, base, c.w["h_measure"], size, GREEN)
        x += measure
        pen.text(x + amount - 2.0 - pen.width(c.w["h_amount"], size), base, c.w["h_amount"], size, GREEN)
        x += amount
        pen.text(x + 2.0, base, c.w["h_payout"], size, GREEN)
        x += payout
        pen.text(x + 1.0, base, c.w["h_bar"], size, GREEN)
        pen.y += h

    def _title(self, r: Row, width: float, size: float) -> list[list[Run]]:
        """Wrap a measure title and its project name; the project name is cut before the title is."""
        pen, c = self.pen, self.c
        project = (f"（{r.project}）" if c.lang != "en" else f"  ({r.project})") if r.project else ""
        runs: list[Run] = [(r.title, "body"), (project, "muted")] if project else [(r.title, "body")]
        whole = pen.wrap(runs, width, size, None)
        if len(whole) <= self.d.title_lines:
            return whole
        lines = pen.wrap([(r.title, "body")], width, size, None)
        if len(lines) > self.d.title_lines:
            return pen.wrap(runs, width, size, self.d.title_lines)
        if len(lines) < self.d.title_lines:  # the name gets the next line, cut to fit
            return [*lines, [(pen.fit(pen.clean(project).strip(), width, size), "muted")]]
        free = width - sum(pen.width(t, size) for t, _ in lines[-1])
        short = pen.fit(pen.clean(project).rstrip("）)"), free, size)
        if short.endswith("…") and c.lang != "en":
            short += "）"
            short = pen.fit(short[:-2], free - pen.width("…）", size), size).rstrip("…") + "…）"
        elif short.endswith("…"):
            short += ")"
            short = pen.fit(short[:-2], free - pen.width("…)", size), size).rstrip("…") + "…)"
        if pen.width(short, size) > free or len(short.strip()) < 4:
            return lines
        return [*lines[:-1], [*lines[-1], (short, "muted")]]

    def table(self) -> None:
        """Draw the measures ranked by money, with a status mark, the payout and a bar per measure."""
        pen, d, c = self.pen, self.d, self.c
        self.section_title(c.w["measures"])
        singles, groups = self._ineligible_groups()
        rows = [*c.rows, *singles]
        if not rows and not c.ineligible:
            size = d.body
            pen.text(MARGIN, pen.y + size * PT * 1.2, c.w["no_match"], size, MUTED)
            pen.y += size * PT * d.lead + d.gap
            return
        if rows:
            self.table_head()
            pen.on_break = self.table_head
        mark, number, measure, amount, payout, bar = self._columns()
        size = d.row
        line_h = size * PT * 1.32
        top_pad = (size * PT * d.row_lead - line_h) / 2
        scale = max([r.value or 0 for r in rows], default=0) or 1
        for i, r in enumerate(rows):
            lines = self._title(r, measure - 2.0, size)
            small = size - 0.6
            span = payout + (bar if r.span else 0) - 3.0
            payout_lines = pen.wrap([(r.payout, "body")], span, small, max(len(lines), d.title_lines, 3))
            calc_w = measure + amount + payout + bar - 3.0
            calc = c.w["calc"] + r.calc
            calc_lines = pen.wrap([(calc, "muted")], calc_w, small, 2) if r.calc and d.calc_rows else []
            body_lines = max(len(lines), len(payout_lines))
            h = top_pad * 2 + line_h * (body_lines + len(calc_lines))
            pen.room(h)
            top = pen.y
            if i % 2 == 1:
                pen.rect(MARGIN, top, CONTENT_W, h, fill=ZEBRA)
            faded = r.kind in ("alternative", "ineligible")
            ink = MUTED if faded else INK
            first = top + top_pad
            base = baseline(first, line_h, size)
            pen.mark(MARGIN + mark / 2, first + line_h / 2, size * PT * 0.42, r.kind)
            x = MARGIN + mark
            pen.text(
                x + 0.8,
                base,
                measure_no(r.number, c.lang),
                size,
                GREEN if not faded else MUTED,
                "strong" if not faded else "body",
            )
            x += number
            for j, line in enumerate(lines):
                pen.draw_line(x, base + j * line_h, line, size, {"body": ink, "muted": MUTED})
            x += measure
            amount_color = {"eligible": INK, "alternative": MUTED, "needs_info": AMBER, "ineligible": FAINT}[
                r.kind
            ]
            pen.text(
                x + amount - 2.0 - pen.width(r.amount, size),
                base,
                r.amount,
                size,
                amount_color,
                "strong" if r.kind == "eligible" else "body",
            )
            x += amount
            for j, line in enumerate(payout_lines):
                pen.draw_line(
                    x + 2.0,
                    base + j * line_h,
                    line,
                    small,
                    {"body": ink if r.kind != "needs_info" else MUTED},
                )
            for j, line in enumerate(calc_lines):
                pen.draw_line(
                    MARGIN + mark + number, base + (body_lines + j) * line_h, line, small, {"muted": MUTED}
                )
            x += payout
            if not r.span and r.value:
                bh = line_h * 0.62
                by = first + (line_h - bh) / 2
                length = max(0.8, (bar - 2.0) * r.value / scale)
                if r.kind == "eligible":
                    pen.rect(x + 1.0, by, length, bh, fill=GREEN_MID)
                elif r.kind == "alternative":
                    pen.rect(x + 1.0, by, length, bh, fill=None, line=GREEN_PALE, lw=0.3)
                else:
                    pen.rect(x + 1.0, by, length, bh, fill=AMBER_SOFT, line=AMBER, lw=0.25)
            pen.y = top + h
        pen.on_break = None
        pen.line(MARGIN, pen.y, MARGIN + CONTENT_W, pen.y, RULE, 0.3)
        for group in groups:
            self._fold(group, size - 0.4)
        self.legend()
        # not the rows 从优不重复 leaves uncounted: their amount is not paid
        calcs = [
            (f"{measure_no(r.number, c.lang)} {r.calc}", "muted")
            for r in rows
            if r.calc and r.kind == "eligible"
        ]
        if calcs and not d.calc_rows:  # the tightest settings: every calculation in one paragraph
            sep = (t("pdf.sep.semicolon", c.lang), "muted")
            runs: list[Run] = [(c.w["calc"], "muted")]
            for k, item in enumerate(calcs):
                runs.extend([sep, item] if k else [item])
            self.paragraph(runs, max(6.0, d.body - 1.4), MARGIN, CONTENT_W, None, top_gap=0.6)
        for note in c.notes:
            self.paragraph([(note, "muted")], max(6.2, d.body - 1.2), MARGIN, CONTENT_W, 3, top_gap=0.6)
        pen.y += d.gap

    def _ineligible_groups(self) -> tuple[list[Row], list[list[Row]]]:
        """Split the ineligible measures into table rows and one-line groups sharing a reason."""
        c, d = self.c, self.d
        by_reason: dict[str, list[Row]] = {}
        for r in c.ineligible:
            by_reason.setdefault(r.reason, []).append(r)
        singles: list[Row] = []
        groups: list[list[Row]] = []
        for rows in by_reason.values():
            if d.fold_ineligible or len(rows) >= 3:
                groups.append(rows)
            else:
                singles.extend(rows)
        return singles, groups

    def _fold(self, rows: Sequence[Row], size: float) -> None:
        """Write ineligible measures that share a reason on one line, after a grey cross."""
        pen, c = self.pen, self.c
        reason = rows[0].reason or c.w["ineligible_all"]
        if len(rows) == 1:
            text = (
                f"{measure_no(rows[0].number, c.lang)} {rows[0].title}" + t("pdf.sep.colon", c.lang) + reason
            )
        else:
            numbers = t("pdf.sep.list", c.lang).join(str(r.number) for r in rows)
            text = t("pdf.fold.group", c.lang, reason=reason, numbers=numbers)
        text = t("pdf.fold.prefix", c.lang, text=text)
        lead = size * PT * self.d.lead
        r = size * PT * 0.4
        lines = pen.wrap([(text, "muted")], CONTENT_W - 2 * r - 1.5, size, 2)
        pen.y += 0.8
        for j, line in enumerate(lines):
            pen.room(lead)
            if j == 0:
                pen.mark(MARGIN + r + 0.6, pen.y + lead / 2, r, "ineligible")
            pen.draw_line(MARGIN + 2 * r + 2.1, pen.y + size * PT * 1.0, line, size, {"muted": MUTED})
            pen.y += lead

    def legend(self) -> None:
        """Explain the four status marks on one line."""
        pen, d, c = self.pen, self.d, self.c
        size = max(6.2, d.body - 1.2)
        h = size * PT * 1.8
        pen.room(h)
        x = MARGIN
        cy = pen.y + h / 2
        kinds: list[tuple[Kind, str]] = [
            ("eligible", c.w["legend_ok"]),
            ("alternative", c.w["legend_alt"]),
            ("needs_info", c.w["legend_need"]),
            ("ineligible", c.w["legend_no"]),
        ]
        present = {r.kind for r in c.rows} | ({"ineligible"} if c.ineligible else set())
        kinds = [(k, label) for k, label in kinds if k in present]
        r = size * PT * 0.4
        for kind, label in kinds:
            pen.mark(x + r, cy, r, kind)
            pen.text(x + 2 * r + 1.0, baseline(pen.y, h, size), label, size, MUTED)
            x += 2 * r + 1.0 + pen.width(label, size) + 4.0
        pen.y += h
