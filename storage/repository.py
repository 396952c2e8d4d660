"""Data functions: every one works inside the caller's session (one transaction per `session_scope`)."""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    Text,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from storage.models import (
    Answer,
    Base,
    Conversation,
    DeadLetter,
    FaqMiss,
    Lead,
    LeadEvent,
    ProcessedUpdate,
    StaffFaqEntry,
    StaffQuestion,
    User,
    utcnow,
)

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
    # The channel's message showing the current question (see set_question_message).
    question_message_id: int | None = None


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
    # Updates kept in the dead-letter table and not replayed yet.
    dead_letters: int = 0


def _insert(session: Session, model: type[Base]) -> PgInsert | SqliteInsert:
    """Return the dialect's INSERT so ON CONFLICT is available on both backends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return pg_insert(model)
    if dialect == "sqlite":
        return sqlite_insert(model)
    raise NotImplementedError(f"unsupported database backend: {dialect}")


# --- the per-update hot path: Core statements built once per dialect -------------------------------
# Every Telegram update runs mark_update_processed, lock_conversation and save_conversation (and
# usually record_answers); building ORM statements anew costs more CPU than the database work
# (bench/bot.py). These are built once and executed on the session's connection, so SQLAlchemy's
# compiled cache serves them; they touch no ORM objects, so nothing in the identity map goes stale.
_conversations: Table = Conversation.__table__  # type: ignore[assignment]
_processed: Table = ProcessedUpdate.__table__  # type: ignore[assignment]
_users: Table = User.__table__  # type: ignore[assignment]
_answers: Table = Answer.__table__  # type: ignore[assignment]
_HOT: dict[tuple[str, str], Executable] = {}


def _hot(connection: Connection, name: str) -> Executable:
    """Return one of the hot-path statements for the connection's dialect, building it once."""
    dialect = connection.dialect.name
    statement = _HOT.get((dialect, name))
    if statement is None:
        statement = _build_hot(dialect, name)
        _HOT[(dialect, name)] = statement
    return statement


def _dialect_insert(dialect: str, table: Table) -> PgInsert | SqliteInsert:
    """Return the dialect's INSERT for a table (ON CONFLICT on both backends)."""
    if dialect == "postgresql":
        return pg_insert(table)
    if dialect == "sqlite":
        return sqlite_insert(table)
    raise NotImplementedError(f"unsupported database backend: {dialect}")


def _connection(session: Session) -> Connection:
    """Return the session's connection after flushing pending ORM changes (as a Session query would)."""
    session.flush()
    return session.connection()


def _build_hot(dialect: str, name: str) -> Executable:
    """Build a hot-path statement (parameters are given at execution)."""
    c = _conversations.c
    if name == "mark":
        # As text: SQLAlchemy cannot cache an INSERT .. ON CONFLICT construct, so it would be
        # compiled anew on every update; this SQL is the same on SQLite and PostgreSQL.
        return (
            text(
                "INSERT INTO processed_updates (update_id, at) VALUES (:update_id, :at) "
                "ON CONFLICT (update_id) DO NOTHING RETURNING update_id"
            )
            .bindparams(
                bindparam("update_id", type_=_processed.c.update_id.type),
                bindparam("at", type_=_processed.c.at.type),
            )
            .columns(_processed.c.update_id)
        )
    if name in ("load", "lock"):
        stmt = select(
            c.state, c.schema_version, c.version, c.user_key, c.finished, c.question_message_id
        ).where(c.chat_key == bindparam("b_chat_key"))
        return stmt.with_for_update() if name == "lock" and dialect == "postgresql" else stmt
    if name == "question_message":
        return (
            update(_conversations)
            .where(c.chat_key == bindparam("b_chat_key"))
            .values(question_message_id=bindparam("message_id"))
        )
    if name == "insert_conversation":
        return (
            _dialect_insert(dialect, _conversations)
            .on_conflict_do_nothing(index_elements=[c.chat_key])
            .returning(c.version)
        )
    if name == "update_conversation":
        # The version test sits in the UPDATE itself; PostgreSQL re-checks it after waiting on a
        # row lock, so two writers holding the same version can never both succeed.
        return (
            update(_conversations)
            .where(c.chat_key == bindparam("b_chat_key"), c.version == bindparam("b_version"))
            .returning(c.version)
        )
    if name in ("touch_user", "touch_user_lang"):
        insert = _dialect_insert(dialect, _users)
        refreshed = {"last_seen_at": insert.excluded.last_seen_at}
        if name == "touch_user_lang":
            refreshed["lang"] = insert.excluded.lang
        return insert.on_conflict_do_update(index_elements=[_users.c.key], set_=refreshed)
    if name == "answers":
        return _answers.insert()
    raise KeyError(name)


def _count(session: Session, *criteria: Any, model: type[Base]) -> int:
    """Count rows of a model matching the criteria."""
    return session.scalar(select(func.count()).select_from(model).where(*criteria)) or 0


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


def touch_user(key: str, lang: str, *, session: Session, set_lang: bool = False) -> None:
    """Create the user with `lang` if new, else refresh last_seen_at (and the language if `set_lang`)."""
    # One statement, no ORM object: the per-update form of get_or_create_user / set_user_lang.
    connection = _connection(session)
    now = utcnow()
    connection.execute(
        _hot(connection, "touch_user_lang" if set_lang else "touch_user"),
        {"key": key, "lang": lang or DEFAULT_LANG, "created_at": now, "last_seen_at": now},
    )


# --- conversations ---------------------------------------------------------------------------------


def _read_conversation(chat_key: str, session: Session, name: str) -> StoredConversation | None:
    """Load a conversation row with a Core SELECT (no ORM object) as the plain dataclass."""
    connection = _connection(session)
    row = connection.execute(_hot(connection, name), {"b_chat_key": chat_key}).first()
    if row is None:
        return None
    return StoredConversation(
        state=row[0],
        schema_version=row[1],
        version=row[2],
        user_key=row[3],
        finished=bool(row[4]),
        question_message_id=row[5],
    )


def load_conversation(chat_key: str, *, session: Session) -> StoredConversation | None:
    """Return the stored conversation of a chat, or None if it has never been saved."""
    return _read_conversation(chat_key, session, "load")


def lock_conversation(chat_key: str, *, session: Session) -> StoredConversation | None:
    """Lock the chat's row until the transaction ends (PostgreSQL; no-op lock on SQLite) and load it."""
    return _read_conversation(chat_key, session, "lock")


def question_message(chat_key: str, *, session: Session) -> int | None:
    """Return the channel's message id of the chat's current question, if one was noted."""
    stored = load_conversation(chat_key, session=session)
    return None if stored is None else stored.question_message_id


def set_question_message(chat_key: str, message_id: int | None, *, session: Session) -> None:
    """Note which message shows the chat's current question (the state's version is not touched)."""
    connection = _connection(session)
    connection.execute(
        _hot(connection, "question_message"), {"b_chat_key": chat_key, "message_id": message_id}
    )


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
    connection = _connection(session)
    if expected_version is None:
        # ON CONFLICT DO NOTHING: of two concurrent first saves, the second inserts nothing.
        inserted = connection.execute(
            _hot(connection, "insert_conversation"),
            {
                "chat_key": chat_key,
                "user_key": user_key,
                "state": state,
                "schema_version": schema_version,
                "version": 1,
                "finished": bool(finished),
                "updated_at": now,
            },
        ).first()
        if inserted is None:
            raise StaleConversationError(chat_key, expected_version)
        return 1

    values: dict[str, Any] = {
        "b_chat_key": chat_key,
        "b_version": expected_version,
        "user_key": user_key,
        "state": state,
        "schema_version": schema_version,
        "version": expected_version + 1,
        "updated_at": now,
    }
    if finished is not None:
        values["finished"] = finished
    updated = connection.execute(_hot(connection, "update_conversation"), values).first()
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


def record_answers(chat_key: str, answers: list[tuple[str, Any]], *, session: Session) -> None:
    """Append several (fact, value) answers to the chat's history in one statement, in order."""
    if not answers:
        return
    connection = _connection(session)
    connection.execute(
        _hot(connection, "answers"),
        [{"chat_key": chat_key, "fact": fact, "value": value, "at": utcnow()} for fact, value in answers],
    )


def list_answers(chat_key: str, *, session: Session) -> list[Answer]:
    """Return a chat's answer history, oldest first."""
    stmt = select(Answer).where(Answer.chat_key == chat_key).order_by(Answer.at, Answer.id)
    return list(session.scalars(stmt))


# --- leads -----------------------------------------------------------------------------------------


def upsert_lead(data: LeadData, *, session: Session) -> tuple[Lead, bool]:
    """Create the lead, or refresh the one with the same credit code; True when it was created."""
    # Stored as given: the code is normalised where it is read (dialogs.validate.normalise_credit_code).
    code = data.credit_code
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
    follow_state: str | None = None,
    owner_id: int | None = None,
    unowned: bool = False,
    owner_name: str | None = None,
) -> list[Lead]:
    """Return leads newest first, optionally filtered by date, measure, follow-up state and owner."""
    stmt = select(Lead)
    if follow_state is not None:
        stmt = stmt.where(Lead.follow_state == follow_state)
    if owner_id is not None:
        stmt = stmt.where(Lead.owner_id == owner_id)
    if unowned:
        stmt = stmt.where(Lead.owner_id.is_(None))
    if owner_name is not None:
        stmt = stmt.where(Lead.owner_name == owner_name)
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
    connection = _connection(session)
    inserted = connection.execute(_hot(connection, "mark"), {"update_id": update_id, "at": utcnow()}).first()
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
        _insert(session, DeadLetter)
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
        dead_letters=_count(session, DeadLetter.replayed_at.is_(None), model=DeadLetter),
    )


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
    open_count = _count(session, StaffQuestion.status.in_(list(OPEN_QUESTION_STATES)), model=StaffQuestion)
    answered_today = _count(session, StaffQuestion.answered_at >= day_start, model=StaffQuestion)
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


def has_lead(user_key: str, *, session: Session) -> int | None:
    """Return the id of a user's lead, if they left one."""
    return session.scalar(select(Lead.id).where(Lead.user_key == user_key).order_by(Lead.id.desc()).limit(1))


# --- lead follow-up --------------------------------------------------------------------------------


def get_lead(lead_id: int, *, session: Session) -> Lead | None:
    """Return one lead, fresh from the database."""
    return session.get(Lead, lead_id, populate_existing=True)


def _lead_event(
    lead_id: int, kind: str, value: str, actor_id: int, actor_name: str, session: Session
) -> None:
    """Append one follow-up change to a lead's history."""
    session.add(
        LeadEvent(
            lead_id=lead_id, kind=kind, value=value, actor_id=actor_id, actor_name=actor_name, at=utcnow()
        )
    )
    session.flush()


def set_lead_state(
    lead_id: int, follow_state: str, actor_id: int, actor_name: str, *, session: Session
) -> Lead | None:
    """Move a lead to a follow-up state and keep the change in its history; None if no such lead."""
    lead = get_lead(lead_id, session=session)
    if lead is None:
        return None
    if lead.follow_state != follow_state:
        lead.follow_state = follow_state
        lead.followed_at = utcnow()
        if lead.owner_id is None:
            # Whoever first works a lead owns it until someone takes it over.
            lead.owner_id, lead.owner_name = actor_id, actor_name
        _lead_event(lead_id, "state", follow_state, actor_id, actor_name, session)
    return lead


def set_lead_owner(
    lead_id: int,
    owner_id: int | None,
    owner_name: str | None,
    actor_id: int,
    actor_name: str,
    *,
    session: Session,
) -> Lead | None:
    """Give a lead to a staff member (None: nobody) and keep the change; None if no such lead."""
    lead = get_lead(lead_id, session=session)
    if lead is None:
        return None
    if lead.owner_id != owner_id:
        lead.owner_id, lead.owner_name = owner_id, owner_name
        lead.followed_at = utcnow()
        _lead_event(lead_id, "owner", owner_name or "", actor_id, actor_name, session)
    return lead


def add_lead_note(
    lead_id: int, note: str, actor_id: int, actor_name: str, *, session: Session
) -> Lead | None:
    """Add a note to a lead's history; None if no such lead."""
    lead = get_lead(lead_id, session=session)
    if lead is None:
        return None
    lead.followed_at = utcnow()
    _lead_event(lead_id, "note", note, actor_id, actor_name, session)
    return lead


def lead_history(lead_id: int, *, session: Session) -> list[LeadEvent]:
    """Return a lead's follow-up changes, oldest first."""
    stmt = select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.at, LeadEvent.id)
    return list(session.scalars(stmt))


def last_lead_notes(lead_ids: Sequence[int], *, session: Session) -> dict[int, LeadEvent]:
    """Return the newest note of each of the leads that has one."""
    out: dict[int, LeadEvent] = {}
    ids = list(lead_ids)
    for start in range(0, len(ids), 500):
        stmt = (
            select(LeadEvent)
            .where(LeadEvent.lead_id.in_(ids[start : start + 500]), LeadEvent.kind == "note")
            .order_by(LeadEvent.at, LeadEvent.id)
        )
        for event in session.scalars(stmt):
            out[event.lead_id] = event
    return out


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
