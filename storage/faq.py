"""The FAQ's data: questions it could not answer (misses) and entries written by staff."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.models import FaqMiss, StaffFaqEntry, utcnow

# --- FAQ misses ------------------------------------------------------------------------------------


def record_faq_miss(user_key: str, question: str, lang: str, *, session: Session) -> FaqMiss:
    """Queue a question the FAQ could not answer."""
    miss = FaqMiss(user_key=user_key, question=question, lang=lang, at=utcnow(), resolved=False)
    session.add(miss)
    session.flush()
    return miss


def list_faq_misses(*, session: Session, limit: int = 50, include_resolved: bool = False) -> list[FaqMiss]:
    """Return FAQ misses newest first, by default only unresolved ones."""
    stmt = select(FaqMiss)
    if not include_resolved:
        stmt = stmt.where(FaqMiss.resolved.is_(False))
    stmt = stmt.order_by(FaqMiss.at.desc(), FaqMiss.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def resolve_faq_miss(miss_id: int, *, session: Session) -> bool:
    """Mark a FAQ miss as handled; False if there is no such miss."""
    miss = session.get(FaqMiss, miss_id)
    if miss is None:
        return False
    miss.resolved = True
    session.flush()
    return True


# --- FAQ entries written by staff ------------------------------------------------------------------


@dataclass(frozen=True)
class FaqEntryData:
    """The content of a staff FAQ entry."""

    questions: list[str]
    answer_zh: str
    answer_en: str
    cite: list[str]
    clause: str
    measures: list[int] = field(default_factory=list)


def add_faq_entry(
    data: FaqEntryData,
    author_id: int,
    author_name: str,
    *,
    session: Session,
    active: bool = False,
    source_question_id: int | None = None,
) -> StaffFaqEntry:
    """Store a new staff FAQ entry (switched off until staff switch it on, unless `active`)."""
    now = utcnow()
    entry = StaffFaqEntry(
        questions=list(data.questions),
        answer_zh=data.answer_zh,
        answer_en=data.answer_en,
        cite=list(data.cite),
        clause=data.clause,
        measures=sorted(set(data.measures)),
        active=active,
        version=1,
        author_id=author_id,
        author_name=author_name,
        created_at=now,
        updated_by_name=author_name,
        updated_at=now,
        source_question_id=source_question_id,
    )
    session.add(entry)
    session.flush()
    return entry


def get_faq_entry(entry_id: int, *, session: Session) -> StaffFaqEntry | None:
    """Return one staff FAQ entry, fresh from the database."""
    return session.get(StaffFaqEntry, entry_id, populate_existing=True)


def update_faq_entry(
    entry_id: int, editor_name: str, *, session: Session, **changes: Any
) -> StaffFaqEntry | None:
    """Change fields of a staff FAQ entry and bump its version; None if there is no such entry."""
    allowed = {"questions", "answer_zh", "answer_en", "cite", "clause", "measures", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not an FAQ entry field: {sorted(unknown)}")
    values = {**changes, "updated_by_name": editor_name, "updated_at": utcnow()}
    updated = session.execute(
        update(StaffFaqEntry)
        .where(StaffFaqEntry.id == entry_id)
        .values(version=StaffFaqEntry.version + 1, **values)
        .returning(StaffFaqEntry.id)
        .execution_options(synchronize_session=False)
    ).first()
    return None if updated is None else get_faq_entry(entry_id, session=session)


def list_faq_entries(*, session: Session, active_only: bool = False) -> list[StaffFaqEntry]:
    """Return the staff FAQ entries, oldest first."""
    stmt = select(StaffFaqEntry)
    if active_only:
        stmt = stmt.where(StaffFaqEntry.active.is_(True))
    return list(session.scalars(stmt.order_by(StaffFaqEntry.id)))


def faq_entries_stamp(*, session: Session) -> tuple[int, int]:
    """Return (entries, sum of versions): it changes whenever an entry is added or changed."""
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(StaffFaqEntry.version), 0)).select_from(StaffFaqEntry)
    ).one()
    return int(row[0]), int(row[1])
