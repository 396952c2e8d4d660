"""The guided interview: ``step(state, event) -> (state, replies)``, pure and channel-free."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from dialogs import parse
from dialogs.render import detail_text, fact_label, money, summary_rows, summary_text, tx
from dialogs.topics import BASIC_FACTS, KIND_FACTS, TEMPLATE_BY_ID, TOPIC_BY_ID, TOPICS, topic_for_measure
from dialogs.types import SCHEMA_VERSION, Asked, Choice, Event, LeadDraft, Phase, Reply, State
from dialogs.validate import credit_code_valid, mobile_valid, normalise_credit_code, normalise_mobile
from rules import engine as rules_engine
from rules.facts import Enterprise, Profile, Project, ProjectFacts
from rules.loader import FactInfo, latest_rulebook, load_catalog
from rules.report import Report, report_to_json

CONSENT_VERSION = "2026-11-v1"
MAX_TEXT = 2000

EXCLUSION_FACTS = ("project.three_simultaneous", "project.gov_funded")

_ALIASES: dict[str, str] = {
    "返回": "back", "上一步": "back", "上一题": "back", "back": "back",
    "跳过": "skip", "skip": "skip",
    "结果": "summary", "总结": "summary", "查看结果": "summary", "汇总": "summary", "summary": "summary",
    "修改": "change", "修改答案": "change", "改答案": "change", "change": "change",
    "重新开始": "restart", "重来": "restart", "restart": "restart",
    "english": "lang_en", "英文": "lang_en", "中文": "lang_zh", "chinese": "lang_zh",
    "取消": "cancel", "cancel": "cancel",
    "帮助": "help", "help": "help", "菜单": "menu", "menu": "menu",
    "留下联系方式": "contact", "联系工作人员": "contact", "联系方式": "contact", "contact": "contact",
    "删除我的数据": "delete", "删除数据": "delete",
    "开始": "screen", "开始测评": "screen", "测评": "screen", "测一测": "screen", "测一测能拿多少奖励": "screen",
    "问问题": "ask", "问一个政策问题": "ask", "提问": "ask",
    "报告": "pdf", "pdf": "pdf", "下载报告": "pdf",
}

_COMMANDS = {
    "start", "help", "back", "skip", "unknown", "summary", "change", "restart", "lang", "cancel",
    "contact", "delete", "pdf", "menu", "detail", "screen", "ask",
}


def L(state: State, zh: str, en: str) -> str:
    """Pick the user's language."""
    return en if state.lang == "en" else zh


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


# ---------------------------------------------------------------- facts in the state


def profile_of(state: State) -> Profile:
    """Build the rulebook profile from what the user has answered."""
    return Profile(
        enterprise=Enterprise.model_validate(state.enterprise),
        projects=[Project.model_validate(p) for p in state.projects],
    )


def evaluate_state(state: State, today: dt.date) -> Report:
    """Evaluate the answers so far."""
    return rules_engine.evaluate(profile_of(state), today)


def _key(ref: str, project_id: str | None) -> str:
    return f"{project_id or ''}|{ref}"


def _get(state: State, ref: str, project_id: str | None) -> Any:
    scope, _, name = ref.partition(".")
    if scope == "enterprise":
        return state.enterprise.get(name)
    for p in state.projects:
        if p["id"] == project_id:
            return p.get("facts", {}).get(name)
    return None


def _set(state: State, ref: str, project_id: str | None, value: Any) -> str | None:
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
            except ValidationError:
                return "range"
            p["facts"] = {k: v for k, v in facts.items() if v is not None}
            return None
    return "range"


def _project_name(state: State, project_id: str | None) -> str:
    if project_id is None:
        return ""
    tpl = TEMPLATE_BY_ID.get(project_id)
    if tpl is None:
        return project_id
    return tpl.en if state.lang == "en" else tpl.zh


def _show_value(state: State, ref: str, value: Any) -> str:
    info = load_catalog().get(ref)
    if value is None:
        return L(state, "不知道", "unknown")
    if info is None:
        return str(value)
    if info.unit == "bool":
        return L(state, "是", "yes") if value else L(state, "否", "no")
    if info.options and str(value) in info.options:
        return tx(info.options[str(value)], state.lang)
    if info.unit == "yuan":
        return money(int(value) if float(value).is_integer() else value, state.lang)
    if info.unit == "ratio":
        return f"{float(value) * 100:g}%"
    units = {"kw": ("千瓦", "kW"), "kwh": ("千瓦时", "kWh"), "m2": ("平方米", "m²"), "ha": ("公顷", "ha"),
             "count": ("", ""), "months": ("个月", " months")}
    zh, en = units.get(info.unit, ("", ""))
    return f"{value:g}{L(state, zh, en)}" if isinstance(value, float) else f"{value}{L(state, zh, en)}"


# ---------------------------------------------------------------- replies


def _text(text: str) -> Reply:
    return Reply(kind="text", text=text)


def _question(text: str, choices: list[Choice], *, multi: bool = False, selected: list[str] | None = None, columns: int = 1) -> Reply:
    return Reply(kind="question", text=text, choices=choices, multi=multi, selected=selected or [], columns=columns)


def _nav(state: State, *, unknown: bool = True, skip: bool = True) -> list[Choice]:
    out = []
    if unknown:
        out.append(Choice(id="cmd:unknown", label=L(state, "不知道", "Don't know")))
    if skip:
        out.append(Choice(id="cmd:skip", label=L(state, "跳过", "Skip")))
    if state.history:
        out.append(Choice(id="cmd:back", label=L(state, "⬅ 上一步", "⬅ Back")))
    return out


def _menu(state: State) -> list[Reply]:
    state.phase = Phase.MENU
    text = L(
        state,
        "你好！我是**亦庄绿策**，帮经开区企业对照《北京经济技术开发区促进绿色低碳高质量发展若干措施》（京技管发〔2025〕11号）的40条措施：\n"
        "• 看看你能申请哪些奖励、各多少钱、怎么兑现、要准备什么\n• 直接问政策问题\n• 留下联系方式，由工作人员跟进\n\n"
        "随时可以输入：返回、跳过、不知道、结果、修改、重新开始、English。",
        "Hello! I am **E-Town Green Policy Assistant**. I check your enterprise against the 40 measures of BDA's green low-carbon policy (京技管发〔2025〕11号):\n"
        "• which awards you can apply for, how much, how they are paid, what to prepare\n• answer your policy questions\n• pass your contact to BDA staff\n\n"
        "At any time type: back, skip, don't know, summary, change, restart, 中文.",
    )
    return [
        _question(
            text,
            [
                Choice(id="menu:screen", label=L(state, "🔍 测一测能拿多少奖励", "🔍 Check my awards")),
                Choice(id="menu:ask", label=L(state, "💬 问一个政策问题", "💬 Ask a question")),
                Choice(id="menu:contact", label=L(state, "📇 留下联系方式", "📇 Leave my contact")),
                Choice(id="menu:lang", label="English" if state.lang == "zh" else "中文"),
            ],
        )
    ]


def _help(state: State) -> list[Reply]:
    return [
        _text(
            L(
                state,
                "**可以这样用**\n/start 开始或回到菜单\n/back 返回上一步（已答内容保留）\n/skip 跳过本题\n“不知道” 本题留空\n/summary 查看结果\n"
                "/change 修改某个回答\n/restart 重新开始\n/lang 切换中文/English\n/contact 留下联系方式\n/delete 删除我的个人数据\n/cancel 取消当前操作\n"
                "也可以随时直接提问，例如“光伏怎么奖励？”。数字可以这样写：500千瓦、0.5兆瓦、1.2亿、三百万元、30%。",
                "**How to use me**\n/start start or back to the menu\n/back previous question (answers are kept)\n/skip skip this question\n\"don't know\" leaves it open\n/summary show the result\n"
                "/change change an answer\n/restart start over\n/lang 中文/English\n/contact leave your contact\n/delete delete my personal data\n/cancel cancel the current step\n"
                "You can also ask a question at any time, e.g. \"How is solar PV rewarded?\". Figures like 500 kW, 0.5 MW, 1.2亿, 30% are understood.",
            )
        )
    ]


# ---------------------------------------------------------------- asking


def _settled(state: State, ref: str, project_id: str | None) -> bool:
    return _key(ref, project_id) in state.settled


def _settle(state: State, ref: str, project_id: str | None) -> None:
    key = _key(ref, project_id)
    if key not in state.settled:
        state.settled.append(key)


def _ask_zone(state: State) -> list[Reply]:
    state.phase = Phase.ASK
    state.current = Asked(ref="enterprise.zone")
    info = load_catalog()["enterprise.zone"]
    text = L(
        state,
        "**第1步：企业在哪里经营？**\n• **经开区60平方公里范围（含新扩区域内赋权管理的单位和园区）**：全部40条措施都适用\n"
        "• **亦庄新城225平方公里内、但不在上述范围**：第1–6、12–13、23–33、38条适用（七(一)）\n• 亦庄新城以外：本政策不适用",
        "**Step 1: where does the enterprise operate?**\n• **BDA's 60 km² area (incl. units and parks in the extended areas under delegated management)**: all 40 measures apply\n"
        "• **Within the 225 km² Yizhuang New Town but outside that area**: measures 1–6, 12–13, 23–33 and 38 apply (七(一))\n• Outside Yizhuang New Town: the policy does not apply",
    )
    assert info.options is not None
    choices = [Choice(id=f"a:{k}", label=tx(v, state.lang)) for k, v in info.options.items()]
    choices.append(Choice(id="cmd:unknown", label=L(state, "不确定", "Not sure")))
    current = _get(state, "enterprise.zone", None)
    if current:
        text += L(state, f"\n（当前回答：{_show_value(state, 'enterprise.zone', current)}）", f"\n(current answer: {_show_value(state, 'enterprise.zone', current)})")
    return [_question(text, choices)]


def _ask_topics(state: State) -> list[Reply]:
    state.phase = Phase.TOPICS
    if not state.topic_selection and state.topics:
        state.topic_selection = list(state.topics)
    text = L(
        state,
        "**第2步：你们做了或打算做哪些事？**（可多选，选好后点“完成”；也可以直接输入，如“光伏、车辆”）",
        "**Step 2: what have you done or plan to do?** (choose any, then Done; or type e.g. \"solar, vehicles\")",
    )
    choices = [Choice(id=f"t:{t.id}", label=(t.en if state.lang == "en" else t.zh)) for t in TOPICS]
    choices.append(Choice(id="done", label=L(state, "✔ 完成", "✔ Done")))
    if state.history:
        choices.append(Choice(id="cmd:back", label=L(state, "⬅ 上一步", "⬅ Back")))
    return [_question(text, choices, multi=True, selected=[f"t:{s}" for s in state.topic_selection], columns=2)]


def _ask_sub(state: State, tid: str, selected: list[str] | None = None) -> list[Reply]:
    """Ask which of a topic's projects the enterprise has, so the others are never asked about."""
    topic = TOPIC_BY_ID[tid]
    state.phase = Phase.ASK
    state.current = Asked(ref=f"@sub:{tid}")
    if selected is None:
        present = {p["id"] for p in state.projects}
        selected = [p.id for p in topic.projects if p.id in present and p.id not in state.excluded_projects]
        if not _settled(state, f"@sub:{tid}", None) and not any(h.ref == f"@sub:{tid}" for h in state.history):
            selected = []
    state.topic_selection = selected
    name = topic.en if state.lang == "en" else topic.zh
    text = L(state, f"“{name}”方面，具体是哪几项？（可多选，选好后点“完成”）", f"For \"{name}\", which of these apply? (choose any, then Done)")
    choices = [Choice(id=f"s:{p.id}", label=(p.en if state.lang == "en" else p.zh)) for p in topic.projects]
    choices.append(Choice(id="done", label=L(state, "✔ 完成", "✔ Done")))
    choices += _nav(state, skip=False)
    return [_question(text, choices, multi=True, selected=[f"s:{x}" for x in selected])]


def _take_sub(state: State, tid: str, event: Event, today: dt.date) -> list[Reply]:
    topic = TOPIC_BY_ID[tid]
    ids = [p.id for p in topic.projects]
    if event.kind == "button" and event.data.startswith("s:"):
        _toggle(state, event.data[2:], ids)
        return _ask_sub(state, tid, list(state.topic_selection))
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
        return [_text(L(state, "请至少选一项；都没有的话，点“上一步”改选话题。", "Choose at least one; if none applies, go back and change the topics.")), *_ask_sub(state, tid, [])]
    state.excluded_projects = [x for x in state.excluded_projects if x not in ids] + [x for x in ids if x not in chosen]
    _apply_topics(state, state.topics)
    state.topic_selection = []
    _record(state, Asked(ref=f"@sub:{tid}"), chosen)
    return _advance(state, today)


def _compound_basic_text(state: State) -> str:
    return L(
        state,
        "近三年，企业有没有以下任一情况？\n① 重大行政处罚公示信息\n② 刑事犯罪记录\n③ 被列入严重违法失信主体名单\n④ 重大生产安全事故\n⑤ 突发环境事件\n（七(二)2：有任一情况即不能申报）",
        "In the last three years, has the enterprise had any of these?\n① a published major administrative penalty\n② a criminal record\n③ listing as a seriously dishonest entity\n④ a major work-safety accident\n⑤ an environmental emergency\n(七(二)2: any one of them rules out all awards)",
    )


def _ask(state: State, asked: Asked) -> list[Reply]:
    """Show one question."""
    state.phase = Phase.ASK
    state.current = asked
    catalog = load_catalog()
    if asked.ref == "enterprise.zone":
        return _ask_zone(state)
    if asked.ref.startswith("@sub:"):
        return _ask_sub(state, asked.ref[5:])
    if asked.ref == "@basic":
        choices = [
            Choice(id="a:none", label=L(state, "都没有", "None of these")),
            Choice(id="a:some", label=L(state, "有其中一项或几项", "Yes, one or more")),
            *_nav(state, skip=False),
        ]
        return [_question(_compound_basic_text(state), choices)]
    if asked.ref == "@exclusions":
        names = L(state, "、", ", ").join(_project_name(state, p["id"]) for p in state.projects)
        text = L(
            state,
            f"你的这些项目（{names}）中，有没有属于以下情况的？\n① 建设项目环境保护“三同时”项目（新建、改建、扩建项目的污染防治设施与主体工程同时设计、同时施工、同时投产）\n② 使用政府财政资金投资建设的项目\n（七(二)5：这类项目不列入支持范围）",
            f"Are any of your projects ({names}) one of these?\n① a project under the environmental \"three simultaneities\" rule (pollution controls designed, built and commissioned with a new, rebuilt or extended main project)\n② a project built with government fiscal funds\n(七(二)5: such projects are not supported)",
        )
        choices = [
            Choice(id="a:none", label=L(state, "都不属于", "None")),
            Choice(id="a:some", label=L(state, "有", "Some are")),
            *_nav(state, skip=False),
        ]
        return [_question(text, choices)]
    if asked.ref == "@kinds":
        options = _kind_options(state)
        text = L(state, "企业属于以下哪些类型？（可多选，选好后点“完成”；都不是就直接点“完成”）", "Which of these describe the enterprise? (choose any, then Done; none → just Done)")
        choices = [Choice(id=f"k:{r.split('.', 1)[1]}", label=tx(catalog[r].label, state.lang)) for r in options]
        choices.append(Choice(id="done", label=L(state, "✔ 完成", "✔ Done")))
        if state.history:
            choices.append(Choice(id="cmd:back", label=L(state, "⬅ 上一步", "⬅ Back")))
        selected = [c.id for c in choices if c.id.startswith("k:") and state.enterprise.get(c.id[2:]) is True]
        state.topic_selection = [s[2:] for s in selected]
        return [_question(text, choices, multi=True, selected=selected)]
    info = catalog[asked.ref]
    prefix = ""
    if asked.project_id:
        prefix = f"【{_project_name(state, asked.project_id)}】"
    text = prefix + tx(info.ask, state.lang)
    if info.help:
        text += "\n" + tx(info.help, state.lang)
    current = _get(state, asked.ref, asked.project_id)
    if current is not None:
        text += L(state, f"\n（当前回答：{_show_value(state, asked.ref, current)}）", f"\n(current answer: {_show_value(state, asked.ref, current)})")
    if info.unit == "bool":
        choices = [Choice(id="a:yes", label=L(state, "是", "Yes")), Choice(id="a:no", label=L(state, "否", "No")), *_nav(state)]
        return [_question(text, choices, columns=2)]
    if info.options:
        choices = [Choice(id=f"a:{k}", label=tx(v, state.lang)) for k, v in info.options.items()]
        return [_question(text, [*choices, *_nav(state)])]
    example = _EXAMPLES.get(info.unit, ("", ""))
    text += "\n" + L(state, f"请直接输入，例如：{example[0]}", f"Type the figure, e.g. {example[1]}")
    return [_question(text, _nav(state))]


_EXAMPLES = {
    "yuan": ("300万元、1.2亿、2,000,000元（不含税）", "3,000,000 yuan or 300万 (tax-exclusive)"),
    "kw": ("500千瓦、0.5兆瓦", "500 kW or 0.5 MW"),
    "kwh": ("400万度、120万千瓦时", "4,000,000 kWh or 4 GWh"),
    "m2": ("2万平方米、15000平米", "20,000 m²"),
    "ha": ("1.2公顷、18亩", "1.2 ha"),
    "ratio": ("30%、百分之十二", "30%"),
    "count": ("12辆、两台", "12"),
    "months": ("12个月、一年", "12 months"),
}


def _open_kinds(state: State) -> list[str]:
    return [r for r in KIND_FACTS if state.enterprise.get(r.split(".", 1)[1]) is None]


def _kind_options(state: State) -> list[str]:
    # Offer only the kinds that can still change a result; on a second look, all of them.
    return [r for r in state.kind_options if r in KIND_FACTS] or list(KIND_FACTS)


def _advance(state: State, today: dt.date) -> list[Reply]:
    """Ask the most valuable open question, or show the result when nothing can change it."""
    if state.enterprise.get("zone") is None and not _settled(state, "enterprise.zone", None):
        return _ask_zone(state)
    if not state.topics and not _settled(state, "@topics", None):
        return _ask_topics(state)
    for tid in state.topics:
        topic = TOPIC_BY_ID[tid]
        if len(topic.projects) > 1 and not _settled(state, f"@sub:{tid}", None):
            return _ask_sub(state, tid)
    report = evaluate_state(state, today)
    for mf in report.missing:
        if _settled(state, mf.ref, mf.project_id):
            continue
        if mf.ref in BASIC_FACTS:
            if not _settled(state, "@basic", None):
                return _ask(state, Asked(ref="@basic"))
        elif mf.ref in EXCLUSION_FACTS and len(state.projects) > 0 and not _settled(state, "@exclusions", None):
            return _ask(state, Asked(ref="@exclusions"))
        elif mf.ref in KIND_FACTS and not _settled(state, "@kinds", None):
            open_refs = {m.ref for m in report.missing if not _settled(state, m.ref, None)}
            state.kind_options = [r for r in KIND_FACTS if r in open_refs]
            if len(state.kind_options) > 1:
                return _ask(state, Asked(ref="@kinds"))
        return _ask(state, Asked(ref=mf.ref, project_id=mf.project_id))
    return _summary(state, report)


def _summary(state: State, report: Report) -> list[Reply]:
    state.phase = Phase.SUMMARY
    state.current = None
    state.finished = True
    rows = [r for r in summary_rows(report) if r.status != "ineligible"][:8]
    choices = [
        Choice(id=f"d:{r.number}:{r.project_id or ''}", label=L(state, f"第{r.number}条详情", f"Measure {r.number} details"))
        for r in rows
    ]
    choices += [
        Choice(id="cmd:change", label=L(state, "✏️ 修改答案", "✏️ Change an answer")),
        Choice(id="cmd:contact", label=L(state, "📇 留下联系方式", "📇 Leave my contact")),
        Choice(id="cmd:pdf", label=L(state, "📄 PDF报告", "📄 PDF report")),
        Choice(id="cmd:restart", label=L(state, "🔄 重新开始", "🔄 Start over")),
    ]
    return [_question(summary_text(report, state.lang), choices, columns=2)]


# ---------------------------------------------------------------- answers


def _record(state: State, asked: Asked, value: Any, *, unknown: bool = False, skipped: bool = False) -> None:
    done = asked.model_copy(update={"answered": not (unknown or skipped), "value": value, "unknown": unknown, "skipped": skipped})
    state.history = [h for h in state.history if not (h.ref == asked.ref and h.project_id == asked.project_id)]
    state.history.append(done)
    _settle(state, asked.ref, asked.project_id)
    state.current = None


def _answer_value(state: State, asked: Asked, info: FactInfo, event: Event) -> Any:
    """Turn an event into a value for a fact, or a ParseError."""
    if event.kind == "button":
        data = event.data[2:] if event.data.startswith("a:") else event.data
        if info.unit == "bool":
            return data == "yes"
        return data
    text = event.text.strip()
    if info.unit == "bool":
        return parse.parse_bool(text)
    if info.options:
        hinted = _choice_by_words(asked.ref, text)
        if hinted is not None:
            return hinted
        first_en = state.lang == "en"
        options = [
            (k, [*((v.en, v.zh) if first_en else (v.zh, v.en)), k, *_CHOICE_WORDS.get(asked.ref, {}).get(k, ())])
            for k, v in info.options.items()
        ]
        choice = parse.parse_choice(text, options)
        if isinstance(choice, parse.ParseError):
            return _fuzzy_choice(text, info) or choice
        return choice
    number = parse.parse_number(text, info.unit)
    if isinstance(number, float) and info.unit == "count":
        return int(number)
    return number


# Words enterprises use for some options; tried before numbers so "60平方公里" is not option 60.
_CHOICE_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "enterprise.zone": {
        "core60": ("60平方公里", "60平方千米", "六十平方公里", "60km", "核心区", "赋权", "新扩区域", "经开区内", "开发区内"),
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


def _choice_by_words(ref: str, text: str) -> str | None:
    words = _CHOICE_WORDS.get(ref)
    if not words:
        return None
    low = text.lower()
    # Longest matching word wins ("新城以外" over "新城").
    best: tuple[int, str] | None = None
    for value, ws in words.items():
        for w in ws:
            if w in low and (best is None or len(w) > best[0]):
                best = (len(w), value)
    return best[1] if best else None


def _fuzzy_choice(text: str, info: FactInfo) -> str | None:
    from rapidfuzz import fuzz

    assert info.options is not None
    scored = sorted(
        ((max(fuzz.partial_ratio(text, v.zh), fuzz.partial_ratio(text.lower(), v.en.lower())), k) for k, v in info.options.items()),
        reverse=True,
    )
    if scored and scored[0][0] >= 75 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 15):
        return scored[0][1]
    return None


def _answer_ids(asked: Asked) -> set[str]:
    """Return the answer buttons the current question offers."""
    if asked.ref in ("@basic", "@exclusions"):
        return {"a:none", "a:some"}
    info = load_catalog().get(asked.ref)
    if info is None:
        return set()
    if info.unit == "bool":
        return {"a:yes", "a:no"}
    return {f"a:{k}" for k in info.options or {}}


def _take_answer(state: State, event: Event, today: dt.date) -> list[Reply]:
    asked = state.current
    assert asked is not None
    if asked.ref in ("@basic", "@exclusions"):
        return _take_compound(state, asked, event, today)
    if asked.ref == "@kinds":
        return _take_kinds(state, event, today)
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
    if _set(state, asked.ref, asked.project_id, value) is not None:
        return [
            _text(L(state, "这个数值超出了合理范围，请再核对一下。", "That value is out of range; please check it.")),
            *_ask(state, asked),
        ]
    _record(state, asked, value)
    return _after_answer(state, today)


def _after_answer(state: State, today: dt.date) -> list[Reply]:
    if state.return_phase == Phase.SUMMARY:
        state.return_phase = None
    return _advance(state, today)


def _not_understood(state: State, event: Event, message: str) -> list[Reply]:
    if event.kind == "text":
        faq = _faq_if_question(state, event.text, event.staff)
        if faq:
            return faq + _reask(state)
    return [_text(message), *_reask(state)]


def _reask(state: State) -> list[Reply]:
    if state.phase == Phase.TOPICS:
        return _ask_topics(state)
    if state.current is not None:
        return _ask(state, state.current)
    return []


def _mark_unknown(state: State, today: dt.date) -> list[Reply]:
    asked = state.current
    assert asked is not None
    if asked.ref == "@basic":
        for ref in BASIC_FACTS:
            _settle(state, ref, None)
    elif asked.ref == "@exclusions":
        for p in state.projects:
            for ref in EXCLUSION_FACTS:
                _settle(state, ref, p["id"])
    elif asked.ref == "@kinds":
        for ref in _kind_options(state):
            _settle(state, ref, None)
    else:
        _set(state, asked.ref, asked.project_id, None)
    _record(state, asked, None, unknown=True)
    return _advance(state, today)


def _take_compound(state: State, asked: Asked, event: Event, today: dt.date) -> list[Reply]:
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
        return _not_understood(state, event, L(state, "请回答“都没有”或“有”。", "Please answer \"none\" or \"yes\"."))
    if asked.ref == "@basic":
        for ref in BASIC_FACTS:
            _set(state, ref, None, False if answer is False else None)
    else:
        for p in state.projects:
            for ref in EXCLUSION_FACTS:
                _set(state, ref, p["id"], False if answer is False else None)
    _record(state, asked, answer)
    return _advance(state, today)


def _take_kinds(state: State, event: Event, today: dt.date) -> list[Reply]:
    options = _kind_options(state)
    names = [r.split(".", 1)[1] for r in options]
    if event.kind == "button" and event.data.startswith("k:"):
        _toggle(state, event.data[2:], names)
        return _ask_kinds_again(state)
    if event.kind == "button" and event.data == "done":
        chosen = set(state.topic_selection)
    else:
        catalog = load_catalog()
        choice_opts = [(n, [catalog[f"enterprise.{n}"].label.zh, catalog[f"enterprise.{n}"].label.en, n]) for n in names]
        if re.fullmatch(r"(都不是|都没有|没有|无|none|以上都不是)", event.text.strip(), re.IGNORECASE):
            chosen = set()
        else:
            parsed = parse.parse_multi_choice(event.text, choice_opts)
            if isinstance(parsed, parse.Unknown):
                return _mark_unknown(state, today)
            if isinstance(parsed, parse.ParseError):
                return _not_understood(state, event, L(state, parsed.message_zh, parsed.message_en))
            chosen = set(parsed)
    for n in names:
        _set(state, f"enterprise.{n}", None, n in chosen)
    state.topic_selection = []
    _record(state, Asked(ref="@kinds"), sorted(chosen))
    return _advance(state, today)


def _ask_kinds_again(state: State) -> list[Reply]:
    selected = list(state.topic_selection)
    replies = _ask(state, Asked(ref="@kinds"))
    state.topic_selection = selected
    q = replies[0]
    return [q.model_copy(update={"selected": [f"k:{s}" for s in selected]})]


def _toggle(state: State, item: str, allowed: Container[str]) -> None:
    """Flip one option of the multi-select being answered."""
    if item in allowed:
        sel = state.topic_selection
        state.topic_selection = [s for s in sel if s != item] if item in sel else [*sel, item]


def _apply_topics(state: State, topics: list[str]) -> None:
    state.topics = [t for t in topics if t in TOPIC_BY_ID]
    wanted = [p for t in state.topics for p in TOPIC_BY_ID[t].projects if p.id not in state.excluded_projects]
    existing = {p["id"]: p for p in state.projects}
    state.projects = [existing.get(p.id) or {"id": p.id, "name": p.zh, "measures": list(p.measures), "facts": {}} for p in wanted]
    _settle(state, "@topics", None)


def _take_topics(state: State, event: Event, today: dt.date) -> list[Reply]:
    if event.kind == "button" and event.data.startswith("t:"):
        _toggle(state, event.data[2:], TOPIC_BY_ID)
        return _ask_topics(state)
    if event.kind == "button" and event.data == "done":
        chosen = list(state.topic_selection)
        if not chosen:
            return [_text(L(state, "请至少选择一项，或直接输入，例如“光伏”。", "Choose at least one, or type e.g. \"solar\".")), *_ask_topics(state)]
    else:
        options = [(t.id, [t.zh, t.en, *_TOPIC_WORDS.get(t.id, ())]) for t in TOPICS]
        parsed = parse.parse_multi_choice(event.text, options)
        if isinstance(parsed, (parse.Unknown, parse.ParseError)) or not parsed:
            return _not_understood(
                state, event, L(state, "没看懂，请点选，或输入如“光伏、车辆”。", "I did not get that; tap the options or type e.g. \"solar, vehicles\".")
            )
        chosen = list(parsed)
    _apply_topics(state, chosen)
    state.topic_selection = []
    _record(state, Asked(ref="@topics"), chosen)
    return _advance(state, today)


_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "pv": ("光伏", "太阳能", "solar", "pv", "光伏板"),
    "green_power": ("绿电", "绿色电力", "绿证", "green power"),
    "vehicles": ("车辆", "货车", "客车", "电车", "新能源车", "卡车", "vehicle", "truck"),
    "machinery": ("机械", "叉车", "挖掘机", "挖机", "装载机", "machinery", "forklift"),
    "construction": ("工地", "施工", "气膜", "construction"),
    "building": ("建筑", "公建", "绿色建筑", "超低能耗", "building"),
    "boiler": ("锅炉", "boiler"),
    "pollution": ("废水", "废气", "污水", "vocs", "挥发性有机物", "wastewater"),
    "waste": ("固废", "源头减量", "替代", "再生水", "waste"),
    "energy_saving": ("节能", "技改", "余热", "energy saving"),
    "heating": ("供热", "热泵", "地热", "heating"),
    "certification": ("认证", "称号", "绿色工厂", "esg", "碳足迹", "领跑者", "certificate", "title"),
    "rnd": ("研发", "揭榜挂帅", "中试", "ai", "人工智能", "场景", "r&d"),
    "carbon_neutral": ("碳中和", "零碳", "carbon neutral"),
    "greenland": ("绿地", "认建", "认养", "花园", "green land"),
    "consulting": ("咨询", "consulting"),
}


# ---------------------------------------------------------------- FAQ


def _faq_if_question(state: State, text: str, staff: bool = False) -> list[Reply]:
    from dialogs import faq

    if not faq.looks_like_question(text):
        return []
    return _faq_answer(state, text, staff)


def _faq_answer(state: State, text: str, staff: bool = False) -> list[Reply]:
    from dialogs import faq

    match = faq.load_faq().match(text, state.lang)
    if match.outcome == "answer" and match.entry is not None:
        return [_text(faq.format_answer(match.entry, state.lang, staff=staff))]
    if match.outcome == "suggest" and match.suggestions:
        choices = [Choice(id=f"faq:{e.id}"[:64], label=_faq_label(e.questions, state.lang)) for e in match.suggestions[:3]]
        return [_question(L(state, "你是想问：", "Did you mean:"), choices)]
    state.faq_pending = text[:500]
    return [
        Reply(kind="effect", effect="faq_miss", payload={"question": text[:500], "lang": state.lang}),
        _question(
            L(state, "这个问题我还答不上来，已记录下来供工作人员补充。要把问题转给工作人员吗？", "I cannot answer that yet; it has been logged for staff. Shall I pass it to a staff member?"),
            [Choice(id="faq:staff", label=L(state, "转给工作人员", "Pass to staff")), Choice(id="faq:no", label=L(state, "不用了", "No thanks"))],
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
    from dialogs import faq

    key = data[4:]
    if key == "staff":
        question = state.faq_pending
        state.faq_pending = None
        if not question:
            return [_text(L(state, "这个问题已经转给工作人员了。", "That question has already been passed to staff.")), *_resume(state, today)]
        return [
            Reply(kind="effect", effect="notify_staff", payload={"text": f"用户提问（FAQ未命中）：{question}"}),
            _text(L(state, "已转给工作人员。如需工作人员联系你，请留下联系方式（/contact）。", "Passed to staff. To be contacted, leave your details (/contact).")),
            *_resume(state, today),
        ]
    if key == "no":
        state.faq_pending = None
        return _resume(state, today)
    try:
        entry = faq.load_faq().get(key)
    except KeyError:
        return _resume(state, today)
    return [_text(faq.format_answer(entry, state.lang)), *_resume(state, today)]


def _resume(state: State, today: dt.date) -> list[Reply]:
    if state.phase in (Phase.ASK, Phase.TOPICS):
        return _reask(state)
    if state.phase == Phase.SUMMARY:
        return []
    return []


# ---------------------------------------------------------------- change


def _change_list(state: State) -> list[Reply]:
    answered = [h for h in state.history]
    if not answered:
        return [_text(L(state, "还没有回答过任何问题。", "You have not answered anything yet.")), *_menu(state)]
    state.phase = Phase.CHANGE
    lines = [L(state, "**你的回答**（点选要修改的一项）", "**Your answers** (tap one to change it)")]
    choices = []
    for i, h in enumerate(answered):
        label = _asked_label(state, h)
        value = _asked_value(state, h)
        lines.append(f"{i + 1}. {label}：{value}")
        choices.append(Choice(id=f"chg:{i}", label=f"{i + 1}. {label}"[:60]))
    choices.append(Choice(id="cmd:summary", label=L(state, "返回结果", "Back to the result")))
    return [_question("\n".join(lines), choices)]


def _asked_label(state: State, h: Asked) -> str:
    special = {
        "enterprise.zone": L(state, "经营区域", "Zone"),
        "@topics": L(state, "做了哪些事", "Topics"),
        "@basic": L(state, "近三年不良记录", "Record of the last three years"),
        "@exclusions": L(state, "三同时/财政资金项目", "Three-simultaneities / government-funded"),
        "@kinds": L(state, "单位类型", "Kind of entity"),
    }
    if h.ref in special:
        return special[h.ref]
    if h.ref.startswith("@sub:") and h.ref[5:] in TOPIC_BY_ID:
        topic = TOPIC_BY_ID[h.ref[5:]]
        return topic.en if state.lang == "en" else topic.zh
    label = fact_label(h.ref, state.lang)
    return f"【{_project_name(state, h.project_id)}】{label}" if h.project_id else label


def _asked_value(state: State, h: Asked) -> str:
    if h.unknown or h.skipped:
        return L(state, "不知道/跳过", "unknown/skipped")
    if h.ref == "@topics":
        return L(state, "、", ", ").join((TOPIC_BY_ID[t].en if state.lang == "en" else TOPIC_BY_ID[t].zh) for t in state.topics if t in TOPIC_BY_ID)
    if h.ref in ("@basic", "@exclusions"):
        return L(state, "有", "yes") if h.value else L(state, "都没有", "none")
    if h.ref.startswith("@sub:"):
        return L(state, "、", ", ").join(_project_name(state, pid) for pid in (h.value or []))
    if h.ref == "@kinds":
        names = [fact_label(f"enterprise.{n}", state.lang) for n in (h.value or [])]
        return L(state, "、", ", ").join(names) or L(state, "都不是", "none")
    return _show_value(state, h.ref, _get(state, h.ref, h.project_id))


def _change_pick(state: State, index: int, today: dt.date) -> list[Reply]:
    if not 0 <= index < len(state.history):
        return _change_list(state)
    asked = state.history[index]
    state.return_phase = Phase.SUMMARY
    key = _key(asked.ref, asked.project_id)
    state.settled = [s for s in state.settled if s != key]
    if asked.ref == "@topics":
        state.topic_selection = list(state.topics)
        return _ask_topics(state)
    if asked.ref == "@kinds":
        return _ask_kinds_again(state)
    if asked.ref.startswith("@sub:"):
        tid = asked.ref[5:]
        return _ask_sub(state, tid, [p.id for p in TOPIC_BY_ID[tid].projects if p.id not in state.excluded_projects])
    return _ask(state, Asked(ref=asked.ref, project_id=asked.project_id))


# ---------------------------------------------------------------- leads


def _lead_start(state: State) -> list[Reply]:
    state.return_phase = state.phase if state.phase in (Phase.SUMMARY, Phase.ASK, Phase.TOPICS, Phase.MENU) else Phase.MENU
    state.phase = Phase.LEAD_CONSENT
    text = L(
        state,
        "**留下联系方式前，请先确认：**\n我们会保存：企业名称、统一社会信用代码、联系人姓名、手机号，以及你在这里的回答和测评结果。\n"
        "用途：仅供经开区工作人员就本政策的申报与你联系、跟进。\n保存期限：12个月，或直到你发送 /delete 删除（随时可删）。\n"
        "依据《个人信息保护法》，你可以随时查询、更正或删除这些信息。同意吗？",
        "**Before you leave your contact, please confirm:**\nWe keep: company name, unified social credit code, contact name, mobile number, and your answers and result here.\n"
        "Purpose: only for BDA staff to contact you and follow up on applying under this policy.\nRetention: 12 months, or until you send /delete (at any time).\n"
        "Under China's Personal Information Protection Law you may access, correct or delete them at any time. Do you agree?",
    )
    return [_question(text, [Choice(id="lead:yes", label=L(state, "同意", "I agree")), Choice(id="lead:no", label=L(state, "不同意", "I do not agree"))])]


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
        "company", ("请输入企业名称：", "Company name:"), str.strip, lambda v: 2 <= len(v) <= 100,
        ("企业名称应为2–100个字。", "The company name should be 2–100 characters."), Phase.LEAD_CREDIT_CODE,
    ),
    Phase.LEAD_CREDIT_CODE: _LeadField(
        "credit_code", ("请输入18位统一社会信用代码：", "The 18-character unified social credit code:"),
        normalise_credit_code, credit_code_valid,
        ("这个统一社会信用代码不对（应为18位，校验位需符合GB 32100-2015），请核对营业执照后重新输入。",
         "That credit code is not valid (18 characters with a GB 32100-2015 check character); please check the business licence."),
        Phase.LEAD_CONTACT,
    ),
    Phase.LEAD_CONTACT: _LeadField(
        "contact_name", ("联系人怎么称呼？", "Contact person's name:"), str.strip, lambda v: 1 <= len(v) <= 50,
        ("请输入联系人姓名（50字以内）。", "Please give a name (up to 50 characters)."), Phase.LEAD_PHONE,
    ),
    Phase.LEAD_PHONE: _LeadField(
        "phone", ("联系人手机号：", "Contact's mobile number:"), normalise_mobile, mobile_valid,
        ("手机号应为11位、以1开头，例如13812345678。", "A mainland mobile number has 11 digits starting with 1, e.g. 13812345678."),
        Phase.LEAD_CONFIRM,
    ),
}


def _lead_prompt(state: State) -> list[Reply]:
    zh, en = _LEAD_FIELDS[state.phase].prompt
    return [_question(L(state, zh, en), [Choice(id="cmd:cancel", label=L(state, "取消", "Cancel"))])]


def _lead_text(state: State, text: str, today: dt.date) -> list[Reply]:
    step_ = _LEAD_FIELDS[state.phase]
    value = step_.clean(text)
    if not step_.valid(value):
        return [_text(L(state, *step_.error)), *_lead_prompt(state)]
    setattr(state.lead, step_.name, value)
    state.phase = step_.after
    if state.phase != Phase.LEAD_CONFIRM:
        return _lead_prompt(state)
    lead = state.lead
    confirm = L(
        state,
        f"请确认：\n企业：{lead.company}\n信用代码：{lead.credit_code}\n联系人：{lead.contact_name}\n手机：{lead.phone}",
        f"Please confirm:\nCompany: {lead.company}\nCredit code: {lead.credit_code}\nContact: {lead.contact_name}\nMobile: {lead.phone}",
    )
    choices = [
        Choice(id="lead:ok", label=L(state, "确认提交", "Submit")),
        Choice(id="lead:edit", label=L(state, "重新填写", "Start again")),
        Choice(id="cmd:cancel", label=L(state, "取消", "Cancel")),
    ]
    return [_question(confirm, choices)]


def _lead_submit(state: State, today: dt.date) -> list[Reply]:
    lead = state.lead
    report = evaluate_state(state, today)
    counted = [r for r in report.measures if not r.no_project and r.status in ("eligible", "needs_info")]
    payload = {
        "company": lead.company,
        "credit_code": lead.credit_code,
        "contact_name": lead.contact_name,
        "phone": lead.phone,
        "consent_at": today.isoformat(),
        "consent_text_version": CONSENT_VERSION,
        "profile": profile_of(state).model_dump(mode="json"),
        "report": {
            "on": report.on.isoformat(),
            "total_yuan": report.total_yuan,
            "measures": [
                {"number": r.number, "project": r.project_id, "status": r.status, "amount_yuan": r.amount_yuan if r.counted else 0, "upper_bound_yuan": r.upper_bound_yuan}
                for r in counted
            ],
            "open_questions": [fact_label(m.ref, "zh") for m in report.missing[:10]],
        },
        "measures": sorted({r.number for r in counted}),
        "total_yuan": report.total_yuan,
        "campaign": state.campaign,
    }
    back = state.return_phase or Phase.MENU
    state.lead = LeadDraft()
    state.return_phase = None
    replies: list[Reply] = [
        Reply(kind="effect", effect="save_lead", payload=payload),
        _text(L(state, "已提交，工作人员会尽快联系你。想删除这些信息，随时发送 /delete。", "Submitted; staff will contact you soon. To delete these details at any time, send /delete.")),
    ]
    if back == Phase.SUMMARY:
        return replies + _summary(state, report)
    if back in (Phase.ASK, Phase.TOPICS):
        state.phase = back
        return replies + _reask(state)
    return replies + _menu(state)


def _lead_cancel(state: State, today: dt.date) -> list[Reply]:
    back = state.return_phase or Phase.MENU
    state.lead = LeadDraft()
    state.return_phase = None
    replies = [_text(L(state, "已取消，没有保存任何联系方式。", "Cancelled; no contact details were kept."))]
    if back == Phase.SUMMARY:
        return replies + _summary(state, evaluate_state(state, today))
    if back in (Phase.ASK, Phase.TOPICS):
        state.phase = back
        return replies + _reask(state)
    return replies + _menu(state)


# ---------------------------------------------------------------- commands


def _start(state: State, args: str, today: dt.date) -> tuple[State, list[Reply]]:
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
            replies = [_text(detail_text(evaluate_state(fresh, today), number, fresh.lang))]
            if topic is not None:
                _apply_topics(fresh, [topic.id])
                fresh.history.append(Asked(ref="@topics", answered=True, value=[topic.id]))
                return fresh, replies + _advance(fresh, today)
            return fresh, replies + _menu(fresh)
    return fresh, _menu(fresh)


def _command(state: State, name: str, args: str, today: dt.date) -> tuple[State, list[Reply]]:
    if name == "start":
        return _start(state, args, today)
    if name in ("menu",):
        return state, _menu(state)
    if name == "help":
        return state, _help(state) + _reask(state)
    if name == "restart":
        fresh = new_state(state.lang)
        fresh.campaign = state.campaign
        return fresh, [_text(L(state, "已重新开始。", "Started over.")), *_advance(fresh, today)]
    if name in ("lang", "lang_en", "lang_zh"):
        target = "en" if name == "lang_en" else "zh" if name == "lang_zh" else (args.strip().lower()[:2] if args.strip() else ("en" if state.lang == "zh" else "zh"))
        state.lang = "en" if target == "en" else "zh"
        note = _text(L(state, "已切换为中文。", "Switched to English."))
        if state.phase in (Phase.ASK, Phase.TOPICS):
            return state, [note, *_reask(state)]
        if state.phase == Phase.SUMMARY:
            return state, [note, *_summary(state, evaluate_state(state, today))]
        return state, [note, *_menu(state)]
    if name == "cancel":
        if state.phase.value.startswith("lead_"):
            return state, _lead_cancel(state, today)
        if state.phase == Phase.DELETE_CONFIRM:
            state.phase = state.return_phase or Phase.MENU
            state.return_phase = None
            return state, [_text(L(state, "已取消。", "Cancelled.")), *(_reask(state) or _menu(state))]
        return state, [_text(L(state, "已取消。", "Cancelled.")), *_menu(state)]
    if name == "contact":
        return state, _lead_start(state)
    if name == "delete":
        state.return_phase = state.phase
        state.phase = Phase.DELETE_CONFIRM
        return state, [
            _question(
                L(state, "确定删除你在这里的全部个人数据（回答、测评结果、联系方式）吗？删除后无法恢复。", "Delete all your personal data here (answers, results, contact details)? This cannot be undone."),
                [Choice(id="del:yes", label=L(state, "确定删除", "Delete")), Choice(id="del:no", label=L(state, "取消", "Cancel"))],
            )
        ]
    if name in ("summary",):
        if not state.topics and state.enterprise.get("zone") is None:
            return state, [_text(L(state, "还没有开始测评。", "No screening yet.")), *_advance(state, today)]
        return state, _summary(state, evaluate_state(state, today))
    if name == "pdf":
        report = evaluate_state(state, today)
        return state, [
            Reply(kind="attachment", attachment="report_pdf", payload={"report": report_to_json(report), "profile": profile_of(state).model_dump(mode="json"), "lang": state.lang}),
        ]
    if name == "change":
        return state, _change_list(state)
    if name == "detail":
        m = re.fullmatch(r"\s*(\d{1,2})\s*(?::(\S*))?", args)
        if not m:
            return state, [_text(L(state, "请写明条号，例如 /detail 27", "Give a number, e.g. /detail 27"))]
        report = evaluate_state(state, today)
        return state, [_text(detail_text(report, int(m.group(1)), state.lang, m.group(2) or None))]
    if name in ("screen",):
        return state, _advance(state, today)
    if name == "ask":
        state.phase = Phase.FAQ
        return state, [_text(L(state, "请直接输入你的问题，例如“光伏怎么奖励？”“什么是三同时？”", "Type your question, e.g. \"How is solar rewarded?\""))]
    if state.phase in (Phase.ASK, Phase.TOPICS):
        if name == "back":
            return state, _back(state)
        if name in ("skip", "unknown") and state.current is not None:
            asked = state.current
            if name == "skip":
                if asked.ref == "@kinds":
                    for ref in _kind_options(state):
                        _settle(state, ref, None)
                _record(state, asked, None, skipped=True)
                return state, _advance(state, today)
            return state, _mark_unknown(state, today)
        if name == "skip" and state.phase == Phase.TOPICS:
            _settle(state, "@topics", None)
            return state, _advance(state, today)
    if name == "back":
        if state.phase == Phase.SUMMARY and state.history:
            return state, _back(state)
        return state, _menu(state)
    return state, [_text(L(state, "这个命令现在用不了。发送 /help 查看可用命令。", "That command is not available now. Send /help to see the commands.")), *_reask(state)]


def _back(state: State) -> list[Reply]:
    if not state.history:
        return [_text(L(state, "已经是第一个问题了。", "This is the first question.")), *_reask(state)]
    prev = state.history.pop()
    key = _key(prev.ref, prev.project_id)
    state.settled = [s for s in state.settled if s != key]
    if prev.ref == "@topics":
        state.topic_selection = list(state.topics)
        state.topics = []
        return _ask_topics(state)
    if prev.ref == "@kinds":
        return _ask_kinds_again(state)
    if prev.ref.startswith("@sub:"):
        return _ask_sub(state, prev.ref[5:], [p["id"] for p in state.projects if p["id"] in TEMPLATE_BY_ID and TEMPLATE_BY_ID[p["id"]] in TOPIC_BY_ID[prev.ref[5:]].projects])
    return _ask(state, Asked(ref=prev.ref, project_id=prev.project_id))


# ---------------------------------------------------------------- step


def step(state: State, event: Event, today: dt.date | None = None) -> tuple[State, list[Reply]]:
    """Take one user event; return the new state and what to show or do."""
    today = today or dt.date.today()
    state = state.model_copy(deep=True)
    if event.kind == "text":
        text = event.text.strip()
        if not text:
            return state, [_text(L(state, "请输入文字，或点选按钮。", "Please type something or tap a button.")), *_reask(state)]
        if len(text) > MAX_TEXT:
            return state, [_text(L(state, f"消息太长了（超过{MAX_TEXT}字），请简短一些。", f"That message is too long (over {MAX_TEXT} characters); please shorten it.")), *_reask(state)]
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
            return state, [_text(L(state, "没有这个命令。发送 /help 查看可用命令。", "Unknown command. Send /help to see the commands.")), *_reask(state)]
        return _command(state, name, event.args, today)
    if event.kind == "button":
        return state, _button(state, event, today)
    return state, _text_event(state, event, today)


def _button(state: State, event: Event, today: dt.date) -> list[Reply]:
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
            return [_text(L(state, "请直接输入你的问题，例如“光伏怎么奖励？”“什么是三同时？”", "Type your question, e.g. \"How is solar rewarded?\""))]
        if key == "contact":
            return _lead_start(state)
        if key == "lang":
            _, replies = _command(state, "lang", "", today)
            return replies
    if data.startswith("faq:"):
        return _faq_button(state, data, today)
    if data.startswith("d:"):
        parts = data.split(":")
        if len(parts) >= 2 and parts[1].isdigit():
            report = evaluate_state(state, today)
            return [_text(detail_text(report, int(parts[1]), state.lang, (parts[2] if len(parts) > 2 else "") or None))]
    if data.startswith("chg:") and data[4:].isdigit():
        return _change_pick(state, int(data[4:]), today)
    if data.startswith("lead:") and state.phase.value.startswith("lead_"):
        key = data[5:]
        if key == "yes" and state.phase == Phase.LEAD_CONSENT:
            state.lead = LeadDraft(consent=True)
            state.phase = Phase.LEAD_COMPANY
            return _lead_prompt(state)
        if key == "no" and state.phase == Phase.LEAD_CONSENT:
            return _lead_cancel(state, today)
        if key == "ok" and state.phase == Phase.LEAD_CONFIRM:
            return _lead_submit(state, today)
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
                _text(L(state, "你的个人数据已全部删除。发送 /start 可以重新开始。", "All your personal data has been deleted. Send /start to begin again.")),
            ]
        state.phase = state.return_phase or Phase.MENU
        state.return_phase = None
        return [_text(L(state, "已取消，数据未删除。", "Cancelled; nothing was deleted.")), *(_reask(state) or _menu(state))]
    if state.phase == Phase.TOPICS and (data.startswith("t:") or data == "done"):
        return _take_topics(state, event, today)
    if state.phase == Phase.ASK and state.current is not None:
        if state.current.ref == "@kinds" and (data.startswith("k:") or data == "done"):
            return _take_kinds(state, event, today)
        if state.current.ref.startswith("@sub:") and (data.startswith("s:") or data == "done"):
            return _take_sub(state, state.current.ref[5:], event, today)
        if data.startswith("a:") and data in _answer_ids(state.current):
            return _take_answer(state, event, today)
    return [_text(L(state, "这个按钮已经过期了，请看当前的问题：", "That button is out of date; here is the current question:")), *(_reask(state) or _menu(state))]


def _text_event(state: State, event: Event, today: dt.date) -> list[Reply]:
    text = event.text.strip()
    if state.phase.value.startswith("lead_"):
        if state.phase in (Phase.LEAD_CONSENT, Phase.LEAD_CONFIRM):
            yes = parse.parse_bool(text)
            if state.phase == Phase.LEAD_CONSENT and isinstance(yes, bool):
                return _button(state, Event(kind="button", data="lead:yes" if yes else "lead:no"), today)
            if state.phase == Phase.LEAD_CONFIRM and yes is True:
                return _lead_submit(state, today)
            return [_text(L(state, "请点选按钮，或回答“同意/不同意”。", "Please tap a button or answer yes/no."))]
        return _lead_text(state, text, today)
    if state.phase == Phase.DELETE_CONFIRM:
        yes = parse.parse_bool(text)
        if isinstance(yes, bool):
            return _button(state, Event(kind="button", data="del:yes" if yes else "del:no"), today)
        return [_text(L(state, "请回答“确定”或“取消”。", "Please answer yes or no."))]
    if state.phase == Phase.TOPICS:
        return _take_topics(state, event, today)
    if state.phase == Phase.ASK and state.current is not None:
        return _take_answer(state, event, today)
    if state.phase == Phase.START:
        faq_replies = _faq_if_question(state, text, event.staff)
        return faq_replies + _menu(state) if faq_replies else _menu(state)
    if state.phase == Phase.CHANGE and (m := re.fullmatch(r"(?:第)?\s*(\d{1,3})\s*(?:项|个|条)?", text)):
        return _change_pick(state, int(m.group(1)) - 1, today)
    if state.phase == Phase.SUMMARY and (m := _DETAIL_TYPED.fullmatch(text)):
        number = int(m.group(1) or m.group(2))
        return [_text(detail_text(evaluate_state(state, today), number, state.lang))]
    return _faq_answer(state, text, event.staff)


# "27", "第27条", "第27条详情", "详情27", "detail 27": the typed form of a result's detail button.
_DETAIL_TYPED = re.compile(r"(?:第\s*)?(\d{1,2})\s*(?:条)?\s*(?:详情|细节|明细)?|(?:详情|细节|details?|measure)\s*(?:第\s*)?(\d{1,2})\s*条?", re.IGNORECASE)


__all__ = ["evaluate_state", "load_state", "new_state", "profile_of", "step"]
