"""The forwardable report: a PDF when bot/pdf.py is there, else a text version."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from dialogs.messages import t
from dialogs.types import ReportPayload

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportFile:
    """A rendered report ready to send."""

    data: bytes
    filename: str
    mime_type: str
    caption: str


def report_text_version(payload: ReportPayload) -> str:
    """Write the report of an attachment payload as plain text (with **bold**)."""
    from dialogs.render import report_text

    return report_text(payload.report, payload.lang)


def render_report(payload: ReportPayload) -> ReportFile:
    """Render the attachment: bot.pdf.render_report_pdf when available, else a UTF-8 text file."""
    lang = payload.lang
    stamp = dt.date.today().strftime("%Y%m%d")
    renderer: Callable[[ReportPayload], bytes] | None
    try:
        from bot.pdf import render_report_pdf as renderer  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        renderer = None
    if renderer is not None:
        try:
            data = renderer(payload)
            caption = t("bot.report.pdf_caption", lang)
            return ReportFile(bytes(data), f"etown-green-report-{stamp}.pdf", "application/pdf", caption)
        except Exception:
            log.exception("PDF rendering failed; sending the text version instead")
    from bot.markup import to_plain

    text = to_plain(report_text_version(payload))
    caption = t("bot.report.text_caption", lang)
    return ReportFile(text.encode("utf-8"), f"etown-green-report-{stamp}.txt", "text/plain", caption)
