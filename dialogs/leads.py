"""Contact details for BDA staff, collected only after explicit consent (个人信息保护法)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from dialogs.answers import (
    evaluate_state,
    profile_of,
)
from dialogs.asking import menu, reask, show_summary
from dialogs.build import button, reply_question, reply_text
from dialogs.messages import t
from dialogs.protocol import Command, LeadStep
from dialogs.render import fact_label, literal
from dialogs.types import LeadDraft, Phase, Reply, SaveLead, State
from dialogs.validate import credit_code_valid, mobile_valid, normalise_credit_code, normalise_mobile

CONSENT_VERSION = "2026-11-v1"


def lead_start(state: State) -> list[Reply]:
    """Explain what is kept, why and how long, and ask for consent."""
    state.return_phase = (
        state.phase if state.phase in (Phase.SUMMARY, Phase.ASK, Phase.TOPICS, Phase.MENU) else Phase.MENU
    )
    state.phase = Phase.LEAD_CONSENT
    text = t("interview.leads.lead_start.1", state.lang)
    return [
        reply_question(
            text,
            [
                button(LeadStep("yes"), t("interview.leads.lead_start.2", state.lang)),
                button(LeadStep("no"), t("interview.leads.lead_start.3", state.lang)),
            ],
        )
    ]


@dataclass(frozen=True)
class _LeadField:
    """One contact detail: how it is asked, cleaned and checked, and what comes after it."""

    name: str
    prompt: str  # a catalogue key
    clean: Callable[[str], str]
    valid: Callable[[str], bool]
    error: str  # a catalogue key
    after: Phase


_LEAD_FIELDS: dict[Phase, _LeadField] = {
    Phase.LEAD_COMPANY: _LeadField(
        "company",
        "interview.lead.company.prompt",
        str.strip,
        lambda v: 2 <= len(v) <= 100,
        "interview.lead.company.error",
        Phase.LEAD_CREDIT_CODE,
    ),
    Phase.LEAD_CREDIT_CODE: _LeadField(
        "credit_code",
        "interview.lead.credit_code.prompt",
        normalise_credit_code,
        credit_code_valid,
        "interview.lead.credit_code.error",
        Phase.LEAD_CONTACT,
    ),
    Phase.LEAD_CONTACT: _LeadField(
        "contact_name",
        "interview.lead.contact_name.prompt",
        str.strip,
        lambda v: 1 <= len(v) <= 50,
        "interview.lead.contact_name.error",
        Phase.LEAD_PHONE,
    ),
    Phase.LEAD_PHONE: _LeadField(
        "phone",
        "interview.lead.phone.prompt",
        normalise_mobile,
        mobile_valid,
        "interview.lead.phone.error",
        Phase.LEAD_CONFIRM,
    ),
}


def lead_prompt(state: State) -> list[Reply]:
    """Ask for the next contact detail."""
    return [
        reply_question(
            t(_LEAD_FIELDS[state.phase].prompt, state.lang),
            [button(Command("cancel"), t("interview.leads.lead_prompt.1", state.lang))],
        )
    ]


def lead_text(state: State, text: str, today: dt.date) -> list[Reply]:
    """Take one typed contact detail, check it and ask for the next or the confirmation."""
    step_ = _LEAD_FIELDS[state.phase]
    value = step_.clean(text)
    if not step_.valid(value):
        return [reply_text(t(step_.error, state.lang)), *lead_prompt(state)]
    setattr(state.lead, step_.name, value)
    state.phase = step_.after
    if state.phase != Phase.LEAD_CONFIRM:
        return lead_prompt(state)
    company, code, name, phone = (
        literal(v or "")
        for v in (state.lead.company, state.lead.credit_code, state.lead.contact_name, state.lead.phone)
    )
    confirm = t("interview.leads.lead_text.1", state.lang, company=company, code=code, name=name, phone=phone)
    choices = [
        button(LeadStep("ok"), t("interview.leads.lead_text.2", state.lang)),
        button(LeadStep("edit"), t("interview.leads.lead_text.3", state.lang)),
        button(Command("cancel"), t("interview.leads.lead_text.4", state.lang)),
    ]
    return [reply_question(confirm, choices)]


def lead_submit(state: State, today: dt.date) -> list[Reply]:
    """Hand the lead to the channel to store and tell staff, then return where the user was."""
    lead = state.lead
    report = evaluate_state(state, today)
    counted = [
        r for r in report.measures if not r.no_project and r.status in ("eligible", "pending", "needs_info")
    ]
    effect = SaveLead(
        company=lead.company or "",
        credit_code=lead.credit_code or "",
        contact_name=lead.contact_name or "",
        phone=lead.phone or "",
        consent_at=today,
        consent_text_version=CONSENT_VERSION,
        profile=profile_of(state, "zh").model_dump(mode="json"),
        report={
            "on": report.on.isoformat(),
            "total_yuan": report.total_yuan,
            "total_after_pending_yuan": report.total_after_pending_yuan,
            "measures": [
                {
                    "number": r.number,
                    "project": r.project_id,
                    "status": r.status,
                    "amount_yuan": r.amount_yuan if r.counted else 0,
                    "upper_bound_yuan": r.upper_bound_yuan,
                    # Convention 11: worth once the pending steps are taken, and those steps.
                    "pending_yuan": r.pending_yuan,
                    "unlock": [f"{u.step.zh}（{u.clause}）" for u in r.unlock],
                }
                for r in counted
            ],
            "open_questions": [fact_label(m.ref, "zh") for m in report.missing[:10]],
        },
        measures=sorted({r.number for r in counted}),
        total_yuan=report.total_yuan,
        campaign=state.campaign,
    )
    back = state.return_phase or Phase.MENU
    state.lead = LeadDraft()
    state.return_phase = None
    replies: list[Reply] = [
        effect,
        reply_text(t("interview.leads.lead_submit.1", state.lang)),
    ]
    if back == Phase.SUMMARY:
        return replies + show_summary(state, report)
    if back in (Phase.ASK, Phase.TOPICS):
        state.phase = back
        return replies + reask(state)
    return replies + menu(state)


def lead_cancel(state: State, today: dt.date) -> list[Reply]:
    """Drop the contact details collected so far and return where the user was."""
    back = state.return_phase or Phase.MENU
    state.lead = LeadDraft()
    state.return_phase = None
    replies = [reply_text(t("interview.leads.lead_cancel.1", state.lang))]
    if back == Phase.SUMMARY:
        return replies + show_summary(state, evaluate_state(state, today))
    if back in (Phase.ASK, Phase.TOPICS):
        state.phase = back
        return replies + reask(state)
    return replies + menu(state)


def lead_press(state: State, action: LeadStep, today: dt.date) -> list[Reply] | None:
    """Act on a button of the contact steps; None when it does not belong to the step on screen."""
    if action.key == "yes" and state.phase == Phase.LEAD_CONSENT:
        state.lead = LeadDraft(consent=True)
        state.phase = Phase.LEAD_COMPANY
        return lead_prompt(state)
    if action.key == "no" and state.phase == Phase.LEAD_CONSENT:
        return lead_cancel(state, today)
    if action.key == "ok" and state.phase == Phase.LEAD_CONFIRM:
        return lead_submit(state, today)
    if action.key == "edit" and state.phase == Phase.LEAD_CONFIRM:
        state.lead = LeadDraft(consent=True)
        state.phase = Phase.LEAD_COMPANY
        return lead_prompt(state)
    return None
