"""Contact details for BDA staff, collected only after explicit consent (个人信息保护法)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from dialogs.answers import (
    L,
    evaluate_state,
    profile_of,
)
from dialogs.asking import menu, reask, show_summary
from dialogs.build import button, reply_question, reply_text
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
    text = L(
        state,
        "**留下联系方式前，请先确认：**\n我们会保存：企业名称、统一社会信用代码、联系人姓名、手机号，以及您在这里的回答和测评结果。\n"
        "用途：仅供经开区工作人员就本政策的申报与您联系、跟进。\n保存期限：12个月，或直到您发送 /delete 删除（随时可删）。\n"
        "依据《个人信息保护法》，您可以随时查询、更正或删除这些信息。同意吗？",
        "**Before you leave your contact, please confirm:**\nWe keep: company name, unified social credit code, contact name, mobile number, and your answers and result here.\n"
        "Purpose: only for BDA staff to contact you and follow up on applying under this policy.\nRetention: 12 months, or until you send /delete (at any time).\n"
        "Under China's Personal Information Protection Law you may access, correct or delete them at any time. Do you agree?",
    )
    return [
        reply_question(
            text,
            [
                button(LeadStep("yes"), L(state, "同意", "I agree")),
                button(LeadStep("no"), L(state, "不同意", "I do not agree")),
            ],
        )
    ]


@dataclass(frozen=True)
class _LeadField:
    """One contact detail: how it is asked, cleaned and checked, and what comes after it."""

    name: str
    prompt: tuple[str, str]
    clean: Callable[[str], str]
    valid: Callable[[str], bool]
    error: tuple[str, str]
    after: Phase


_LEAD_FIELDS: dict[Phase, _LeadField] = {
    Phase.LEAD_COMPANY: _LeadField(
        "company",
        ("请输入企业名称：", "Company name:"),
        str.strip,
        lambda v: 2 <= len(v) <= 100,
        ("企业名称应为2–100个字。", "The company name should be 2–100 characters."),
        Phase.LEAD_CREDIT_CODE,
    ),
    Phase.LEAD_CREDIT_CODE: _LeadField(
        "credit_code",
        ("请输入18位统一社会信用代码：", "The 18-character unified social credit code:"),
        normalise_credit_code,
        credit_code_valid,
        (
            "这个统一社会信用代码不对（应为18位，校验位需符合GB 32100-2015），请核对营业执照后重新输入。",
            "That credit code is not valid (18 characters with a GB 32100-2015 check character); please check the business licence.",
        ),
        Phase.LEAD_CONTACT,
    ),
    Phase.LEAD_CONTACT: _LeadField(
        "contact_name",
        ("联系人怎么称呼？", "Contact person's name:"),
        str.strip,
        lambda v: 1 <= len(v) <= 50,
        ("请输入联系人姓名（50字以内）。", "Please give a name (up to 50 characters)."),
        Phase.LEAD_PHONE,
    ),
    Phase.LEAD_PHONE: _LeadField(
        "phone",
        ("联系人手机号：", "Contact's mobile number:"),
        normalise_mobile,
        mobile_valid,
        (
            "手机号应为11位、以1开头，例如13812345678。",
            "A mainland mobile number has 11 digits starting with 1, e.g. 13812345678.",
        ),
        Phase.LEAD_CONFIRM,
    ),
}


def lead_prompt(state: State) -> list[Reply]:
    """Ask for the next contact detail."""
    zh, en = _LEAD_FIELDS[state.phase].prompt
    return [reply_question(L(state, zh, en), [button(Command("cancel"), L(state, "取消", "Cancel"))])]


def lead_text(state: State, text: str, today: dt.date) -> list[Reply]:
    """Take one typed contact detail, check it and ask for the next or the confirmation."""
    step_ = _LEAD_FIELDS[state.phase]
    value = step_.clean(text)
    if not step_.valid(value):
        return [reply_text(L(state, *step_.error)), *lead_prompt(state)]
    setattr(state.lead, step_.name, value)
    state.phase = step_.after
    if state.phase != Phase.LEAD_CONFIRM:
        return lead_prompt(state)
    company, code, name, phone = (
        literal(v or "")
        for v in (state.lead.company, state.lead.credit_code, state.lead.contact_name, state.lead.phone)
    )
    confirm = L(
        state,
        f"请确认：\n企业：{company}\n信用代码：{code}\n联系人：{name}\n手机：{phone}",
        f"Please confirm:\nCompany: {company}\nCredit code: {code}\nContact: {name}\nMobile: {phone}",
    )
    choices = [
        button(LeadStep("ok"), L(state, "确认提交", "Submit")),
        button(LeadStep("edit"), L(state, "重新填写", "Start again")),
        button(Command("cancel"), L(state, "取消", "Cancel")),
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
        profile=profile_of(state).model_dump(mode="json"),
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
        reply_text(
            L(
                state,
                "已提交，工作人员会尽快联系您。想删除这些信息，随时发送 /delete。",
                "Submitted; staff will contact you soon. To delete these details at any time, send /delete.",
            )
        ),
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
    replies = [
        reply_text(L(state, "已取消，没有保存任何联系方式。", "Cancelled; no contact details were kept."))
    ]
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
