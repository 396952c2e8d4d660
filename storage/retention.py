"""Personal data: erasing a user's data on request and what is older than the promised retention."""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import (
    Answer,
    Conversation,
    DeadLetter,
    FaqMiss,
    Lead,
    LeadEvent,
    ProcessedUpdate,
    StaffQuestion,
    User,
)

# --- personal data ---------------------------------------------------------------------------------


def delete_user_data(user_key: str, *, session: Session) -> dict[str, int]:
    """Erase everything stored about a user (个人信息保护法 deletion right); return counts per kind."""
    chats = select(Conversation.chat_key).where(Conversation.user_key == user_key).scalar_subquery()
    counts: dict[str, int] = {}
    statements: list[tuple[str, Any]] = [
        ("answers", delete(Answer).where(Answer.chat_key.in_(chats)).returning(Answer.id)),
        (
            "conversations",
            delete(Conversation).where(Conversation.user_key == user_key).returning(Conversation.chat_key),
        ),
        (
            "lead_events",
            delete(LeadEvent)
            .where(LeadEvent.lead_id.in_(select(Lead.id).where(Lead.user_key == user_key)))
            .returning(LeadEvent.id),
        ),
        ("leads", delete(Lead).where(Lead.user_key == user_key).returning(Lead.id)),
        ("faq_misses", delete(FaqMiss).where(FaqMiss.user_key == user_key).returning(FaqMiss.id)),
        # Questions passed to staff stay as blank tombstones: staff replying to the post are told
        # the user deleted their data, and the desk's figures keep their history.
        (
            "staff_questions",
            update(StaffQuestion)
            .where(StaffQuestion.user_key == user_key)
            .values(user_key="", chat_key="", question="", context={}, answer=None, status="deleted")
            .returning(StaffQuestion.id),
        ),
        (
            "dead_letters",
            delete(DeadLetter).where(DeadLetter.user_key == user_key).returning(DeadLetter.id),
        ),
        ("users", delete(User).where(User.key == user_key).returning(User.key)),
    ]
    for name, statement in statements:
        result = session.execute(statement.execution_options(synchronize_session=False))
        counts[name] = len(result.all())
    # Objects of this user may still sit in the identity map; drop them so they cannot be re-flushed.
    session.expire_all()
    return counts


def months_before(moment: datetime, months: int) -> datetime:
    """Return the same wall-clock moment `months` calendar months earlier (clamped to the month's end)."""
    # 12 calendar months, as promised at consent: 2026-03-31 minus one month is 2026-02-28.
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def purge_expired(before: datetime, *, session: Session) -> dict[str, int]:
    """Erase what was last touched before a moment: the retention promised at consent; return counts."""
    stale_chats = select(Conversation.chat_key).where(Conversation.updated_at < before).scalar_subquery()
    counts: dict[str, int] = {}
    statements: list[tuple[str, Any]] = [
        (
            "lead_events",
            delete(LeadEvent)
            .where(LeadEvent.lead_id.in_(select(Lead.id).where(Lead.updated_at < before)))
            .returning(LeadEvent.id),
        ),
        ("leads", delete(Lead).where(Lead.updated_at < before).returning(Lead.id)),
        (
            "staff_questions",
            delete(StaffQuestion).where(StaffQuestion.created_at < before).returning(StaffQuestion.id),
        ),
        ("answers", delete(Answer).where(Answer.chat_key.in_(stale_chats)).returning(Answer.id)),
        (
            "conversations",
            delete(Conversation).where(Conversation.updated_at < before).returning(Conversation.chat_key),
        ),
        ("faq_misses", delete(FaqMiss).where(FaqMiss.at < before).returning(FaqMiss.id)),
        ("dead_letters", delete(DeadLetter).where(DeadLetter.at < before).returning(DeadLetter.id)),
        (
            "processed_updates",
            delete(ProcessedUpdate).where(ProcessedUpdate.at < before).returning(ProcessedUpdate.update_id),
        ),
    ]
    for name, statement in statements:
        result = session.execute(statement.execution_options(synchronize_session=False))
        counts[name] = len(result.all())
    idle = (
        delete(User)
        .where(User.last_seen_at < before)
        .where(~select(Conversation.chat_key).where(Conversation.user_key == User.key).exists())
        .where(~select(Lead.id).where(Lead.user_key == User.key).exists())
        .returning(User.key)
    )
    counts["users"] = len(session.execute(idle.execution_options(synchronize_session=False)).all())
    session.expire_all()
    return counts
