"""Policy questions inside the conversation: answer, suggest, or log a miss and offer staff."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dialogs.asking import next_steps, reask
from dialogs.build import button, reply_question, reply_text
from dialogs.messages import t
from dialogs.protocol import FaqPick
from dialogs.types import FaqMiss, NotifyStaff, Phase, Reply, State

if TYPE_CHECKING:
    from dialogs.faq import FaqMatch


def faq_if_question(state: State, text: str, staff: bool = False) -> list[Reply]:
    """Answer text that reads as a question; nothing otherwise."""
    from dialogs import faq

    if not faq.looks_like_question(text):
        return []
    return faq_answer(state, text, staff)


def faq_answer(state: State, text: str, staff: bool = False, match: FaqMatch | None = None) -> list[Reply]:
    """Answer a policy question, suggest up to three, or log it as a miss."""
    from dialogs import faq

    if match is None:
        match = faq.load_faq().match(text, state.lang)
    if match.outcome == "answer" and match.entry is not None:
        answer = reply_text(faq.format_answer(match.entry, state.lang, staff=staff))
        # A question in several parts: the first answered here, the others one tap away.
        seen = {match.entry.id}
        extra = []
        for e in (*match.others, *match.suggestions):
            if e.id not in seen:
                seen.add(e.id)
                extra.append(e)
        if not extra:
            return [answer]
        choices = [button(FaqPick(e.id), faq_label(e.questions, state.lang)) for e in extra[:3]]
        offer = t("interview.faqflow.faq_answer.1", state.lang)
        return [answer, reply_question(offer, choices, aside=True)]
    if match.outcome == "suggest" and match.suggestions:
        choices = [button(FaqPick(e.id), faq_label(e.questions, state.lang)) for e in match.suggestions[:3]]
        state.faq_suggested = text[:500]
        return [reply_question(t("interview.faqflow.faq_answer.3", state.lang), choices, aside=True)]
    state.faq_pending = text[:500]
    return [
        FaqMiss(question=text[:500], lang=state.lang),
        reply_question(
            t("interview.faqflow.faq_answer.2", state.lang),
            [
                button(FaqPick(FaqPick.STAFF), t("interview.faqflow.faq_answer.4", state.lang)),
                button(FaqPick(FaqPick.NO), t("interview.faqflow.faq_answer.5", state.lang)),
            ],
            aside=True,
        ),
    ]


def faq_label(questions: tuple[str, ...], lang: str) -> str:
    """Pick a stored phrasing in the user's language for a suggestion button."""
    if lang == "en":
        english = [q for q in questions if not re.search(r"[\u4e00-\u9fff]", q)]
        if english:
            return english[0][:60]
    return questions[0][:60]


def faq_pick(state: State, action: FaqPick) -> list[Reply]:
    """Act on a FAQ suggestion or the offer to pass a question to staff."""
    from dialogs import faq

    if action.key == FaqPick.STAFF:
        question = state.faq_pending
        state.faq_pending = None
        if not question:
            return [
                reply_text(t("interview.faqflow.faq_pick.3", state.lang)),
                *resume(state),
            ]
        return [
            NotifyStaff(question=question),
            reply_text(t("interview.faqflow.faq_pick.1", state.lang)),
            *resume(state),
        ]
    if action.key == FaqPick.NO:
        state.faq_pending = None
        return [
            reply_text(t("interview.faqflow.faq_pick.2", state.lang)),
            *(resume(state) or next_steps(state)),
        ]
    try:
        entry = faq.load_faq().get(action.key)
    except KeyError:
        return [
            reply_text(t("interview.faqflow.faq_pick.4", state.lang)),
            *resume(state),
        ]
    return [reply_text(faq.format_answer(entry, state.lang)), *resume(state)]


def resume(state: State) -> list[Reply]:
    """Return to the question the user was on, if any."""
    if state.phase in (Phase.ASK, Phase.TOPICS):
        return reask(state)
    return []


def not_understood(state: State, text: str | None, staff: bool, message: str) -> list[Reply]:
    """Answer a typed question if it is one; otherwise say why and ask again."""
    if text is not None:
        faq = faq_if_question(state, text, staff)
        if faq:
            return faq + reask(state)
    return [reply_text(message), *reask(state)]


def faq_first(state: State, text: str, staff: bool = False) -> list[Reply]:
    """Answer text typed where no question waits: the FAQ decides, not the question marks.

    Text the FAQ knows ("屋顶光伏补贴", "储能补贴") is answered or met with suggestions; text it does
    not know is a miss only when it reads as a question, so "你好" is not logged for staff.
    """
    from dialogs import faq

    match = faq.load_faq().match(text, state.lang)
    if match.outcome in ("answer", "suggest") or faq.looks_like_question(text):
        return faq_answer(state, text, staff, match)
    return []
