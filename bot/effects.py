"""The storage side of the dialogs' effects: leads, FAQ misses, erasure, questions passed to staff.

Run by `bot/service.py` inside the step's transaction; returns what the channel posts to staff.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

import storage
from bot import staff
from dialogs import DeleteData, FaqMiss, NotifyStaff, Reply, SaveLead, State, TextReply
from dialogs.handover import screening_context

log = logging.getLogger(__name__)


def carry_out(
    session: Session, chat_key: str, user_key: str, replies: list[Reply]
) -> tuple[list[str], list[dict[str, Any]]]:
    """Do the storage side of the effects; return texts and stored items for the staff chat."""
    messages: list[str] = []
    posts: list[dict[str, Any]] = []
    for reply in replies:
        if isinstance(reply, SaveLead):
            lead, created = storage.upsert_lead(lead_data(reply, chat_key, user_key), session=session)
            log.info("lead %s %s for %s", lead.id, "created" if created else "updated", user_key)
            # Posted from the stored lead, with its follow-up buttons (bot/desk.py).
            posts.append({"kind": "lead", "id": lead.id, "created": created})
        elif isinstance(reply, FaqMiss):
            question = reply.question[:2000]
            if question.strip():
                storage.record_faq_miss(user_key, question, reply.lang, session=session)
        elif isinstance(reply, DeleteData):
            # Their questions' staff-chat posts are redrawn without the question text.
            for question_id in storage.staff_question_ids(user_key, session=session):
                posts.append({"kind": "question", "id": question_id, "refresh": True})
            counts = storage.delete_user_data(user_key, session=session)
            log.info("deleted the data of %s: %s", user_key, counts)
    return messages, posts


def hand_over(
    session: Session,
    chat_key: str,
    user_key: str,
    replies: list[Reply],
    after: State,
    today: dt.date,
    office_hours: staff.OfficeHours,
) -> tuple[list[Reply], list[dict[str, Any]]]:
    """Store each question passed to staff; tell the user when to expect the answer, here."""
    out: list[Reply] = []
    posts: list[dict[str, Any]] = []
    pending_note: str | None = None
    for reply in replies:
        if isinstance(reply, NotifyStaff):
            question = reply.question.strip()[:2000]
            if question:
                context = screening_context(after, today)
                context["lead_id"] = storage.has_lead(user_key, session=session)
                row = storage.create_staff_question(
                    user_key, chat_key, question, after.lang, context, session=session
                )
                posts.append({"kind": "question", "id": row.id})
                pending_note = office_hours.expectation(after.lang)
            out.append(reply)
            continue
        out.append(reply)
        if pending_note is not None and reply.kind == "text":
            # Right after the dialogs' "passed to staff", before the interview resumes.
            out.append(TextReply(text=pending_note))
            pending_note = None
    if pending_note is not None:
        out.append(TextReply(text=pending_note))
    return out, posts


def consent_time(day: dt.date) -> dt.datetime:
    """Return the consent moment for the day the dialogs give: now when it is today."""
    now = dt.datetime.now(dt.UTC)
    return now if day == now.date() else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def lead_data(lead: SaveLead, chat_key: str, user_key: str) -> storage.LeadData:
    """Build the storage record of a lead from the dialogs' save_lead effect."""
    return storage.LeadData(
        credit_code=lead.credit_code,
        company=lead.company[:256],
        contact_name=lead.contact_name[:128],
        phone=lead.phone[:32],
        consent_at=consent_time(lead.consent_at),
        consent_text_version=lead.consent_text_version[:32],
        profile=dict(lead.profile),
        report=dict(lead.report),
        measures=[n for n in lead.measures if n >= 0],
        total_yuan=lead.total_yuan,
        user_key=user_key,
        chat_key=chat_key,
        campaign=lead.campaign[:64] if lead.campaign else None,
    )


def new_answers(old: State, new: State) -> list[tuple[str, Any]]:
    """Return the (fact, value) answers given or changed by a step, in the order they were given."""
    before = {(h.ref, h.project_id): (h.value, h.unknown, h.skipped) for h in old.history}
    answers: list[tuple[str, Any]] = []
    for asked in new.history:
        now = (asked.value, asked.unknown, asked.skipped)
        if before.get((asked.ref, asked.project_id)) == now:
            continue
        fact = asked.ref if asked.project_id is None else f"{asked.project_id}:{asked.ref}"
        value = {"value": asked.value, "unknown": asked.unknown, "skipped": asked.skipped}
        answers.append((fact[:128], value))
    return answers
