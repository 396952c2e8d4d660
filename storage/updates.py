"""What Telegram delivered: processed update ids (de-duplication) and dead letters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.hot import hot_statement
from storage.models import DeadLetter, ProcessedUpdate, utcnow
from storage.sql import dialect_insert_for, flushed_connection

# --- Telegram update de-duplication ----------------------------------------------------------------


def mark_update_processed(update_id: int, *, session: Session) -> bool:
    """Remember a Telegram update id; False if it was already recorded (also by another process)."""
    connection = flushed_connection(session)
    inserted = connection.execute(
        hot_statement(connection, "mark"), {"update_id": update_id, "at": utcnow()}
    ).first()
    return inserted is not None


def prune_processed_updates(before: datetime, *, session: Session) -> int:
    """Forget update ids recorded before a moment (Telegram stops retrying after a day); return how many."""
    deleted = session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.at < before).returning(ProcessedUpdate.update_id)
    )
    return len(deleted.all())


# --- dead letters ----------------------------------------------------------------------------------


def add_dead_letter(
    update_id: int,
    payload: dict[str, Any],
    error: str,
    attempts: int,
    *,
    session: Session,
    chat_key: str | None = None,
    user_key: str | None = None,
) -> bool:
    """Keep an update that kept failing; False when it is already kept (also by another process)."""
    inserted = session.execute(
        dialect_insert_for(session, DeadLetter)
        .values(
            update_id=update_id,
            payload=payload,
            error=error[:128],
            attempts=attempts,
            chat_key=chat_key,
            user_key=user_key,
            at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[DeadLetter.update_id])
        .returning(DeadLetter.id)
    ).first()
    return inserted is not None


def list_dead_letters(
    *, session: Session, include_replayed: bool = False, limit: int = 100
) -> list[DeadLetter]:
    """Return dead letters oldest first, by default only those not replayed yet."""
    stmt = select(DeadLetter)
    if not include_replayed:
        stmt = stmt.where(DeadLetter.replayed_at.is_(None))
    return list(session.scalars(stmt.order_by(DeadLetter.at, DeadLetter.id).limit(limit)))


def mark_dead_letter_replayed(letter_id: int, *, session: Session) -> bool:
    """Record that a dead letter was replayed successfully; False if there is no such letter."""
    letter = session.get(DeadLetter, letter_id)
    if letter is None:
        return False
    letter.replayed_at = utcnow()
    session.flush()
    return True
