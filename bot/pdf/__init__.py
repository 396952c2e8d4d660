"""The forwardable one-page PDF of a report: measures by money, total, documents, clauses, disclaimer.

Called lazily by ``bot.report_file`` as ``render_report_pdf(payload) -> bytes`` with the payload of
the dialogs' ``report_pdf`` attachment, a ``dialogs.types.ReportPayload``: the ``Report`` object,
the ``Profile`` it read and the language, used as they are (no JSON round trip).

The page is laid out by hand with fpdf2's text and drawing primitives, in modules of one idea:
``fonts`` (Noto Sans SC found, measured and subset), ``content`` (what the page says, texts from the
``pdf`` message catalogue), ``page`` (geometry, colours, densities), ``pen`` (measuring, wrapping and
drawing), ``sheet``/``table``/``layout`` (the blocks, and the densest layout that fits one page).
Look at the result with ``python -m bot.pdf PROFILE.json OUT.pdf`` and ``pdftoppm -png OUT.pdf``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable
from pathlib import Path

from fpdf import FPDF

from bot.pdf.content import build_content
from bot.pdf.fonts import FAMILY, FontUnavailableError, metrics, truetype_subset
from bot.pdf.layout import choose, draw
from bot.pdf.page import MARGIN
from bot.pdf.pen import Pen
from dialogs.messages import t
from dialogs.types import ReportPayload

__all__ = ["FontUnavailableError", "render_report_pdf"]


def render_report_pdf(payload: ReportPayload) -> bytes:
    """Render the attachment payload of the ``report_pdf`` reply as a PDF (one A4 page when it fits)."""
    lang, report = payload.lang, payload.report
    content = build_content(report, payload.profile, lang)

    pen = Pen(metrics())
    density, plan, overflow = choose(pen, content)
    # One more dry run at the chosen density collects the characters the font subset must hold.
    pen.used.clear()
    pen.dry, pen.allow_break = True, overflow
    draw(pen, content, density, plan)
    with tempfile.TemporaryDirectory(prefix="etownbot-pdf-") as tmp:
        font_file = Path(tmp) / "NotoSansSC-subset.ttf"
        truetype_subset(pen.metrics.path, pen.used | set(" ?…"), font_file)
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(False)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.add_font(FAMILY, "", str(font_file))
        pdf.set_title(f"{content.w['title']} {report.doc_no or ''} {report.on.isoformat()}".strip())
        pdf.set_author(t("pdf.meta.author", lang))
        pdf.set_creator(t("pdf.meta.creator", lang))
        pdf.set_subject(content.w["title"])
        pdf.set_lang("en" if lang == "en" else "zh-CN")
        pdf.add_page()
        pen.pdf = pdf
        pen.dry, pen.allow_break = False, overflow
        draw(pen, content, density, plan)
        return bytes(pdf.output())


def debug_main(argv: Iterable[str] | None = None) -> None:  # pragma: no cover - a developer's helper
    """Write the PDF of a profile file: python -m bot.pdf PROFILE.json OUT.pdf [en] [YYYY-MM-DD]."""
    import json
    import sys

    from rules.engine import evaluate
    from rules.facts import Profile

    args = list(argv if argv is not None else sys.argv[1:])
    raw = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    lang = args[2] if len(args) > 2 else "zh"
    on = dt.date.fromisoformat(args[3]) if len(args) > 3 else dt.date.today()
    profile = Profile.model_validate(raw)
    report = evaluate(profile, on)
    data = render_report_pdf(
        ReportPayload(report=report, profile=profile, lang="en" if lang == "en" else "zh")
    )
    Path(args[1]).write_bytes(data)
    print(f"{args[1]}: {len(data)} bytes")
