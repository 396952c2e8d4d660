"""The help desk's posts: office hours, a question passed to staff, the answer a user reads, reminders."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.staff.common import (
    BEIJING,
    PostView,
    StaffButton,
    as_typed,
    beijing_time,
    colon,
    question_status_label,
)
from dialogs.handover import context_lines
from dialogs.messages import t
from dialogs.render import literal


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
        f"{t('staff.question_post.question', lang)}{colon(lang)}{_shown(question.question)}",
        f"{t('staff.question_post.language', lang)}{colon(lang)}{user_lang}　{lead}",
        f"{t('staff.question_post.screening', lang)}{colon(lang)}{first}",
        f"　{second}",
        f"{t('staff.question_post.asked', lang)}{colon(lang)}{beijing_time(question.created_at)}",
    ]
    if question.claimed_name and question.status in ("claimed", "answered", "closed"):
        lines.append(
            f"{t('staff.question_post.claimed_by', lang)}{colon(lang)}{as_typed(question.claimed_name)}"
        )
    if question.status == "answered" and question.answer:
        lines.append(
            f"{t('staff.question_post.answer', lang)}（{question.answered_name}，{beijing_time(question.answered_at)}）："
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
            f"#{question.id} {status}{as_typed(who)} {beijing_time(question.created_at)}\n{_shown(question.question)}"
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
        lines.append(f"#{question.id}（{waited}{as_typed(who)}）{_shown(question.question, 80)}")
    lines.append(t("staff.reminder_text.reply_post_or_use", lang))
    return "\n".join(lines)
