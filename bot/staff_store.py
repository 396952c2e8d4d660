"""What the staff tools and the update loop read and write: one transaction per call.

Each function opens its own session on the service's database and runs in the worker pool
(``Runtime.call``); the Telegram handlers, the desk and the polling loop hold no database code.
Rows handed back are detached (expunged), so they stay readable after the session closes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import storage
from bot import staff
from bot.faq_live import staff_entry
from bot.service import Service
from dialogs import staff_faq
from dialogs.messages import t


@dataclass(frozen=True)
class Loaded:
    """A question as read for a post: the row and its post."""

    question: storage.StaffQuestion
    view: staff.PostView


def load_question(service: Service, question_id: int, lang: str) -> Loaded | None:
    """Read a question and write its post."""
    with storage.session_scope(service.sessions) as session:
        question = storage.get_staff_question(question_id, session=session)
        if question is None:
            return None
        session.expunge(question)
    return Loaded(question, staff.question_post(question, lang))


def set_post(service: Service, question_id: int, message_id: int) -> None:
    """Remember the staff-chat message of a question."""
    with storage.session_scope(service.sessions) as session:
        storage.set_staff_question_post(question_id, message_id, session=session)


def claim(service: Service, question_id: int, staff_id: int, name: str) -> bool:
    """Claim a question for one staff member."""
    with storage.session_scope(service.sessions) as session:
        return storage.claim_staff_question(question_id, staff_id, name, session=session)


def close(service: Service, question_id: int, status: str, staff_id: int, name: str) -> bool:
    """Close a question (no reply needed, or undeliverable)."""
    with storage.session_scope(service.sessions) as session:
        return storage.close_staff_question(question_id, status, staff_id, name, session=session)


def answer(service: Service, question_id: int, staff_id: int, name: str, text: str) -> bool:
    """Store a staff answer."""
    with storage.session_scope(service.sessions) as session:
        return storage.answer_staff_question(question_id, staff_id, name, text, session=session)


def question_by_post(service: Service, message_id: int) -> int | None:
    """Return the question shown by a staff-chat message."""
    with storage.session_scope(service.sessions) as session:
        question = storage.find_staff_question_by_post(message_id, session=session)
        return None if question is None else question.id


def waiting(service: Service, ids: list[int] | None = None) -> list[storage.StaffQuestion]:
    """Read the questions still waiting (or the given ones)."""
    with storage.session_scope(service.sessions) as session:
        if ids is None:
            rows = storage.list_staff_questions(session=session)
        else:
            found = (storage.get_staff_question(i, session=session) for i in ids)
            rows = [row for row in found if row is not None]
        session.expunge_all()
        return rows


def due_reminders(service: Service, after: dt.timedelta) -> list[int]:
    """Claim the questions due for a reminder."""
    with storage.session_scope(service.sessions) as session:
        return storage.take_due_reminders(after, session=session)


@dataclass(frozen=True)
class LeadCard:
    """A lead as read for its post or /lead card."""

    lead: storage.Lead
    history: list[storage.LeadEvent]


def lead_card(service: Service, lead_id: int) -> LeadCard | None:
    """Read a lead with its follow-up history."""
    with storage.session_scope(service.sessions) as session:
        lead = storage.get_lead(lead_id, session=session)
        if lead is None:
            return None
        history = storage.lead_history(lead_id, session=session)
        session.expunge_all()
        return LeadCard(lead, history)


def follow(service: Service, lead_id: int, action: str, staff_id: int, name: str, note: str = "") -> bool:
    """Change a lead's state, owner ("mine") or add a note; False if there is no such lead."""
    with storage.session_scope(service.sessions) as session:
        if action == "mine":
            changed = storage.set_lead_owner(lead_id, staff_id, name, staff_id, name, session=session)
        elif action == "note":
            changed = storage.add_lead_note(lead_id, note, staff_id, name, session=session)
        else:
            changed = storage.set_lead_state(lead_id, action, staff_id, name, session=session)
        return changed is not None


def lead_notes(service: Service, lead_ids: list[int]) -> dict[int, storage.LeadEvent]:
    """Read the newest note of each lead (for the export)."""
    with storage.session_scope(service.sessions) as session:
        notes = storage.last_lead_notes(lead_ids, session=session)
        session.expunge_all()
        return notes


@dataclass(frozen=True)
class FaqCard:
    """A staff FAQ entry as read, with what keeps it from going live."""

    row: storage.StaffFaqEntry
    problems: list[str]


def _faq_card(session: Any, entry_id: int, lang: str = "zh") -> FaqCard | None:
    """Read one staff FAQ entry with its problems (inside the caller's session)."""
    row = storage.get_faq_entry(entry_id, session=session)
    if row is None:
        return None
    session.expunge(row)
    return FaqCard(row, staff_faq.problems(staff_entry(row), lang))


def save_as_faq(service: Service, question_id: int, staff_id: int, name: str, lang: str) -> FaqCard | str:
    """Turn a question (and its answer, if any) into a switched-off FAQ entry; or say why not."""
    with storage.session_scope(service.sessions) as session:
        question = storage.get_staff_question(question_id, session=session)
        if question is None or question.status == "deleted" or not question.question:
            return "gone"
        if question.faq_entry_id is not None:
            return "done"
        answer = question.answer or ""
        data = storage.FaqEntryData(
            questions=[question.question],
            answer_zh=answer if question.lang != "en" else "",
            answer_en=answer if question.lang == "en" else "",
            cite=[],
            clause="",
        )
        entry = storage.add_faq_entry(data, staff_id, name, session=session, source_question_id=question_id)
        storage.link_staff_question_faq(question_id, entry.id, session=session)
        card = _faq_card(session, entry.id, lang)
        assert card is not None
        return card


def faq_rows(service: Service) -> list[storage.StaffFaqEntry]:
    """Read every staff FAQ entry."""
    with storage.session_scope(service.sessions) as session:
        rows = storage.list_faq_entries(session=session)
        session.expunge_all()
        return rows


def faq_show(service: Service, entry_id: int, lang: str) -> FaqCard | None:
    """Read one staff FAQ entry."""
    with storage.session_scope(service.sessions) as session:
        return _faq_card(session, entry_id, lang)


def faq_edit(
    service: Service, entry_id: int, verb: str, text: str, name: str, lang: str
) -> FaqCard | str | None:
    """Apply one /faq edit; return the entry, a refusal (what is wrong), or None if there is no entry."""
    with storage.session_scope(service.sessions) as session:
        card = _faq_card(session, entry_id, lang)
        if card is None:
            return None
        row = card.row
        changes: dict[str, Any] = {}
        if verb == "question":
            if not text or len(row.questions) >= staff_faq.MAX_QUESTIONS:
                return t("staff.faq_edit.phrasing", lang)
            changes["questions"] = [*row.questions, text]
        elif verb == "drop_question":
            index = int(text) - 1 if text.isdigit() else -1
            if not 0 <= index < len(row.questions) or len(row.questions) == 1:
                return t("staff.faq_edit.no_number", lang)
            changes["questions"] = [q for i, q in enumerate(row.questions) if i != index]
        elif verb == "quote":
            if problem := staff_faq.quote_problem(text, lang):
                return problem
            changes["cite"] = [*row.cite, text]
        elif verb == "drop_quotes":
            changes["cite"] = []
        elif verb == "clause":
            if not text:
                return t("staff.faq_edit.no_clause", lang)
            changes["clause"] = text[:64]
            changes["measures"] = staff_faq.measures_of_clause(text)
        elif verb in ("zh", "en"):
            if not text:
                return t("staff.faq_edit.no_answer", lang)
            changes[f"answer_{verb}"] = text
        elif verb == "on":
            if card.problems:
                return t("staff.faq_edit.not_ready", lang, problems="；".join(card.problems))
            changes["active"] = True
        elif verb == "off":
            changes["active"] = False
        if changes:
            updated = storage.update_faq_entry(entry_id, name, session=session, **changes)
            assert updated is not None
            after = _faq_card(session, entry_id, lang)
            assert after is not None
            if after.row.active and after.problems:
                # An edit that breaks a live entry takes it out of use rather than serving it broken.
                storage.update_faq_entry(entry_id, name, session=session, active=False)
                after = _faq_card(session, entry_id, lang)
                assert after is not None
            return after
        return card


def desk_stats(service: Service) -> storage.DeskStats:
    """Read the help desk's figures (today is a Beijing day)."""
    start = dt.datetime.combine(dt.datetime.now(staff.BEIJING).date(), dt.time(), staff.BEIJING)
    with storage.session_scope(service.sessions) as session:
        return storage.desk_stats(start, session=session)


def stats(service: Service) -> storage.Stats:
    """Read the dashboard figures."""
    with storage.session_scope(service.sessions) as session:
        return storage.stats(session=session)


def leads(service: Service, flt: staff.LeadFilter, limit: int, staff_id: int) -> list[storage.Lead]:
    """Read leads for /leads or /export."""
    with storage.session_scope(service.sessions) as session:
        return storage.list_leads(
            session=session,
            since=flt.since,
            measure=flt.measure,
            limit=limit,
            follow_state=flt.follow_state,
            owner_id=staff_id if flt.owner == "me" else None,
            unowned=flt.owner == "none",
            owner_name=flt.owner_name,
        )


def open_misses(service: Service) -> list[storage.FaqMiss]:
    """Read the unanswered questions."""
    with storage.session_scope(service.sessions) as session:
        return storage.list_faq_misses(session=session, limit=30)


def resolve_miss(service: Service, miss_id: int) -> bool:
    """Mark one unanswered question handled."""
    with storage.session_scope(service.sessions) as session:
        return storage.resolve_faq_miss(miss_id, session=session)


def keep_dead_letter(
    service: Service,
    update_id: int,
    data: dict[str, Any],
    error: str,
    attempts: int,
    chat_key: str | None,
    user_key: str | None,
) -> bool:
    """Store a dead letter (worker thread)."""
    with storage.session_scope(service.sessions) as session:
        return storage.add_dead_letter(
            update_id, data, error, attempts, session=session, chat_key=chat_key, user_key=user_key
        )


def mark_replayed(service: Service, letter_id: int) -> None:
    """Record a successful replay (worker thread)."""
    with storage.session_scope(service.sessions) as session:
        storage.mark_dead_letter_replayed(letter_id, session=session)
