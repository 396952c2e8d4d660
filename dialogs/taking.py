"""Taking an answer: a pressed option or typed text becomes facts in the state."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dialogs import parse
from dialogs.answers import L, kind_options, record, set_fact, settle
from dialogs.asking import ask, ask_kinds_again, ask_sub, ask_topics, echo
from dialogs.build import reply_text
from dialogs.faqflow import not_understood
from dialogs.flow import (
    EXCLUSION_FACTS,
    add_batch,
    advance,
    after_answer,
    apply_topics,
    choose_projects,
    drop_batches_after,
    toggle,
)
from dialogs.messages import t
from dialogs.protocol import Action, Answer, Done, PickKind, PickProject, PickTopic
from dialogs.refs import Pseudo, sub_ref, sub_topic
from dialogs.topics import BASIC_FACTS, TOPIC_BY_ID, TOPIC_WORDS, TOPICS
from dialogs.types import Asked, Event, Reply, State
from rules.facts import FLEET_INCONSISTENT_EN, FLEET_INCONSISTENT_ZH
from rules.loader import FactInfo, load_catalog


def _typed(event: Event) -> str | None:
    """Return the typed text of an event (None for a press), for a FAQ question in an answer."""
    return event.text if event.kind == "text" else None


def take_answer(state: State, event: Event, action: Action | None, today: dt.date) -> list[Reply]:
    """Take the answer to the current question."""
    asked = state.current
    assert asked is not None
    if asked.ref in (Pseudo.BASIC, Pseudo.EXCLUSIONS):
        return take_compound(state, asked, event, action, today)
    if asked.ref == Pseudo.KINDS:
        return take_kinds(state, event, action, today)
    if asked.ref == Pseudo.MORE:
        return take_more(state, asked, event, action, today)
    if (tid := sub_topic(asked.ref)) is not None:
        return take_sub(state, tid, event, action, today)
    info = load_catalog()[asked.ref]
    if action is None and parse.is_unknown(event.text):
        return mark_unknown(state, today)
    value = _answer_value(state, asked, info, event, action)
    if isinstance(value, parse.Unknown):
        return mark_unknown(state, today)
    if isinstance(value, parse.ParseError):
        return not_understood(state, _typed(event), event.staff, L(state, value.message_zh, value.message_en))
    if info.options and str(value) not in info.options:
        return not_understood(
            state, _typed(event), event.staff, t("interview.taking.take_answer.1", state.lang)
        )
    if (error := set_fact(state, asked.ref, asked.project_id, value)) is not None:
        return [
            reply_text(
                L(state, FLEET_INCONSISTENT_ZH, FLEET_INCONSISTENT_EN)
                if error == "fleet"
                else t("interview.taking.take_answer.2", state.lang)
            ),
            *ask(state, asked),
        ]
    record(state, asked, value)
    if action is None:
        # Say back what was read, with its unit, so a misread is seen at once.
        return [echo(state, asked.ref, value), *after_answer(state, today)]
    return after_answer(state, today)


def _answer_value(state: State, asked: Asked, info: FactInfo, event: Event, action: Action | None) -> Any:
    """Turn a press or typed text into a value for a fact, or a ParseError."""
    if action is not None:
        data = action.value if isinstance(action, Answer) else action.pack()
        if info.unit == "bool":
            return data == "yes"
        return data
    text = event.text.strip()
    if info.unit == "bool":
        return parse.parse_bool(text, question=info.ask.zh)
    if info.options:
        first_en = state.lang == "en"
        options = [
            (
                k,
                [
                    *((v.en, v.zh) if first_en else (v.zh, v.en)),
                    k,
                    *CHOICE_WORDS.get(asked.ref, {}).get(k, ()),
                ],
            )
            for k, v in info.options.items()
        ]
        choice = parse.parse_choice(text, options)
        if isinstance(choice, parse.ParseError) and choice.kind != "ambiguous":
            return _fuzzy_choice(text, info) or choice
        return choice
    number = parse.parse_number(text, info.unit)
    if isinstance(number, float) and info.unit == "count":
        return int(number)
    return number


# Words enterprises use for some options (matched with the labels, negation understood).
CHOICE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "enterprise.zone": {
        "core60": (
            "60平方公里",
            "60平方千米",
            "六十平方公里",
            "60km",
            "核心区",
            "赋权",
            "新扩区域",
            "经开区内",
            "开发区内",
        ),
        "newtown225": ("225平方公里", "225平方千米", "225km", "亦庄新城", "新城"),
        "outside": ("新城以外", "新城外", "不在亦庄", "外地", "区外", "以外"),
    },
    "project.pv_role": {
        "self_invested": ("自己投资", "自投", "自建", "自己建", "自有资金", "自己出钱"),
        "third_party_investor": ("我们是投资方", "投资方", "帮别人建", "在别人屋顶"),
        "site_owner": ("业主", "屋顶出租", "别人投资", "第三方投资在我们", "提供屋顶", "场地方"),
    },
    "project.new_energy_type": {
        "bev": ("纯电", "电动", "电车", "充电"),
        "fcev": ("氢", "燃料电池"),
        "other": ("混动", "插混", "增程", "天然气", "lng", "cng"),
    },
}


def _fuzzy_choice(text: str, info: FactInfo) -> str | None:
    """Pick the option a typed answer resembles clearly more than any other."""
    from rapidfuzz import fuzz

    assert info.options is not None
    scored = sorted(
        (
            (max(fuzz.partial_ratio(text, v.zh), fuzz.partial_ratio(text.lower(), v.en.lower())), k)
            for k, v in info.options.items()
        ),
        reverse=True,
    )
    if scored and scored[0][0] >= 75 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 15):
        return scored[0][1]
    return None


def mark_unknown(state: State, today: dt.date) -> list[Reply]:
    """Leave the current question unknown and go on."""
    asked = state.current
    assert asked is not None
    if asked.ref == Pseudo.BASIC:
        for ref in BASIC_FACTS:
            settle(state, ref, None)
    elif asked.ref == Pseudo.EXCLUSIONS:
        for p in state.projects:
            for ref in EXCLUSION_FACTS:
                settle(state, ref, p["id"])
    elif asked.ref == Pseudo.KINDS:
        for ref in kind_options(state):
            settle(state, ref, None)
    else:
        set_fact(state, asked.ref, asked.project_id, None)
    record(state, asked, None, unknown=True)
    return advance(state, today)


def take_compound(
    state: State, asked: Asked, event: Event, action: Action | None, today: dt.date
) -> list[Reply]:
    """Take the answer to a combined yes/no question (basic conditions or exclusions)."""
    if action is not None:
        answer: Any = {"none": False, "some": True}.get(action.value) if isinstance(action, Answer) else None
    else:
        text = event.text.strip()
        if re.fullmatch(r"(都)?(没有|没|无|不属于|都不属于|都不是|否|no|none)", text, re.IGNORECASE):
            answer = False
        else:
            answer = parse.parse_bool(text)
    if isinstance(answer, parse.Unknown):
        return mark_unknown(state, today)
    if answer is None or isinstance(answer, parse.ParseError):
        return not_understood(
            state,
            _typed(event),
            event.staff,
            t("interview.taking.take_compound.1", state.lang),
        )
    if asked.ref == Pseudo.BASIC:
        for ref in BASIC_FACTS:
            set_fact(state, ref, None, False if answer is False else None)
    else:
        for p in state.projects:
            for ref in EXCLUSION_FACTS:
                set_fact(state, ref, p["id"], False if answer is False else None)
    record(state, asked, answer)
    return advance(state, today)


def take_kinds(state: State, event: Event, action: Action | None, today: dt.date) -> list[Reply]:
    """Take a toggle or the final answer of the kinds-of-entity question."""
    options = kind_options(state)
    names = [r.split(".", 1)[1] for r in options]
    if isinstance(action, PickKind):
        toggle(state, action.kind, names)
        return ask_kinds_again(state)
    if isinstance(action, Done):
        chosen = set(state.topic_selection)
    else:
        catalog = load_catalog()
        choice_opts = [
            (
                n,
                [
                    *in_lang_first(
                        state, catalog[f"enterprise.{n}"].label.zh, catalog[f"enterprise.{n}"].label.en
                    ),
                    n,
                ],
            )
            for n in names
        ]
        if re.fullmatch(
            r"(都不是|不是|都没有|没有|无|都不属于|不属于|none|以上都不是)", event.text.strip(), re.IGNORECASE
        ):
            chosen = set()
        else:
            parsed = parse.parse_multi_choice(event.text, choice_opts)
            if isinstance(parsed, parse.Unknown):
                return mark_unknown(state, today)
            if isinstance(parsed, parse.ParseError):
                return not_understood(
                    state, _typed(event), event.staff, L(state, parsed.message_zh, parsed.message_en)
                )
            chosen = set(parsed)
    for n in names:
        set_fact(state, f"enterprise.{n}", None, n in chosen)
    state.topic_selection = []
    record(state, Asked(ref=Pseudo.KINDS), sorted(chosen))
    return advance(state, today)


def take_more(state: State, asked: Asked, event: Event, action: Action | None, today: dt.date) -> list[Reply]:
    """Take the answer to whether another batch or item follows."""
    if action is not None:
        more: Any = isinstance(action, Answer) and action.value == "yes"
    elif re.search(r"(再|还|另)[有加添].{0,3}[批项个]|添加|再加", event.text) and not re.search(
        r"没|不", event.text
    ):
        more = True
    else:
        more = parse.parse_bool(event.text)
    if isinstance(more, parse.Unknown):
        return mark_unknown(state, today)
    if not isinstance(more, bool):
        return not_understood(
            state,
            _typed(event),
            event.staff,
            t("interview.taking.take_more.1", state.lang),
        )
    assert asked.project_id is not None
    if more:
        if not any(p["id"] == asked.project_id for p in state.projects):
            return advance(state, today)
        add_batch(state, asked.project_id)
    else:
        drop_batches_after(state, asked.project_id)
    record(state, asked, more)
    return advance(state, today)


def take_sub(state: State, tid: str, event: Event, action: Action | None, today: dt.date) -> list[Reply]:
    """Take the answer to which of a topic's kinds of project apply."""
    topic = TOPIC_BY_ID[tid]
    ids = [p.id for p in topic.projects]
    if isinstance(action, PickProject):
        toggle(state, action.project, ids)
        return ask_sub(state, tid, list(state.topic_selection))
    if isinstance(action, Done):
        chosen = [x for x in state.topic_selection if x in ids]
    else:
        options = [(p.id, in_lang_first(state, p.zh, p.en)) for p in topic.projects]
        parsed = parse.parse_multi_choice(event.text, options)
        if isinstance(parsed, parse.Unknown):
            chosen = ids
        elif isinstance(parsed, parse.ParseError):
            return not_understood(
                state, _typed(event), event.staff, L(state, parsed.message_zh, parsed.message_en)
            )
        else:
            chosen = list(parsed)
    if not chosen:
        return [
            reply_text(t("interview.taking.take_sub.1", state.lang)),
            *ask_sub(state, tid, []),
        ]
    choose_projects(state, tid, chosen)
    state.topic_selection = []
    record(state, Asked(ref=sub_ref(tid)), chosen)
    return advance(state, today)


def in_lang_first(state: State, zh: str, en: str) -> list[str]:
    """Order an option's two labels with the user's language first (a re-ask's examples use the first)."""
    return [en, zh] if state.lang == "en" else [zh, en]


def take_topics(state: State, event: Event, action: Action | None, today: dt.date) -> list[Reply]:
    """Take a toggle or the final answer of the topics question."""
    if isinstance(action, PickTopic):
        toggle(state, action.topic, TOPIC_BY_ID)
        return ask_topics(state)
    if isinstance(action, Done):
        chosen = list(state.topic_selection)
        if not chosen:
            return [
                reply_text(t("interview.taking.take_topics.4", state.lang)),
                *ask_topics(state),
            ]
    else:
        options = [(t.id, [*in_lang_first(state, t.zh, t.en), *TOPIC_WORDS.get(t.id, ())]) for t in TOPICS]
        parsed = parse.parse_multi_choice(event.text, options)
        if isinstance(parsed, (parse.Unknown, parse.ParseError)) or not parsed:
            return not_understood(
                state,
                _typed(event),
                event.staff,
                t("interview.taking.take_topics.1", state.lang),
            )
        chosen = list(parsed)
    apply_topics(state, chosen)
    state.topic_selection = []
    record(state, Asked(ref=Pseudo.TOPICS), chosen)
    if action is None:
        # Say back the topics read from typed words ("锅炉改造，还有绿色工厂").
        names = t("interview.taking.take_topics.2", state.lang).join(
            TOPIC_BY_ID[t].name(state.lang) for t in state.topics
        )
        return [
            reply_text(t("interview.taking.take_topics.3", state.lang, names=names)),
            *advance(state, today),
        ]
    return advance(state, today)
