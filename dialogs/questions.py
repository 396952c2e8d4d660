"""The interview's questions, built from the state without changing it.

Wording comes from ``rules/data/facts.yaml`` (a fact's ``ask:``/``help:``); the questions about
several facts at once (七(二)2, 七(二)5, kinds of entity) and about the interview's own course
(topics, kinds of project, another batch) are worded here.
"""

from __future__ import annotations

from dialogs.answers import L, get_fact, kind_options, project_name, show_value
from dialogs.build import back_button, button, done_button, nav_choices, reply_question
from dialogs.protocol import Answer, Command, PickKind, PickProject, PickTopic
from dialogs.refs import Pseudo, sub_topic
from dialogs.render import tx
from dialogs.topics import REPEATABLE, TOPIC_BY_ID, TOPICS, base_template
from dialogs.types import Asked, QuestionReply, State
from rules.loader import load_catalog
from rules.measure_index import measures_for_zone, measures_in_scope


def measure_ranges(numbers: list[int], lang: str) -> str:
    """Write measure numbers as runs: "1–6、12–13、23–33、38"."""
    runs: list[tuple[int, int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    parts = [f"{a}–{b}" if a != b else str(a) for a, b in runs]
    if lang == "en":
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)
    return "、".join(parts)


# ---------------------------------------------------------------- the questions (built, not stored)


def question_for(state: State, asked: Asked) -> QuestionReply:
    """Build the question for `asked` from the state; the state is not changed."""
    if asked.ref == "enterprise.zone":
        return zone_question(state)
    if (tid := sub_topic(asked.ref)) is not None:
        return sub_question(state, tid)
    if asked.ref == Pseudo.MORE:
        return more_question(state, asked)
    if asked.ref == Pseudo.BASIC:
        return basic_question(state)
    if asked.ref == Pseudo.EXCLUSIONS:
        return exclusions_question(state)
    if asked.ref == Pseudo.KINDS:
        return kinds_question(state)
    return fact_question(state, asked)


def zone_question(state: State) -> QuestionReply:
    """Ask where the enterprise operates, explaining the two areas of 七(一) (chapter7.yaml)."""
    info = load_catalog()["enterprise.zone"]
    # 七(一) as chapter7.yaml and the measure files' `scope:` say (rules' public measure index).
    newtown = list(measures_in_scope("newtown225"))
    zh_list, en_list = measure_ranges(newtown, "zh"), measure_ranges(newtown, "en")
    total = len(measures_for_zone("core60"))
    text = L(
        state,
        f"**第1步：企业在哪里经营？**\n• **经开区60平方公里范围（含新扩区域内赋权管理的单位和园区）**：全部{total}条措施都适用\n"
        f"• **亦庄新城225平方公里内、但不在上述范围**：第{zh_list}条适用（七(一)）\n• 亦庄新城以外：本政策不适用",
        f"**Step 1: where does the enterprise operate?**\n• **BDA's 60 km² area (incl. units and parks in the extended areas under delegated management)**: all {total} measures apply\n"
        f"• **Within the 225 km² Yizhuang New Town but outside that area**: measures {en_list} apply (七(一))\n• Outside Yizhuang New Town: the policy does not apply",
    )
    assert info.options is not None
    choices = [button(Answer(k), tx(v, state.lang)) for k, v in info.options.items()]
    choices.append(button(Command("unknown"), L(state, "不确定", "Not sure")))
    current = get_fact(state, "enterprise.zone", None)
    if current:
        text += L(
            state,
            f"\n（当前回答：{show_value(state, 'enterprise.zone', current)}）",
            f"\n(current answer: {show_value(state, 'enterprise.zone', current)})",
        )
    return reply_question(text, choices)


def topics_question(state: State) -> QuestionReply:
    """Build the topics multi-select with the current ticks."""
    text = L(
        state,
        "**第2步：贵单位做了或打算做哪些事？**（可多选，选好后点“完成”；也可以直接输入，如“光伏、车辆”）",
        '**Step 2: what have you done or plan to do?** (choose any, then Done; or type e.g. "solar, vehicles")',
    )
    choices = [button(PickTopic(t.id), (t.en if state.lang == "en" else t.zh)) for t in TOPICS]
    choices.append(done_button(state))
    if state.history:
        choices.append(back_button(state))
    selected = [PickTopic(s).pack() for s in state.topic_selection]
    return reply_question(text, choices, multi=True, selected=selected, columns=2)


def sub_question(state: State, tid: str) -> QuestionReply:
    """Build the question of which of a topic's projects apply, with the current ticks."""
    topic = TOPIC_BY_ID[tid]
    name = topic.en if state.lang == "en" else topic.zh
    text = L(
        state,
        f"“{name}”方面，具体是哪几项？（可多选，选好后点“完成”）",
        f'For "{name}", which of these apply? (choose any, then Done)',
    )
    choices = [button(PickProject(p.id), (p.en if state.lang == "en" else p.zh)) for p in topic.projects]
    choices.append(done_button(state))
    choices += nav_choices(state, skip=False)
    selected = [PickProject(x).pack() for x in state.topic_selection]
    return reply_question(text, choices, multi=True, selected=selected)


# One line for words a non-expert may not know: what it means and why it is asked, from the text.
WHY: dict[str, tuple[str, str]] = {
    "enterprise.data_center": (
        "为什么问：未获得节能审查意见的数据中心项目不列入支持范围（七(二)5）；第29条重点支持数据中心参与绿电交易。",
        "Why: data-centre projects without an energy-saving review opinion are not supported (七(二)5); "
        "measure 29 favours data centres buying green power.",
    ),
    "enterprise.full_budget_unit": (
        "指经费全部由财政预算拨付的单位，多为机关和事业单位；为什么问：这类单位的锅炉改造按投资的100%支持（第10条）。",
        "A unit funded entirely from the fiscal budget (mostly agencies and public institutions). "
        "Why: their boiler retrofits are supported at 100% of the investment (measure 10).",
    ),
    "enterprise.key_vehicle_unit": (
        "为什么问：属于经开区重点用车单位的，申报车辆类奖励需安装门禁并联网（八(二)8）；不确定可以问工作人员。",
        "Why: BDA key vehicle-use units need a networked access gate to claim vehicle awards (八(二)8); "
        "ask BDA staff if unsure.",
    ),
}


def more_question(state: State, asked: Asked) -> QuestionReply:
    """Ask whether another batch or item follows, entered on its own ("再添加一批")."""
    tpl = base_template(asked.project_id or "")
    unit_zh, unit_en = REPEATABLE.get(tpl.id if tpl else "", ("批", "batch"))
    name = project_name(state, asked.project_id)
    if tpl is not None and tpl.id in ("vehicles", "leasing", "machinery"):
        example = L(
            state,
            "例如国四和国五的车混在一起，或几批车的价格、补贴不同",
            "e.g. China IV and China V vehicles together, or batches at different prices or subsidies",
        )
    elif tpl is not None and tpl.id == "green_manufacturing":
        example = L(
            state,
            "例如同时获得“绿色工厂”和“绿色供应链管理示范企业”两个称号",
            'e.g. both a "green factory" and a "green supply-chain management" title',
        )
    else:
        example = L(state, "例如另一个产品或另一项认证", "e.g. another product or certificate")
    text = L(
        state,
        f"【{name}】还有要分开填写的另一{unit_zh}吗？（{example}）",
        f"[{name}] Is there another {unit_en} to enter separately? ({example})",
    )
    choices = [
        button(Answer("yes"), L(state, f"➕ 再添加一{unit_zh}", f"➕ Add another {unit_en}")),
        button(Answer("no"), L(state, "没有了", "No more")),
        *nav_choices(state, unknown=False, skip=False),
    ]
    return reply_question(text, choices)


def basic_question(state: State) -> QuestionReply:
    """Ask the basic conditions of 七(二)2 as one question."""
    text = L(
        state,
        "近三年，企业有没有以下任一情况？\n① 重大行政处罚公示信息\n② 刑事犯罪记录\n③ 被列入严重违法失信主体名单\n④ 重大生产安全事故\n⑤ 突发环境事件\n（七(二)2：有任一情况即不能申报）",
        "In the last three years, has the enterprise had any of these?\n① a published major administrative penalty\n② a criminal record\n③ listing as a seriously dishonest entity\n④ a major work-safety accident\n⑤ an environmental emergency\n(七(二)2: any one of them rules out all awards)",
    )
    choices = [
        button(Answer("none"), L(state, "都没有", "None of these")),
        button(Answer("some"), L(state, "有其中一项或几项", "Yes, one or more")),
        *nav_choices(state, skip=False),
    ]
    return reply_question(text, choices)


def exclusions_question(state: State) -> QuestionReply:
    """Ask the exclusions of 七(二)5 for all projects at once."""
    names = L(state, "、", ", ").join(project_name(state, p["id"]) for p in state.projects)
    text = L(
        state,
        f"您的这些项目（{names}）中，有没有属于以下情况的？\n① 建设项目环境保护“三同时”项目（新建、改建、扩建项目的污染防治设施与主体工程同时设计、同时施工、同时投产）\n② 使用政府财政资金投资建设的项目\n（七(二)5：这类项目不列入支持范围）",
        f'Are any of your projects ({names}) one of these?\n① a project under the environmental "three simultaneities" rule (pollution controls designed, built and commissioned with a new, rebuilt or extended main project)\n② a project built with government fiscal funds\n(七(二)5: such projects are not supported)',
    )
    choices = [
        button(Answer("none"), L(state, "都不属于", "None")),
        button(Answer("some"), L(state, "有", "Some are")),
        *nav_choices(state, skip=False),
    ]
    return reply_question(text, choices)


def kinds_question(state: State) -> QuestionReply:
    """Ask which kinds of entity the enterprise is, with the current ticks."""
    catalog = load_catalog()
    options = kind_options(state)
    text = L(
        state,
        "企业属于以下哪些类型？（可多选，选好后点“完成”；都不是就直接点“完成”）",
        "Which of these describe the enterprise? (choose any, then Done; none → just Done)",
    )
    helps = [f"• {tx(catalog[r].label, state.lang)}：{L(state, *WHY[r])}" for r in options if r in WHY]
    if helps:
        text += "\n" + "\n".join(helps)
    choices = [button(PickKind(r.split(".", 1)[1]), tx(catalog[r].label, state.lang)) for r in options]
    choices.append(done_button(state))
    if state.history:
        choices.append(back_button(state))
    selected = [PickKind(s).pack() for s in state.topic_selection]
    return reply_question(text, choices, multi=True, selected=selected)


def fact_question(state: State, asked: Asked) -> QuestionReply:
    """Ask one fact of the catalogue, worded as in rules/data/facts.yaml."""
    info = load_catalog()[asked.ref]
    prefix = ""
    if asked.project_id:
        prefix = f"【{project_name(state, asked.project_id)}】"
    text = prefix + tx(info.ask, state.lang)
    if info.help:
        text += "\n" + tx(info.help, state.lang)
    if asked.ref in WHY:
        text += "\n" + L(state, *WHY[asked.ref])
    current = get_fact(state, asked.ref, asked.project_id)
    if current is not None:
        text += L(
            state,
            f"\n（当前回答：{show_value(state, asked.ref, current)}）",
            f"\n(current answer: {show_value(state, asked.ref, current)})",
        )
    if info.unit == "bool":
        choices = [
            button(Answer("yes"), L(state, "是", "Yes")),
            button(Answer("no"), L(state, "否", "No")),
            *nav_choices(state),
        ]
        return reply_question(text, choices, columns=2)
    if info.options:
        options = [button(Answer(k), tx(v, state.lang)) for k, v in info.options.items()]
        return reply_question(text, [*options, *nav_choices(state)])
    example = _EXAMPLES.get(info.unit, ("", ""))
    text += "\n" + L(state, f"请直接输入，例如：{example[0]}", f"Type the figure, e.g. {example[1]}")
    return reply_question(text, nav_choices(state))


def answer_ids(asked: Asked) -> set[str]:
    """Return the answer buttons a question offers (the options a press may pick)."""
    if asked.ref in (Pseudo.BASIC, Pseudo.EXCLUSIONS):
        return {Answer("none").pack(), Answer("some").pack()}
    if asked.ref == Pseudo.MORE:
        return {Answer("yes").pack(), Answer("no").pack()}
    info = load_catalog().get(asked.ref)
    if info is None:
        return set()
    if info.unit == "bool":
        return {Answer("yes").pack(), Answer("no").pack()}
    return {Answer(k).pack() for k in info.options or {}}


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
