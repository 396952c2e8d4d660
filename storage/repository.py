"""Data functions: every one works inside the caller's session (one transaction per `session_scope`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, delete, func, select, type_coerce, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Answer, Base, Conversation, FaqMiss, Lead, ProcessedUpdate, User, utcnow

DEFAULT_LANG = "zh"
# Report statuses whose amount counts as money matched (rules.report.Status).
MATCHED_STATUSES = frozenset({"eligible"})


class StaleConversationError(Exception):
    """The stored conversation version is not the one the caller read: someone else saved first."""

    def __init__(self, chat_key: str, expected_version: int | None) -> None:
        """Describe which chat and which version lost the race."""
        super().__init__(f"conversation {chat_key!r} is no longer at version {expected_version!r}")
        self.chat_key = chat_key
        self.expected_version = expected_version


@dataclass(frozen=True)
class StoredConversation:
    """A conversation as loaded: the dialog state plus the version to pass back when saving."""

    state: dict[str, Any]
    schema_version: int
    version: int
    user_key: str = ""
    finished: bool = False


@dataclass(frozen=True)
class LeadData:
    """What the bot hands over to create or refresh a lead (contact fields are kept out of repr)."""

    credit_code: str
    company: str
    contact_name: str = field(repr=False)
    phone: str = field(repr=False)
    consent_at: datetime
    consent_text_version: str
    profile: dict[str, Any]
    report: dict[str, Any]
    measures: list[int]
    total_yuan: int
    user_key: str
    chat_key: str
    campaign: str | None = None


@dataclass(frozen=True)
class Stats:
    """Operator dashboard figures."""

    users: int
    conversations: int
    finished_screenings: int
    leads: int
    # Sum of `amount_yuan` over leads' report entries with an eligible status, by measure number.
    money_by_measure: dict[int, int]
    # Sum of the leads' own `total_yuan` (already after any combined caps).
    money_total_yuan: int
    faq_misses: int
    faq_misses_open: int


def _insert(session: Session, model: type[Base]) -> PgInsert | SqliteInsert:
    """Return the dialect's INSERT so ON CONFLICT is available on both backends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return pg_insert(model)
    if dialect == "sqlite":
        return sqlite_insert(model)
    raise NotImplementedError(f"unsupported database backend: {dialect}")


def _count(session: Session, *criteria: Any, model: type[Base]) -> int:
    """Count rows of a model matching the criteria."""
    return session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0


def normalize_credit_code(code: str) -> str:
    """Return a 统一社会信用代码 in its stored form: no spaces, upper case."""
    return "".join(code.split()).upper()


# --- users -----------------------------------------------------------------------------------------


def get_or_create_user(key: str, *, session: Session, lang: str | None = None) -> User:
    """Return the user, creating it (with `lang`, default Chinese) if new; refresh last_seen_at."""
    now = utcnow()
    session.execute(
        _insert(session, User)
        .values(key=key, lang=lang or DEFAULT_LANG, created_at=now, last_seen_at=now)
        .on_conflict_do_nothing(index_elements=[User.key])
    )
    user = session.get_one(User, key, populate_existing=True)
    user.last_seen_at = now
    session.flush()
    return user


def set_user_lang(key: str, lang: str, *, session: Session) -> User:
    """Store the user's chosen interface language, creating the user if needed."""
    user = get_or_create_user(key, session=session, lang=lang)
    user.lang = lang
    session.flush()
    return user


# --- conversations ---------------------------------------------------------------------------------


def _stored(row: Conversation) -> StoredConversation:
    """Copy an ORM row into the plain dataclass handed to callers."""
    return StoredConversation(
        state=row.state,
        schema_version=row.schema_version,
        version=row.version,
        user_key=row.user_key,
        finished=row.finished,
    )


def load_conversation(chat_key: str, *, session: Session) -> StoredConversation | None:
    """Return the stored conversation of a chat, or None if it has never been saved."""
    row = session.get(Conversation, chat_key, populate_existing=True)
    return None if row is None else _stored(row)


def lock_conversation(chat_key: str, *, session: Session) -> StoredConversation | None:
    """Lock the chat's row until the transaction ends (PostgreSQL; no-op lock on SQLite) and load it."""
    stmt = select(Conversation).where(Conversation.chat_key == chat_key)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    return None if row is None else _stored(row)


def save_conversation(
    chat_key: str,
    user_key: str,
    state: dict[str, Any],
    schema_version: int,
    expected_version: int | None,
    *,
    session: Session,
    finished: bool | None = None,
) -> int:
    """Store the state if the row is still at `expected_version` (None: must be new); return the new version."""
    # Raises StaleConversationError when another writer got there first.
    # `finished=None` keeps the stored flag (False for a new conversation).
    now = utcnow()
    if expected_version is None:
        # ON CONFLICT DO NOTHING: of two concurrent first saves, the second inserts nothing.
        inserted = session.execute(
            _insert(session, Conversation)
            .values(
                chat_key=chat_key,
                user_key=user_key,
                state=state,
                schema_version=schema_version,
                version=1,
                finished=bool(finished),
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=[Conversation.chat_key])
            .returning(Conversation.version)
        ).first()
        if inserted is None:
            raise StaleConversationError(chat_key, expected_version)
        return 1

    values: dict[str, Any] = {
        "user_key": user_key,
        "state": state,
        "schema_version": schema_version,
        "version": expected_version + 1,
        "updated_at": now,
    }
    if finished is not None:
        values["finished"] = finished
    # The version test sits in the UPDATE itself; PostgreSQL re-checks it after waiting on a row lock,
    # so two writers holding the same version can never both succeed.
    updated = session.execute(
        update(Conversation)
        .where(Conversation.chat_key == chat_key, Conversation.version == expected_version)
        .values(**values)
        .returning(Conversation.version)
        .execution_options(synchronize_session=False)
    ).first()
    if updated is None:
        raise StaleConversationError(chat_key, expected_version)
    return expected_version + 1


def count_conversations(*, session: Session) -> int:
    """Return the number of stored conversations."""
    return _count(session, model=Conversation)


def record_answer(chat_key: str, fact: str, value: Any, *, session: Session) -> Answer:
    """Append one answer to the chat's history; the conversation must already be saved."""
    answer = Answer(chat_key=chat_key, fact=fact, value=value, at=utcnow())
    session.add(answer)
    session.flush()
    return answer


def list_answers(chat_key: str, *, session: Session) -> list[Answer]:
    """Return a chat's answer history, oldest first."""
    stmt = select(Answer).where(Answer.chat_key == chat_key).order_by(Answer.at, Answer.id)
    return list(session.scalars(stmt))


# --- leads -----------------------------------------------------------------------------------------


def upsert_lead(data: LeadData, *, session: Session) -> tuple[Lead, bool]:
    """Create the lead, or refresh the one with the same credit code; True when it was created."""
    code = normalize_credit_code(data.credit_code)
    now = utcnow()
    values: dict[str, Any] = {
        "company": data.company,
        "contact_name": data.contact_name,
        "phone": data.phone,
        "consent_at": data.consent_at,
        "consent_text_version": data.consent_text_version,
        "profile": data.profile,
        "report": data.report,
        "measures": sorted({int(number) for number in data.measures}),
        "total_yuan": data.total_yuan,
        "campaign": data.campaign,
        "user_key": data.user_key,
        "chat_key": data.chat_key,
        "updated_at": now,
    }
    inserted = session.execute(
        _insert(session, Lead)
        .values(credit_code=code, created_at=now, **values)
        .on_conflict_do_nothing(index_elements=[Lead.credit_code])
        .returning(Lead.id)
    ).first()
    created = inserted is not None
    if not created:
        session.execute(
            update(Lead)
            .where(Lead.credit_code == code)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    stmt = select(Lead).where(Lead.credit_code == code).execution_options(populate_existing=True)
    return session.scalars(stmt).one(), created


def list_leads(
    *,
    session: Session,
    since: datetime | None = None,
    measure: int | None = None,
    limit: int = 50,
) -> list[Lead]:
    """Return leads newest first, optionally created at/after `since` and matching a measure number."""
    stmt = select(Lead)
    if since is not None:
        stmt = stmt.where(Lead.created_at >= since)
    if measure is not None:
        # "[3,27]" -> ",3,27," so ",27," matches whole numbers only (not 127 or 270).
        wrapped = func.replace(func.replace(type_coerce(Lead.measures, Text), "[", ","), "]", ",")
        stmt = stmt.where(wrapped.like(f"%,{int(measure)},%"))
    stmt = stmt.order_by(Lead.created_at.desc(), Lead.id.desc()).limit(limit)
    return list(session.scalars(stmt))


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


# --- Telegram update de-duplication ----------------------------------------------------------------


def mark_update_processed(update_id: int, *, session: Session) -> bool:
    """Remember a Telegram update id; False if it was already recorded (also by another process)."""
    inserted = session.execute(
        _insert(session, ProcessedUpdate)
        .values(update_id=update_id, at=utcnow())
        .on_conflict_do_nothing(index_elements=[ProcessedUpdate.update_id])
        .returning(ProcessedUpdate.update_id)
    ).first()
    return inserted is not None


def prune_processed_updates(before: datetime, *, session: Session) -> int:
    """Forget update ids recorded before a moment (Telegram stops retrying after a day); return how many."""
    deleted = session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.at < before).returning(ProcessedUpdate.update_id)
    )
    return len(deleted.all())


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
        ("leads", delete(Lead).where(Lead.user_key == user_key).returning(Lead.id)),
        ("faq_misses", delete(FaqMiss).where(FaqMiss.user_key == user_key).returning(FaqMiss.id)),
        ("users", delete(User).where(User.key == user_key).returning(User.key)),
    ]
    for name, statement in statements:
        result = session.execute(statement.execution_options(synchronize_session=False))
        counts[name] = len(result.all())
    # Objects of this user may still sit in the identity map; drop them so they cannot be re-flushed.
    session.expire_all()
    return counts


def purge_expired(before: datetime, *, session: Session) -> dict[str, int]:
    """Erase what was last touched before a moment: the retention promised at consent; return counts."""
    stale_chats = select(Conversation.chat_key).where(Conversation.updated_at < before).scalar_subquery()
    counts: dict[str, int] = {}
    statements: list[tuple[str, Any]] = [
        ("leads", delete(Lead).where(Lead.updated_at < before).returning(Lead.id)),
        ("answers", delete(Answer).where(Answer.chat_key.in_(stale_chats)).returning(Answer.id)),
        ("conversations", delete(Conversation).where(Conversation.updated_at < before).returning(Conversation.chat_key)),
        ("faq_misses", delete(FaqMiss).where(FaqMiss.at < before).returning(FaqMiss.id)),
        ("processed_updates", delete(ProcessedUpdate).where(ProcessedUpdate.at < before).returning(ProcessedUpdate.update_id)),
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


# --- statistics ------------------------------------------------------------------------------------


def _add_report_money(report: Any, totals: dict[int, int]) -> None:
    """Add one report's eligible per-measure amounts to the totals, skipping malformed entries."""
    entries = report.get("measures") if isinstance(report, dict) else None
    if not isinstance(entries, list):
        return
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("status") not in MATCHED_STATUSES:
            continue
        number, amount = entry.get("number"), entry.get("amount_yuan")
        if isinstance(number, int) and isinstance(amount, int) and not isinstance(amount, bool):
            totals[number] = totals.get(number, 0) + amount


def stats(*, session: Session) -> Stats:
    """Return operator dashboard figures."""
    money: dict[int, int] = {}
    for report in session.scalars(select(Lead.report).execution_options(yield_per=500)):
        _add_report_money(report, money)
    return Stats(
        users=_count(session, model=User),
        conversations=_count(session, model=Conversation),
        finished_screenings=_count(session, Conversation.finished.is_(True), model=Conversation),
        leads=_count(session, model=Lead),
        money_by_measure=dict(sorted(money.items())),
        money_total_yuan=session.scalar(select(func.coalesce(func.sum(Lead.total_yuan), 0))) or 0,
        faq_misses=_count(session, model=FaqMiss),
        faq_misses_open=_count(session, FaqMiss.resolved.is_(False), model=FaqMiss),
    )
