"""Questions users passed to staff: the desk's queue, claims, answers, reminders and figures."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.orm import Session

from storage.models import FaqMiss, StaffQuestion, utcnow
from storage.sql import count_rows

# --- questions passed to staff ---------------------------------------------------------------------

OPEN_QUESTION_STATES = ("open", "claimed")


def _moment(value: datetime) -> Any:
    """Return a datetime as a bound value stored like the columns (naive UTC on SQLite)."""
    return literal(value, StaffQuestion.created_at.type)


@dataclass(frozen=True)
class DeskStats:
    """The help desk's figures for /stats."""

    open: int
    answered_today: int
    # Median seconds from the question to the answer over the answers of the window; None if none.
    median_answer_seconds: float | None


def create_staff_question(
    user_key: str, chat_key: str, question: str, lang: str, context: dict[str, Any], *, session: Session
) -> StaffQuestion:
    """Record a question a user passed to staff."""
    row = StaffQuestion(
        user_key=user_key,
        chat_key=chat_key,
        question=question,
        lang=lang,
        context=context,
        status="open",
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def get_staff_question(question_id: int, *, session: Session) -> StaffQuestion | None:
    """Return a question passed to staff, fresh from the database."""
    return session.get(StaffQuestion, question_id, populate_existing=True)


def find_staff_question_by_post(message_id: int, *, session: Session) -> StaffQuestion | None:
    """Return the question whose staff-chat post has this message id."""
    stmt = select(StaffQuestion).where(StaffQuestion.staff_message_id == message_id)
    return session.scalars(stmt.order_by(StaffQuestion.id.desc()).limit(1)).first()


def set_staff_question_post(question_id: int, message_id: int, *, session: Session) -> None:
    """Remember which staff-chat message shows the question."""
    session.execute(
        update(StaffQuestion)
        .where(StaffQuestion.id == question_id)
        .values(staff_message_id=message_id)
        .execution_options(synchronize_session=False)
    )


def claim_staff_question(question_id: int, staff_id: int, staff_name: str, *, session: Session) -> bool:
    """Claim an open question for one staff member; False when someone else holds it or it is done."""
    # One conditional UPDATE: of two staff pressing 我来答 at once (in any process), one row changes.
    claimed = session.execute(
        update(StaffQuestion)
        .where(
            StaffQuestion.id == question_id,
            or_(
                StaffQuestion.status == "open",
                (StaffQuestion.status == "claimed") & (StaffQuestion.claimed_by == staff_id),
            ),
        )
        .values(status="claimed", claimed_by=staff_id, claimed_name=staff_name, claimed_at=utcnow())
        .returning(StaffQuestion.id)
        .execution_options(synchronize_session=False)
    ).first()
    return claimed is not None


def answer_staff_question(
    question_id: int, staff_id: int, staff_name: str, answer: str, *, session: Session
) -> bool:
    """Store a staff answer unless another staff member claimed the question; True when stored."""
    # The first answer's time counts for the median; a later follow-up only replaces the text.
    now = utcnow()
    stored = session.execute(
        update(StaffQuestion)
        .where(
            StaffQuestion.id == question_id,
            or_(StaffQuestion.claimed_by.is_(None), StaffQuestion.claimed_by == staff_id),
        )
        .values(
            status="answered",
            answer=answer,
            answered_by=staff_id,
            answered_name=staff_name,
            answered_at=func.coalesce(StaffQuestion.answered_at, _moment(now)),
            claimed_by=staff_id,
            claimed_name=staff_name,
            claimed_at=func.coalesce(StaffQuestion.claimed_at, _moment(now)),
        )
        .returning(StaffQuestion.id)
        .execution_options(synchronize_session=False)
    ).first()
    if stored is not None:
        # The same question waits in /misses too (logged when the FAQ missed it): it is handled.
        session.execute(
            update(FaqMiss)
            .where(
                FaqMiss.user_key == StaffQuestion.user_key,
                FaqMiss.question == StaffQuestion.question,
                StaffQuestion.id == question_id,
            )
            .values(resolved=True)
            .execution_options(synchronize_session=False)
        )
    return stored is not None


def close_staff_question(
    question_id: int, status: str, staff_id: int, staff_name: str, *, session: Session
) -> bool:
    """Close a question without an answer ("closed") or as undeliverable; False if it is not there."""
    closed = session.execute(
        update(StaffQuestion)
        .where(StaffQuestion.id == question_id)
        .values(
            status=status,
            claimed_by=func.coalesce(StaffQuestion.claimed_by, staff_id),
            claimed_name=func.coalesce(StaffQuestion.claimed_name, staff_name),
        )
        .returning(StaffQuestion.id)
        .execution_options(synchronize_session=False)
    ).first()
    return closed is not None


def link_staff_question_faq(question_id: int, entry_id: int, *, session: Session) -> None:
    """Remember the FAQ entry made from a question."""
    session.execute(
        update(StaffQuestion)
        .where(StaffQuestion.id == question_id)
        .values(faq_entry_id=entry_id)
        .execution_options(synchronize_session=False)
    )


def list_staff_questions(
    *, session: Session, statuses: Sequence[str] = OPEN_QUESTION_STATES, limit: int = 30
) -> list[StaffQuestion]:
    """Return questions in the given states, oldest first (the one waiting longest on top)."""
    stmt = select(StaffQuestion).where(StaffQuestion.status.in_(list(statuses)))
    return list(session.scalars(stmt.order_by(StaffQuestion.created_at, StaffQuestion.id).limit(limit)))


def take_due_reminders(older_than: timedelta, *, session: Session, now: datetime | None = None) -> list[int]:
    """Claim the open questions waiting longer than `older_than` and not reminded since; return their ids."""
    # The claim is the UPDATE itself: with several processes running the same job, each due
    # question is returned to exactly one of them, and again only after another full period.
    now = now or utcnow()
    cutoff = now - older_than
    rows = session.execute(
        update(StaffQuestion)
        .where(
            StaffQuestion.status.in_(list(OPEN_QUESTION_STATES)),
            StaffQuestion.created_at < cutoff,
            or_(StaffQuestion.reminded_at.is_(None), StaffQuestion.reminded_at < cutoff),
        )
        .values(reminded_at=now)
        .returning(StaffQuestion.id)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(row[0] for row in rows)


def desk_stats(day_start: datetime, *, session: Session, window: timedelta = timedelta(days=30)) -> DeskStats:
    """Return open questions, answers since `day_start`, and the median time to answer over `window`."""
    open_count = count_rows(
        session, StaffQuestion.status.in_(list(OPEN_QUESTION_STATES)), model=StaffQuestion
    )
    answered_today = count_rows(session, StaffQuestion.answered_at >= day_start, model=StaffQuestion)
    pairs = session.execute(
        select(StaffQuestion.created_at, StaffQuestion.answered_at).where(
            StaffQuestion.answered_at >= day_start - window
        )
    ).all()
    waits = [(answered - asked).total_seconds() for asked, answered in pairs if answered and asked]
    return DeskStats(
        open=open_count,
        answered_today=answered_today,
        median_answer_seconds=statistics.median(waits) if waits else None,
    )


def staff_question_ids(user_key: str, *, session: Session) -> list[int]:
    """Return the ids of a user's questions passed to staff."""
    stmt = select(StaffQuestion.id).where(StaffQuestion.user_key == user_key).order_by(StaffQuestion.id)
    return list(session.scalars(stmt))
