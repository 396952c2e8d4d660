"""What BDA staff see: lead posts, /leads, /stats, /misses and the CSV / XLSX export.

Texts use the reply markup (plain text, **bold**); the channel escapes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from dialogs.handover import context_lines
from dialogs.render import STATUS_MARK, literal, money

# BDA works on Beijing time; shown times use UTC+8 without needing tz data on the server.
BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+8")
STAFF_COMMANDS = ("leads", "export", "stats", "misses")
# Handled by bot/desk.py: answering questions, following up leads, the FAQ staff write.
DESK_COMMANDS = ("reply", "questions", "lead", "faq")
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


def _colon(lang: str) -> str:
    """Return the colon after a label: full-width in Chinese, ": " in English."""
    return ": " if lang == "en" else "："


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
        pending = _int(entry.get("pending_yuan"))
        steps = "；".join(str(x) for x in entry.get("unlock") or [])
        if status == "eligible" and amount:
            shown = money(amount, lang)
            if pending:
                shown += _t(
                    lang,
                    f"；完成待办后{money(pending, lang)}",
                    f"; {money(pending, lang)} after pending steps",
                )
        elif status == "pending" and pending:
            shown = _t(
                lang, f"待办：完成后{money(pending, lang)}", f"pending: {money(pending, lang)} once done"
            )
        elif upper:
            shown = _t(
                lang, f"最高{money(upper, lang)}（待确认）", f"up to {money(upper, lang)} (to confirm)"
            )
        else:
            shown = _t(lang, "金额待确认", "amount to confirm")
        name = (names or {}).get(str(entry.get("project")), "") if entry.get("project") else ""
        project = f"（{literal(name)}）" if name else ""
        if steps:
            shown += _t(lang, f"（待：{steps}）", f" (steps: {steps})")
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


# --- /leads ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadFilter:
    """What /leads and /export were asked for."""

    measure: int | None = None
    since: dt.datetime | None = None
    error: str | None = None
    follow_state: str | None = None
    # "me": leads the asking staff member owns; "none": leads nobody owns yet.
    owner: Literal["me", "none"] | None = None
    # "@李明": leads owned by the staff member of that name.
    owner_name: str | None = None


def parse_lead_filter(args: Sequence[str], lang: str = "zh", *, now: dt.datetime | None = None) -> LeadFilter:
    """Read `/leads [measure] [YYYY-MM-DD | Nd]` arguments; anything else is explained, not guessed."""
    measure: int | None = None
    since: dt.datetime | None = None
    follow_state: str | None = None
    owner: Literal["me", "none"] | None = None
    owner_name: str | None = None
    now = now or dt.datetime.now(dt.UTC)
    for raw in args:
        arg = raw.strip().lower()
        if not arg:
            continue
        if state := lead_state_of(arg):
            follow_state = state
        elif arg in OWNER_ME:
            owner = "me"
        elif arg in OWNER_NONE:
            owner = "none"
        elif raw.strip().startswith("@") and len(raw.strip()) > 1:
            owner_name = raw.strip()[1:]
        elif match := re.fullmatch(r"(?:第|m|#)?(\d{1,2})(?:条)?", arg):
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
    return LeadFilter(
        measure=measure, since=since, follow_state=follow_state, owner=owner, owner_name=owner_name
    )


def _filter_help(lang: str) -> str:
    """Explain the /leads arguments."""
    return _t(
        lang,
        "用法：/leads [条号] [起始日期 YYYY-MM-DD 或 天数如 7d] [新线索|已联系|已申报|已结束|无效] [我的|无人|@姓名]，"
        "例如 /leads 27 7d 已联系 我的、/leads @李明；/export 同样可加这些条件。",
        "Usage: /leads [measure] [since YYYY-MM-DD or days like 7d] [new|contacted|applied|closed|invalid] "
        "[mine|unowned|@name], e.g. /leads 27 7d contacted mine, /leads @Li; /export takes the same.",
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
        lines.append(f"{_when(lead.created_at)}{extra} | {follow_summary(lead, lang)}")
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
    ("follow_state", "跟进状态"),
    ("owner", "负责人"),
    ("last_note", "最新备注"),
    ("last_note_at", "备注时间"),
    ("followed_at", "跟进更新时间"),
    ("total_after_pending_yuan", "完成待办步骤后合计（元）"),
    ("pending_steps", "待办步骤"),
)


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
            f"第{m.get('number')}条：{'、'.join(str(x) for x in m.get('unlock') or [])}"
            for m in entries
            if m.get("unlock")
        )
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
                _t(lang, *LEAD_STATES.get(lead.follow_state, (lead.follow_state, lead.follow_state))),
                _cell(lead.owner_name or ""),
                _cell(note.value if note is not None else ""),
                _when(note.at) if note is not None else "",
                _when(lead.followed_at),
                report.get("total_after_pending_yuan", lead.total_yuan),
                _cell(steps),
            ]
        )
    return rows


def export_csv(leads: Sequence[Any], lang: str = "zh", notes: dict[int, Any] | None = None) -> bytes:
    """Return the leads as CSV (UTF-8 with BOM so Excel shows Chinese correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([zh if lang != "en" else name for name, zh in EXPORT_COLUMNS])
    writer.writerows(export_rows(leads, notes, lang))
    return buffer.getvalue().encode("utf-8-sig")


def export_xlsx(leads: Sequence[Any], lang: str = "zh", notes: dict[int, Any] | None = None) -> bytes:
    """Return the leads as an Excel workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "线索" if lang != "en" else "Leads"
    sheet.append([zh if lang != "en" else name for name, zh in EXPORT_COLUMNS])
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


# --- the help desk: questions passed to staff -----------------------------------------------------


@dataclass(frozen=True)
class OfficeHours:
    """When BDA staff answer (Beijing time): what a user is told to expect after passing a question."""

    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 30)
    # ISO weekdays, Monday = 1.
    days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    reply_hours: int = 2

    @classmethod
    def parse(cls, hours: str, days: str, reply_hours: int = 2) -> OfficeHours:
        """Read "09:00-17:30" and "1-5" (or "1,2,3,4,5"); raise ValueError on anything else."""
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*[-–~]\s*(\d{1,2}):(\d{2})\s*", hours)
        if not match:
            raise ValueError(f"office hours must look like 09:00-17:30, not {hours!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = dt.time(h1, m1), dt.time(h2, m2)
        if start >= end:
            raise ValueError(f"office hours must end after they start: {hours!r}")
        chosen: set[int] = set()
        for part in re.split(r"[,\s]+", days.strip()):
            if span := re.fullmatch(r"([1-7])-([1-7])", part):
                chosen.update(range(int(span.group(1)), int(span.group(2)) + 1))
            elif re.fullmatch(r"[1-7]", part):
                chosen.add(int(part))
            elif part:
                raise ValueError(f"working days must be ISO weekdays like 1-5, not {days!r}")
        if not chosen:
            raise ValueError("no working days given")
        return cls(start, end, frozenset(chosen), reply_hours)

    def is_open(self, moment: dt.datetime) -> bool:
        """Tell whether staff are at work at a moment."""
        local = moment.astimezone(BEIJING)
        return local.isoweekday() in self.days and self.start <= local.time() < self.end

    def next_opening(self, moment: dt.datetime) -> dt.datetime:
        """Return when staff are next at work after a moment (Beijing time)."""
        local = moment.astimezone(BEIJING)
        for offset in range(0, 8):
            day = local.date() + dt.timedelta(days=offset)
            opening = dt.datetime.combine(day, self.start, BEIJING)
            if day.isoweekday() in self.days and opening > local:
                return opening
        return local

    def expectation(self, lang: str, moment: dt.datetime | None = None) -> str:
        """Tell a user that staff answer in this chat and roughly when."""
        moment = moment or dt.datetime.now(dt.UTC)
        hours = f"{self.start:%H:%M}–{self.end:%H:%M}"
        if self.is_open(moment):
            return _t(
                lang,
                f"工作人员会直接在这里回复你，工作时间内一般 {self.reply_hours} 小时内答复。",
                f"Staff will answer right here, usually within {self.reply_hours} hours during office hours.",
            )
        opening = self.next_opening(moment)
        weekday_zh = "一二三四五六日"[opening.isoweekday() - 1]
        return _t(
            lang,
            f"工作人员会直接在这里回复你。现在是非工作时间（工作日 {hours}），"
            f"预计在周{weekday_zh}（{opening:%m-%d}）{opening:%H:%M} 上班后答复。",
            f"Staff will answer right here. It is outside office hours now (working days {hours}, "
            f"Beijing time); expect a reply after {opening:%a %d %b %H:%M}.",
        )


@dataclass(frozen=True)
class StaffButton:
    """A staff-chat button's payload: what it acts on and what it does ("st:q:claim:17")."""

    PREFIX: ClassVar[str] = "st"
    target: Literal["q", "lead"]
    action: str
    id: int

    def pack(self) -> str:
        """Return the callback data (well under Telegram's 64 bytes)."""
        return f"{self.PREFIX}:{self.target}:{self.action}:{self.id}"

    @classmethod
    def unpack(cls, data: str) -> StaffButton | None:
        """Read callback data; None when it is not a staff button."""
        parts = data.split(":")
        if len(parts) != 4 or parts[0] != cls.PREFIX or not parts[3].isdigit():
            return None
        target, action = parts[1], parts[2]
        if target == "q" and action in QUESTION_ACTIONS:
            return cls("q", action, int(parts[3]))
        if target == "lead" and (action in LEAD_STATES or action == "mine"):
            return cls("lead", action, int(parts[3]))
        return None


QUESTION_ACTIONS = ("claim", "faq", "close")
# A lead's follow-up: 新线索 → 已联系 → 已申报 → 已结束, or 无效 at any point.
LEAD_STATES = {
    "new": ("新线索", "New"),
    "contacted": ("已联系", "Contacted"),
    "applied": ("已申报", "Applied"),
    "closed": ("已结束", "Closed"),
    "invalid": ("无效", "Invalid"),
}
QUESTION_STATUS = {
    "open": ("⏳ 待认领", "⏳ Waiting"),
    "claimed": ("✋ 处理中", "✋ Being answered"),
    "answered": ("✅ 已答复", "✅ Answered"),
    "closed": ("☑️ 无需回复", "☑️ No reply needed"),
    "undeliverable": ("🚫 未送达", "🚫 Not delivered"),
    "deleted": ("🗑 用户已删除数据", "🗑 User deleted their data"),
}


@dataclass(frozen=True)
class PostView:
    """A staff-chat post: its text and its buttons as rows of (label, payload)."""

    text: str
    buttons: list[list[tuple[str, StaffButton]]] = field(default_factory=list)


def question_post(question: Any, lang: str = "zh", *, lead_id: int | None = None) -> PostView:
    """Write the staff-chat post of a question passed to staff, with the buttons its status allows."""
    first, second = context_lines(question.context or {}, lang)
    status = QUESTION_STATUS.get(question.status, (question.status, question.status))
    user_lang = "中文" if question.lang != "en" else "English"
    if lead_id is None:
        lead_id = (question.context or {}).get("lead_id")
    lead = (
        _t(lang, f"已留线索 #{lead_id}", f"lead #{lead_id}")
        if lead_id
        else _t(lang, "未留联系方式", "no contact left")
    )
    if question.status == "deleted":
        # The user erased their data (/delete): the post keeps only that fact.
        return PostView(
            f"**{_t(lang, '❓ 用户提问', '❓ Question from a user')} #{question.id}**　{_t(lang, *status)}"
        )
    lines = [
        f"**{_t(lang, '❓ 用户提问', '❓ Question from a user')} #{question.id}**　{_t(lang, status[0], status[1])}",
        f"{_t(lang, '问题', 'Question')}{_colon(lang)}{_shown(question.question)}",
        f"{_t(lang, '用户语言', 'Language')}{_colon(lang)}{user_lang}　{lead}",
        f"{_t(lang, '测评', 'Screening')}{_colon(lang)}{first}",
        f"　{second}",
        f"{_t(lang, '提问时间', 'Asked')}{_colon(lang)}{_when(question.created_at)}",
    ]
    if question.claimed_name and question.status in ("claimed", "answered", "closed"):
        lines.append(f"{_t(lang, '认领', 'Claimed by')}{_colon(lang)}{_user(question.claimed_name)}")
    if question.status == "answered" and question.answer:
        lines.append(
            f"{_t(lang, '答复', 'Answer')}（{question.answered_name}，{_when(question.answered_at)}）："
        )
        lines.append(_shown(question.answer))
    if question.faq_entry_id:
        lines.append(
            _t(lang, f"已存为问答 F{question.faq_entry_id}", f"Saved as FAQ entry F{question.faq_entry_id}")
        )
    if question.status in ("open", "claimed"):
        lines.append("")
        lines.append(
            _t(
                lang,
                f"回复本条消息即可答复用户，或私聊机器人发送 /reply {question.id} 答复内容。",
                f"Reply to this message to answer the user, or send /reply {question.id} <text> to the bot privately.",
            )
        )
    row: list[tuple[str, StaffButton]] = []
    if question.status == "open":
        row.append((_t(lang, "我来答", "I'll answer"), StaffButton("q", "claim", question.id)))
    if question.status in ("open", "claimed", "answered") and not question.faq_entry_id:
        row.append((_t(lang, "存为问答", "Save as FAQ"), StaffButton("q", "faq", question.id)))
    if question.status in ("open", "claimed"):
        row.append((_t(lang, "无需回复", "No reply needed"), StaffButton("q", "close", question.id)))
    return PostView("\n".join(lines), [row] if row else [])


def _shown(text: str, limit: int = 1200) -> str:
    """Return user or staff text for a post: no markup of ours, short enough to keep the post one message."""
    return literal(text if len(text) <= limit else text[:limit] + "…")


def answer_for_user(question: str, answer: str, lang: str) -> str:
    """Write the message a user receives with a staff answer, their question quoted."""
    return _t(
        lang,
        f"**💬 管委会工作人员答复**\n你的问题：「{_shown(question)}」\n\n{literal(answer)}",
        f"**💬 Answer from BDA staff**\nYour question: 「{_shown(question)}」\n\n{literal(answer)}",
    )


def questions_text(questions: Sequence[Any], lang: str = "zh") -> str:
    """List the questions still waiting for staff, oldest first."""
    if not questions:
        return _t(lang, "没有待答复的问题。", "No questions waiting.")
    lines = [f"**{_t(lang, '待答复的问题', 'Questions waiting')}**（{len(questions)}）"]
    for question in questions:
        status = QUESTION_STATUS.get(question.status, (question.status, question.status))
        who = f"（{question.claimed_name}）" if question.claimed_name else ""
        lines.append(
            f"#{question.id} {_t(lang, *status)}{_user(who)} {_when(question.created_at)}\n{_shown(question.question)}"
        )
    return "\n".join(lines)


def reminder_text(questions: Sequence[Any], lang: str, *, now: dt.datetime | None = None) -> str:
    """Remind the staff chat of questions waiting too long."""
    now = now or dt.datetime.now(dt.UTC)
    lines = [f"**{_t(lang, '⏰ 以下问题等待答复较久', '⏰ These questions have waited a while')}**"]
    for question in questions:
        minutes = max(0, int((now - question.created_at).total_seconds() // 60))
        waited = _t(lang, f"已等 {minutes} 分钟", f"waiting {minutes} min")
        who = f"，{question.claimed_name}" if question.claimed_name else ""
        lines.append(f"#{question.id}（{waited}{_user(who)}）{_shown(question.question, 80)}")
    lines.append(
        _t(lang, "回复原消息或 /reply 编号 内容 即可答复。", "Reply to the post or use /reply N <text>.")
    )
    return "\n".join(lines)


def desk_lines(desk: Any, lang: str) -> list[str]:
    """Return the help-desk lines of /stats."""
    median = desk.median_answer_seconds
    if median is None:
        shown = "—"
    elif median < 3600:
        shown = _t(lang, f"{median / 60:.0f} 分钟", f"{median / 60:.0f} min")
    else:
        shown = _t(lang, f"{median / 3600:.1f} 小时", f"{median / 3600:.1f} h")
    return [
        "",
        f"**{_t(lang, '人工答复', 'Help desk')}**",
        f"{_t(lang, '待答复', 'Open questions')}{_colon(lang)}{desk.open}",
        f"{_t(lang, '今日已答复', 'Answered today')}{_colon(lang)}{desk.answered_today}",
        f"{_t(lang, '答复用时中位数（30天）', 'Median time to answer (30 days)')}{_colon(lang)}{shown}",
    ]


# --- lead follow-up --------------------------------------------------------------------------------

OWNER_ME = frozenset({"我的", "我", "mine", "me"})
OWNER_NONE = frozenset({"无人", "无负责人", "unowned", "nobody"})
LEAD_STATE_WORDS = {
    **{zh: key for key, (zh, _) in LEAD_STATES.items()},
    **{en.lower(): key for key, (_, en) in LEAD_STATES.items()},
    **{key: key for key in LEAD_STATES},
}


def lead_state_of(word: str) -> str | None:
    """Return the follow-up state a word names (新线索, 已联系, contacted…), or None."""
    return LEAD_STATE_WORDS.get(word.strip().lower())


def follow_summary(lead: Any, lang: str) -> str:
    """Return a lead's follow-up state and owner in one short phrase."""
    state = _t(lang, *LEAD_STATES.get(lead.follow_state, (lead.follow_state, lead.follow_state)))
    owner = _user(lead.owner_name) if lead.owner_name else _t(lang, "无负责人", "unowned")
    return f"{state}（{owner}）" if lang != "en" else f"{state} ({owner})"


def lead_payload(lead: Any) -> dict[str, Any]:
    """Return a stored lead in the shape lead_post takes (the dialogs' save_lead payload)."""
    return {
        "company": lead.company,
        "credit_code": lead.credit_code,
        "contact_name": lead.contact_name,
        "phone": lead.phone,
        "campaign": lead.campaign,
        "total_yuan": lead.total_yuan,
        "report": lead.report if isinstance(lead.report, dict) else {},
        "profile": lead.profile if isinstance(lead.profile, dict) else {},
    }


def _event_line(event: Any, lang: str) -> str:
    """Write one follow-up change: when, who, what."""
    if event.kind == "state":
        state = LEAD_STATES.get(event.value, (event.value, event.value))
        what = _t(lang, "状态 → ", "state → ") + _t(lang, *state)
    elif event.kind == "owner":
        what = _t(lang, "负责人 → ", "owner → ") + (_user(event.value) or _t(lang, "无", "nobody"))
    else:
        what = _t(lang, "备注：", "note: ") + _user(event.value)
    return f"{_when(event.at)} {_user(event.actor_name)} {what}"


def lead_view(
    lead: Any,
    lang: str = "zh",
    *,
    created: bool = True,
    history: Sequence[Any] = (),
    full: bool = False,
) -> PostView:
    """Write a lead's staff post (or its /lead card when `full`) with the follow-up buttons."""
    text = lead_post(lead_payload(lead), created=created, lead_id=lead.id, lang=lang)
    if full:
        for head in (_t(lang, "🆕 新线索", "🆕 New lead"), _t(lang, "🔄 线索已更新", "🔄 Lead updated")):
            text = text.replace(head, _t(lang, "📇 线索", "📇 Lead"), 1)
    lines = [text, "", f"**{_t(lang, '跟进', 'Follow-up')}**{_colon(lang)}{follow_summary(lead, lang)}"]
    shown = list(history) if full else [e for e in history if e.kind == "note"][-1:]
    lines.extend(_event_line(event, lang) for event in shown[-15:])
    lines.append(_t(lang, f"备注：/lead {lead.id} 备注 内容", f"Add a note: /lead {lead.id} note <text>"))
    states = [
        (_t(lang, zh, en), StaffButton("lead", key, lead.id))
        for key, (zh, en) in LEAD_STATES.items()
        if key not in ("new", lead.follow_state)
    ]
    mine = [(_t(lang, "我来跟进", "I'll follow up"), StaffButton("lead", "mine", lead.id))]
    return PostView("\n".join(lines), [states, mine])


def lead_usage(lang: str) -> str:
    """Explain /lead."""
    return _t(
        lang,
        "用法：/lead 编号（查看）；/lead 编号 已联系|已申报|已结束|无效|新线索；/lead 编号 我来；/lead 编号 备注 内容",
        "Usage: /lead N (show); /lead N contacted|applied|closed|invalid|new; /lead N mine; /lead N note <text>",
    )


# --- the FAQ staff write ---------------------------------------------------------------------------

FAQ_VERBS = {
    "问": "question",
    "q": "question",
    "删问": "drop_question",
    "delq": "drop_question",
    "原文": "quote",
    "quote": "quote",
    "删原文": "drop_quotes",
    "delquote": "drop_quotes",
    "条款": "clause",
    "clause": "clause",
    "答": "zh",
    "zh": "zh",
    "en": "en",
    "启用": "on",
    "on": "on",
    "停用": "off",
    "off": "off",
    "yaml": "yaml",
}


def faq_card(row: Any, problems: Sequence[str], lang: str = "zh") -> str:
    """Show a staff FAQ entry with what it still lacks and the commands that edit it."""
    state = _t(lang, "✅ 已启用", "✅ live") if row.active else _t(lang, "⏸ 未启用", "⏸ off")
    lines = [
        f"**{_t(lang, '📚 问答', '📚 FAQ entry')} F{row.id}**（desk-{row.id}）v{row.version} {state}",
        _t(
            lang,
            f"作者：{_user(row.author_name)} {_when(row.created_at)}；最后修改：{_user(row.updated_by_name)} {_when(row.updated_at)}",
            f"By {_user(row.author_name)} {_when(row.created_at)}; last change {_user(row.updated_by_name)} {_when(row.updated_at)}",
        ),
        f"**{_t(lang, '问法', 'Phrasings')}**",
        *(f"{i}. {_user(q)}" for i, q in enumerate(row.questions, 1)),
        f"**{_t(lang, '答（中文）', 'Answer (Chinese)')}**{_colon(lang)}{_user(row.answer_zh) or '—'}",
        f"**{_t(lang, '答（English）', 'Answer (English)')}**{_colon(lang)}{_user(row.answer_en) or '—'}",
        f"**{_t(lang, '原文', 'Quotes')}**{_colon(lang)}"
        + ("".join(f"「{_user(c)}」" for c in row.cite) or "—"),
        f"**{_t(lang, '条款', 'Clause')}**{_colon(lang)}{_user(row.clause) or '—'}"
        + (f"（{_t(lang, '措施', 'measures')} {'、'.join(map(str, row.measures))}）" if row.measures else ""),
    ]
    if problems:
        lines.append(f"**{_t(lang, '启用前还需', 'Before it can go live')}**")
        lines.extend(f"• {_user(p)}" for p in problems)
    n = row.id
    lines.append(
        _t(
            lang,
            f"修改：/faq {n} 问 另一种问法｜/faq {n} 删问 序号｜/faq {n} 原文 政策原文｜/faq {n} 删原文｜"
            f"/faq {n} 条款 第27条｜/faq {n} 答 中文答复｜/faq {n} en English answer｜"
            f"/faq {n} 启用｜/faq {n} 停用｜/faq {n} yaml",
            f"Edit: /faq {n} q <phrasing> | /faq {n} delq <no.> | /faq {n} quote <policy text> | "
            f"/faq {n} delquote | /faq {n} clause <ref> | /faq {n} zh <answer> | /faq {n} en <answer> | "
            f"/faq {n} on | /faq {n} off | /faq {n} yaml",
        )
    )
    return "\n".join(lines)


def faq_list(rows: Sequence[Any], lang: str = "zh") -> str:
    """List the staff FAQ entries."""
    if not rows:
        return _t(
            lang,
            "还没有工作人员写的问答。在用户提问的消息上点“存为问答”即可新建。",
            "No staff FAQ entries yet. Press “Save as FAQ” on a user's question to make one.",
        )
    lines = [f"**{_t(lang, '工作人员问答', 'Staff FAQ entries')}**（{len(rows)}）"]
    for row in rows:
        mark = "✅" if row.active else "⏸"
        first = row.questions[0] if row.questions else ""
        lines.append(f"F{row.id} {mark} v{row.version} {_user(first[:40])}（{_user(row.author_name)}）")
    lines.append(_t(lang, "查看：/faq 编号", "Show one: /faq N"))
    return "\n".join(lines)
