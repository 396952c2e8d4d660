"""One storage contract, run against SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from dialogs.validate import normalise_credit_code
from storage import (
    Answer,
    Base,
    Conversation,
    DeadLetter,
    FaqMiss,
    Lead,
    LeadData,
    ProcessedUpdate,
    StaleConversationError,
    User,
    add_dead_letter,
    alembic_config,
    count_conversations,
    delete_user_data,
    finish_step,
    get_or_create_user,
    list_dead_letters,
    list_faq_misses,
    list_leads,
    load_conversation,
    lock_conversation,
    mark_dead_letter_replayed,
    mark_update_processed,
    migrate,
    months_before,
    note_question_message,
    purge_expired,
    record_answer,
    record_faq_miss,
    resolve_faq_miss,
    save_conversation,
    session_scope,
    start_step,
    stats,
    upsert_lead,
)
from tests.storage.conftest import Backend

STALE = "stale"
TABLES = {"users", "conversations", "answers", "leads", "faq_misses", "processed_updates", "dead_letters"}
# Only a guard against a hung test, never a speed assertion.
DEADLOCK_GUARD_S = 30


def lead_data(credit_code: str, **overrides: Any) -> LeadData:
    """Build a lead with plausible defaults."""
    values: dict[str, Any] = {
        "credit_code": credit_code,
        "company": "北京亦庄示例科技有限公司",
        "contact_name": "张三",
        "phone": "13800000000",
        "consent_at": datetime(2025, 6, 1, 8, 0, tzinfo=UTC),
        "consent_text_version": "2025-06",
        "profile": {"industry": "新能源汽车", "employees": 120},
        "report": {"measures": [{"number": 27, "amount_yuan": 400000, "status": "eligible"}]},
        "measures": [27],
        "total_yuan": 400000,
        "user_key": "tg:1",
        "chat_key": "tg:1",
        "campaign": None,
    }
    values.update(overrides)
    return LeadData(**values)


def attempt(op: Callable[[Session], Any], session: Session) -> Any:
    """Run an operation, turning a lost optimistic lock into STALE."""
    try:
        return op(session)
    except StaleConversationError:
        return STALE


def race(db: Backend, first: Callable[[Session], Any], second: Callable[[Session], Any]) -> tuple[Any, Any]:
    """Run `first` in an open transaction, start `second` in another thread, then commit `first`."""
    # On PostgreSQL we wait until `second` is really blocked on `first`'s lock, so the two overlap.
    results: dict[str, Any] = {}
    backend_pid: list[int] = []
    started = threading.Event()

    def run_second() -> None:
        try:
            with session_scope(db.factory) as session:
                if db.name == "postgresql":
                    backend_pid.append(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
                started.set()
                results["second"] = attempt(second, session)
        except BaseException as error:  # surfaced in the main thread below
            results["second"] = error
            started.set()

    with session_scope(db.factory) as session:
        results["first"] = attempt(first, session)
        thread = threading.Thread(target=run_second)
        thread.start()
        assert started.wait(DEADLOCK_GUARD_S)
        if db.name == "postgresql" and backend_pid:
            deadline = time.monotonic() + DEADLOCK_GUARD_S
            while "second" not in results:
                with db.engine.connect() as probe:
                    waiting = probe.execute(
                        text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted"),
                        {"pid": backend_pid[0]},
                    ).scalar_one()
                if waiting:
                    break
                assert time.monotonic() < deadline, "second transaction never reached the lock"
                time.sleep(0.01)
    thread.join(DEADLOCK_GUARD_S)
    assert not thread.is_alive()
    if isinstance(results["second"], BaseException):
        raise results["second"]
    return results["first"], results["second"]


def in_threads(db: Backend, op: Callable[[Session], Any], count: int = 8) -> list[Any]:
    """Start `count` transactions together, each running `op`, and return their outcomes."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            with session_scope(db.factory) as session:
                outcome = attempt(op, session)
        except BaseException as error:
            outcome = error
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLOCK_GUARD_S)
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if errors:
        raise errors[0]
    assert len(outcomes) == count
    return outcomes


class TestStorageContract:
    """Behaviour every backend must show identically."""

    # --- schema -----------------------------------------------------------------------------------

    def test_migrate_creates_schema_and_is_idempotent(self, backend: Backend) -> None:
        migrate(backend.engine)
        with session_scope(backend.factory) as session:
            get_or_create_user("tg:1", session=session)
        migrate(backend.engine)  # second start must neither fail nor lose data
        migrate(backend.url)

        assert set(inspect(backend.engine).get_table_names()) >= TABLES
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with backend.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head
        with session_scope(backend.factory) as session:
            assert session.scalars(select(User.key)).all() == ["tg:1"]

    def test_two_processes_starting_at_once_both_migrate(self, backend: Backend) -> None:
        # Separate processes, as in production: Alembic's module-level context is not thread-safe.
        script = "import sys, storage; storage.migrate(sys.argv[1])"
        starts = [
            subprocess.Popen(
                [sys.executable, "-c", script, backend.url],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [start.communicate(timeout=DEADLOCK_GUARD_S * 2) for start in starts]
        assert [start.returncode for start in starts] == [0, 0], outputs
        assert set(inspect(backend.engine).get_table_names()) >= TABLES
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with backend.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head

    def test_migrations_match_models(self, db: Backend) -> None:
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []

    def test_session_scope_commits_or_rolls_back(self, db: Backend) -> None:
        with pytest.raises(RuntimeError), session_scope(db.factory) as session:
            get_or_create_user("tg:1", session=session)
            raise RuntimeError("handler failed")
        with session_scope(db.factory) as session:
            get_or_create_user("tg:2", session=session)
        with session_scope(db.factory) as session:
            assert session.scalars(select(User.key)).all() == ["tg:2"]

    # --- conversations ----------------------------------------------------------------------------

    def test_conversation_round_trip(self, db: Backend) -> None:
        state = {"step": "employees", "facts": {"行业": "新能源汽车", "employees": 120}, "done": [1, 2]}
        with session_scope(db.factory) as session:
            assert load_conversation("tg:7", session=session) is None
            assert save_conversation("tg:7", "tg:7", state, 3, None, session=session) == 1

        with session_scope(db.factory) as session:
            stored = load_conversation("tg:7", session=session)
            assert stored is not None
            assert (stored.state, stored.schema_version, stored.version) == (state, 3, 1)
            assert stored.finished is False
            new_state = {**state, "step": "done"}
            assert save_conversation("tg:7", "tg:7", new_state, 4, 1, session=session, finished=True) == 2

        with session_scope(db.factory) as session:
            stored = load_conversation("tg:7", session=session)
            assert stored is not None
            assert (stored.state["step"], stored.schema_version, stored.version) == ("done", 4, 2)
            assert stored.finished is True
            # Omitting `finished` keeps the flag.
            save_conversation("tg:7", "tg:7", stored.state, 4, 2, session=session)
            assert count_conversations(session=session) == 1

        with session_scope(db.factory) as session:
            stored = load_conversation("tg:7", session=session)
            assert stored is not None and stored.finished is True and stored.version == 3

    def test_stale_version_is_refused_and_changes_nothing(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            save_conversation("tg:7", "tg:7", {"step": "a"}, 1, None, session=session)
            save_conversation("tg:7", "tg:7", {"step": "b"}, 1, 1, session=session)

        with session_scope(db.factory) as session:
            with pytest.raises(StaleConversationError):
                save_conversation("tg:7", "tg:7", {"step": "old"}, 1, 1, session=session)
            with pytest.raises(StaleConversationError):
                save_conversation("tg:7", "tg:7", {"step": "new"}, 1, None, session=session)
            with pytest.raises(StaleConversationError):
                save_conversation("tg:unknown", "tg:7", {"step": "x"}, 1, 5, session=session)

        with session_scope(db.factory) as session:
            stored = load_conversation("tg:7", session=session)
            assert stored is not None and (stored.state, stored.version) == ({"step": "b"}, 2)
            assert load_conversation("tg:unknown", session=session) is None

    def test_two_overlapping_savers_of_one_version_exactly_one_wins(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            save_conversation("tg:7", "tg:7", {"step": "start"}, 1, None, session=session)

        first, second = race(
            db,
            lambda s: save_conversation("tg:7", "tg:7", {"by": "first"}, 1, 1, session=s),
            lambda s: save_conversation("tg:7", "tg:7", {"by": "second"}, 1, 1, session=s),
        )
        assert (first, second) == (2, STALE)
        with session_scope(db.factory) as session:
            stored = load_conversation("tg:7", session=session)
            assert stored is not None and (stored.state, stored.version) == ({"by": "first"}, 2)

    def test_two_overlapping_first_saves_exactly_one_wins(self, db: Backend) -> None:
        first, second = race(
            db,
            lambda s: save_conversation("tg:8", "tg:8", {"by": "first"}, 1, None, session=s),
            lambda s: save_conversation("tg:8", "tg:8", {"by": "second"}, 1, None, session=s),
        )
        assert (first, second) == (1, STALE)
        with session_scope(db.factory) as session:
            stored = load_conversation("tg:8", session=session)
            assert stored is not None and stored.state == {"by": "first"}

    def test_many_simultaneous_savers_exactly_one_wins(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            save_conversation("tg:9", "tg:9", {"n": 0}, 1, None, session=session)

        outcomes = in_threads(db, lambda s: save_conversation("tg:9", "tg:9", {"n": 1}, 1, 1, session=s))
        assert sorted(outcomes, key=str) == [2] + [STALE] * (len(outcomes) - 1)
        with session_scope(db.factory) as session:
            stored = load_conversation("tg:9", session=session)
            assert stored is not None and stored.version == 2

    def test_lock_conversation_serialises_read_modify_write(self, db: Backend) -> None:
        if db.name == "sqlite":
            pytest.skip("SQLite has no row locks: lock_conversation only loads there")
        with session_scope(db.factory) as session:
            save_conversation("tg:7", "tg:7", {"count": 0}, 1, None, session=session)

        def increment(session: Session) -> int:
            stored = lock_conversation("tg:7", session=session)
            assert stored is not None
            new_state = {"count": stored.state["count"] + 1}
            return save_conversation("tg:7", "tg:7", new_state, 1, stored.version, session=session)

        # The second caller waits for the first lock, then reads the committed state: no lost update.
        assert race(db, increment, increment) == (2, 3)
        with session_scope(db.factory) as session:
            stored = load_conversation("tg:7", session=session)
            assert stored is not None and stored.state == {"count": 2}

    def test_answers_need_a_saved_conversation(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            save_conversation("tg:7", "tg:7", {}, 1, None, session=session)
            record_answer("tg:7", "employees", 120, session=session)
            record_answer("tg:7", "industry", {"name": "新能源汽车"}, session=session)
            record_answer("tg:7", "revenue", None, session=session)
        with session_scope(db.factory) as session:
            values = session.execute(select(Answer.fact, Answer.value).order_by(Answer.id)).all()
            assert [tuple(row) for row in values] == [
                ("employees", 120),
                ("industry", {"name": "新能源汽车"}),
                ("revenue", None),
            ]
        with pytest.raises(IntegrityError), session_scope(db.factory) as session:
            record_answer("tg:never-saved", "employees", 1, session=session)

    # --- one dialog step ---------------------------------------------------------------------------

    def test_a_step_marks_its_update_once_and_loads_the_chat(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            assert start_step("tg:7", 100, session=session) == (True, None)
            finish_step("tg:7", "tg:7", {"step": "a"}, 2, None, session=session, answers=[("zone", 1)])
        with session_scope(db.factory) as session:
            fresh, stored = start_step("tg:7", 100, session=session)
            # A re-delivery: not fresh, and the conversation is there to answer from.
            assert fresh is False and stored is not None and stored.state == {"step": "a"}
            fresh, stored = start_step("tg:7", 101, session=session)
            assert fresh is True and stored is not None
            assert (stored.state, stored.schema_version, stored.version, stored.user_key) == (
                {"step": "a"},
                2,
                1,
                "tg:7",
            )
            # Without an update id nothing is marked.
            assert start_step("tg:8", None, session=session) == (True, None)
            assert mark_update_processed(101, session=session) is False

    def test_a_step_saves_state_answers_in_order_and_forgets_the_answered_question(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            finish_step(
                "tg:7", "tg:7", {"n": 1}, 1, None, session=session, answers=[("a", 1), ("b", {"值": "中"})]
            )
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            note_question_message("tg:7", 555, connection=connection)
        with session_scope(db.factory) as session:
            stored = load_conversation("tg:7", session=session)
            assert stored is not None and stored.question_message_id == 555
            # Kept by a step that does not move past the question…
            finish_step("tg:7", "tg:7", {"n": 2}, 1, 1, session=session, finished=True)
        with session_scope(db.factory) as session:
            stored = load_conversation("tg:7", session=session)
            assert stored is not None and stored.question_message_id == 555 and stored.finished is True
            # …forgotten by one that does; `finished=None` keeps the flag.
            answers = [("c", None), ("d", [1, 2]), ("e", "三")]
            assert (
                finish_step(
                    "tg:7",
                    "tg:7",
                    {"n": 3},
                    1,
                    2,
                    session=session,
                    answers=answers,
                    clear_question_message=True,
                )
                == 3
            )
        with session_scope(db.factory) as session:
            stored = load_conversation("tg:7", session=session)
            assert stored is not None and (stored.state, stored.version, stored.question_message_id) == (
                {"n": 3},
                3,
                None,
            )
            assert stored.finished is True
            rows = session.execute(select(Answer.fact, Answer.value).order_by(Answer.at, Answer.id)).all()
            assert [tuple(row) for row in rows] == [
                ("a", 1),
                ("b", {"值": "中"}),
                ("c", None),
                ("d", [1, 2]),
                ("e", "三"),
            ]

    def test_a_stale_step_writes_neither_state_nor_answers(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            finish_step("tg:7", "tg:7", {"n": 1}, 1, None, session=session)
        with session_scope(db.factory) as session:
            with pytest.raises(StaleConversationError):
                finish_step("tg:7", "tg:7", {"n": "old"}, 1, 5, session=session, answers=[("x", 1)])
            with pytest.raises(StaleConversationError):
                finish_step("tg:7", "tg:7", {"n": "new"}, 1, None, session=session, answers=[("y", 1)])
        with session_scope(db.factory) as session:
            stored = load_conversation("tg:7", session=session)
            assert stored is not None and (stored.state, stored.version) == ({"n": 1}, 1)
            assert session.execute(select(Answer.fact)).all() == []

    def test_two_overlapping_steps_of_one_chat_run_one_after_the_other(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            finish_step("tg:7", "tg:7", {"count": 0}, 1, None, session=session)

        def step(update_id: int) -> Callable[[Session], Any]:
            def run(session: Session) -> Any:
                fresh, stored = start_step("tg:7", update_id, session=session)
                assert fresh and stored is not None
                state = {"count": stored.state["count"] + 1}
                return finish_step("tg:7", "tg:7", state, 1, stored.version, session=session)

            return run

        if db.name == "postgresql":
            # The second waits for the first's row lock, then reads the committed state.
            assert race(db, step(1), step(2)) == (2, 3)
        else:
            assert race(db, step(1), step(2)) in ((2, STALE), (2, 3))

    def test_a_step_failing_in_the_driver_fails_as_sqlalchemy_reports_it(self, backend: Backend) -> None:
        # The step's statements run on the driver's cursor; the callers (retries, "系统繁忙")
        # tell transient failures by SQLAlchemy's exception classes.
        with pytest.raises(DBAPIError), session_scope(backend.factory) as session:
            start_step("tg:7", 1, session=session)
        with pytest.raises(DBAPIError), session_scope(backend.factory) as session:
            finish_step("tg:7", "tg:7", {}, 1, None, session=session)

    def test_two_deliveries_of_one_update_step_once(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            finish_step("tg:7", "tg:7", {"count": 0}, 1, None, session=session)

        def deliver(session: Session) -> bool:
            fresh, _ = start_step("tg:7", 77, session=session)
            return fresh

        assert race(db, deliver, deliver) == (True, False)

    # --- users ------------------------------------------------------------------------------------

    def test_get_or_create_user_keeps_one_row_and_its_language(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            user = get_or_create_user("tg:1", session=session, lang="en")
            first_seen = user.last_seen_at
        with session_scope(db.factory) as session:
            again = get_or_create_user("tg:1", session=session, lang="zh")
            assert again.lang == "en"
            assert again.last_seen_at >= first_seen
            assert get_or_create_user("console:local", session=session).lang == "zh"
            assert session.scalar(select(User).where(User.key == "tg:1")) is not None
            assert len(session.scalars(select(User)).all()) == 2

    # --- leads ------------------------------------------------------------------------------------

    def test_a_credit_code_is_stored_as_given(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            lead, _ = upsert_lead(lead_data("91110302MA01ABCD1X"), session=session)
            other, created = upsert_lead(lead_data("91110302ma01abcd1x"), session=session)
            assert created is True and other.id != lead.id
            assert other.credit_code == "91110302ma01abcd1x"

    def test_lead_upsert_dedupes_by_credit_code(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            lead, created = upsert_lead(lead_data("91110302MA01ABCD1X"), session=session)
            assert created is True
            lead_id, created_at = lead.id, lead.created_at

        # The same code typed another way, read by the one normaliser (where input is read).
        refreshed = lead_data(
            normalise_credit_code(" 9111 0302-ma01abcd1x "),
            contact_name="李四",
            phone="13900000000",
            measures=[41, 27, 41],
            total_yuan=900000,
            campaign="2025-expo",
        )
        with session_scope(db.factory) as session:
            lead, created = upsert_lead(refreshed, session=session)
            assert created is False
            assert lead.id == lead_id
            assert (lead.contact_name, lead.phone, lead.total_yuan) == ("李四", "13900000000", 900000)
            assert lead.measures == [27, 41]
            assert lead.campaign == "2025-expo"
            assert lead.created_at == created_at
            assert lead.updated_at >= created_at

        with session_scope(db.factory) as session:
            leads = session.scalars(select(Lead)).all()
            assert [(x.credit_code, x.contact_name) for x in leads] == [("91110302MA01ABCD1X", "李四")]
            assert leads[0].profile == {"industry": "新能源汽车", "employees": 120}

    def test_overlapping_upserts_of_one_company_keep_one_lead(self, db: Backend) -> None:
        first, second = race(
            db,
            lambda s: upsert_lead(lead_data("91110302MA01ABCD1X", contact_name="甲"), session=s)[1],
            lambda s: upsert_lead(lead_data("91110302MA01ABCD1X", contact_name="乙"), session=s)[1],
        )
        assert (first, second) == (True, False)
        with session_scope(db.factory) as session:
            assert session.scalars(select(Lead.contact_name)).all() == ["乙"]

    def test_list_leads_filters_by_measure_and_date(self, db: Backend) -> None:
        rows = {
            "A": ([27, 3], datetime(2025, 1, 10, tzinfo=UTC)),
            "B": ([127], datetime(2025, 2, 10, tzinfo=UTC)),
            "C": ([270, 2], datetime(2025, 3, 10, tzinfo=UTC)),
            "D": ([27], datetime(2025, 4, 10, tzinfo=UTC)),
            "E": ([], datetime(2025, 5, 10, tzinfo=UTC)),
        }
        with session_scope(db.factory) as session:
            for name, (measures, created_at) in rows.items():
                lead, _ = upsert_lead(
                    lead_data(f"9111000000000000{name}0", measures=measures), session=session
                )
                session.execute(update(Lead).where(Lead.id == lead.id).values(created_at=created_at))

        def codes(**filters: Any) -> list[str]:
            with session_scope(db.factory) as session:
                return [lead.credit_code[-2] for lead in list_leads(session=session, **filters)]

        assert codes() == ["E", "D", "C", "B", "A"]
        assert codes(measure=27) == ["D", "A"]
        assert codes(measure=2) == ["C"]
        assert codes(measure=99) == []
        assert codes(since=datetime(2025, 3, 10, tzinfo=UTC)) == ["E", "D", "C"]
        # Aware non-UTC moments compare as instants: 07:00 Beijing time on 10 March is 23:00 UTC on 9 March.
        beijing = timezone(timedelta(hours=8))
        assert codes(since=datetime(2025, 3, 10, 7, tzinfo=beijing)) == ["E", "D", "C"]
        assert codes(since=datetime(2025, 3, 10, 9, tzinfo=beijing)) == ["E", "D"]
        assert codes(since=datetime(2025, 2, 1, tzinfo=UTC), measure=27) == ["D"]
        assert codes(limit=2) == ["E", "D"]

    # --- personal data ----------------------------------------------------------------------------

    def test_delete_user_data_removes_all_of_that_user_and_nothing_else(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            for user in ("tg:1", "tg:2"):
                get_or_create_user(user, session=session)
                save_conversation(user, user, {"who": user}, 1, None, session=session)
                record_answer(user, "employees", 10, session=session)
                record_answer(user, "industry", "制造", session=session)
                record_faq_miss(user, "补贴什么时候到账？", "zh", session=session)
            # tg:1 also used a group chat.
            save_conversation("tg:group-5", "tg:1", {}, 1, None, session=session)
            record_answer("tg:group-5", "employees", 11, session=session)
            upsert_lead(lead_data("91110302MA01ABCD1X", user_key="tg:1", chat_key="tg:1"), session=session)
            upsert_lead(lead_data("91110302MA01ABCD2Y", user_key="tg:2", chat_key="tg:2"), session=session)
            mark_update_processed(1001, session=session)
            for number, user in enumerate(("tg:1", "tg:2")):
                add_dead_letter(
                    50 + number, {"update_id": 50 + number}, "E", 3, session=session, user_key=user
                )

        with session_scope(db.factory) as session:
            counts = delete_user_data("tg:1", session=session)
        assert counts == {
            "answers": 3,
            "conversations": 2,
            "lead_events": 0,
            "leads": 1,
            "faq_misses": 1,
            "staff_questions": 0,
            "dead_letters": 1,
            "users": 1,
        }

        with session_scope(db.factory) as session:
            for model, column in (
                (User, User.key),
                (Conversation, Conversation.user_key),
                (Lead, Lead.user_key),
                (FaqMiss, FaqMiss.user_key),
            ):
                assert set(session.scalars(select(column)).all()) == {"tg:2"}, model.__tablename__
            assert set(session.scalars(select(Answer.chat_key)).all()) == {"tg:2"}
            assert len(session.scalars(select(Answer)).all()) == 2
            assert session.scalars(select(ProcessedUpdate.update_id)).all() == [1001]
            assert load_conversation("tg:1", session=session) is None

        with session_scope(db.factory) as session:
            assert delete_user_data("tg:1", session=session) == dict.fromkeys(counts, 0)

    def test_purge_forgets_what_was_last_touched_before_the_retention_limit(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            for user in ("tg:old", "tg:new"):
                get_or_create_user(user, session=session)
                save_conversation(user, user, {"who": user}, 1, None, session=session)
                record_answer(user, "employees", 10, session=session)
                record_faq_miss(user, "补贴什么时候到账？", "zh", session=session)
            upsert_lead(
                lead_data("91110302MA01ABCD1X", user_key="tg:old", chat_key="tg:old"), session=session
            )
            upsert_lead(
                lead_data("91110302MA01ABCD2Y", user_key="tg:new", chat_key="tg:new"), session=session
            )
            mark_update_processed(7, session=session)
            add_dead_letter(7, {"update_id": 7}, "ValueError", 3, session=session, user_key="tg:old")
        long_ago = datetime(2020, 1, 1, tzinfo=UTC)
        with session_scope(db.factory) as session:
            for model, column in (
                (Conversation, Conversation.updated_at),
                (Lead, Lead.updated_at),
                (User, User.last_seen_at),
            ):
                key = model.user_key if model is not User else User.key  # type: ignore[attr-defined]
                session.execute(update(model).where(key == "tg:old").values({column: long_ago}))
            session.execute(update(FaqMiss).where(FaqMiss.user_key == "tg:old").values(at=long_ago))
            session.execute(update(ProcessedUpdate).values(at=long_ago))
            session.execute(update(DeadLetter).values(at=long_ago))
        with session_scope(db.factory) as session:
            counts = purge_expired(datetime(2021, 1, 1, tzinfo=UTC), session=session)
        assert counts == {
            "lead_events": 0,
            "leads": 1,
            "staff_questions": 0,
            "answers": 1,
            "conversations": 1,
            "faq_misses": 1,
            "dead_letters": 1,
            "processed_updates": 1,
            "users": 1,
        }
        with session_scope(db.factory) as session:
            assert set(session.scalars(select(User.key)).all()) == {"tg:new"}
            assert set(session.scalars(select(Lead.user_key)).all()) == {"tg:new"}
            assert set(session.scalars(select(Conversation.user_key)).all()) == {"tg:new"}
            assert set(session.scalars(select(Answer.chat_key)).all()) == {"tg:new"}

    def test_purge_keeps_twelve_calendar_months_not_372_days(self, db: Backend) -> None:
        now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
        cutoff = months_before(now, 12)
        assert cutoff == datetime(2025, 12, 2, 9, 0, tzinfo=UTC)
        with session_scope(db.factory) as session:
            for user in ("tg:367-days", "tg:364-days"):
                get_or_create_user(user, session=session)
                save_conversation(user, user, {}, 1, None, session=session)
        with session_scope(db.factory) as session:
            for user, days in (("tg:367-days", 367), ("tg:364-days", 364)):
                seen = now - timedelta(days=days)
                session.execute(update(User).where(User.key == user).values(last_seen_at=seen))
                session.execute(
                    update(Conversation).where(Conversation.user_key == user).values(updated_at=seen)
                )
        with session_scope(db.factory) as session:
            counts = purge_expired(cutoff, session=session)
        assert (counts["conversations"], counts["users"]) == (1, 1)
        with session_scope(db.factory) as session:
            assert session.scalars(select(User.key)).all() == ["tg:364-days"]

    # --- text the database refuses ----------------------------------------------------------------

    def test_text_with_nul_characters_is_stored_without_them(self, db: Backend) -> None:
        nul = "\x00"
        with session_scope(db.factory) as session:
            record_faq_miss("tg:1", f"补贴{nul}什么时候到账？", "zh", session=session)
            upsert_lead(
                lead_data("91110302MA01ABCD1X", company=f"北京{nul}亦庄科技", contact_name=f"张{nul}三"),
                session=session,
            )
            save_conversation("tg:1", "tg:1", {"company": f"亦庄{nul}"}, 1, None, session=session)
            record_answer("tg:1", "company", f"亦庄{nul}", session=session)
        with session_scope(db.factory) as session:
            [miss] = list_faq_misses(session=session)
            [lead] = list_leads(session=session)
            stored = load_conversation("tg:1", session=session)
        assert miss.question == "补贴什么时候到账？"
        assert (lead.company, lead.contact_name) == ("北京亦庄科技", "张三")
        # JSON escapes it ("\u0000"), which every database accepts: the value comes back whole.
        assert stored is not None and stored.state == {"company": f"亦庄{nul}"}

    # --- dead letters -----------------------------------------------------------------------------

    def test_dead_letters_are_kept_once_listed_and_marked_replayed(self, db: Backend) -> None:
        update = {"update_id": 2**40, "message": {"text": "坏数据", "chat": {"id": 5}}}
        with session_scope(db.factory) as session:
            assert add_dead_letter(2**40, update, "ValueError", 3, session=session, chat_key="tg:5")
            assert not add_dead_letter(2**40, update, "ValueError", 6, session=session)
            add_dead_letter(8, {"update_id": 8}, "KeyError", 3, session=session)
        with session_scope(db.factory) as session:
            letters = list_dead_letters(session=session)
            assert [letter.payload for letter in letters] == [update, {"update_id": 8}]
            assert (letters[0].error, letters[0].attempts, letters[0].chat_key) == ("ValueError", 3, "tg:5")
            assert stats(session=session).dead_letters == 2
            assert mark_dead_letter_replayed(letters[0].id, session=session)
            assert not mark_dead_letter_replayed(10**6, session=session)
        with session_scope(db.factory) as session:
            assert [letter.update_id for letter in list_dead_letters(session=session)] == [8]
            assert len(list_dead_letters(session=session, include_replayed=True)) == 2
            assert stats(session=session).dead_letters == 1

    # --- Telegram updates -------------------------------------------------------------------------

    def test_processed_update_is_reported_once(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            assert mark_update_processed(2**40, session=session) is True
            assert mark_update_processed(2**40, session=session) is False
            assert mark_update_processed(7, session=session) is True
        with session_scope(db.factory) as session:
            assert mark_update_processed(2**40, session=session) is False

    def test_overlapping_processing_of_one_update_only_one_proceeds(self, db: Backend) -> None:
        first, second = race(
            db,
            lambda s: mark_update_processed(42, session=s),
            lambda s: mark_update_processed(42, session=s),
        )
        assert (first, second) == (True, False)
        outcomes = in_threads(db, lambda s: mark_update_processed(43, session=s))
        assert sorted(outcomes) == [False] * (len(outcomes) - 1) + [True]

    # --- FAQ misses and statistics ----------------------------------------------------------------

    def test_faq_misses_list_newest_open_first(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            first = record_faq_miss("tg:1", "申报截止时间？", "zh", session=session)
            record_faq_miss("tg:2", "Is there an English form?", "en", session=session)
        with session_scope(db.factory) as session:
            assert resolve_faq_miss(first.id, session=session) is True
            assert resolve_faq_miss(10**6, session=session) is False
        with session_scope(db.factory) as session:
            assert [m.question for m in list_faq_misses(session=session)] == ["Is there an English form?"]
            everything = list_faq_misses(session=session, include_resolved=True)
            assert [m.lang for m in everything] == ["en", "zh"]
            assert len(list_faq_misses(session=session, include_resolved=True, limit=1)) == 1

    def test_stats_figures(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            for user in ("tg:1", "tg:2", "console:local"):
                get_or_create_user(user, session=session)
            save_conversation("tg:1", "tg:1", {}, 1, None, session=session, finished=True)
            save_conversation("tg:2", "tg:2", {}, 1, None, session=session)
            report_1 = {
                "measures": [
                    {"number": 27, "amount_yuan": 400000, "status": "eligible"},
                    {"number": 3, "amount_yuan": 2000, "status": "eligible"},
                    {"number": 5, "amount_yuan": 100, "status": "ineligible"},
                ]
            }
            report_2 = {
                "measures": [
                    {"number": 27, "amount_yuan": 100000, "status": "eligible"},
                    {"number": 3, "amount_yuan": None, "status": "needs_info"},
                ]
            }
            upsert_lead(lead_data("91110302MA01ABCD1X", report=report_1, total_yuan=402000), session=session)
            upsert_lead(lead_data("91110302MA01ABCD2Y", report=report_2, total_yuan=100000), session=session)
            miss = record_faq_miss("tg:1", "问题一", "zh", session=session)
            record_faq_miss("tg:2", "问题二", "zh", session=session)
            resolve_faq_miss(miss.id, session=session)

        with session_scope(db.factory) as session:
            figures = stats(session=session)
        assert (figures.users, figures.conversations, figures.finished_screenings) == (3, 2, 1)
        assert figures.leads == 2
        assert figures.money_by_measure == {3: 2000, 27: 500000}
        assert figures.money_total_yuan == 502000
        assert (figures.faq_misses, figures.faq_misses_open) == (2, 1)

    def test_stats_of_an_empty_database(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            figures = stats(session=session)
        assert (figures.users, figures.conversations, figures.leads, figures.money_total_yuan) == (0, 0, 0, 0)
        assert figures.money_by_measure == {}
