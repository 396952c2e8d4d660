"""What the user is shown next: the menu, the question on screen, the result."""

from __future__ import annotations

import re

from dialogs import commands
from dialogs.answers import L, is_settled, kind_options, show_value
from dialogs.build import button, reply_question, reply_text
from dialogs.protocol import Command, Detail, MenuItem, OutsideZone
from dialogs.questions import question_for, topics_question
from dialogs.refs import Pseudo, sub_ref, sub_topic
from dialogs.render import fact_label, summary_rows, summary_text
from dialogs.topics import TOPIC_BY_ID
from dialogs.types import Asked, Phase, QuestionReply, Reply, State, TextReply
from rules.loader import latest_rulebook, load_catalog
from rules.report import Report

__all__ = ["reply_question", "reply_text"]


def menu(state: State) -> list[Reply]:
    """Show what the assistant can do (the start menu becomes the screen)."""
    state.phase = Phase.MENU
    return [menu_question(state)]


def menu_question(state: State) -> QuestionReply:
    """Build the start menu."""
    text = L(
        state,
        "您好！我是**亦庄绿策**，帮经开区企业对照《北京经济技术开发区促进绿色低碳高质量发展若干措施》（京技管发〔2025〕11号）的40条措施：\n"
        "• 看看您能申请哪些奖励、各多少钱、怎么兑现、要准备什么\n• 直接问政策问题\n• 留下联系方式，由工作人员跟进\n\n"
        "随时可以输入：返回、跳过、不知道、结果、修改、重新开始、English。",
        "Hello! I am **E-Town Green Policy Assistant**. I check your enterprise against the 40 measures of BDA's green low-carbon policy (京技管发〔2025〕11号):\n"
        "• which awards you can apply for, how much, how they are paid, what to prepare\n• answer your policy questions\n• pass your contact to BDA staff\n\n"
        "At any time type: back, skip, don't know, summary, change, restart, 中文.",
    )
    return reply_question(
        text,
        [
            button(MenuItem("screen"), L(state, "🔍 测一测能拿多少奖励", "🔍 Check my awards")),
            button(MenuItem("ask"), L(state, "💬 问一个政策问题", "💬 Ask a question")),
            button(MenuItem("contact"), L(state, "📇 留下联系方式", "📇 Leave my contact")),
            button(MenuItem("lang"), "English" if state.lang == "zh" else "中文"),
        ],
    )


def help_replies(state: State) -> list[Reply]:
    """Explain the commands (listed from the command table)."""
    head = L(state, "**可以这样用**", "**How to use me**")
    tail = L(
        state,
        "也可以随时直接提问，例如“光伏怎么奖励？”。数字可以这样写：500千瓦、0.5兆瓦、1.2亿、三百万元、30%。",
        'You can also ask a question at any time, e.g. "How is solar PV rewarded?". '
        "Figures like 500 kW, 0.5 MW, 1.2亿, 30% are understood.",
    )
    return [reply_text("\n".join([head, *commands.help_lines(state.lang), tail]))]


# ---------------------------------------------------------------- which question is on screen


def enter(state: State, asked: Asked, selection: list[str] | None = None) -> None:
    """Make `asked` the question on screen: the one place a question changes the state.

    A multi-select starts from `selection`, or from what the answers so far already say.
    """
    state.phase = Phase.ASK
    state.current = asked
    if (tid := sub_topic(asked.ref)) is not None:
        state.topic_selection = default_sub_selection(state, tid) if selection is None else selection
    elif asked.ref == Pseudo.KINDS:
        if selection is None:
            selection = [
                r.split(".", 1)[1]
                for r in kind_options(state)
                if state.enterprise.get(r.split(".", 1)[1]) is True
            ]
        state.topic_selection = selection


def ask(state: State, asked: Asked, selection: list[str] | None = None) -> list[Reply]:
    """Show one question (and make it the current one)."""
    enter(state, asked, selection)
    return [question_for(state, asked)]


def ask_zone(state: State) -> list[Reply]:
    """Ask where the enterprise operates."""
    return ask(state, Asked(ref="enterprise.zone"))


def ask_topics(state: State) -> list[Reply]:
    """Ask what the enterprise did or plans, as a multi-select."""
    state.phase = Phase.TOPICS
    if not state.topic_selection and state.topics:
        state.topic_selection = list(state.topics)
    return [topics_question(state)]


def ask_sub(state: State, tid: str, selected: list[str] | None = None) -> list[Reply]:
    """Ask which of a topic's projects the enterprise has, so the others are never asked about."""
    return ask(state, Asked(ref=sub_ref(tid)), selected)


def ask_kinds_again(state: State) -> list[Reply]:
    """Show the kinds question with the current selection ticked."""
    return ask(state, Asked(ref=Pseudo.KINDS), list(state.topic_selection))


def reask(state: State) -> list[Reply]:
    """Show the current question again, as it stands (ticks kept)."""
    if state.phase == Phase.TOPICS:
        return [topics_question(state)]
    if state.current is not None:
        return [question_for(state, state.current)]
    return []


def default_sub_selection(state: State, tid: str) -> list[str]:
    """Return the projects of a topic already chosen (none before the question was first answered)."""
    topic = TOPIC_BY_ID[tid]
    ref = sub_ref(tid)
    if not is_settled(state, ref, None) and not any(h.ref == ref for h in state.history):
        return []
    present = {p["id"] for p in state.projects}
    return [p.id for p in topic.projects if p.id in present and p.id not in state.excluded_projects]


# ---------------------------------------------------------------- result and what follows


def show_summary(state: State, report: Report) -> list[Reply]:
    """Show the result and the buttons that lead on from it (the result becomes the screen)."""
    state.phase = Phase.SUMMARY
    state.current = None
    state.finished = True
    return [summary_question(state, report)]


def summary_question(state: State, report: Report) -> QuestionReply:
    """Build the result with its buttons."""
    rows = [r for r in summary_rows(report) if r.status != "ineligible"][:8]
    choices = [
        button(
            Detail(r.number, r.project_id or ""),
            L(state, f"第{r.number}条详情", f"Measure {r.number} details"),
        )
        for r in rows
    ]
    choices += [
        button(Command("change"), L(state, "✏️ 修改答案", "✏️ Change an answer")),
        button(Command("contact"), L(state, "📇 留下联系方式", "📇 Leave my contact")),
        button(Command("pdf"), L(state, "📄 PDF报告", "📄 PDF report")),
        button(Command("restart"), L(state, "🔄 重新开始", "🔄 Start over")),
    ]
    return reply_question(summary_text(report, state.lang), choices, columns=2)


def echo(state: State, ref: str, value: object) -> TextReply:
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
            button(Command("summary"), L(state, "📋 查看结果", "📋 Show the result")),
            button(Command("contact"), L(state, "📇 留下联系方式", "📇 Leave my contact")),
        ]
    else:
        choices = [
            button(MenuItem("screen"), L(state, "🔍 测一测能拿多少奖励", "🔍 Check my awards")),
            button(MenuItem("contact"), L(state, "📇 留下联系方式", "📇 Leave my contact")),
        ]
    # An offer beside whatever is on screen: the menu or question above keeps working.
    return [reply_question(L(state, "您还可以：", "You can also:"), choices, aside=True)]


def outside_stop(state: State) -> list[Reply]:
    """Stop the screening for an enterprise outside Yizhuang New Town (the stop becomes the screen)."""
    state.phase = Phase.OUTSIDE
    state.current = None
    return [outside_question(state)]


def outside_question(state: State) -> QuestionReply:
    """Quote 七(一) and say what the user can still do."""
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
        button(MenuItem("ask"), L(state, "💬 问一个政策问题", "💬 Ask a question")),
        button(Command("contact"), L(state, "📇 留下联系方式", "📇 Leave my contact")),
        button(Command("pdf"), L(state, "📄 PDF说明", "📄 PDF note")),
        button(OutsideZone(), L(state, "↩ 重新选择经营区域", "↩ Choose the zone again")),
    ]
    return reply_question(text, choices)
