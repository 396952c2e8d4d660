"""Leads: created or refreshed from a screening, and their follow-up by staff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, func, select, type_coerce, update
from sqlalchemy.orm import Session

from storage.models import Lead, LeadEvent, utcnow
from storage.sql import dialect_insert_for


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
        dialect_insert_for(session, Lead)
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
