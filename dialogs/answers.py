"""What the user has told us: facts in the state, settled questions, and the profile they make."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from dialogs.messages import t
from dialogs.render import money, tx
from dialogs.topics import KIND_FACTS, TEMPLATE_BY_ID, base_template, batch_number, batch_unit
from dialogs.types import Asked, State
from rules import engine as rules_engine
from rules.facts import FLEET_INCONSISTENT_ZH, Enterprise, Profile, Project, ProjectFacts
from rules.loader import load_catalog
from rules.report import Report


def L(state: State, zh: str, en: str) -> str:
    """Pick the user's language."""
    return en if state.lang == "en" else zh


def profile_of(state: State, lang: str | None = None) -> Profile:
    """Build the rulebook profile from what the user has answered, projects named in a language.

    The stored name is Chinese (staff read it); the report, detail and PDF name a project in the
    language they are shown in, the user's unless another is given.
    """
    named = state if lang in (None, state.lang) else state.model_copy(update={"lang": lang})
    return Profile(
        enterprise=Enterprise.model_validate(state.enterprise),
        projects=[Project.model_validate({**p, "name": _shown_name(named, p)}) for p in state.projects],
    )


def _shown_name(state: State, project: dict[str, Any]) -> Any:
    """Return a project's name in the state's language, or the name stored with it."""
    pid = project.get("id")
    if isinstance(pid, str) and base_template(pid) is not None:
        return project_name(state, pid)
    return project.get("name")


def evaluate_state(state: State, today: dt.date) -> Report:
    """Evaluate the answers so far."""
    return rules_engine.evaluate(profile_of(state), today)


def fact_key(ref: str, project_id: str | None) -> str:
    """Key a fact of a project (or of the enterprise) in the list of settled questions."""
    return f"{project_id or ''}|{ref}"


def get_fact(state: State, ref: str, project_id: str | None) -> Any:
    """Return what the user answered for a fact, or None."""
    scope, _, name = ref.partition(".")
    if scope == "enterprise":
        return state.enterprise.get(name)
    for p in state.projects:
        if p["id"] == project_id:
            return p.get("facts", {}).get(name)
    return None


def set_fact(state: State, ref: str, project_id: str | None, value: Any) -> str | None:
    """Store an answer; return an error message key when the fact model refuses it."""
    scope, _, name = ref.partition(".")
    if scope == "enterprise":
        trial = {**state.enterprise, name: value}
        try:
            Enterprise.model_validate(trial)
        except ValidationError:
            return "range"
        state.enterprise = {k: v for k, v in trial.items() if v is not None}
        return None
    for p in state.projects:
        if p["id"] == project_id:
            facts = {**p.get("facts", {}), name: value}
            try:
                ProjectFacts.model_validate(facts)
            except ValidationError as exc:
                # 第19条: more new-energy vehicles than the fleet contradicts an earlier answer.
                return "fleet" if FLEET_INCONSISTENT_ZH in str(exc) else "range"
            p["facts"] = {k: v for k, v in facts.items() if v is not None}
            return None
    return "range"


def project_name(state: State, project_id: str | None) -> str:
    """Name a project the way the user chose it, in the user's language."""
    if project_id is None:
        return ""
    tpl = TEMPLATE_BY_ID.get(project_id) or base_template(project_id)
    if tpl is None:
        return project_id
    name = tpl.name(state.lang)
    number = batch_number(project_id)
    if number > 1:
        unit = batch_unit(tpl.id, state.lang)
        return t("interview.answers.batch_name", state.lang, name=name, number=number, unit=unit)
    return name


def show_value(state: State, ref: str, value: Any) -> str:
    """Write an answer back in the user's words and units."""
    info = load_catalog().get(ref)
    if value is None:
        return t("interview.answers.show_value.1", state.lang)
    if info is None:
        return str(value)
    if info.unit == "bool":
        return (
            t("interview.answers.show_value.2", state.lang)
            if value
            else t("interview.answers.show_value.3", state.lang)
        )
    if info.options and str(value) in info.options:
        return tx(info.options[str(value)], state.lang)
    if info.unit == "yuan":
        return money(int(value) if float(value).is_integer() else value, state.lang)
    if info.unit == "ratio":
        return f"{float(value) * 100:g}%"
    # A count has no unit word; the others read interview.unit.<unit> ("千瓦", "kW").
    unit = t(f"interview.unit.{info.unit}", state.lang) if info.unit in _UNITS else ""
    return f"{value:g}{unit}" if isinstance(value, float) else f"{value}{unit}"


_UNITS = frozenset({"kw", "kwh", "m2", "ha", "months"})


def is_settled(state: State, ref: str, project_id: str | None) -> bool:
    """Say whether a question was answered, skipped or left unknown."""
    return fact_key(ref, project_id) in state.settled


def settle(state: State, ref: str, project_id: str | None) -> None:
    """Mark a question as answered, skipped or left unknown, so it is not asked again."""
    key = fact_key(ref, project_id)
    if key not in state.settled:
        state.settled.append(key)


def open_kinds(state: State) -> list[str]:
    """Return the kinds of entity not answered yet."""
    return [r for r in KIND_FACTS if state.enterprise.get(r.split(".", 1)[1]) is None]


def kind_options(state: State) -> list[str]:
    # Offer only the kinds that can still change a result; on a second look, all of them.
    """Return the kinds of entity the kinds question offers."""
    return [r for r in state.kind_options if r in KIND_FACTS] or list(KIND_FACTS)


def record(state: State, asked: Asked, value: Any, *, unknown: bool = False, skipped: bool = False) -> None:
    """Remember an answer in the history (for back and change) and settle its question."""
    done = asked.model_copy(
        update={"answered": not (unknown or skipped), "value": value, "unknown": unknown, "skipped": skipped}
    )
    state.history = [
        h for h in state.history if not (h.ref == asked.ref and h.project_id == asked.project_id)
    ]
    state.history.append(done)
    settle(state, asked.ref, asked.project_id)
    state.current = None
