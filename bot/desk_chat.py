"""What the staff desk's Telegram handlers share: staff names, post keyboards, command arguments, posting."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, User
from telegram.constants import ParseMode

from bot import staff
from bot.markup import split_html
from bot.sending import tg_call

log = logging.getLogger(__name__)


NAME_LIMIT = 64


def staff_name(user: User) -> str:
    """Return how staff see a colleague: the Telegram name."""
    return (user.full_name or user.username or str(user.id))[:NAME_LIMIT]


def markup(view: staff.PostView) -> InlineKeyboardMarkup | None:
    """Turn a post's button rows into an inline keyboard."""
    rows = [
        [InlineKeyboardButton(label, callback_data=button.pack()) for label, button in row]
        for row in view.buttons
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def command_args(text: str) -> str:
    """Return what follows a command, exactly as typed (Event.from_text folds full-width forms)."""
    parts = text.strip().split(maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else ""


async def send_post(bot: Bot, chat_id: int, view: staff.PostView) -> Message | None:
    """Send a post (long text in parts, the buttons on the last); return the last message."""
    chunks = split_html(view.text)
    sent: Message | None = None
    for index, chunk in enumerate(chunks):
        keys = markup(view) if index == len(chunks) - 1 else None
        sent = await tg_call(
            "sendMessage",
            lambda chunk=chunk, keys=keys: bot.send_message(  # type: ignore[misc]
                chat_id, chunk, parse_mode=ParseMode.HTML, reply_markup=keys
            ),
        )
    return sent
