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

from bot.staff_words import OWNER_ME, OWNER_NONE
from dialogs.handover import context_lines
from dialogs.messages import t
from dialogs.render import STATUS_MARK, literal, money

# BDA works on Beijing time; shown times use UTC+8 without needing tz data on the server.
BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+8")
STAFF_COMMANDS = ("leads", "export", "stats", "misses")
# Handled by bot/desk.py: answering questions, following up leads, the FAQ staff write.
DESK_COMMANDS = ("reply", "questions", "lead", "faq")
LEADS_SHOWN = 20
EXPORT_LIMIT = 100_000


def _title(number: int, lang: str) -> str:
    """Return "第N条 title" for a measure number (just the number if the rulebook lacks it)."""
    try:
        from rules.loader import latest_rulebook

        measure = latest_rulebook().measures.get(number)
    except Exception:  # staff output must not fail on rule data
        measure = None
    head = t("staff.title.measure", lang, number=number)
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
                shown += t("staff.measure_lines.after_pending_steps", lang, pending=money(pending, lang))
        elif status == "pending" and pending:
            shown = t("staff.measure_lines.pending_once_done", lang, pending=money(pending, lang))
        elif upper:
            shown = t("staff.measure_lines.up_confirm", lang, upper=money(upper, lang))
        else:
            shown = t("staff.measure_lines.amount_confirm", lang)
        name = (names or {}).get(str(entry.get("project")), "") if entry.get("project") else ""
        project = f"（{literal(name)}）" if name else ""
        if steps:
            shown += t("staff.measure_lines.steps", lang, steps=steps)
        lines.append(f"{STATUS_MARK.get(status, '•')} {_title(number, lang)}{project} — {shown}")
    return lines


def lead_post(payload: dict[str, Any], *, created: bool, lead_id: int, lang: str = "zh") -> str:
    """Write the staff-chat post for a lead: who, how much, which measures, what is still open."""
    report = payload.get("report") if isinstance(payload.get("report"), dict) else {}
    assert isinstance(report, dict)
    head = t("staff.lead_post.new_lead", lang) if created else t("staff.lead_post.lead_updated", lang)
    lines = [
        f"**{head} #{lead_id}**",
        f"{t('staff.lead_post.company', lang)}：{_user(payload.get('company'))}",
        f"{t('staff.lead_post.credit_code', lang)}：{_user(payload.get('credit_code'))}",
        f"{t('staff.lead_post.contact', lang)}：{_user(payload.get('contact_name'))}　{t('staff.lead_post.mobile', lang)}：{_user(payload.get('phone'))}",
    ]
    if payload.get("campaign"):
        lines.append(f"{t('staff.lead_post.campaign', lang)}：{_user(payload['campaign'])}")
    total = _int(payload.get("total_yuan")) or 0
    lines.append(f"**{t('staff.lead_post.total_that_can_be', lang)}：{money(total, lang)}**")
    measure_lines = _measure_lines(report, lang, _project_names(payload))
    if measure_lines:
        lines.append("")
        lines.append(f"**{t('staff.lead_post.measures', lang)}**")
        lines.extend(measure_lines)
    questions = [str(q) for q in report.get("open_questions") or [] if str(q).strip()]
    if questions:
        lines.append("")
        lines.append(f"**{t('staff.lead_post.open_questions', lang)}**")
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
    return t("staff.filter_help.usage_leads_measure_since", lang)


def leads_text(leads: Sequence[Any], lang: str = "zh", *, flt: LeadFilter | None = None) -> str:
    """List leads for staff, newest first."""
    if not leads:
        return t("staff.leads_text.no_leads_match", lang)
    lines = [f"**{t('staff.leads_text.recent_leads', lang)}**（{len(leads)}）"]
    for lead in leads:
        measures = "、".join(str(n) for n in lead.measures) or "—"
        lines.append("")
        lines.append(f"**#{lead.id} {_user(lead.company)}**（{_user(lead.credit_code)}）")
        lines.append(
            f"{_user(lead.contact_name)} {_user(lead.phone)} | {t('staff.leads_text.measures', lang)} {measures} | "
            f"{t('staff.leads_text.total', lang)} {money(lead.total_yuan, lang)}"
        )
        extra = f" | {_user(lead.campaign)}" if lead.campaign else ""
        lines.append(f"{_when(lead.created_at)}{extra} | {follow_summary(lead, lang)}")
    return "\n".join(lines)


# --- /stats and /misses ----------------------------------------------------------------------------


def stats_text(figures: Any, lang: str = "zh") -> str:
    """Show the dashboard figures."""
    lines = [
        f"**{t('staff.stats_text.statistics', lang)}**",
        f"{t('staff.stats_text.users', lang)}：{figures.users}",
        f"{t('staff.stats_text.conversations', lang)}：{figures.conversations}",
        f"{t('staff.stats_text.finished_screenings', lang)}：{figures.finished_screenings}",
        f"{t('staff.stats_text.leads', lang)}：{figures.leads}",
        f"{t('staff.stats_text.money_matched_leads', lang)}：{money(figures.money_total_yuan, lang)}",
        f"{t('staff.stats_text.faq_misses', lang)}：{figures.faq_misses}（{t('staff.stats_text.open', lang)} {figures.faq_misses_open}）",
        # Updates that kept failing (issue 8): listed and replayed with `etownbot dead-letters`.
        f"{t('staff.stats_text.dead_letters', lang)}：{getattr(figures, 'dead_letters', 0)}",
    ]
    if figures.money_by_measure:
        lines.append("")
        lines.append(f"**{t('staff.stats_text.by_measure_eligible_amounts', lang)}**")
        ranked = sorted(figures.money_by_measure.items(), key=lambda item: (-item[1], item[0]))
        lines.extend(f"{_title(number, lang)}：{money(amount, lang)}" for number, amount in ranked)
    return "\n".join(lines)


def misses_text(misses: Sequence[Any], lang: str = "zh") -> str:
    """List unanswered questions so an editor can grow the FAQ."""
    if not misses:
        return t("staff.misses_text.no_open_faq_misses", lang)
    lines = [f"**{t('staff.misses_text.unanswered_questions', lang)}**（{len(misses)}）"]
    for miss in misses:
        lines.append(f"#{miss.id} [{miss.lang}] {_when(miss.at)}\n{_user(miss.question)}")
    lines.append("")
    lines.append(t("staff.misses_text.when_one_handled_send", lang))
    return "\n".join(lines)


# --- export ----------------------------------------------------------------------------------------

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
                lead_state_label(lead.follow_state, lang),
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
            return t("staff.expectation.staff_will_answer_right", lang, reply_hours=self.reply_hours)
        opening = self.next_opening(moment)
        weekday = t("staff.weekdays", lang).split(",")[opening.isoweekday() - 1]
        return t("staff.expectation.after_hours", lang, hours=hours, weekday=weekday, opening=opening)


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
# Their names are staff.lead_state.<state> (also the words staff type) and staff.question_status.<status>.
LEAD_STATES = ("new", "contacted", "applied", "closed", "invalid")
QUESTION_STATUS = ("open", "claimed", "answered", "closed", "undeliverable", "deleted")


def lead_state_label(state: str, lang: str) -> str:
    """Name a lead's follow-up state (an unknown one as stored)."""
    return t(f"staff.lead_state.{state}", lang) if state in LEAD_STATES else state


def question_status_label(status: str, lang: str) -> str:
    """Name a question's status with its mark (an unknown one as stored)."""
    return t(f"staff.question_status.{status}", lang) if status in QUESTION_STATUS else status


@dataclass(frozen=True)
class PostView:
    """A staff-chat post: its text and its buttons as rows of (label, payload)."""

    text: str
    buttons: list[list[tuple[str, StaffButton]]] = field(default_factory=list)


def question_post(question: Any, lang: str = "zh", *, lead_id: int | None = None) -> PostView:
    """Write the staff-chat post of a question passed to staff, with the buttons its status allows."""
    first, second = context_lines(question.context or {}, lang)
    status = question_status_label(question.status, lang)
    user_lang = t("staff.user_lang.en" if question.lang == "en" else "staff.user_lang.zh", lang)
    if lead_id is None:
        lead_id = (question.context or {}).get("lead_id")
    lead = (
        t("staff.question_post.lead", lang, lead_id=lead_id)
        if lead_id
        else t("staff.question_post.no_contact_left", lang)
    )
    if question.status == "deleted":
        # The user erased their data (/delete): the post keeps only that fact.
        return PostView(f"**{t('staff.question_post.question_from_user_2', lang)} #{question.id}**　{status}")
    lines = [
        f"**{t('staff.question_post.question_from_user', lang)} #{question.id}**　{status}",
        f"{t('staff.question_post.question', lang)}{_colon(lang)}{_shown(question.question)}",
        f"{t('staff.question_post.language', lang)}{_colon(lang)}{user_lang}　{lead}",
        f"{t('staff.question_post.screening', lang)}{_colon(lang)}{first}",
        f"　{second}",
        f"{t('staff.question_post.asked', lang)}{_colon(lang)}{_when(question.created_at)}",
    ]
    if question.claimed_name and question.status in ("claimed", "answered", "closed"):
        lines.append(
            f"{t('staff.question_post.claimed_by', lang)}{_colon(lang)}{_user(question.claimed_name)}"
        )
    if question.status == "answered" and question.answer:
        lines.append(
            f"{t('staff.question_post.answer', lang)}（{question.answered_name}，{_when(question.answered_at)}）："
        )
        lines.append(_shown(question.answer))
    if question.faq_entry_id:
        lines.append(t("staff.question_post.saved_as_faq_entry", lang, faq_entry_id=question.faq_entry_id))
    if question.status in ("open", "claimed"):
        lines.append("")
        lines.append(t("staff.question_post.reply_this_message_answer", lang, id=question.id))
    row: list[tuple[str, StaffButton]] = []
    if question.status == "open":
        row.append((t("staff.question_post.i_ll_answer", lang), StaffButton("q", "claim", question.id)))
    if question.status in ("open", "claimed", "answered") and not question.faq_entry_id:
        row.append((t("staff.question_post.save_as_faq", lang), StaffButton("q", "faq", question.id)))
    if question.status in ("open", "claimed"):
        row.append((t("staff.question_post.no_reply_needed", lang), StaffButton("q", "close", question.id)))
    return PostView("\n".join(lines), [row] if row else [])


def _shown(text: str, limit: int = 1200) -> str:
    """Return user or staff text for a post: no markup of ours, short enough to keep the post one message."""
    return literal(text if len(text) <= limit else text[:limit] + "…")


def answer_for_user(question: str, answer: str, lang: str) -> str:
    """Write the message a user receives with a staff answer, their question quoted."""
    return t(
        "staff.answer_for_user.answer_from_bda_staff", lang, shown=_shown(question), answer=literal(answer)
    )


def questions_text(questions: Sequence[Any], lang: str = "zh") -> str:
    """List the questions still waiting for staff, oldest first."""
    if not questions:
        return t("staff.questions_text.no_questions_waiting", lang)
    lines = [f"**{t('staff.questions_text.questions_waiting', lang)}**（{len(questions)}）"]
    for question in questions:
        status = question_status_label(question.status, lang)
        who = f"（{question.claimed_name}）" if question.claimed_name else ""
        lines.append(
            f"#{question.id} {status}{_user(who)} {_when(question.created_at)}\n{_shown(question.question)}"
        )
    return "\n".join(lines)


def reminder_text(questions: Sequence[Any], lang: str, *, now: dt.datetime | None = None) -> str:
    """Remind the staff chat of questions waiting too long."""
    now = now or dt.datetime.now(dt.UTC)
    lines = [f"**{t('staff.reminder_text.these_questions_have_waited', lang)}**"]
    for question in questions:
        minutes = max(0, int((now - question.created_at).total_seconds() // 60))
        waited = t("staff.reminder_text.waiting_min", lang, minutes=minutes)
        who = f"，{question.claimed_name}" if question.claimed_name else ""
        lines.append(f"#{question.id}（{waited}{_user(who)}）{_shown(question.question, 80)}")
    lines.append(t("staff.reminder_text.reply_post_or_use", lang))
    return "\n".join(lines)


def desk_lines(desk: Any, lang: str) -> list[str]:
    """Return the help-desk lines of /stats."""
    median = desk.median_answer_seconds
    if median is None:
        shown = "—"
    elif median < 3600:
        shown = t("staff.desk_lines.min", lang, value=median / 60)
    else:
        shown = t("staff.desk_lines.h", lang, value=median / 3600)
    return [
        "",
        f"**{t('staff.desk_lines.help_desk', lang)}**",
        f"{t('staff.desk_lines.open_questions', lang)}{_colon(lang)}{desk.open}",
        f"{t('staff.desk_lines.answered_today', lang)}{_colon(lang)}{desk.answered_today}",
        f"{t('staff.desk_lines.median_time_answer_days', lang)}{_colon(lang)}{shown}",
    ]


# --- lead follow-up --------------------------------------------------------------------------------

LEAD_STATE_WORDS = {
    **{t(f"staff.lead_state.{key}", "zh"): key for key in LEAD_STATES},
    **{t(f"staff.lead_state.{key}", "en").lower(): key for key in LEAD_STATES},
    **{key: key for key in LEAD_STATES},
}


def lead_state_of(word: str) -> str | None:
    """Return the follow-up state a word names (新线索, 已联系, contacted…), or None."""
    return LEAD_STATE_WORDS.get(word.strip().lower())


def follow_summary(lead: Any, lang: str) -> str:
    """Return a lead's follow-up state and owner in one short phrase."""
    state = lead_state_label(lead.follow_state, lang)
    owner = _user(lead.owner_name) if lead.owner_name else t("staff.follow_summary.unowned", lang)
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
        what = t("staff.event_line.state", lang) + lead_state_label(event.value, lang)
    elif event.kind == "owner":
        what = t("staff.event_line.owner", lang) + (_user(event.value) or t("staff.event_line.nobody", lang))
    else:
        what = t("staff.event_line.note", lang) + _user(event.value)
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
        for head in (t("staff.lead_view.new_lead", lang), t("staff.lead_view.lead_updated", lang)):
            text = text.replace(head, t("staff.lead_view.lead", lang), 1)
    lines = [
        text,
        "",
        f"**{t('staff.lead_view.follow_up', lang)}**{_colon(lang)}{follow_summary(lead, lang)}",
    ]
    shown = list(history) if full else [e for e in history if e.kind == "note"][-1:]
    lines.extend(_event_line(event, lang) for event in shown[-15:])
    lines.append(t("staff.lead_view.add_note_lead_note", lang, id=lead.id))
    states = [
        (lead_state_label(key, lang), StaffButton("lead", key, lead.id))
        for key in LEAD_STATES
        if key not in ("new", lead.follow_state)
    ]
    mine = [(t("staff.lead_view.i_ll_follow_up", lang), StaffButton("lead", "mine", lead.id))]
    return PostView("\n".join(lines), [states, mine])


def lead_usage(lang: str) -> str:
    """Explain /lead."""
    return t("staff.lead_usage.usage_lead_n_show", lang)


# --- the FAQ staff write ---------------------------------------------------------------------------


def faq_card(row: Any, problems: Sequence[str], lang: str = "zh") -> str:
    """Show a staff FAQ entry with what it still lacks and the commands that edit it."""
    state = t("staff.faq_card.live", lang) if row.active else t("staff.faq_card.off", lang)
    lines = [
        f"**{t('staff.faq_card.faq_entry', lang)} F{row.id}**（desk-{row.id}）v{row.version} {state}",
        t(
            "staff.faq_card.by_last_change",
            lang,
            author_name=_user(row.author_name),
            created_at=_when(row.created_at),
            updated_by_name=_user(row.updated_by_name),
            updated_at=_when(row.updated_at),
        ),
        f"**{t('staff.faq_card.phrasings', lang)}**",
        *(f"{i}. {_user(q)}" for i, q in enumerate(row.questions, 1)),
        f"**{t('staff.faq_card.answer_chinese', lang)}**{_colon(lang)}{_user(row.answer_zh) or '—'}",
        f"**{t('staff.faq_card.answer_english', lang)}**{_colon(lang)}{_user(row.answer_en) or '—'}",
        f"**{t('staff.faq_card.quotes', lang)}**{_colon(lang)}"
        + ("".join(f"「{_user(c)}」" for c in row.cite) or "—"),
        f"**{t('staff.faq_card.clause', lang)}**{_colon(lang)}{_user(row.clause) or '—'}"
        + (
            f"（{t('staff.faq_card.measures', lang)} {'、'.join(map(str, row.measures))}）"
            if row.measures
            else ""
        ),
    ]
    if problems:
        lines.append(f"**{t('staff.faq_card.before_it_can_go', lang)}**")
        lines.extend(f"• {_user(p)}" for p in problems)
    n = row.id
    lines.append(t("staff.faq_card.edit_faq_q_phrasing", lang, n=n))
    return "\n".join(lines)


def faq_list(rows: Sequence[Any], lang: str = "zh") -> str:
    """List the staff FAQ entries."""
    if not rows:
        return t("staff.faq_list.no_staff_faq_entries", lang)
    lines = [f"**{t('staff.faq_list.staff_faq_entries', lang)}**（{len(rows)}）"]
    for row in rows:
        mark = "✅" if row.active else "⏸"
        first = row.questions[0] if row.questions else ""
        lines.append(f"F{row.id} {mark} v{row.version} {_user(first[:40])}（{_user(row.author_name)}）")
    lines.append(t("staff.faq_list.show_one_faq_n", lang))
    return "\n".join(lines)
