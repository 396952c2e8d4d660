"""What the user is shown next: the menu, each question, the result."""

from __future__ import annotations

import re

from dialogs.answers import (
    L,
    get_fact,
    is_settled,
    kind_options,
    project_name,
    show_value,
)
from dialogs.render import fact_label, summary_rows, summary_text, tx
from dialogs.topics import REPEATABLE, TOPIC_BY_ID, TOPICS, base_template
from dialogs.types import Asked, Choice, Phase, Reply, State
from rules.loader import latest_rulebook, load_catalog
from rules.report import Report


def reply_text(text: str) -> Reply:
    """Build a plain message."""
    return Reply(kind="text", text=text)


def reply_question(
    text: str,
    choices: list[Choice],
    *,
    multi: bool = False,
    selected: list[str] | None = None,
    columns: int = 1,
    aside: bool = False,
) -> Reply:
    """Build a question with buttons (an aside keeps the main question's buttons working)."""
    return Reply(
        kind="question",
        text=text,
        choices=choices,
        multi=multi,
        selected=selected or [],
        columns=columns,
        aside=aside,
    )


def nav_choices(state: State, *, unknown: bool = True, skip: bool = True) -> list[Choice]:
    """Return the don't-know, skip and back buttons of a question."""
    out = []
    if unknown:
        out.append(Choice(id="cmd:unknown", label=L(state, "不知道", "Don't know")))
    if skip:
        out.append(Choice(id="cmd:skip", label=L(state, "跳过", "Skip")))
    if state.history:
        out.append(Choice(id="cmd:back", label=L(state, "⬅ 上一步", "⬅ Back")))
    return out


def menu(state: State) -> list[Reply]:
    """Show what the assistant can do."""
    state.phase = Phase.MENU
    text = L(
        state,
        "您好！我是**亦庄绿策**，帮经开区企业对照《北京经济技术开发区促进绿色低碳高质量发展若干措施》（京技管发〔2025〕11号）的40条措施：\n"
        "• 看看您能申请哪些奖励、各多少钱、怎么兑现、要准备什么\n• 直接问政策问题\n• 留下联系方式，由工作人员跟进\n\n"
        "随时可以输入：返回、跳过、不知道、结果、修改、重新开始、English。",
        "Hello! I am **E-Town Green Policy Assistant**. I check your enterprise against the 40 measures of BDA's green low-carbon policy (京技管发〔2025〕11号):\n"
        "• which awards you can apply for, how much, how they are paid, what to prepare\n• answer your policy questions\n• pass your contact to BDA staff\n\n"
        "At any time type: back, skip, don't know, summary, change, restart, 中文.",
    )
    return [
        reply_question(
            text,
            [
                Choice(id="menu:screen", label=L(state, "🔍 测一测能拿多少奖励", "🔍 Check my awards")),
                Choice(id="menu:ask", label=L(state, "💬 问一个政策问题", "💬 Ask a question")),
                Choice(id="menu:contact", label=L(state, "📇 留下联系方式", "📇 Leave my contact")),
                Choice(id="menu:lang", label="English" if state.lang == "zh" else "中文"),
            ],
        )
    ]


def help_replies(state: State) -> list[Reply]:
    """Explain the commands."""
    return [
        reply_text(
            L(
                state,
                "**可以这样用**\n/start 开始或回到菜单\n/back 返回上一步（已答内容保留）\n/skip 跳过本题\n“不知道” 本题留空\n/summary 查看结果\n"
                "/change 修改某个回答\n/restart 重新开始\n/lang 切换中文/English\n/contact 留下联系方式\n/delete 删除我的个人数据\n/cancel 取消当前操作\n"
                "也可以随时直接提问，例如“光伏怎么奖励？”。数字可以这样写：500千瓦、0.5兆瓦、1.2亿、三百万元、30%。",
                '**How to use me**\n/start start or back to the menu\n/back previous question (answers are kept)\n/skip skip this question\n"don\'t know" leaves it open\n/summary show the result\n'
                "/change change an answer\n/restart start over\n/lang 中文/English\n/contact leave your contact\n/delete delete my personal data\n/cancel cancel the current step\n"
                'You can also ask a question at any time, e.g. "How is solar PV rewarded?". Figures like 500 kW, 0.5 MW, 1.2亿, 30% are understood.',
            )
        )
    ]


def ask_zone(state: State) -> list[Reply]:
    """Ask where the enterprise operates, explaining the two areas of 七(一)."""
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
    current = get_fact(state, "enterprise.zone", None)
    if current:
        text += L(
            state,
            f"\n（当前回答：{show_value(state, 'enterprise.zone', current)}）",
            f"\n(current answer: {show_value(state, 'enterprise.zone', current)})",
        )
    return [reply_question(text, choices)]


def ask_topics(state: State) -> list[Reply]:
    """Ask what the enterprise did or plans, as a multi-select."""
    state.phase = Phase.TOPICS
    if not state.topic_selection and state.topics:
        state.topic_selection = list(state.topics)
    text = L(
        state,
        "**第2步：贵单位做了或打算做哪些事？**（可多选，选好后点“完成”；也可以直接输入，如“光伏、车辆”）",
        '**Step 2: what have you done or plan to do?** (choose any, then Done; or type e.g. "solar, vehicles")',
    )
    choices = [Choice(id=f"t:{t.id}", label=(t.en if state.lang == "en" else t.zh)) for t in TOPICS]
    choices.append(Choice(id="done", label=L(state, "✔ 完成", "✔ Done")))
    if state.history:
        choices.append(Choice(id="cmd:back", label=L(state, "⬅ 上一步", "⬅ Back")))
    return [
        reply_question(
            text, choices, multi=True, selected=[f"t:{s}" for s in state.topic_selection], columns=2
        )
    ]


def ask_sub(state: State, tid: str, selected: list[str] | None = None) -> list[Reply]:
    """Ask which of a topic's projects the enterprise has, so the others are never asked about."""
    topic = TOPIC_BY_ID[tid]
    state.phase = Phase.ASK
    state.current = Asked(ref=f"@sub:{tid}")
    if selected is None:
        present = {p["id"] for p in state.projects}
        selected = [p.id for p in topic.projects if p.id in present and p.id not in state.excluded_projects]
        if not is_settled(state, f"@sub:{tid}", None) and not any(
            h.ref == f"@sub:{tid}" for h in state.history
        ):
            selected = []
    state.topic_selection = selected
    name = topic.en if state.lang == "en" else topic.zh
    text = L(
        state,
        f"“{name}”方面，具体是哪几项？（可多选，选好后点“完成”）",
        f'For "{name}", which of these apply? (choose any, then Done)',
    )
    choices = [Choice(id=f"s:{p.id}", label=(p.en if state.lang == "en" else p.zh)) for p in topic.projects]
    choices.append(Choice(id="done", label=L(state, "✔ 完成", "✔ Done")))
    choices += nav_choices(state, skip=False)
    return [reply_question(text, choices, multi=True, selected=[f"s:{x}" for x in selected])]


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


def ask_more(state: State, asked: Asked) -> list[Reply]:
    """Ask whether another batch or item follows, entered on its own ("再添加一批")."""
    state.phase = Phase.ASK
    state.current = asked
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
        Choice(id="a:yes", label=L(state, f"➕ 再添加一{unit_zh}", f"➕ Add another {unit_en}")),
        Choice(id="a:no", label=L(state, "没有了", "No more")),
        *nav_choices(state, unknown=False, skip=False),
    ]
    return [reply_question(text, choices)]


def _compound_basic_text(state: State) -> str:
    """Word the combined question on the basic conditions of 七(二)2."""
    return L(
        state,
        "近三年，企业有没有以下任一情况？\n① 重大行政处罚公示信息\n② 刑事犯罪记录\n③ 被列入严重违法失信主体名单\n④ 重大生产安全事故\n⑤ 突发环境事件\n（七(二)2：有任一情况即不能申报）",
        "In the last three years, has the enterprise had any of these?\n① a published major administrative penalty\n② a criminal record\n③ listing as a seriously dishonest entity\n④ a major work-safety accident\n⑤ an environmental emergency\n(七(二)2: any one of them rules out all awards)",
    )


def ask(state: State, asked: Asked) -> list[Reply]:
    """Show one question."""
    state.phase = Phase.ASK
    state.current = asked
    catalog = load_catalog()
    if asked.ref == "enterprise.zone":
        return ask_zone(state)
    if asked.ref.startswith("@sub:"):
        return ask_sub(state, asked.ref[5:])
    if asked.ref == "@more":
        return ask_more(state, asked)
    if asked.ref == "@basic":
        choices = [
            Choice(id="a:none", label=L(state, "都没有", "None of these")),
            Choice(id="a:some", label=L(state, "有其中一项或几项", "Yes, one or more")),
            *nav_choices(state, skip=False),
        ]
        return [reply_question(_compound_basic_text(state), choices)]
    if asked.ref == "@exclusions":
        names = L(state, "、", ", ").join(project_name(state, p["id"]) for p in state.projects)
        text = L(
            state,
            f"您的这些项目（{names}）中，有没有属于以下情况的？\n① 建设项目环境保护“三同时”项目（新建、改建、扩建项目的污染防治设施与主体工程同时设计、同时施工、同时投产）\n② 使用政府财政资金投资建设的项目\n（七(二)5：这类项目不列入支持范围）",
            f'Are any of your projects ({names}) one of these?\n① a project under the environmental "three simultaneities" rule (pollution controls designed, built and commissioned with a new, rebuilt or extended main project)\n② a project built with government fiscal funds\n(七(二)5: such projects are not supported)',
        )
        choices = [
            Choice(id="a:none", label=L(state, "都不属于", "None")),
            Choice(id="a:some", label=L(state, "有", "Some are")),
            *nav_choices(state, skip=False),
        ]
        return [reply_question(text, choices)]
    if asked.ref == "@kinds":
        options = kind_options(state)
        text = L(
            state,
            "企业属于以下哪些类型？（可多选，选好后点“完成”；都不是就直接点“完成”）",
            "Which of these describe the enterprise? (choose any, then Done; none → just Done)",
        )
        helps = [f"• {tx(catalog[r].label, state.lang)}：{L(state, *WHY[r])}" for r in options if r in WHY]
        if helps:
            text += "\n" + "\n".join(helps)
        choices = [
            Choice(id=f"k:{r.split('.', 1)[1]}", label=tx(catalog[r].label, state.lang)) for r in options
        ]
        choices.append(Choice(id="done", label=L(state, "✔ 完成", "✔ Done")))
        if state.history:
            choices.append(Choice(id="cmd:back", label=L(state, "⬅ 上一步", "⬅ Back")))
        selected = [c.id for c in choices if c.id.startswith("k:") and state.enterprise.get(c.id[2:]) is True]
        state.topic_selection = [s[2:] for s in selected]
        return [reply_question(text, choices, multi=True, selected=selected)]
    info = catalog[asked.ref]
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
            Choice(id="a:yes", label=L(state, "是", "Yes")),
            Choice(id="a:no", label=L(state, "否", "No")),
            *nav_choices(state),
        ]
        return [reply_question(text, choices, columns=2)]
    if info.options:
        choices = [Choice(id=f"a:{k}", label=tx(v, state.lang)) for k, v in info.options.items()]
        return [reply_question(text, [*choices, *nav_choices(state)])]
    example = _EXAMPLES.get(info.unit, ("", ""))
    text += "\n" + L(state, f"请直接输入，例如：{example[0]}", f"Type the figure, e.g. {example[1]}")
    return [reply_question(text, nav_choices(state))]


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


def show_summary(state: State, report: Report) -> list[Reply]:
    """Show the result and the buttons that lead on from it."""
    state.phase = Phase.SUMMARY
    state.current = None
    state.finished = True
    rows = [r for r in summary_rows(report) if r.status != "ineligible"][:8]
    choices = [
        Choice(
            id=f"d:{r.number}:{r.project_id or ''}",
            label=L(state, f"第{r.number}条详情", f"Measure {r.number} details"),
        )
        for r in rows
    ]
    choices += [
        Choice(id="cmd:change", label=L(state, "✏️ 修改答案", "✏️ Change an answer")),
        Choice(id="cmd:contact", label=L(state, "📇 留下联系方式", "📇 Leave my contact")),
        Choice(id="cmd:pdf", label=L(state, "📄 PDF报告", "📄 PDF report")),
        Choice(id="cmd:restart", label=L(state, "🔄 重新开始", "🔄 Start over")),
    ]
    return [reply_question(summary_text(report, state.lang), choices, columns=2)]


def reask(state: State) -> list[Reply]:
    """Show the current question again."""
    if state.phase == Phase.TOPICS:
        return ask_topics(state)
    if state.current is not None:
        return ask(state, state.current)
    return []


def ask_kinds_again(state: State) -> list[Reply]:
    """Show the kinds question with the current selection ticked."""
    selected = list(state.topic_selection)
    replies = ask(state, Asked(ref="@kinds"))
    state.topic_selection = selected
    q = replies[0]
    return [q.model_copy(update={"selected": [f"k:{s}" for s in selected]})]


def echo(state: State, ref: str, value: object) -> Reply:
    """Say back a typed answer with its unit ("记下了：500 千瓦"), so a misread is seen at once."""
    shown = show_value(state, ref, value)
    info = load_catalog().get(ref)
    if info is not None and info.unit not in ("bool", "choice", "yuan", "ratio"):
        # A space between the figure and its unit, as on a form: "500 千瓦".
        shown = re.sub(r"^([\d.,]+)\s*(?=[^\d.,\s])", r"\1 ", shown)
    label = fact_label(ref, state.lang)
    return reply_text(L(state, f"记下了：{shown}（{label}）", f"Noted: {shown} ({label})"))


def next_steps(state: State) -> list[Reply]:
    """Offer what the user can do from here, where no question is waiting."""
    if state.phase == Phase.SUMMARY:
        choices = [
            Choice(id="cmd:summary", label=L(state, "📋 查看结果", "📋 Show the result")),
            Choice(id="cmd:contact", label=L(state, "📇 留下联系方式", "📇 Leave my contact")),
        ]
    else:
        choices = [
            Choice(id="menu:screen", label=L(state, "🔍 测一测能拿多少奖励", "🔍 Check my awards")),
            Choice(id="menu:contact", label=L(state, "📇 留下联系方式", "📇 Leave my contact")),
        ]
    # An offer beside whatever is on screen: the menu or question above keeps working.
    return [reply_question(L(state, "您还可以：", "You can also:"), choices, aside=True)]


def outside_stop(state: State) -> list[Reply]:
    """Stop the screening for an enterprise outside Yizhuang New Town, quoting 七(一)."""
    state.phase = Phase.OUTSIDE
    state.current = None
    scopes = latest_rulebook().chapter7.scopes
    quotes = "\n".join(f"{i}. {cite}" for i, scope in enumerate(scopes.values(), 1) for cite in scope.cite)
    text = L(
        state,
        "**本政策不适用于亦庄新城以外的企业。**\n京技管发〔2025〕11号 七(一) 适用范围：\n"
        f"{quotes}\n\n"
        "所以不再往下测评了。您仍然可以：\n• 直接输入政策问题\n• 留下联系方式，由工作人员联系您\n"
        "• 如果选错了经营区域，点“重新选择经营区域”",
        "**This policy does not apply to enterprises outside Yizhuang New Town.**\n"
        "京技管发〔2025〕11号 七(一), scope (original text):\n"
        f"{quotes}\n\n"
        "So the screening stops here. You can still:\n• type a policy question\n"
        "• leave your contact for BDA staff\n• choose the zone again if it was wrong",
    )
    choices = [
        Choice(id="menu:ask", label=L(state, "💬 问一个政策问题", "💬 Ask a question")),
        Choice(id="cmd:contact", label=L(state, "📇 留下联系方式", "📇 Leave my contact")),
        Choice(id="cmd:pdf", label=L(state, "📄 PDF说明", "📄 PDF note")),
        Choice(id="out:zone", label=L(state, "↩ 重新选择经营区域", "↩ Choose the zone again")),
    ]
    return [reply_question(text, choices)]
