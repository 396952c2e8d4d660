"""The leads as CSV and XLSX for staff (formula injection neutralised)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from bot.staff.common import (
    beijing_time,
    lead_state_label,
)
from dialogs.messages import t

# Column names (the English header); the Chinese header is staff.export.<name>.
EXPORT_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "company",
    "credit_code",
    "contact_name",
    "phone",
    "measures",
    "total_yuan",
    "campaign",
    "consent_at",
    "consent_text_version",
    "open_questions",
    "follow_state",
    "owner",
    "last_note",
    "last_note_at",
    "followed_at",
    "total_after_pending_yuan",
    "pending_steps",
)


def _headers(lang: str) -> list[str]:
    """Return the export's column headers in one language."""
    return [t(f"staff.export.{name}", lang) for name in EXPORT_COLUMNS]


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_rows(
    leads: Sequence[Any], notes: dict[int, Any] | None = None, lang: str = "zh"
) -> list[list[Any]]:
    """Return one row per lead, in EXPORT_COLUMNS order; `notes` maps a lead id to its newest note."""
    rows = []
    for lead in leads:
        note = (notes or {}).get(lead.id)
        report = lead.report if isinstance(lead.report, dict) else {}
        questions = "；".join(str(q) for q in report.get("open_questions") or [])
        entries = [m for m in report.get("measures") or [] if isinstance(m, dict)]
        steps = "；".join(
            t(
                "staff.export.steps",
                lang,
                number=m.get("number"),
                steps="、".join(str(x) for x in m.get("unlock") or []),
            )
            for m in entries
            if m.get("unlock")
        )
        rows.append(
            [
                lead.id,
                beijing_time(lead.created_at),
                beijing_time(lead.updated_at),
                _cell(lead.company),
                _cell(lead.credit_code),
                _cell(lead.contact_name),
                _cell(lead.phone),
                "、".join(str(n) for n in lead.measures),
                lead.total_yuan,
                _cell(lead.campaign or ""),
                beijing_time(lead.consent_at),
                _cell(lead.consent_text_version),
                _cell(questions),
                lead_state_label(lead.follow_state, lang),
                _cell(lead.owner_name or ""),
                _cell(note.value if note is not None else ""),
                beijing_time(note.at) if note is not None else "",
                beijing_time(lead.followed_at),
                report.get("total_after_pending_yuan", lead.total_yuan),
                _cell(steps),
            ]
        )
    return rows


def export_csv(leads: Sequence[Any], lang: str = "zh", notes: dict[int, Any] | None = None) -> bytes:
    """Return the leads as CSV (UTF-8 with BOM so Excel shows Chinese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headers(lang))
    writer.writerows(export_rows(leads, notes, lang))
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(leads: Sequence[Any], lang: str = "zh", notes: dict[int, Any] | None = None) -> bytes:
    """Return the leads as an Excel workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = t("staff.export.sheet", lang)
    sheet.append(_headers(lang))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export_rows(leads, notes, lang):
        sheet.append(row)
    widths = (6, 17, 17, 28, 20, 10, 13, 14, 14, 12, 17, 14, 40, 10, 10, 30, 17, 17)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
