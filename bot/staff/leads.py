"""Leads for staff: the lead post, /leads with its filter, and the follow-up (state, owner, notes)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.staff.common import (
    BEIJING,
    LEAD_STATES,
    PostView,
    StaffButton,
    as_typed,
    beijing_time,
    colon,
    json_int,
    lead_state_label,
    measure_title,
)
from bot.staff_words import OWNER_ME, OWNER_NONE
from dialogs.messages import t
from dialogs.render import STATUS_MARK, literal, money


def _project_names(payload: dict[str, Any]) -> dict[str, str]:
    """Map a lead's project ids to the names the user saw (the id is internal)."""
    profile = payload.get("profile") if isinstance(payload.get("profile"), dict) else {}
    projects = profile.get("projects") if isinstance(profile, dict) else None
    names = {}
    for project in projects if isinstance(projects, list) else []:
        if isinstance(project, dict) and project.get("id") and project.get("name"):
            names[str(project["id"])] = str(project["name"])
    return names


def _measure_lines(report: dict[str, Any], lang: str, names: dict[str, str] | None = None) -> list[str]:
    """List a lead report's measures, most money first, each with its project's name."""
    entries = [m for m in report.get("measures") or [] if isinstance(m, dict) and json_int(m.get("number"))]

    def key(entry: dict[str, Any]) -> tuple[int, int]:
        return (-(json_int(entry.get("amount_yuan")) or 0), json_int(entry.get("number")) or 0)

    lines = []
    for entry in sorted(entries, key=key):
        number = json_int(entry.get("number")) or 0
        status = str(entry.get("status", ""))
        amount = json_int(entry.get("amount_yuan"))
        upper = json_int(entry.get("upper_bound_yuan"))
        pending = json_int(entry.get("pending_yuan"))
        steps = "；".join(str(x) for x in entry.get("unlock") or [])
        if status == "eligible" and amount:
            shown = money(amount, lang)
            if pending:
                shown += t("staff.measure_lines.after_pending_steps", lang, pending=money(pending, lang))
        elif status == "pending" and pending:
            shown = t("staff.measure_lines.pending_once_done", lang, pending=money(pending, lang))
        elif upper:
            shown = t("staff.measure_lines.up_confirm", lang, upper=money(upper, lang))
        else:
            shown = t("staff.measure_lines.amount_confirm", lang)
        name = (names or {}).get(str(entry.get("project")), "") if entry.get("project") else ""
        project = f"（{literal(name)}）" if name else ""
        if steps:
            shown += t("staff.measure_lines.steps", lang, steps=steps)
        lines.append(f"{STATUS_MARK.get(status, '•')} {measure_title(number, lang)}{project} — {shown}")
    return lines


def lead_post(payload: dict[str, Any], *, created: bool, lead_id: int, lang: str = "zh") -> str:
    """Write the staff-chat post for a lead: who, how much, which measures, what is still open."""
    report = payload.get("report") if isinstance(payload.get("report"), dict) else {}
    assert isinstance(report, dict)
    head = t("staff.lead_post.new_lead", lang) if created else t("staff.lead_post.lead_updated", lang)
    lines = [
        f"**{head} #{lead_id}**",
        f"{t('staff.lead_post.company', lang)}：{as_typed(payload.get('company'))}",
        f"{t('staff.lead_post.credit_code', lang)}：{as_typed(payload.get('credit_code'))}",
        f"{t('staff.lead_post.contact', lang)}：{as_typed(payload.get('contact_name'))}　{t('staff.lead_post.mobile', lang)}：{as_typed(payload.get('phone'))}",
    ]
    if payload.get("campaign"):
        lines.append(f"{t('staff.lead_post.campaign', lang)}：{as_typed(payload['campaign'])}")
    total = json_int(payload.get("total_yuan")) or 0
    lines.append(f"**{t('staff.lead_post.total_that_can_be', lang)}：{money(total, lang)}**")
    measure_lines = _measure_lines(report, lang, _project_names(payload))
    if measure_lines:
        lines.append("")
        lines.append(f"**{t('staff.lead_post.measures', lang)}**")
        lines.extend(measure_lines)
    questions = [str(q) for q in report.get("open_questions") or [] if str(q).strip()]
    if questions:
        lines.append("")
        lines.append(f"**{t('staff.lead_post.open_questions', lang)}**")
        lines.extend(f"• {q}" for q in questions[:10])
    return "\n".join(lines)


@dataclass(frozen=True)
class LeadFilter:
    """What /leads and /export were asked for."""

    measure: int | None = None
    since: dt.datetime | None = None
    error: str | None = None
    follow_state: str | None = None
    # "me": leads the asking staff member owns; "none": leads nobody owns yet.
    owner: Literal["me", "none"] | None = None
    # "@李明": leads owned by the staff member of that name.
    owner_name: str | None = None


def parse_lead_filter(args: Sequence[str], lang: str = "zh", *, now: dt.datetime | None = None) -> LeadFilter:
    """Read `/leads [measure] [YYYY-MM-DD | Nd]` arguments; anything else is explained, not guessed."""
    measure: int | None = None
    since: dt.datetime | None = None
    follow_state: str | None = None
    owner: Literal["me", "none"] | None = None
    owner_name: str | None = None
    now = now or dt.datetime.now(dt.UTC)
    for raw in args:
        arg = raw.strip().lower()
        if not arg:
            continue
        if state := lead_state_of(arg):
            follow_state = state
        elif arg in OWNER_ME:
            owner = "me"
        elif arg in OWNER_NONE:
            owner = "none"
        elif raw.strip().startswith("@") and len(raw.strip()) > 1:
            owner_name = raw.strip()[1:]
        elif match := re.fullmatch(r"(?:第|m|#)?(\d{1,2})(?:条)?", arg):
            measure = int(match.group(1))
        elif match := re.fullmatch(r"(\d{1,4})d", arg):
            since = now - dt.timedelta(days=int(match.group(1)))
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", arg):
            try:
                day = dt.date.fromisoformat(arg)
            except ValueError:
                return LeadFilter(error=_filter_help(lang))
            since = dt.datetime.combine(day, dt.time(), BEIJING)
        else:
            return LeadFilter(error=_filter_help(lang))
    return LeadFilter(
        measure=measure, since=since, follow_state=follow_state, owner=owner, owner_name=owner_name
    )


def _filter_help(lang: str) -> str:
    """Explain the /leads arguments."""
    return t("staff.filter_help.usage_leads_measure_since", lang)


def leads_text(leads: Sequence[Any], lang: str = "zh", *, flt: LeadFilter | None = None) -> str:
    """List leads for staff, newest first."""
    if not leads:
        return t("staff.leads_text.no_leads_match", lang)
    lines = [f"**{t('staff.leads_text.recent_leads', lang)}**（{len(leads)}）"]
    for lead in leads:
        measures = "、".join(str(n) for n in lead.measures) or "—"
        lines.append("")
        lines.append(f"**#{lead.id} {as_typed(lead.company)}**（{as_typed(lead.credit_code)}）")
        lines.append(
            f"{as_typed(lead.contact_name)} {as_typed(lead.phone)} | {t('staff.leads_text.measures', lang)} {measures} | "
            f"{t('staff.leads_text.total', lang)} {money(lead.total_yuan, lang)}"
        )
        extra = f" | {as_typed(lead.campaign)}" if lead.campaign else ""
        lines.append(f"{beijing_time(lead.created_at)}{extra} | {follow_summary(lead, lang)}")
    return "\n".join(lines)


LEAD_STATE_WORDS = {
    **{t(f"staff.lead_state.{key}", "zh"): key for key in LEAD_STATES},
    **{t(f"staff.lead_state.{key}", "en").lower(): key for key in LEAD_STATES},
    **{key: key for key in LEAD_STATES},
}


def lead_state_of(word: str) -> str | None:
    """Return the follow-up state a word names (新线索, 已联系, contacted…), or None."""
    return LEAD_STATE_WORDS.get(word.strip().lower())


def follow_summary(lead: Any, lang: str) -> str:
    """Return a lead's follow-up state and owner in one short phrase."""
    state = lead_state_label(lead.follow_state, lang)
    owner = as_typed(lead.owner_name) if lead.owner_name else t("staff.follow_summary.unowned", lang)
    return f"{state}（{owner}）" if lang != "en" else f"{state} ({owner})"


def lead_payload(lead: Any) -> dict[str, Any]:
    """Return a stored lead in the shape lead_post takes (the dialogs' save_lead payload)."""
    return {
        "company": lead.company,
        "credit_code": lead.credit_code,
        "contact_name": lead.contact_name,
        "phone": lead.phone,
        "campaign": lead.campaign,
        "total_yuan": lead.total_yuan,
        "report": lead.report if isinstance(lead.report, dict) else {},
        "profile": lead.profile if isinstance(lead.profile, dict) else {},
    }


def _event_line(event: Any, lang: str) -> str:
    """Write one follow-up change: when, who, what."""
    if event.kind == "state":
        what = t("staff.event_line.state", lang) + lead_state_label(event.value, lang)
    elif event.kind == "owner":
        what = t("staff.event_line.owner", lang) + (
            as_typed(event.value) or t("staff.event_line.nobody", lang)
        )
    else:
        what = t("staff.event_line.note", lang) + as_typed(event.value)
    return f"{beijing_time(event.at)} {as_typed(event.actor_name)} {what}"


def lead_view(
    lead: Any,
    lang: str = "zh",
    *,
    created: bool = True,
    history: Sequence[Any] = (),
    full: bool = False,
) -> PostView:
    """Write a lead's staff post (or its /lead card when `full`) with the follow-up buttons."""
    text = lead_post(lead_payload(lead), created=created, lead_id=lead.id, lang=lang)
    if full:
        for head in (t("staff.lead_view.new_lead", lang), t("staff.lead_view.lead_updated", lang)):
            text = text.replace(head, t("staff.lead_view.lead", lang), 1)
    lines = [
        text,
        "",
        f"**{t('staff.lead_view.follow_up', lang)}**{colon(lang)}{follow_summary(lead, lang)}",
    ]
    shown = list(history) if full else [e for e in history if e.kind == "note"][-1:]
    lines.extend(_event_line(event, lang) for event in shown[-15:])
    lines.append(t("staff.lead_view.add_note_lead_note", lang, id=lead.id))
    states = [
        (lead_state_label(key, lang), StaffButton("lead", key, lead.id))
        for key in LEAD_STATES
        if key not in ("new", lead.follow_state)
    ]
    mine = [(t("staff.lead_view.i_ll_follow_up", lang), StaffButton("lead", "mine", lead.id))]
    return PostView("\n".join(lines), [states, mine])


def lead_usage(lang: str) -> str:
    """Explain /lead."""
    return t("staff.lead_usage.usage_lead_n_show", lang)
