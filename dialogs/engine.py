"""The guided interview: ``step(state, event) -> (state, replies)``, pure and channel-free."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container
from typing import Any

from pydantic import ValidationError

from dialogs import intake, parse
from dialogs.answers import (
    L,
    evaluate_state,
    fact_key,
    get_fact,
    is_settled,
    kind_options,
    profile_of,
    project_name,
    record,
    set_fact,
    settle,
    show_value,
)
from dialogs.asking import (
    ask,
    ask_kinds_again,
    ask_sub,
    ask_topics,
    ask_zone,
    echo,
    help_replies,
    menu,
    next_steps,
    outside_stop,
    reask,
    reply_question,
    reply_text,
    show_summary,
)
from dialogs.leads import (
    _lead_prompt,
    lead_cancel,
    lead_start,
    lead_submit,
    lead_text,
)
from dialogs.render import detail_replies, fact_label
from dialogs.topics import (
    BASIC_FACTS,
    BATCH_MARK,
    KIND_FACTS,
    REPEATABLE,
    TEMPLATE_BY_ID,
    TEMPLATE_FACTS,
    TOPIC_BY_ID,
    TOPIC_WORDS,
    TOPICS,
    base_template,
    batch_number,
    topic_for_measure,
)
from dialogs.types import SCHEMA_VERSION, Asked, Choice, Event, LeadDraft, Phase, Reply, State
from rules.facts import FLEET_INCONSISTENT_EN, FLEET_INCONSISTENT_ZH
from rules.loader import FactInfo, latest_rulebook, load_catalog
from rules.report import report_to_json

MAX_TEXT = 2000

EXCLUSION_FACTS = ("project.three_simultaneous", "project.gov_funded")

# Asked after the other facts of a purchase: what was already received comes last.
LATE_FACTS = frozenset({"project.higher_subsidy_yuan"})

_ALIASES: dict[str, str] = {
    "返回": "back",
    "上一步": "back",
    "上一题": "back",
    "back": "back",
    "跳过": "skip",
    "skip": "skip",
    "结果": "summary",
    "总结": "summary",
    "查看结果": "summary",
    "汇总": "summary",
    "summary": "summary",
    "修改": "change",
    "修改答案": "change",
    "改答案": "change",
    "change": "change",
    "重新开始": "restart",
    "重来": "restart",
    "restart": "restart",
    "english": "lang_en",
    "英文": "lang_en",
    "中文": "lang_zh",
    "chinese": "lang_zh",
    "取消": "cancel",
    "cancel": "cancel",
    "帮助": "help",
    "help": "help",
    "菜单": "menu",
    "menu": "menu",
    "留下联系方式": "contact",
    "联系工作人员": "contact",
    "联系方式": "contact",
    "contact": "contact",
    "删除我的数据": "delete",
    "删除数据": "delete",
    "开始": "screen",
    "开始测评": "screen",
    "测评": "screen",
    "测一测": "screen",
    "测一测能拿多少奖励": "screen",
    "问问题": "ask",
    "问一个政策问题": "ask",
    "提问": "ask",
    "报告": "pdf",
    "pdf": "pdf",
    "下载报告": "pdf",
}

_COMMANDS = {
    "start",
    "help",
    "back",
    "skip",
    "unknown",
    "summary",
    "change",
    "restart",
    "lang",
    "cancel",
    "contact",
    "delete",
    "pdf",
    "menu",
    "detail",
    "screen",
    "ask",
}


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


def _take_sub(state: State, tid: str, event: Event, today: dt.date) -> list[Reply]:
    """Take the answer to which of a topic's kinds of project apply."""
    topic = TOPIC_BY_ID[tid]
    ids = [p.id for p in topic.projects]
    if event.kind == "button" and event.data.startswith("s:"):
        _toggle(state, event.data[2:], ids)
        return ask_sub(state, tid, list(state.topic_selection))
    if event.kind == "button" and event.data == "done":
        chosen = [x for x in state.topic_selection if x in ids]
    else:
        options = [(p.id, [p.zh, p.en]) for p in topic.projects]
        parsed = parse.parse_multi_choice(event.text, options)
        if isinstance(parsed, parse.Unknown):
            chosen = ids
        elif isinstance(parsed, parse.ParseError):
            return _not_understood(state, event, L(state, parsed.message_zh, parsed.message_en))
        else:
            chosen = list(parsed)
    if not chosen:
        return [
            reply_text(
                L(
                    state,
                    "请至少选一项；都没有的话，点“上一步”改选话题。",
                    "Choose at least one; if none applies, go back and change the topics.",
                )
            ),
            *ask_sub(state, tid, []),
        ]
    state.excluded_projects = [x for x in state.excluded_projects if x not in ids] + [
        x for x in ids if x not in chosen
    ]
    _apply_topics(state, state.topics)
    state.topic_selection = []
    record(state, Asked(ref=f"@sub:{tid}"), chosen)
    return _advance(state, today)


def _advance(state: State, today: dt.date) -> list[Reply]:
    """Ask the most valuable open question, or show the result when nothing can change it."""
    if state.enterprise.get("zone") == "outside":
        # 七(一): nothing applies outside Yizhuang New Town, so nothing more is worth asking.
        return outside_stop(state)
    if state.enterprise.get("zone") is None and not is_settled(state, "enterprise.zone", None):
        return ask_zone(state)
    if not state.topics and not is_settled(state, "@topics", None):
        return ask_topics(state)
    for tid in state.topics:
        topic = TOPIC_BY_ID[tid]
        if len(topic.projects) > 1 and not is_settled(state, f"@sub:{tid}", None):
            return ask_sub(state, tid)
    report = evaluate_state(state, today)
    # Counts and prices before the subsidy already received: the way a purchase is told.
    for mf in sorted(report.missing, key=lambda m: m.ref in LATE_FACTS):
        if is_settled(state, mf.ref, mf.project_id):
            continue
        if mf.ref in BASIC_FACTS:
            if not is_settled(state, "@basic", None):
                return ask(state, Asked(ref="@basic"))
        elif (
            mf.ref in EXCLUSION_FACTS
            and len(state.projects) > 0
            and not is_settled(state, "@exclusions", None)
        ):
            return ask(state, Asked(ref="@exclusions"))
        elif mf.ref in KIND_FACTS and not is_settled(state, "@kinds", None):
            open_refs = {m.ref for m in report.missing if not is_settled(state, m.ref, None)}
            state.kind_options = [r for r in KIND_FACTS if r in open_refs]
            if len(state.kind_options) > 1:
                return ask(state, Asked(ref="@kinds"))
        return ask(state, Asked(ref=mf.ref, project_id=mf.project_id))
    for p in state.projects:
        tpl = base_template(p["id"])
        if tpl is not None and tpl.id in REPEATABLE and not is_settled(state, "@more", p["id"]):
            return ask(state, Asked(ref="@more", project_id=p["id"]))
    return show_summary(state, report)


# ---------------------------------------------------------------- answers


def _answer_value(state: State, asked: Asked, info: FactInfo, event: Event) -> Any:
    """Turn an event into a value for a fact, or a ParseError."""
    if event.kind == "button":
        data = event.data[2:] if event.data.startswith("a:") else event.data
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
                    *_CHOICE_WORDS.get(asked.ref, {}).get(k, ()),
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
_CHOICE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
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


def _answer_ids(asked: Asked) -> set[str]:
    """Return the answer buttons the current question offers."""
    if asked.ref in ("@basic", "@exclusions"):
        return {"a:none", "a:some"}
    if asked.ref == "@more":
        return {"a:yes", "a:no"}
    info = load_catalog().get(asked.ref)
    if info is None:
        return set()
    if info.unit == "bool":
        return {"a:yes", "a:no"}
    return {f"a:{k}" for k in info.options or {}}


def _take_answer(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take the answer to the current question."""
    asked = state.current
    assert asked is not None
    if asked.ref in ("@basic", "@exclusions"):
        return _take_compound(state, asked, event, today)
    if asked.ref == "@kinds":
        return _take_kinds(state, event, today)
    if asked.ref == "@more":
        return _take_more(state, asked, event, today)
    if asked.ref.startswith("@sub:"):
        return _take_sub(state, asked.ref[5:], event, today)
    info = load_catalog()[asked.ref]
    if event.kind == "text" and parse.is_unknown(event.text):
        return _mark_unknown(state, today)
    value = _answer_value(state, asked, info, event)
    if isinstance(value, parse.Unknown):
        return _mark_unknown(state, today)
    if isinstance(value, parse.ParseError):
        return _not_understood(state, event, L(state, value.message_zh, value.message_en))
    if info.options and str(value) not in info.options:
        return _not_understood(state, event, L(state, "请选择一个选项。", "Please pick one of the options."))
    if (error := set_fact(state, asked.ref, asked.project_id, value)) is not None:
        return [
            reply_text(
                L(state, FLEET_INCONSISTENT_ZH, FLEET_INCONSISTENT_EN)
                if error == "fleet"
                else L(
                    state,
                    "这个数值超出了合理范围，请再核对一下。",
                    "That value is out of range; please check it.",
                )
            ),
            *ask(state, asked),
        ]
    record(state, asked, value)
    if event.kind == "text":
        # Say back what was read, with its unit, so a misread is seen at once.
        return [echo(state, asked.ref, value), *_after_answer(state, today)]
    return _after_answer(state, today)


def _after_answer(state: State, today: dt.date) -> list[Reply]:
    """Go on after an answer: the next question or the result."""
    if state.return_phase == Phase.SUMMARY:
        state.return_phase = None
    return _advance(state, today)


def _not_understood(state: State, event: Event, message: str) -> list[Reply]:
    """Answer a typed question if it is one; otherwise say why and ask again."""
    if event.kind == "text":
        faq = _faq_if_question(state, event.text, event.staff)
        if faq:
            return faq + reask(state)
    return [reply_text(message), *reask(state)]


def _mark_unknown(state: State, today: dt.date) -> list[Reply]:
    """Leave the current question unknown and go on."""
    asked = state.current
    assert asked is not None
    if asked.ref == "@basic":
        for ref in BASIC_FACTS:
            settle(state, ref, None)
    elif asked.ref == "@exclusions":
        for p in state.projects:
            for ref in EXCLUSION_FACTS:
                settle(state, ref, p["id"])
    elif asked.ref == "@kinds":
        for ref in kind_options(state):
            settle(state, ref, None)
    else:
        set_fact(state, asked.ref, asked.project_id, None)
    record(state, asked, None, unknown=True)
    return _advance(state, today)


def _take_compound(state: State, asked: Asked, event: Event, today: dt.date) -> list[Reply]:
    """Take the answer to a combined yes/no question (basic conditions or exclusions)."""
    if event.kind == "button":
        answer: Any = {"a:none": False, "a:some": True}.get(event.data)
    else:
        text = event.text.strip()
        if re.fullmatch(r"(都)?(没有|没|无|不属于|都不属于|都不是|否|no|none)", text, re.IGNORECASE):
            answer = False
        else:
            answer = parse.parse_bool(text)
    if isinstance(answer, parse.Unknown):
        return _mark_unknown(state, today)
    if answer is None or isinstance(answer, parse.ParseError):
        return _not_understood(
            state, event, L(state, "请回答“都没有”或“有”。", 'Please answer "none" or "yes".')
        )
    if asked.ref == "@basic":
        for ref in BASIC_FACTS:
            set_fact(state, ref, None, False if answer is False else None)
    else:
        for p in state.projects:
            for ref in EXCLUSION_FACTS:
                set_fact(state, ref, p["id"], False if answer is False else None)
    record(state, asked, answer)
    return _advance(state, today)


def _take_kinds(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take a toggle or the final answer of the kinds-of-entity question."""
    options = kind_options(state)
    names = [r.split(".", 1)[1] for r in options]
    if event.kind == "button" and event.data.startswith("k:"):
        _toggle(state, event.data[2:], names)
        return ask_kinds_again(state)
    if event.kind == "button" and event.data == "done":
        chosen = set(state.topic_selection)
    else:
        catalog = load_catalog()
        choice_opts = [
            (n, [catalog[f"enterprise.{n}"].label.zh, catalog[f"enterprise.{n}"].label.en, n]) for n in names
        ]
        if re.fullmatch(
            r"(都不是|不是|都没有|没有|无|都不属于|不属于|none|以上都不是)", event.text.strip(), re.IGNORECASE
        ):
            chosen = set()
        else:
            parsed = parse.parse_multi_choice(event.text, choice_opts)
            if isinstance(parsed, parse.Unknown):
                return _mark_unknown(state, today)
            if isinstance(parsed, parse.ParseError):
                return _not_understood(state, event, L(state, parsed.message_zh, parsed.message_en))
            chosen = set(parsed)
    for n in names:
        set_fact(state, f"enterprise.{n}", None, n in chosen)
    state.topic_selection = []
    record(state, Asked(ref="@kinds"), sorted(chosen))
    return _advance(state, today)


def _toggle(state: State, item: str, allowed: Container[str]) -> None:
    """Flip one option of the multi-select being answered."""
    if item in allowed:
        sel = state.topic_selection
        state.topic_selection = [s for s in sel if s != item] if item in sel else [*sel, item]


def _apply_topics(state: State, topics: list[str]) -> None:
    """Create the projects for the chosen topics, keeping facts already given."""
    state.topics = [t for t in topics if t in TOPIC_BY_ID]
    wanted = [p for t in state.topics for p in TOPIC_BY_ID[t].projects if p.id not in state.excluded_projects]
    existing = {p["id"]: p for p in state.projects}
    kept = {p.id for p in wanted}
    state.projects = [
        existing.get(p.id)
        or {
            "id": p.id,
            "name": p.zh,
            "measures": list(p.measures),
            "facts": dict(TEMPLATE_FACTS.get(p.id, {})),
        }
        for p in wanted
    ] + [p for p in state.projects if BATCH_MARK in p["id"] and p["id"].split(BATCH_MARK, 1)[0] in kept]
    settle(state, "@topics", None)


def _add_batch(state: State, project_id: str) -> None:
    """Add a further batch or item of a project ("再添加一批"), entered on its own."""
    tpl = base_template(project_id)
    assert tpl is not None
    same = [p for p in state.projects if base_template(p["id"]) == tpl]
    number = max(batch_number(p["id"]) for p in same) + 1
    new_id = f"{tpl.id}{BATCH_MARK}{number}"
    source = next((p for p in state.projects if p["id"] == project_id), None)
    facts = dict(TEMPLATE_FACTS.get(tpl.id, {}))
    if source is not None:
        # The exclusions of 七(二)5 were answered for the enterprise's projects together.
        facts |= {k: v for k, v in source.get("facts", {}).items() if f"project.{k}" in EXCLUSION_FACTS}
        for ref in EXCLUSION_FACTS:
            if is_settled(state, ref, project_id):
                settle(state, ref, new_id)
    name = project_name(state.model_copy(update={"lang": "zh"}), new_id)
    state.projects.append({"id": new_id, "name": name, "measures": list(tpl.measures), "facts": facts})


def _drop_batches_after(state: State, project_id: str) -> None:
    """Remove the batches added after this one (the user said there are no more)."""
    tpl = base_template(project_id)
    number = batch_number(project_id)
    gone = {
        p["id"] for p in state.projects if base_template(p["id"]) == tpl and batch_number(p["id"]) > number
    }
    if not gone:
        return
    state.projects = [p for p in state.projects if p["id"] not in gone]
    state.history = [h for h in state.history if h.project_id not in gone]
    state.settled = [s for s in state.settled if s.split("|", 1)[0] not in gone]


def _take_more(state: State, asked: Asked, event: Event, today: dt.date) -> list[Reply]:
    """Take the answer to whether another batch or item follows."""
    if event.kind == "button":
        more: Any = event.data == "a:yes"
    elif re.search(r"(再|还|另)[有加添].{0,3}[批项个]|添加|再加", event.text) and not re.search(
        r"没|不", event.text
    ):
        more = True
    else:
        more = parse.parse_bool(event.text)
    if isinstance(more, parse.Unknown):
        return _mark_unknown(state, today)
    if not isinstance(more, bool):
        return _not_understood(
            state, event, L(state, "请点“再添加”或“没有了”。", 'Please tap "Add another" or "No more".')
        )
    assert asked.project_id is not None
    if more:
        if not any(p["id"] == asked.project_id for p in state.projects):
            return _advance(state, today)
        _add_batch(state, asked.project_id)
    else:
        _drop_batches_after(state, asked.project_id)
    record(state, asked, more)
    return _advance(state, today)


def _take_topics(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Take a toggle or the final answer of the topics question."""
    if event.kind == "button" and event.data.startswith("t:"):
        _toggle(state, event.data[2:], TOPIC_BY_ID)
        return ask_topics(state)
    if event.kind == "button" and event.data == "done":
        chosen = list(state.topic_selection)
        if not chosen:
            return [
                reply_text(
                    L(
                        state,
                        "请至少选择一项，或直接输入，例如“光伏”。",
                        'Choose at least one, or type e.g. "solar".',
                    )
                ),
                *ask_topics(state),
            ]
    else:
        options = [(t.id, [t.zh, t.en, *TOPIC_WORDS.get(t.id, ())]) for t in TOPICS]
        parsed = parse.parse_multi_choice(event.text, options)
        if isinstance(parsed, (parse.Unknown, parse.ParseError)) or not parsed:
            return _not_understood(
                state,
                event,
                L(
                    state,
                    "没看懂，请点选，或输入如“光伏、车辆”。",
                    'I did not get that; tap the options or type e.g. "solar, vehicles".',
                ),
            )
        chosen = list(parsed)
    _apply_topics(state, chosen)
    state.topic_selection = []
    record(state, Asked(ref="@topics"), chosen)
    if event.kind == "text":
        # Say back the topics read from typed words ("锅炉改造，还有绿色工厂").
        names = L(state, "、", ", ").join(
            (TOPIC_BY_ID[t].en if state.lang == "en" else TOPIC_BY_ID[t].zh) for t in state.topics
        )
        return [reply_text(L(state, f"记下了：{names}", f"Noted: {names}")), *_advance(state, today)]
    return _advance(state, today)


# ---------------------------------------------------------------- FAQ


def _faq_if_question(state: State, text: str, staff: bool = False) -> list[Reply]:
    """Answer text that reads as a question; nothing otherwise."""
    from dialogs import faq

    if not faq.looks_like_question(text):
        return []
    return _faq_answer(state, text, staff)


def _faq_answer(state: State, text: str, staff: bool = False) -> list[Reply]:
    """Answer a policy question, suggest up to three, or log it as a miss."""
    from dialogs import faq

    match = faq.load_faq().match(text, state.lang)
    if match.outcome == "answer" and match.entry is not None:
        return [reply_text(faq.format_answer(match.entry, state.lang, staff=staff))]
    if match.outcome == "suggest" and match.suggestions:
        choices = [
            Choice(id=f"faq:{e.id}"[:64], label=_faq_label(e.questions, state.lang))
            for e in match.suggestions[:3]
        ]
        state.faq_suggested = text[:500]
        return [reply_question(L(state, "您是想问：", "Did you mean:"), choices, aside=True)]
    state.faq_pending = text[:500]
    return [
        Reply(kind="effect", effect="faq_miss", payload={"question": text[:500], "lang": state.lang}),
        reply_question(
            L(
                state,
                "这个问题我还答不上来，已记录下来供工作人员补充。要把问题转给工作人员吗？",
                "I cannot answer that yet; it has been logged for staff. Shall I pass it to a staff member?",
            ),
            [
                Choice(id="faq:staff", label=L(state, "转给工作人员", "Pass to staff")),
                Choice(id="faq:no", label=L(state, "不用了", "No thanks")),
            ],
            aside=True,
        ),
    ]


def _faq_label(questions: tuple[str, ...], lang: str) -> str:
    """Pick a stored phrasing in the user's language for a suggestion button."""
    if lang == "en":
        english = [q for q in questions if not re.search(r"[\u4e00-\u9fff]", q)]
        if english:
            return english[0][:60]
    return questions[0][:60]


def _faq_button(state: State, data: str, today: dt.date) -> list[Reply]:
    """Act on a FAQ suggestion or the offer to pass a question to staff."""
    from dialogs import faq

    key = data[4:]
    if key == "staff":
        question = state.faq_pending
        state.faq_pending = None
        if not question:
            return [
                reply_text(
                    L(
                        state,
                        "这个问题已经转给工作人员了。",
                        "That question has already been passed to staff.",
                    )
                ),
                *_resume(state, today),
            ]
        return [
            Reply(
                kind="effect", effect="notify_staff", payload={"text": f"用户提问（FAQ未命中）：{question}"}
            ),
            reply_text(
                L(
                    state,
                    "已转给工作人员。如需工作人员联系您，请留下联系方式（/contact）。",
                    "Passed to staff. To be contacted, leave your details (/contact).",
                )
            ),
            *_resume(state, today),
        ]
    if key == "no":
        state.faq_pending = None
        return [
            reply_text(
                L(
                    state,
                    "好的，不转给工作人员。您可以换个说法再问一次。",
                    "All right, it stays with us. You can ask again in other words.",
                )
            ),
            *(_resume(state, today) or next_steps(state)),
        ]
    try:
        entry = faq.load_faq().get(key)
    except KeyError:
        return [
            reply_text(L(state, "这条解答已经没有了。", "That answer is no longer available.")),
            *_resume(state, today),
        ]
    return [reply_text(faq.format_answer(entry, state.lang)), *_resume(state, today)]


def _resume(state: State, today: dt.date) -> list[Reply]:
    """Return to the question the user was on, if any."""
    if state.phase in (Phase.ASK, Phase.TOPICS):
        return reask(state)
    return []


# ---------------------------------------------------------------- the first message


def _first_message(state: State, text: str, today: dt.date) -> list[Reply]:
    """Start the screening from a request or a description; nothing if the text is neither."""
    read = intake.read_description(text)
    if read is not None and not state.topics:
        state.intake = read.to_json()
        state.phase = Phase.INTAKE_CONFIRM
        return _intake_question(state)
    if intake.wants_screening(text):
        state.intake = None
        return [
            reply_text(L(state, "好的，我们开始测评。", "All right, let us begin the screening.")),
            *_advance(state, today),
        ]
    return []


def _intake_question(state: State) -> list[Reply]:
    """Show what a description was read as, for the user to confirm."""
    read = intake.Intake.from_json(state.intake or {})
    sep = L(state, "、", ", ")
    lines = [
        L(state, "**我从您的描述里读到：**", "**From your description I understood:**"),
        L(state, "• 做了或打算做：", "• Done or planned: ")
        + sep.join((TOPIC_BY_ID[t].en if state.lang == "en" else TOPIC_BY_ID[t].zh) for t in read.topics),
    ]
    for tid, pids in read.projects.items():
        if len(TOPIC_BY_ID[tid].projects) > 1:
            lines.append(
                L(state, "• 具体是：", "• Namely: ") + sep.join(project_name(state, pid) for pid in pids)
            )
    for ref, _pid, value in read.facts:
        lines.append(f"• {fact_label(ref, state.lang)}{L(state, '：', ': ')}{show_value(state, ref, value)}")
    lines.append(
        L(
            state,
            "对的话，这些就不再问您了；不对的话，您可以自己选。",
            "If this is right, you will not be asked these again; if not, you can choose yourself.",
        )
    )
    choices = [
        Choice(id="intake:ok", label=L(state, "✔ 对，就这样", "✔ Yes, that is right")),
        Choice(id="intake:no", label=L(state, "✏️ 不对，我自己选", "✏️ No, I will choose")),
    ]
    return [reply_question("\n".join(lines), choices)]


def _intake_answer(state: State, confirmed: bool, today: dt.date) -> list[Reply]:
    """Take the description's answers as given, or drop them and ask as usual."""
    read = intake.Intake.from_json(state.intake or {})
    state.intake = None
    if not confirmed or not read.topics:
        return [
            reply_text(L(state, "好的，我们一步一步来。", "All right, step by step.")),
            *_advance(state, today),
        ]
    _apply_topics(state, read.topics)
    record(state, Asked(ref="@topics"), list(state.topics))
    for tid, pids in read.projects.items():
        topic = TOPIC_BY_ID[tid]
        if len(topic.projects) < 2:
            continue
        ids = [p.id for p in topic.projects]
        state.excluded_projects = [x for x in state.excluded_projects if x not in ids] + [
            x for x in ids if x not in pids
        ]
        _apply_topics(state, state.topics)
        record(state, Asked(ref=f"@sub:{tid}"), list(pids))
    for ref, pid, value in read.facts:
        if set_fact(state, ref, pid, value) is None:
            record(state, Asked(ref=ref, project_id=pid), value)
    return [reply_text(L(state, "好的，已记下。", "Noted.")), *_advance(state, today)]


def _change_zone(state: State) -> list[Reply]:
    """Ask the zone again, for a user who chose "outside" by mistake."""
    key = fact_key("enterprise.zone", None)
    state.settled = [s for s in state.settled if s != key]
    state.enterprise = {k: v for k, v in state.enterprise.items() if k != "zone"}
    return ask_zone(state)


# ---------------------------------------------------------------- change


def _change_list(state: State) -> list[Reply]:
    """List every answer given so the user can pick one to change."""
    answered = [h for h in state.history]
    if not answered:
        return [
            reply_text(L(state, "还没有回答过任何问题。", "You have not answered anything yet.")),
            *menu(state),
        ]
    state.phase = Phase.CHANGE
    lines = [L(state, "**您的回答**（点选要修改的一项）", "**Your answers** (tap one to change it)")]
    choices = []
    for i, h in enumerate(answered):
        label = _asked_label(state, h)
        value = _asked_value(state, h)
        lines.append(f"{i + 1}. {label}：{value}")
        choices.append(Choice(id=f"chg:{i}", label=f"{i + 1}. {label}"[:60]))
    choices.append(Choice(id="cmd:summary", label=L(state, "返回结果", "Back to the result")))
    return [reply_question("\n".join(lines), choices)]


def _asked_label(state: State, h: Asked) -> str:
    """Name an answered question in the change list."""
    special = {
        "enterprise.zone": L(state, "经营区域", "Zone"),
        "@topics": L(state, "做了哪些事", "Topics"),
        "@basic": L(state, "近三年不良记录", "Record of the last three years"),
        "@exclusions": L(state, "三同时/财政资金项目", "Three-simultaneities / government-funded"),
        "@kinds": L(state, "单位类型", "Kind of entity"),
    }
    if h.ref in special:
        return special[h.ref]
    if h.ref == "@more":
        return L(
            state,
            f"【{project_name(state, h.project_id)}】再添加",
            f"[{project_name(state, h.project_id)}] another",
        )
    if h.ref.startswith("@sub:") and h.ref[5:] in TOPIC_BY_ID:
        topic = TOPIC_BY_ID[h.ref[5:]]
        return topic.en if state.lang == "en" else topic.zh
    label = fact_label(h.ref, state.lang)
    return f"【{project_name(state, h.project_id)}】{label}" if h.project_id else label


def _asked_value(state: State, h: Asked) -> str:
    """Show the answer given to a question in the change list."""
    if h.unknown or h.skipped:
        return L(state, "不知道/跳过", "unknown/skipped")
    if h.ref == "@topics":
        return L(state, "、", ", ").join(
            (TOPIC_BY_ID[t].en if state.lang == "en" else TOPIC_BY_ID[t].zh)
            for t in state.topics
            if t in TOPIC_BY_ID
        )
    if h.ref in ("@basic", "@exclusions"):
        return L(state, "有", "yes") if h.value else L(state, "都没有", "none")
    if h.ref == "@more":
        return L(state, "再添加", "add another") if h.value else L(state, "没有了", "no more")
    if h.ref.startswith("@sub:"):
        return L(state, "、", ", ").join(project_name(state, pid) for pid in (h.value or []))
    if h.ref == "@kinds":
        names = [fact_label(f"enterprise.{n}", state.lang) for n in (h.value or [])]
        return L(state, "、", ", ").join(names) or L(state, "都不是", "none")
    return show_value(state, h.ref, get_fact(state, h.ref, h.project_id))


def _change_pick(state: State, index: int, today: dt.date) -> list[Reply]:
    """Ask one answered question again; the result is re-evaluated after it."""
    if not 0 <= index < len(state.history):
        return _change_list(state)
    asked = state.history[index]
    state.return_phase = Phase.SUMMARY
    key = fact_key(asked.ref, asked.project_id)
    state.settled = [s for s in state.settled if s != key]
    if asked.ref == "@topics":
        state.topic_selection = list(state.topics)
        return ask_topics(state)
    if asked.ref == "@kinds":
        return ask_kinds_again(state)
    if asked.ref.startswith("@sub:"):
        tid = asked.ref[5:]
        return ask_sub(
            state, tid, [p.id for p in TOPIC_BY_ID[tid].projects if p.id not in state.excluded_projects]
        )
    return ask(state, Asked(ref=asked.ref, project_id=asked.project_id))


# ---------------------------------------------------------------- commands


def _start(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Start afresh, honouring a well-formed deep link (a measure or a campaign)."""
    lang = state.lang
    fresh = new_state(lang)
    payload = args.strip()[:64]
    if m := re.fullmatch(r"c_([A-Za-z0-9_-]{1,32})", payload):
        fresh.campaign = m.group(1)
    if m := re.fullmatch(r"m(\d{1,2})", payload):
        number = int(m.group(1))
        topic = topic_for_measure(number)
        book = latest_rulebook()
        if number in book.measures:
            fresh.focus_measure = number
            replies = detail_replies(evaluate_state(fresh, today), number, fresh.lang, buttons=False)
            if topic is not None:
                _apply_topics(fresh, [topic.id])
                fresh.history.append(Asked(ref="@topics", answered=True, value=[topic.id]))
                return fresh, replies + _advance(fresh, today)
            return fresh, replies + menu(fresh)
    return fresh, menu(fresh)


def _command(state: State, name: str, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    """Carry out a command, typed or pressed."""
    if name == "start":
        return _start(state, args, today)
    if name in ("menu",):
        return state, menu(state)
    if name == "help":
        return state, help_replies(state) + reask(state)
    if name == "restart":
        fresh = new_state(state.lang)
        fresh.campaign = state.campaign
        return fresh, [reply_text(L(state, "已重新开始。", "Started over.")), *_advance(fresh, today)]
    if name in ("lang", "lang_en", "lang_zh"):
        target = (
            "en"
            if name == "lang_en"
            else "zh"
            if name == "lang_zh"
            else (args.strip().lower()[:2] if args.strip() else ("en" if state.lang == "zh" else "zh"))
        )
        state.lang = "en" if target == "en" else "zh"
        note = reply_text(L(state, "已切换为中文。", "Switched to English."))
        if state.phase in (Phase.ASK, Phase.TOPICS):
            return state, [note, *reask(state)]
        if state.phase == Phase.SUMMARY:
            return state, [note, *show_summary(state, evaluate_state(state, today))]
        return state, [note, *menu(state)]
    if name == "cancel":
        if state.phase.value.startswith("lead_"):
            return state, lead_cancel(state, today)
        if state.phase == Phase.DELETE_CONFIRM:
            state.phase = state.return_phase or Phase.MENU
            state.return_phase = None
            return state, [reply_text(L(state, "已取消。", "Cancelled.")), *(reask(state) or menu(state))]
        return state, [reply_text(L(state, "已取消。", "Cancelled.")), *menu(state)]
    if name == "contact":
        return state, lead_start(state)
    if name == "delete":
        state.return_phase = state.phase
        state.phase = Phase.DELETE_CONFIRM
        return state, [
            reply_question(
                L(
                    state,
                    "确定删除您在这里的全部个人数据（回答、测评结果、联系方式）吗？删除后无法恢复。",
                    "Delete all your personal data here (answers, results, contact details)? This cannot be undone.",
                ),
                [
                    Choice(id="del:yes", label=L(state, "确定删除", "Delete")),
                    Choice(id="del:no", label=L(state, "取消", "Cancel")),
                ],
            )
        ]
    if name in ("summary",):
        if state.enterprise.get("zone") == "outside":
            return state, outside_stop(state)
        if not state.topics and state.enterprise.get("zone") is None:
            return state, [
                reply_text(L(state, "还没有开始测评。", "No screening yet.")),
                *_advance(state, today),
            ]
        return state, show_summary(state, evaluate_state(state, today))
    if name == "pdf":
        report = evaluate_state(state, today)
        return state, [
            Reply(
                kind="attachment",
                attachment="report_pdf",
                payload={
                    "report": report_to_json(report),
                    "profile": profile_of(state).model_dump(mode="json"),
                    "lang": state.lang,
                },
            ),
        ]
    if name == "change":
        return state, _change_list(state)
    if name == "detail":
        m = re.fullmatch(r"\s*(\d{1,2})\s*(?::([^:\s]*))?(?::more|\s*(全部|all|more))?\s*", args)
        if not m:
            return state, [
                reply_text(L(state, "请写明条号，例如 /detail 27", "Give a number, e.g. /detail 27"))
            ]
        report = evaluate_state(state, today)
        return state, detail_replies(
            report,
            int(m.group(1)),
            state.lang,
            m.group(2) or None,
            more=m.group(0).rstrip().endswith(("more", "全部", "all")),
            buttons=state.phase == Phase.SUMMARY,
            profile=profile_of(state),
        )
    if name in ("screen",):
        return state, _advance(state, today)
    if name == "ask":
        state.phase = Phase.FAQ
        return state, [
            reply_text(
                L(
                    state,
                    "请直接输入您的问题，例如“光伏怎么奖励？”“什么是三同时？”",
                    'Type your question, e.g. "How is solar rewarded?"',
                )
            )
        ]
    if state.phase in (Phase.ASK, Phase.TOPICS):
        if name == "back":
            return state, _back(state)
        if name in ("skip", "unknown") and state.current is not None:
            asked = state.current
            if name == "skip":
                if asked.ref == "@kinds":
                    for ref in kind_options(state):
                        settle(state, ref, None)
                record(state, asked, None, skipped=True)
                return state, _advance(state, today)
            return state, _mark_unknown(state, today)
        if name == "skip" and state.phase == Phase.TOPICS:
            settle(state, "@topics", None)
            return state, _advance(state, today)
    if name == "back":
        if state.phase == Phase.SUMMARY and state.history:
            return state, _back(state)
        return state, menu(state)
    return state, [
        reply_text(
            L(
                state,
                "这个命令现在用不了。发送 /help 查看可用命令。",
                "That command is not available now. Send /help to see the commands.",
            )
        ),
        *reask(state),
    ]


def _back(state: State) -> list[Reply]:
    """Go one question back, keeping the answers."""
    if not state.history:
        return [reply_text(L(state, "已经是第一个问题了。", "This is the first question.")), *reask(state)]
    prev = state.history.pop()
    key = fact_key(prev.ref, prev.project_id)
    state.settled = [s for s in state.settled if s != key]
    if prev.ref == "@topics":
        state.topic_selection = list(state.topics)
        state.topics = []
        return ask_topics(state)
    if prev.ref == "@kinds":
        return ask_kinds_again(state)
    if prev.ref.startswith("@sub:"):
        return ask_sub(
            state,
            prev.ref[5:],
            [
                p["id"]
                for p in state.projects
                if p["id"] in TEMPLATE_BY_ID and TEMPLATE_BY_ID[p["id"]] in TOPIC_BY_ID[prev.ref[5:]].projects
            ],
        )
    return ask(state, Asked(ref=prev.ref, project_id=prev.project_id))


# ---------------------------------------------------------------- step


def step(state: State, event: Event, today: dt.date | None = None) -> tuple[State, list[Reply]]:
    """Take one user event; return the new state and what to show or do."""
    today = today or dt.date.today()
    state = state.model_copy(deep=True)
    untaken = state.faq_suggested
    state.faq_suggested = None
    if event.kind == "button" and event.data.startswith("faq:") and event.data not in ("faq:no", "faq:staff"):
        untaken = None
    state, replies = _step(state, event, today)
    if untaken:
        # FAQ suggestions passed over are misses too: staff see them in /misses.
        miss = Reply(
            kind="effect",
            effect="faq_miss",
            payload={"question": untaken, "lang": state.lang, "suggested": True},
        )
        replies = [miss, *replies]
    return state, replies


def _step(state: State, event: Event, today: dt.date) -> tuple[State, list[Reply]]:
    """Take one event on a copy of the state."""
    if event.kind == "text":
        text = event.text.strip()
        if not text:
            return state, [
                reply_text(L(state, "请输入文字，或点选按钮。", "Please type something or tap a button.")),
                *reask(state),
            ]
        if len(text) > MAX_TEXT:
            return state, [
                reply_text(
                    L(
                        state,
                        f"消息太长了（超过{MAX_TEXT}字），请简短一些。",
                        f"That message is too long (over {MAX_TEXT} characters); please shorten it.",
                    )
                ),
                *reask(state),
            ]
        alias = _ALIASES.get(text.lower())
        if alias and not state.phase.value.startswith("lead_"):
            if alias == "lang_en" or alias == "lang_zh":
                return _command(state, alias, "", today)
            return _command(state, alias, "", today)
        if text.startswith("/"):
            event = Event.from_text(text)
    if event.kind == "command":
        name = event.command.lower()
        if name not in _COMMANDS:
            return state, [
                reply_text(
                    L(
                        state,
                        "没有这个命令。发送 /help 查看可用命令。",
                        "Unknown command. Send /help to see the commands.",
                    )
                ),
                *reask(state),
            ]
        return _command(state, name, event.args, today)
    if event.kind == "button":
        return state, _button(state, event, today)
    return state, _text_event(state, event, today)


def _button(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Act on a button press, explaining a stale one."""
    data = event.data
    if data.startswith("cmd:"):
        _, replies = _command(state, data[4:], "", today)
        return replies
    if data.startswith("menu:"):
        key = data[5:]
        if key == "screen":
            return _advance(state, today)
        if key == "ask":
            state.phase = Phase.FAQ
            return [
                reply_text(
                    L(
                        state,
                        "请直接输入您的问题，例如“光伏怎么奖励？”“什么是三同时？”",
                        'Type your question, e.g. "How is solar rewarded?"',
                    )
                )
            ]
        if key == "contact":
            return lead_start(state)
        if key == "lang":
            _, replies = _command(state, "lang", "", today)
            return replies
    if data.startswith("faq:"):
        return _faq_button(state, data, today)
    if data.startswith("intake:") and state.phase == Phase.INTAKE_CONFIRM:
        return _intake_answer(state, data == "intake:ok", today)
    if data == "out:zone" and state.phase == Phase.OUTSIDE:
        return _change_zone(state)
    if data.startswith("d:"):
        parts = data.split(":")
        if len(parts) >= 2 and parts[1].isdigit():
            report = evaluate_state(state, today)
            project = (parts[2] if len(parts) > 2 else "") or None
            more = len(parts) > 3 and parts[3] == "more"
            return detail_replies(
                report,
                int(parts[1]),
                state.lang,
                project,
                more=more,
                buttons=state.phase == Phase.SUMMARY,
                profile=profile_of(state),
            )
    if data.startswith("chg:") and data[4:].isdigit():
        return _change_pick(state, int(data[4:]), today)
    if data.startswith("lead:") and state.phase.value.startswith("lead_"):
        key = data[5:]
        if key == "yes" and state.phase == Phase.LEAD_CONSENT:
            state.lead = LeadDraft(consent=True)
            state.phase = Phase.LEAD_COMPANY
            return _lead_prompt(state)
        if key == "no" and state.phase == Phase.LEAD_CONSENT:
            return lead_cancel(state, today)
        if key == "ok" and state.phase == Phase.LEAD_CONFIRM:
            return lead_submit(state, today)
        if key == "edit" and state.phase == Phase.LEAD_CONFIRM:
            state.lead = LeadDraft(consent=True)
            state.phase = Phase.LEAD_COMPANY
            return _lead_prompt(state)
    if data.startswith("del:") and state.phase == Phase.DELETE_CONFIRM:
        if data == "del:yes":
            fresh = new_state(state.lang)
            state.__dict__.update(fresh.__dict__)
            return [
                Reply(kind="effect", effect="delete_data"),
                reply_text(
                    L(
                        state,
                        "您的个人数据已全部删除。发送 /start 可以重新开始。",
                        "All your personal data has been deleted. Send /start to begin again.",
                    )
                ),
            ]
        state.phase = state.return_phase or Phase.MENU
        state.return_phase = None
        return [
            reply_text(L(state, "已取消，数据未删除。", "Cancelled; nothing was deleted.")),
            *(reask(state) or menu(state)),
        ]
    if state.phase == Phase.TOPICS and (data.startswith("t:") or data == "done"):
        return _take_topics(state, event, today)
    if state.phase == Phase.ASK and state.current is not None:
        if state.current.ref == "@kinds" and (data.startswith("k:") or data == "done"):
            return _take_kinds(state, event, today)
        if state.current.ref.startswith("@sub:") and (data.startswith("s:") or data == "done"):
            return _take_sub(state, state.current.ref[5:], event, today)
        if data.startswith("a:") and data in _answer_ids(state.current):
            return _take_answer(state, event, today)
    return [
        reply_text(
            L(
                state,
                "这个按钮已经过期了，请看当前的问题：",
                "That button is out of date; here is the current question:",
            )
        ),
        *(reask(state) or menu(state)),
    ]


def _text_event(state: State, event: Event, today: dt.date) -> list[Reply]:
    """Act on typed text in the current phase."""
    text = event.text.strip()
    if state.phase.value.startswith("lead_"):
        if state.phase in (Phase.LEAD_CONSENT, Phase.LEAD_CONFIRM):
            yes = parse.parse_bool(text)
            if state.phase == Phase.LEAD_CONSENT and isinstance(yes, bool):
                return _button(state, Event(kind="button", data="lead:yes" if yes else "lead:no"), today)
            if state.phase == Phase.LEAD_CONFIRM and yes is True:
                return lead_submit(state, today)
            return [
                reply_text(
                    L(state, "请点选按钮，或回答“同意/不同意”。", "Please tap a button or answer yes/no.")
                )
            ]
        return lead_text(state, text, today)
    if state.phase == Phase.DELETE_CONFIRM:
        yes = parse.parse_bool(text)
        if isinstance(yes, bool):
            return _button(state, Event(kind="button", data="del:yes" if yes else "del:no"), today)
        return [reply_text(L(state, "请回答“确定”或“取消”。", "Please answer yes or no."))]
    if state.phase == Phase.TOPICS:
        return _take_topics(state, event, today)
    if state.phase == Phase.ASK and state.current is not None:
        return _take_answer(state, event, today)
    if state.phase == Phase.INTAKE_CONFIRM:
        yes = parse.parse_bool(text)
        if isinstance(yes, bool):
            return _intake_answer(state, yes, today)
    if state.phase in (Phase.START, Phase.MENU, Phase.FAQ, Phase.INTAKE_CONFIRM):
        started = _first_message(state, text, today)
        if started:
            return started
    if state.phase == Phase.INTAKE_CONFIRM:
        return [
            reply_text(
                L(
                    state,
                    "请点“对，就这样”或“不对，我自己选”。",
                    'Please tap "Yes, that is right" or "No, I will choose".',
                )
            ),
            *_intake_question(state),
        ]
    if state.phase == Phase.START:
        faq_replies = _faq_if_question(state, text, event.staff)
        return faq_replies + menu(state) if faq_replies else menu(state)
    if state.phase == Phase.CHANGE and (m := re.fullmatch(r"(?:第)?\s*(\d{1,3})\s*(?:项|个|条)?", text)):
        return _change_pick(state, int(m.group(1)) - 1, today)
    if state.phase == Phase.SUMMARY and (m := _DETAIL_TYPED.fullmatch(text)):
        number = int(m.group(1) or m.group(2))
        return detail_replies(evaluate_state(state, today), number, state.lang, profile=profile_of(state))
    return _faq_answer(state, text, event.staff)


# "27", "第27条", "第27条详情", "详情27", "detail 27": the typed form of a result's detail button.
_DETAIL_TYPED = re.compile(
    r"(?:第\s*)?(\d{1,2})\s*(?:条)?\s*(?:详情|细节|明细)?|(?:详情|细节|details?|measure)\s*(?:第\s*)?(\d{1,2})\s*条?",
    re.IGNORECASE,
)


__all__ = ["evaluate_state", "load_state", "new_state", "profile_of", "step"]
