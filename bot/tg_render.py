"""Dialog replies as Telegram messages: HTML text chunks and inline keyboards."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.markup import TELEGRAM_LIMIT, split_html, utf16_len
from bot.service import callback_data
from dialogs import Choice, Reply

SELECTED = "✅ "
NAV_PER_ROW = 3


def _is_nav(choice: Choice) -> bool:
    """Tell whether a choice is navigation (back, skip, don't know…) rather than an option."""
    return choice.id.startswith("cmd:")


def button_label(question: Reply, choice: Choice) -> str:
    """Return a button's label, with a tick on selected options of a multi-select."""
    if question.multi and choice.id in question.selected and choice.id != "done":
        return SELECTED + choice.label
    return choice.label


def keyboard(question: Reply) -> InlineKeyboardMarkup | None:
    """Lay out a question's choices: options by `columns`, then 完成/Done, then navigation."""
    if not question.choices:
        return None
    columns = max(1, min(question.columns or 1, 4))
    options: list[InlineKeyboardButton] = []
    done: list[InlineKeyboardButton] = []
    nav: list[InlineKeyboardButton] = []
    for index, choice in enumerate(question.choices):
        button = InlineKeyboardButton(
            button_label(question, choice), callback_data=callback_data(question, index)
        )
        if choice.id == "done":
            done.append(button)
        elif _is_nav(choice):
            nav.append(button)
        else:
            options.append(button)
    rows = [options[i : i + columns] for i in range(0, len(options), columns)]
    if done:
        rows.append(done)
    rows.extend(nav[i : i + NAV_PER_ROW] for i in range(0, len(nav), NAV_PER_ROW))
    return InlineKeyboardMarkup(rows)


def text_chunks(reply: Reply, lang: str) -> list[str]:
    """Render a reply's text as HTML messages within Telegram's limit (a question never goes empty)."""
    chunks = split_html(reply.text)
    if not chunks and reply.kind == "question":
        chunks = [html.escape("Please choose:" if lang == "en" else "请选择：")]
    return chunks


def answered_html(original_html: str, label: str) -> str | None:
    """Return the question's text with the chosen answer appended, or None if that would be too long."""
    if not label:
        return None
    text = f"{original_html}\n\n» <b>{html.escape(label, quote=False)}</b>"
    return text if utf16_len(text) <= TELEGRAM_LIMIT else None
