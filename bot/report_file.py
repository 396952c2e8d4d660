"""The forwardable report: a PDF when bot/pdf.py is there, else a text version."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from dialogs.messages import t

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReportFile:
    """A rendered report ready to send."""

    data: bytes
    filename: str
    mime_type: str
    caption: str


def _lang(payload: dict[str, Any]) -> str:
    """Return the report language of an attachment payload."""
    return "en" if payload.get("lang") == "en" else "zh"


def report_text_version(payload: dict[str, Any]) -> str:
    """Write the report of an attachment payload as plain text (with **bold**)."""
    from dialogs.render import report_text
    from rules.report import Report

    lang = _lang(payload)
    try:
        report = TypeAdapter(Report).validate_python(payload.get("report") or {})
        return report_text(report, lang)
    except Exception:  # the JSON may come from an older stored conversation; fall back to a short form
        log.warning("report payload could not be read back; sending the short text version", exc_info=True)
        data = payload.get("report") or {}
        total = data.get("total_yuan", 0) if isinstance(data, dict) else 0
        return t("bot.report.total", lang, total=total)


def render_report(payload: dict[str, Any]) -> ReportFile:
    """Render the attachment: bot.pdf.render_report_pdf when available, else a UTF-8 text file."""
    lang = _lang(payload)
    stamp = dt.date.today().strftime("%Y%m%d")
    renderer: Callable[[dict[str, Any]], bytes] | None
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
