"""The data a dialog step takes and returns: events in, state and replies out."""

from __future__ import annotations

import datetime as dt
import unicodedata
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, ValidationError

from rules.facts import Profile
from rules.report import Report

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
    """One button: ``id`` is what comes back in a button event (at most 64 bytes, see protocol.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(max_length=64)
    label: str


class TextReply(BaseModel):
    """A message to show. ``text`` uses one piece of markup only: ``**bold**``; the rest is literal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["text"] = "text"
    text: str


class QuestionReply(BaseModel):
    """A message with buttons (``choices``); a multi-select shows ``selected`` ticked."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["question"] = "question"
    text: str = ""
    choices: list[Choice] = []
    multi: bool = False
    selected: list[str] = []
    columns: int = 1
    # A side question (FAQ suggestions, an offer): its buttons keep working while the main
    # question on screen stays the same, so answering it never strands the interview.
    aside: bool = False


class ReportPayload(BaseModel):
    """What the forwardable report is made from: the report itself, the profile it read, the language.

    The channel renders the PDF from these objects as they are (no JSON on the way); only a reply
    stored in the outbox is written as JSON and validated back.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    report: Report
    profile: Profile
    lang: Literal["zh", "en"] = "zh"


class AttachmentReply(BaseModel):
    """A file for the channel to render and send (the PDF report)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["attachment"] = "attachment"
    attachment: Literal["report_pdf"] = "report_pdf"
    payload: ReportPayload


class SaveLead(BaseModel):
    """Store the contact details given with consent (and tell staff)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["effect"] = "effect"
    effect: Literal["save_lead"] = "save_lead"
    company: str
    credit_code: str
    contact_name: str
    phone: str
    consent_at: dt.date
    consent_text_version: str
    profile: dict[str, Any]
    report: dict[str, Any]
    measures: list[int]
    total_yuan: int
    campaign: str | None = None


class FaqMiss(BaseModel):
    """Log a question the FAQ could not answer (or whose suggestions were passed over)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["effect"] = "effect"
    effect: Literal["faq_miss"] = "faq_miss"
    question: str
    lang: Literal["zh", "en"] = "zh"
    suggested: bool = False


class DeleteData(BaseModel):
    """Erase everything kept about the user."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["effect"] = "effect"
    effect: Literal["delete_data"] = "delete_data"


class NotifyStaff(BaseModel):
    """Pass a question the FAQ could not answer to staff."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["effect"] = "effect"
    effect: Literal["notify_staff"] = "notify_staff"
    question: str


Effect = SaveLead | FaqMiss | DeleteData | NotifyStaff
EFFECTS: tuple[type[BaseModel], ...] = (SaveLead, FaqMiss, DeleteData, NotifyStaff)


def _reply_tag(value: Any) -> str:
    """Return the union member a reply is: its kind, or for an effect the effect's name."""
    get = value.get if isinstance(value, dict) else lambda k, d=None: getattr(value, k, d)
    kind = str(get("kind", ""))
    return str(get("effect", "")) if kind == "effect" else kind


Reply = Annotated[
    Annotated[TextReply, Tag("text")]
    | Annotated[QuestionReply, Tag("question")]
    | Annotated[AttachmentReply, Tag("attachment")]
    | Annotated[SaveLead, Tag("save_lead")]
    | Annotated[FaqMiss, Tag("faq_miss")]
    | Annotated[DeleteData, Tag("delete_data")]
    | Annotated[NotifyStaff, Tag("notify_staff")],
    Discriminator(_reply_tag),
]
"""Something for the channel to show (text, question, attachment) or do (an effect)."""

_REPLY: TypeAdapter[Reply] = TypeAdapter(Reply)
_SHOWN: dict[str, type[BaseModel]] = {
    "text": TextReply,
    "question": QuestionReply,
    "attachment": AttachmentReply,
}


def reply_from_json(raw: Any) -> Reply:
    """Read a stored reply; forms stored before the typed union (one class, empty fields) still load."""
    if isinstance(raw, dict) and raw.get("kind") in _SHOWN:
        fields = _SHOWN[str(raw["kind"])].model_fields
        raw = {k: v for k, v in raw.items() if k in fields}
    return _REPLY.validate_python(raw)


def is_effect(reply: Reply) -> bool:
    """Tell whether a reply is something to do rather than to show."""
    return reply.kind == "effect"


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


def new_state(lang: str = "zh") -> State:
    """Return the state of a conversation that has not begun."""
    return State(lang="en" if lang == "en" else "zh")


def load_state(data: dict[str, Any] | None) -> State:
    """Rebuild a stored state, upgrading older schema versions; an unreadable one starts afresh."""
    if not data:
        return new_state()
    version = data.get("schema_version", 0)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        return new_state(str(data.get("lang", "zh")))
    # Keys starting with "_" belong to the channel that stored the state, not to the dialog.
    own = {k: v for k, v in data.items() if not k.startswith("_")}
    try:
        return State.model_validate({**own, "schema_version": SCHEMA_VERSION})
    except ValidationError:
        return new_state(str(data.get("lang", "zh")))
