"""Storage contract of the staff side (questions, lead follow-up, staff FAQ), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import inspect, select, text

from storage import (
    FaqEntryData,
    Lead,
    StaffQuestion,
    add_faq_entry,
    add_lead_note,
    alembic_config,
    answer_staff_question,
    claim_staff_question,
    close_staff_question,
    create_staff_question,
    delete_user_data,
    desk_stats,
    faq_entries_stamp,
    find_staff_question_by_post,
    get_staff_question,
    last_lead_notes,
    lead_history,
    list_faq_entries,
    list_faq_misses,
    list_leads,
    list_staff_questions,
    migrate,
    record_faq_miss,
    session_scope,
    set_lead_owner,
    set_lead_state,
    set_staff_question_post,
    take_due_reminders,
    update_faq_entry,
    upsert_lead,
)
from tests.storage.conftest import Backend
from tests.storage.test_contract import in_threads, lead_data

CONTEXT = {"zone": "core60", "topics": ["pv"], "answered": 3, "total_yuan": 400000, "lead_id": None}


def ask(db: Backend, user_key: str = "tg:1", question: str = "食堂几点开饭？") -> int:
    """Store a question passed to staff; return its id."""
    with session_scope(db.factory) as session:
        return create_staff_question(user_key, user_key, question, "zh", CONTEXT, session=session).id


class TestStaffQuestions:
    """Questions passed to staff: claimed once, answered, reminded once per period."""

    def test_round_trip_and_post_lookup(self, db: Backend) -> None:
        qid = ask(db)
        with session_scope(db.factory) as session:
            set_staff_question_post(qid, 777, session=session)
        with session_scope(db.factory) as session:
            found = find_staff_question_by_post(777, session=session)
            assert found is not None and found.id == qid
            assert (found.question, found.context, found.status) == ("食堂几点开饭？", CONTEXT, "open")
            assert find_staff_question_by_post(778, session=session) is None

    def test_many_staff_claiming_at_once_exactly_one_wins(self, db: Backend) -> None:
        qid = ask(db)
        staff = iter(range(100, 108))

        def claim(session: object) -> bool:
            return claim_staff_question(qid, next(staff), "someone", session=session)  # type: ignore[arg-type]

        assert sorted(in_threads(db, claim)) == [False] * 7 + [True]
        with session_scope(db.factory) as session:
            question = get_staff_question(qid, session=session)
            assert question is not None and question.status == "claimed" and question.claimed_by is not None

    def test_answer_only_by_the_claimer_and_first_time_kept(self, db: Backend) -> None:
        qid = ask(db)
        with session_scope(db.factory) as session:
            record_faq_miss("tg:1", "食堂几点开饭？", "zh", session=session)
            record_faq_miss("tg:2", "食堂几点开饭？", "zh", session=session)
            assert claim_staff_question(qid, 1, "王芳", session=session)
            assert not claim_staff_question(qid, 2, "李明", session=session)
            assert not answer_staff_question(qid, 2, "李明", "抢答", session=session)
            assert answer_staff_question(qid, 1, "王芳", "11:30", session=session)
        with session_scope(db.factory) as session:
            first = get_staff_question(qid, session=session)
            assert first is not None and first.answered_at is not None
            answered_at = first.answered_at
            assert answer_staff_question(qid, 1, "王芳", "11:30，周末不开", session=session)
        with session_scope(db.factory) as session:
            again = get_staff_question(qid, session=session)
            assert again is not None
            assert (again.status, again.answer, again.answered_name) == (
                "answered",
                "11:30，周末不开",
                "王芳",
            )
            assert again.answered_at == answered_at
            # The user's own FAQ miss of that question is handled; another user's is not.
            assert [m.user_key for m in list_faq_misses(session=session)] == ["tg:2"]

    def test_reminders_are_taken_once_per_period(self, db: Backend) -> None:
        old, new = ask(db), ask(db, question="新问题")
        now = datetime.now(UTC)
        with session_scope(db.factory) as session:
            session.execute(
                StaffQuestion.__table__.update()  # type: ignore[attr-defined]
                .where(StaffQuestion.id == old)
                .values(created_at=now - timedelta(hours=3))
            )
        period = timedelta(hours=2)

        def take(session: object) -> list[int]:
            return take_due_reminders(period, session=session, now=now)  # type: ignore[arg-type]

        outcomes = in_threads(db, take, count=4)
        assert sorted(map(tuple, outcomes)) == [(), (), (), (old,)]
        with session_scope(db.factory) as session:
            assert take_due_reminders(period, session=session, now=now + timedelta(minutes=30)) == []
            # A full period later: the old one again, and the new one now waits long enough too.
            later = now + timedelta(hours=2, seconds=1)
            assert take_due_reminders(period, session=session, now=later) == [old, new]
            close_staff_question(old, "closed", 1, "王芳", session=session)
            assert take_due_reminders(period, session=session, now=later + timedelta(hours=3)) == [new]

    def test_desk_stats(self, db: Backend) -> None:
        ids = [ask(db) for _ in range(4)]
        now = datetime.now(UTC)
        with session_scope(db.factory) as session:
            for qid, minutes in zip(ids[:3], (10, 30, 90), strict=True):
                session.execute(
                    StaffQuestion.__table__.update()  # type: ignore[attr-defined]
                    .where(StaffQuestion.id == qid)
                    .values(
                        created_at=now - timedelta(minutes=minutes),
                        status="answered",
                        answered_at=now,
                    )
                )
        with session_scope(db.factory) as session:
            figures = desk_stats(now - timedelta(hours=1), session=session)
            assert (figures.open, figures.answered_today) == (1, 3)
            assert figures.median_answer_seconds is not None
            assert abs(figures.median_answer_seconds - 30 * 60) < 5
            assert [q.id for q in list_staff_questions(session=session)] == [ids[3]]

    def test_deleting_a_user_blanks_their_questions(self, db: Backend) -> None:
        mine, other = ask(db, "tg:1", "我的手机号13800000000能收到吗"), ask(db, "tg:2", "别人的问题")
        with session_scope(db.factory) as session:
            counts = delete_user_data("tg:1", session=session)
        assert counts["staff_questions"] == 1
        with session_scope(db.factory) as session:
            gone = get_staff_question(mine, session=session)
            kept = get_staff_question(other, session=session)
            assert gone is not None and (gone.status, gone.question, gone.user_key) == ("deleted", "", "")
            assert kept is not None and kept.question == "别人的问题"


class TestLeadFollowUp:
    """A lead's state, owner and notes, with history; /delete removes notes with the lead."""

    def test_states_owner_notes_and_history(self, db: Backend) -> None:
        with session_scope(db.factory) as session:
            lead, _ = upsert_lead(lead_data("91110302MA01ABCD0Y"), session=session)
            other, _ = upsert_lead(lead_data("91110302MA01ABCD1Y", user_key="tg:2"), session=session)
            lead_id, other_id = lead.id, other.id
            assert lead.follow_state == "new" and lead.owner_id is None
        with session_scope(db.factory) as session:
            changed = set_lead_state(lead_id, "contacted", 1, "王芳", session=session)
            assert changed is not None and (changed.follow_state, changed.owner_name) == ("contacted", "王芳")
            add_lead_note(lead_id, "电话已联系，周五上门", 1, "王芳", session=session)
            set_lead_owner(lead_id, 2, "李明", 1, "王芳", session=session)
            set_lead_state(lead_id, "applied", 2, "李明", session=session)
            add_lead_note(lead_id, "材料已递交", 2, "李明", session=session)
            assert set_lead_state(9999, "closed", 1, "王芳", session=session) is None
        with session_scope(db.factory) as session:
            history = [(e.kind, e.value, e.actor_name) for e in lead_history(lead_id, session=session)]
            assert history == [
                ("state", "contacted", "王芳"),
                ("note", "电话已联系，周五上门", "王芳"),
                ("owner", "李明", "王芳"),
                ("state", "applied", "李明"),
                ("note", "材料已递交", "李明"),
            ]
            notes = last_lead_notes([lead_id, other_id], session=session)
            assert set(notes) == {lead_id} and notes[lead_id].value == "材料已递交"
            assert [x.id for x in list_leads(session=session, follow_state="applied")] == [lead_id]
            assert [x.id for x in list_leads(session=session, owner_id=2)] == [lead_id]
            assert [x.id for x in list_leads(session=session, owner_name="李明")] == [lead_id]
            assert list_leads(session=session, owner_name="王芳") == []
            assert [x.id for x in list_leads(session=session, unowned=True)] == [other_id]
            assert list_leads(session=session, follow_state="invalid") == []
        with session_scope(db.factory) as session:
            counts = delete_user_data("tg:1", session=session)
            assert (counts["leads"], counts["lead_events"]) == (1, 5)
        with session_scope(db.factory) as session:
            assert lead_history(lead_id, session=session) == []
            assert [x.id for x in list_leads(session=session)] == [other_id]


class TestStaffFaq:
    """Staff FAQ entries: versioned, switched on and off, with a stamp that moves on every change."""

    def test_entries_versions_and_stamp(self, db: Backend) -> None:
        data = FaqEntryData(
            questions=["食堂几点开饭？"],
            answer_zh="11:30",
            answer_en="11:30",
            cite=["本政策自发布之日起施行"],
            clause="第八章",
        )
        with session_scope(db.factory) as session:
            assert faq_entries_stamp(session=session) == (0, 0)
            entry = add_faq_entry(data, 1, "王芳", session=session, source_question_id=3)
            assert (entry.version, entry.active, entry.author_name) == (1, False, "王芳")
        stamps = []
        with session_scope(db.factory) as session:
            stamps.append(faq_entries_stamp(session=session))
            updated = update_faq_entry(
                entry.id, "李明", session=session, questions=["食堂几点开饭？", "午饭几点"], active=True
            )
            assert updated is not None and updated.version == 2 and updated.updated_by_name == "李明"
            stamps.append(faq_entries_stamp(session=session))
            assert update_faq_entry(999, "李明", session=session, active=True) is None
        with session_scope(db.factory) as session:
            assert [e.questions for e in list_faq_entries(session=session, active_only=True)] == [
                ["食堂几点开饭？", "午饭几点"]
            ]
            update_faq_entry(entry.id, "李明", session=session, active=False)
            stamps.append(faq_entries_stamp(session=session))
            assert list_faq_entries(session=session, active_only=True) == []
        assert stamps == [(1, 1), (1, 2), (1, 3)]


def test_migration_from_the_first_schema_keeps_every_row(backend: Backend) -> None:
    """Upgrade a database holding data at revision 0001 to head: every row and value survives."""
    config = alembic_config()
    with backend.engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.commit()
    now = datetime(2026, 11, 30, 8, 0)
    rows = {
        "users": "INSERT INTO users (key, lang, created_at, last_seen_at) VALUES ('tg:1', 'en', :t, :t)",
        "conversations": (
            "INSERT INTO conversations (chat_key, user_key, state, schema_version, version, finished, "
            "updated_at) VALUES ('tg:1', 'tg:1', '{\"phase\":\"ask\"}', 1, 4, true, :t)"
        ),
        "answers": "INSERT INTO answers (chat_key, fact, value, at) VALUES ('tg:1', 'enterprise.zone', '\"core60\"', :t)",
        "leads": (
            "INSERT INTO leads (credit_code, company, contact_name, phone, consent_at, consent_text_version, "
            "profile, report, measures, total_yuan, campaign, user_key, chat_key, created_at, updated_at) "
            "VALUES ('91110302MA01ABCD0Y', '示例公司', '张三', '13800000000', :t, '2025-06', '{}', "
            "'{\"measures\":[]}', '[27]', 400000, 'expo', 'tg:1', 'tg:1', :t, :t)"
        ),
        "faq_misses": "INSERT INTO faq_misses (user_key, question, lang, at, resolved) VALUES ('tg:1', '食堂？', 'zh', :t, false)",
        "processed_updates": "INSERT INTO processed_updates (update_id, at) VALUES (42, :t)",
    }
    with backend.engine.begin() as connection:
        for statement in rows.values():
            connection.execute(text(statement), {"t": now})
        before = {
            table: [tuple(r) for r in connection.execute(text(f"SELECT * FROM {table}")).all()]
            for table in rows
        }
    migrate(backend.engine)
    with backend.engine.connect() as connection:
        for table, old_rows in before.items():
            columns = [c["name"] for c in inspect(connection).get_columns(table)]
            new_rows = connection.execute(text(f"SELECT * FROM {table}")).mappings().all()
            assert len(new_rows) == len(old_rows) == 1, table
            kept = tuple(new_rows[0][c] for c in columns[: len(old_rows[0])])
            assert kept == old_rows[0], table
    with session_scope(backend.factory) as session:
        [lead] = session.scalars(select(Lead)).all()
        assert (lead.company, lead.total_yuan, lead.follow_state, lead.owner_id) == (
            "示例公司",
            400000,
            "new",
            None,
        )
        assert lead.measures == [27]
