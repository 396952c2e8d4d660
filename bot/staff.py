"""What BDA staff see: lead posts, /leads, /stats, /misses and the CSV / XLSX export.

Texts use the reply markup (plain text, **bold**); the channel escapes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dialogs.render import STATUS_MARK, literal, money

# BDA works on Beijing time; shown times use UTC+8 without needing tz data on the server.
BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+8")
STAFF_COMMANDS = ("leads", "export", "stats", "misses")
LEADS_SHOWN = 20
EXPORT_LIMIT = 100_000


def _t(lang: str, zh: str, en: str) -> str:
    """Pick a language."""
    return en if lang == "en" else zh


def _title(number: int, lang: str) -> str:
    """Return "第N条 title" for a measure number (just the number if the rulebook lacks it)."""
    try:
        from rules.loader import latest_rulebook

        measure = latest_rulebook().measures.get(number)
    except Exception:  # staff output must not fail on rule data
        measure = None
    head = _t(lang, f"第{number}条", f"Measure {number}")
    if measure is None:
        return head
    return f"{head} {measure.title.en if lang == 'en' else measure.title.zh}"


def _when(moment: dt.datetime | None) -> str:
    """Format a moment in Beijing time."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _user(value: Any) -> str:
    """Show what a user typed as typed (a "**" in a company name is not bold)."""
    return literal("" if value is None else str(value))


def _int(value: Any) -> int | None:
    """Return an int from JSON, or None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _project_names(payload: dict[str, Any]) -> dict[str, str]:
    """Map a lead's project ids to the names the user saw (the id is internal)."""
    profile = payload.get("profile") if isinstance(payload.get("profile"), dict) else {}
    projects = profile.get("projects") if isinstance(profile, dict) else None
    names = {}
    for project in projects if isinstance(projects, list) else []:
        if isinstance(project, dict) and project.get("id") and project.get("name"):
            names[str(project["id"])] = str(project["name"])
    return names


def _measure_lines(report: dict[str, Any], lang: str, names: dict[str, str] | None = None) -> list[str]:
    """List a lead report's measures, most money first, each with its project's name."""
    entries = [m for m in report.get("measures") or [] if isinstance(m, dict) and _int(m.get("number"))]

    def key(entry: dict[str, Any]) -> tuple[int, int]:
        return (-(_int(entry.get("amount_yuan")) or 0), _int(entry.get("number")) or 0)

    lines = []
    for entry in sorted(entries, key=key):
        number = _int(entry.get("number")) or 0
        status = str(entry.get("status", ""))
        amount = _int(entry.get("amount_yuan"))
        upper = _int(entry.get("upper_bound_yuan"))
        if status == "eligible" and amount:
            shown = money(amount, lang)
        elif upper:
            shown = _t(
                lang, f"最高{money(upper, lang)}（待确认）", f"up to {money(upper, lang)} (to confirm)"
            )
        else:
            shown = _t(lang, "金额待确认", "amount to confirm")
        name = (names or {}).get(str(entry.get("project")), "") if entry.get("project") else ""
        project = f"（{literal(name)}）" if name else ""
        lines.append(f"{STATUS_MARK.get(status, '•')} {_title(number, lang)}{project} — {shown}")
    return lines


def lead_post(payload: dict[str, Any], *, created: bool, lead_id: int, lang: str = "zh") -> str:
    """Write the staff-chat post for a lead: who, how much, which measures, what is still open."""
    report = payload.get("report") if isinstance(payload.get("report"), dict) else {}
    assert isinstance(report, dict)
    head = _t(lang, "🆕 新线索", "🆕 New lead") if created else _t(lang, "🔄 线索已更新", "🔄 Lead updated")
    lines = [
        f"**{head} #{lead_id}**",
        f"{_t(lang, '企业', 'Company')}：{_user(payload.get('company'))}",
        f"{_t(lang, '统一社会信用代码', 'Credit code')}：{_user(payload.get('credit_code'))}",
        f"{_t(lang, '联系人', 'Contact')}：{_user(payload.get('contact_name'))}　{_t(lang, '手机', 'Mobile')}：{_user(payload.get('phone'))}",
    ]
    if payload.get("campaign"):
        lines.append(f"{_t(lang, '来源', 'Campaign')}：{_user(payload['campaign'])}")
    total = _int(payload.get("total_yuan")) or 0
    lines.append(f"**{_t(lang, '可申请合计', 'Total that can be paid')}：{money(total, lang)}**")
    measure_lines = _measure_lines(report, lang, _project_names(payload))
    if measure_lines:
        lines.append("")
        lines.append(f"**{_t(lang, '措施', 'Measures')}**")
        lines.extend(measure_lines)
    questions = [str(q) for q in report.get("open_questions") or [] if str(q).strip()]
    if questions:
        lines.append("")
        lines.append(f"**{_t(lang, '待确认的问题', 'Open questions')}**")
        lines.extend(f"• {q}" for q in questions[:10])
    return "\n".join(lines)


def handover_post(text: str, user_key: str, *, lang: str = "zh") -> str:
    """Write the staff-chat post for something the dialogs pass on (a question for staff)."""
    return f"**{_t(lang, '📨 转交工作人员', '📨 For staff')}**（{_user(user_key)}）\n{_user(text)}"


# --- /leads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadFilter:
    """What /leads and /export were asked for."""

    measure: int | None = None
    since: dt.datetime | None = None
    error: str | None = None


def parse_lead_filter(args: Sequence[str], lang: str = "zh", *, now: dt.datetime | None = None) -> LeadFilter:
    """Read `/leads [measure] [YYYY-MM-DD | Nd]` arguments; anything else is explained, not guessed."""
    measure: int | None = None
    since: dt.datetime | None = None
    now = now or dt.datetime.now(dt.UTC)
    for raw in args:
        arg = raw.strip().lower()
        if not arg:
            continue
        if match := re.fullmatch(r"(?:第|m|#)?(\d{1,2})(?:条)?", arg):
            measure = int(match.group(1))
        elif match := re.fullmatch(r"(\d{1,4})d", arg):
            since = now - dt.timedelta(days=int(match.group(1)))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", arg):
            try:
                day = dt.date.fromisoformat(arg)
            except ValueError:
                return LeadFilter(error=_filter_help(lang))
            since = dt.datetime.combine(day, dt.time(), BEIJING)
        else:
            return LeadFilter(error=_filter_help(lang))
    return LeadFilter(measure=measure, since=since)


def _filter_help(lang: str) -> str:
    """Explain the /leads arguments."""
    return _t(
        lang,
        "用法：/leads [条号] [起始日期 YYYY-MM-DD 或 天数如 7d]，例如 /leads 27 7d；/export 同样可加这些条件。",
        "Usage: /leads [measure] [since YYYY-MM-DD or days like 7d], e.g. /leads 27 7d; /export takes the same.",
    )


def leads_text(leads: Sequence[Any], lang: str = "zh", *, flt: LeadFilter | None = None) -> str:
    """List leads for staff, newest first."""
    if not leads:
        return _t(lang, "没有符合条件的线索。", "No leads match.")
    lines = [f"**{_t(lang, '最近的线索', 'Recent leads')}**（{len(leads)}）"]
    for lead in leads:
        measures = "、".join(str(n) for n in lead.measures) or "—"
        lines.append("")
        lines.append(f"**#{lead.id} {_user(lead.company)}**（{_user(lead.credit_code)}）")
        lines.append(
            f"{_user(lead.contact_name)} {_user(lead.phone)} | {_t(lang, '措施', 'measures')} {measures} | "
            f"{_t(lang, '合计', 'total')} {money(lead.total_yuan, lang)}"
        )
        extra = f" | {_user(lead.campaign)}" if lead.campaign else ""
        lines.append(f"{_when(lead.created_at)}{extra}")
    return "\n".join(lines)


# --- /stats and /misses ----------------------------------------------------------------------------


def stats_text(figures: Any, lang: str = "zh") -> str:
    """Show the dashboard figures."""
    lines = [
        f"**{_t(lang, '统计', 'Statistics')}**",
        f"{_t(lang, '用户', 'Users')}：{figures.users}",
        f"{_t(lang, '对话', 'Conversations')}：{figures.conversations}",
        f"{_t(lang, '完成测评', 'Finished screenings')}：{figures.finished_screenings}",
        f"{_t(lang, '线索', 'Leads')}：{figures.leads}",
        f"{_t(lang, '线索可申请合计', 'Money matched (leads)')}：{money(figures.money_total_yuan, lang)}",
        f"{_t(lang, '未答上的问题', 'FAQ misses')}：{figures.faq_misses}（{_t(lang, '待处理', 'open')} {figures.faq_misses_open}）",
    ]
    if figures.money_by_measure:
        lines.append("")
        lines.append(f"**{_t(lang, '按措施（符合条件的金额）', 'By measure (eligible amounts)')}**")
        ranked = sorted(figures.money_by_measure.items(), key=lambda item: (-item[1], item[0]))
        lines.extend(f"{_title(number, lang)}：{money(amount, lang)}" for number, amount in ranked)
    return "\n".join(lines)


def misses_text(misses: Sequence[Any], lang: str = "zh") -> str:
    """List unanswered questions so an editor can grow the FAQ."""
    if not misses:
        return _t(lang, "没有待处理的未答问题。", "No open FAQ misses.")
    lines = [f"**{_t(lang, '未答上的问题', 'Unanswered questions')}**（{len(misses)}）"]
    for miss in misses:
        lines.append(f"#{miss.id} [{miss.lang}] {_when(miss.at)}\n{_user(miss.question)}")
    lines.append("")
    lines.append(
        _t(lang, "处理完一条后发送 /misses done 编号。", "When one is handled, send /misses done <id>.")
    )
    return "\n".join(lines)


# --- export ----------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    ("id", "编号"),
    ("created_at", "创建时间"),
    ("updated_at", "更新时间"),
    ("company", "企业名称"),
    ("credit_code", "统一社会信用代码"),
    ("contact_name", "联系人"),
    ("phone", "手机"),
    ("measures", "措施"),
    ("total_yuan", "可申请合计（元）"),
    ("campaign", "来源"),
    ("consent_at", "同意时间"),
    ("consent_text_version", "同意书版本"),
    ("open_questions", "待确认问题"),
)


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_rows(leads: Sequence[Any]) -> list[list[Any]]:
    """Return one row per lead, in EXPORT_COLUMNS order."""
    rows = []
    for lead in leads:
        report = lead.report if isinstance(lead.report, dict) else {}
        questions = "；".join(str(q) for q in report.get("open_questions") or [])
        rows.append(
            [
                lead.id,
                _when(lead.created_at),
                _when(lead.updated_at),
                _cell(lead.company),
                _cell(lead.credit_code),
                _cell(lead.contact_name),
                _cell(lead.phone),
                "、".join(str(n) for n in lead.measures),
                lead.total_yuan,
                _cell(lead.campaign or ""),
                _when(lead.consent_at),
                _cell(lead.consent_text_version),
                _cell(questions),
            ]
        )
    return rows


def export_csv(leads: Sequence[Any], lang: str = "zh") -> bytes:
    """Return the leads as CSV (UTF-8 with BOM so Excel shows Chinese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([zh if lang != "en" else name for name, zh in EXPORT_COLUMNS])
    writer.writerows(export_rows(leads))
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(leads: Sequence[Any], lang: str = "zh") -> bytes:
    """Return the leads as an Excel workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "线索" if lang != "en" else "Leads"
    sheet.append([zh if lang != "en" else name for name, zh in EXPORT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export_rows(leads):
        sheet.append(row)
    widths = (6, 17, 17, 28, 20, 10, 13, 14, 14, 12, 17, 14, 40)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
