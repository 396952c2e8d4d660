"""Dialog replies as Telegram messages: HTML text chunks and inline keyboards."""

from __future__ import annotations

import html
import unicodedata

from bot.markup import TELEGRAM_LIMIT, split_html, utf16_len
from dialogs import Choice, QuestionReply, TextReply
from dialogs.live import ButtonPress, question_tag
from dialogs.messages import t
from dialogs.protocol import Command, Done, unpack

SELECTED = "✅ "
NAV_PER_ROW = 3
# How much label fits across a phone's keyboard row, in half-width cells (a Chinese character
# takes two); a row with more is cut off with "…" on a phone, so long labels get a row each.
ROW_CELLS = 36
BUTTON_PADDING = 3


Button = dict[str, str]


def label_cells(label: str) -> int:
    """Return how many half-width cells a label takes on screen."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)


def pack_rows(buttons: list[Button], columns: int) -> list[list[Button]]:
    """Put up to `columns` buttons on a row while they fit a phone; a long label stands alone."""
    rows: list[list[Button]] = []
    row: list[Button] = []
    widest = 0
    for button in buttons:
        need = label_cells(button["text"]) + BUTTON_PADDING
        # Buttons of a row are equally wide: the widest label decides.
        if row and (len(row) >= columns or max(need, widest) * (len(row) + 1) > ROW_CELLS):
            rows.append(row)
            row, widest = [], 0
        row.append(button)
        widest = max(widest, need)
    if row:
        rows.append(row)
    return rows


def button_label(question: QuestionReply, choice: Choice) -> str:
    """Return a button's label, with a tick on selected options of a multi-select."""
    if question.multi and choice.id in question.selected and not isinstance(unpack(choice.id), Done):
        return SELECTED + choice.label
    return choice.label


def keyboard(question: QuestionReply) -> dict[str, list[list[Button]]] | None:
    """Lay out a question's choices: options by `columns`, then 完成/Done, then navigation.

    As the Bot API's InlineKeyboardMarkup in JSON (what `tg_http.call` sends as it is).
    """
    if not question.choices:
        return None
    columns = max(1, min(question.columns or 1, 4))
    tag = question_tag(question)
    options: list[Button] = []
    done: list[Button] = []
    nav: list[Button] = []
    for index, choice in enumerate(question.choices):
        action = unpack(choice.id)
        label = choice.label
        if isinstance(action, Done):
            done.append({"text": label, "callback_data": ButtonPress(tag, index).pack()})
            continue
        if question.multi and choice.id in question.selected:
            label = SELECTED + label
        button = {"text": label, "callback_data": ButtonPress(tag, index).pack()}
        (nav if isinstance(action, Command) else options).append(button)
    rows = pack_rows(options, columns)
    if done:
        rows.append(done)
    rows.extend(nav[i : i + NAV_PER_ROW] for i in range(0, len(nav), NAV_PER_ROW))
    return {"inline_keyboard": rows}


def text_chunks(reply: TextReply | QuestionReply, lang: str) -> list[str]:
    """Render a reply's text as HTML messages within Telegram's limit (a question never goes empty)."""
    chunks = split_html(reply.text)
    if not chunks and reply.kind == "question":
        chunks = [html.escape(t("channel.choose", lang))]
    return chunks


def answered_html(original_html: str, label: str) -> str | None:
    """Return the question's text with the chosen answer appended, or None if that would be too long."""
    if not label:
        return None
    text = f"{original_html}\n\n» <b>{html.escape(label, quote=False)}</b>"
    return text if utf16_len(text) <= TELEGRAM_LIMIT else None
