"""The data a dialog step takes and returns: events in, state and replies out."""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Phase(StrEnum):
    """Where a conversation stands; stored by name so the database and logs stay readable."""

    START = "start"
    MENU = "menu"
    ASK = "ask"
    TOPICS = "topics"
    SUMMARY = "summary"
    CHANGE = "change"
    FAQ = "faq"
    LEAD_CONSENT = "lead_consent"
    LEAD_COMPANY = "lead_company"
    LEAD_CREDIT_CODE = "lead_credit_code"
    LEAD_CONTACT = "lead_contact"
    LEAD_PHONE = "lead_phone"
    LEAD_CONFIRM = "lead_confirm"
    DELETE_CONFIRM = "delete_confirm"
    INTAKE_CONFIRM = "intake_confirm"
    OUTSIDE = "outside"


class Event(BaseModel):
    """What the user did: typed text, pressed a button, or sent a command."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["text", "button", "command"]
    text: str = ""
    data: str = ""
    command: str = ""
    args: str = ""
    # Set by the channel for BDA staff: policy answers come as a block ready to copy.
    staff: bool = False

    @classmethod
    def from_text(cls, text: str) -> Event:
        """Build an event from typed text, recognising ``/command args``."""
        stripped = text.strip()
        # NFKC: "／start" and "/start　args" (full-width slash or space) are commands too.
        probe = unicodedata.normalize("NFKC", stripped)
        if probe.startswith("/") and len(probe) > 1 and not probe[1].isspace():
            head, *rest = probe[1:].split(maxsplit=1)
            return cls(
                kind="command",
                command=head.split("@", 1)[0].lower(),
                args="".join(rest).strip(),
                text=stripped,
            )
        return cls(kind="text", text=text)


class Choice(BaseModel):
    """One button: ``id`` is what comes back in a button event (at most 64 bytes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(max_length=64)
    label: str


class Reply(BaseModel):
    """Something for the channel to show or do.

    ``text`` uses one piece of markup only: ``**bold**``. Everything else is literal and the
    channel escapes it. ``kind == "effect"`` is not shown: the channel carries it out
    (store a lead, log a FAQ miss, delete the user's data, tell staff).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["text", "question", "attachment", "effect"]
    text: str = ""
    choices: list[Choice] = []
    multi: bool = False
    selected: list[str] = []
    columns: int = 1
    # A side question (FAQ suggestions, an offer): its buttons keep working while the main
    # question on screen stays the same, so answering it never strands the interview.
    aside: bool = False
    attachment: Literal["report_pdf"] | None = None
    effect: Literal["save_lead", "faq_miss", "delete_data", "notify_staff"] | None = None
    payload: dict[str, Any] = {}


class Asked(BaseModel):
    """One question asked and, if answered, what was given."""

    model_config = ConfigDict(extra="forbid")

    ref: str
    project_id: str | None = None
    answered: bool = False
    value: Any = None
    unknown: bool = False
    skipped: bool = False


class LeadDraft(BaseModel):
    """Contact details being collected."""

    model_config = ConfigDict(extra="forbid")

    consent: bool = False
    company: str | None = None
    credit_code: str | None = None
    contact_name: str | None = None
    phone: str | None = None


class State(BaseModel):
    """The whole of a conversation, serialised to JSON after every step."""

    model_config = ConfigDict(extra="forbid")

    schema_version: int = SCHEMA_VERSION
    phase: Phase = Phase.START
    lang: Literal["zh", "en"] = "zh"
    enterprise: dict[str, Any] = {}
    projects: list[dict[str, Any]] = []
    topics: list[str] = []
    topic_selection: list[str] = []
    history: list[Asked] = []
    current: Asked | None = None
    settled: list[str] = []
    return_phase: Phase | None = None
    lead: LeadDraft = LeadDraft()
    faq_pending: str | None = None
    finished: bool = False
    campaign: str | None = None
    focus_measure: int | None = None
    change_ref: str | None = None
    kind_options: list[str] = []
    excluded_projects: list[str] = []
    # What the first message described (topics, projects, facts), waiting for the user's yes.
    intake: dict[str, Any] | None = None
    # The question behind FAQ suggestions on screen; logged for staff if none is taken.
    faq_suggested: str | None = None
    # Projects added as further batches or items ("再添加一批"): how many of each template.
    batches: dict[str, int] = {}

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form stored in the database."""
        data: dict[str, Any] = self.model_dump(mode="json")
        return data
